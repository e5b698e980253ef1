"""pypdf's internals that publish relies on (writers/pypdf_internals.py) still work: an upgrade that
breaks one fails here, by name, rather than as a broken booklet."""

from __future__ import annotations

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, IndirectObject, NameObject

from publish.writers.pypdf_internals import add_indirect


def test_pypdf_stores_an_indirect_object():
    writer = PdfWriter()
    reference = add_indirect(writer, DictionaryObject({NameObject("/Type"): NameObject("/Test")}))
    assert isinstance(reference, IndirectObject)
    assert reference.get_object()[NameObject("/Type")] == "/Test"
    assert writer.root_object is writer._root_object, "the document catalogue is public as root_object"
