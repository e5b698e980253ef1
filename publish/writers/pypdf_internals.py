"""pypdf's internals that we rely on, in one place: adding an object to a writer as an indirect object.

pypdf has no public call for it (``PdfWriter._add_object``). tests/test_pypdf_internals.py
fails loudly when an upgrade changes it.
"""

from __future__ import annotations

from pypdf import PdfWriter
from pypdf.generic import IndirectObject, PdfObject


def add_indirect(writer: PdfWriter, value: PdfObject) -> IndirectObject:
    """``value`` stored in ``writer`` as an indirect object, for a dictionary to refer to."""
    return writer._add_object(value)
