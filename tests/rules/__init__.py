"""Typesetting rules every PDF and EPUB the test suite builds must keep (issue 17).

Each module of this package owns some rules and exposes ``check_pdf(path)`` and/or
``check_epub(path)``, returning one string per violation. conftest.py runs them all on every
output a test leaves behind, so a rule holds for every book the suite builds, not only for the
sample book. A file that is not a readable PDF or EPUB (a test's stand-in for an earlier output,
a deliberately truncated file) is not an output and is skipped.
"""

from __future__ import annotations

import importlib
import pkgutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pikepdf

Checker = Callable[[Path], list[str]]


def _modules() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)]


def _readable(path: Path) -> bool:
    try:
        if path.suffix == ".pdf":
            with pikepdf.open(path):
                return True
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()[:1] == ["mimetype"]
    except (OSError, ValueError, pikepdf.PdfError, zipfile.BadZipFile, IndexError):
        return False


def check_output(path: Path) -> list[str]:
    """Every rule's violations for one output file, each prefixed with the rule module's name."""
    kind = {".pdf": "check_pdf", ".epub": "check_epub"}.get(path.suffix)
    if kind is None or not _readable(path):
        return []
    found = []
    for module in _modules():
        checker: Checker | None = getattr(module, kind, None)
        if checker is not None:
            found += [f"{module.__name__.rsplit('.', 1)[1]}: {v}" for v in checker(path)]
    return found
