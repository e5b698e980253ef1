"""Readers everywhere: Ace by DAISY on the EPUBs, tagged PDFs read back, metadata derived from content."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from publish.build.pipeline import BuildOptions, build
from tests.builds import FIXTURES, MANUSCRIPT, built, epubcheck_messages
from tests.reader_tools import ace_report, violations

XHTML = "{http://www.w3.org/1999/xhtml}"
BOOKS = [MANUSCRIPT, FIXTURES / "two-authors", FIXTURES / "typographie", FIXTURES / "edge-cases"]


@pytest.mark.slow
@pytest.mark.reader
@pytest.mark.parametrize("folder", BOOKS, ids=[f.name for f in BOOKS])
def test_ace_finds_nothing_serious_or_critical(folder, tmp_path):
    formats = ("pdf", "epub") if folder.name == "edge-cases" else ("pdf", "epub", "handout")
    report = ace_report(built(folder, formats).output("epub"), tmp_path / "ace")
    assert violations(report) == []
    assert report["earl:result"]["earl:outcome"] in ("pass", "fail")  # the report was made


@pytest.mark.slow
@pytest.mark.reader
def test_ace_finds_nothing_at_all_on_the_default_book(tmp_path):
    report = ace_report(built(MANUSCRIPT).output("epub"), tmp_path / "ace")
    assert violations(report, ("minor", "moderate", "serious", "critical")) == []
    present = set(report["a11y-metadata"]["present"])
    assert {
        "schema:accessMode",
        "schema:accessibilityFeature",
        "schema:accessibilityHazard",
        "schema:accessibilitySummary",
        "schema:accessModeSufficient",
        "dcterms:conformsTo",
    } <= present


def _opf(epub: Path) -> str:
    with zipfile.ZipFile(epub) as archive:
        return archive.read("EPUB/content.opf").decode("utf-8")


def _features(opf: str) -> set[str]:
    return set(re.findall(r'<meta property="schema:accessibilityFeature">([^<]+)</meta>', opf))


@pytest.mark.slow
def test_metadata_follows_the_content(make_book, tmp_path):
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'
    described = make_book({"01-a.md": "# A\n\nTexte.\n\n![Un carré](../images/a.svg)\n"}, files={"images/a.svg": svg})
    bare = make_book({"01-a.md": "# A\n\nTexte.\n\n![](../images/a.svg)\n"}, files={"images/a.svg": svg})
    decorative = make_book(
        {"01-a.md": "# A\n\nTexte.\n\n![](../images/a.svg){.decorative}\n"}, files={"images/a.svg": svg}
    )
    jumpy = make_book({"01-a.md": "# A\n\n## B\n\n#### C\n\nTexte.\n"})
    opfs = {
        name: _opf(build(folder, tmp_path / name, BuildOptions(formats=("epub",))).outputs[0].path)
        for name, folder in (("described", described), ("bare", bare), ("decorative", decorative), ("jumpy", jumpy))
    }
    conforms = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
    assert "alternativeText" in _features(opfs["described"]) and conforms in opfs["described"]
    assert "alternativeText" not in _features(opfs["bare"]) and conforms not in opfs["bare"]
    assert "alternativeText" in _features(opfs["decorative"]) and conforms in opfs["decorative"]
    assert conforms not in opfs["jumpy"] and "alternativeText" not in _features(opfs["jumpy"])  # no image at all
    assert '<meta property="schema:accessModeSufficient">textual,visual</meta>' in opfs["bare"]
    assert '<meta property="schema:accessModeSufficient">textual</meta>' in opfs["described"]
    for opf in opfs.values():  # the EPUB alone: no PDF to take page numbers from
        assert "printPageNumbers" not in _features(opf) and "pageBreakSource" not in opf


@pytest.mark.slow
def test_every_document_has_a_language_and_the_expected_roles():
    epub = built(MANUSCRIPT).output("epub")
    roles: set[str] = set()
    with zipfile.ZipFile(epub) as archive:
        for name in (n for n in archive.namelist() if n.endswith(".xhtml")):
            root = etree.fromstring(archive.read(name))
            assert root.get("lang") and root.get("{http://www.w3.org/XML/1998/namespace}lang"), name
            roles |= {e.get("role") for e in root.iter() if e.get("role")}
            for cell in root.iter(f"{XHTML}th"):
                assert cell.get("scope") in ("col", "row"), name
    assert {
        "doc-chapter",
        "doc-toc",
        "doc-noteref",
        "doc-footnote",
        "doc-cover",
        "doc-pagebreak",
        "doc-pagelist",
        "doc-backlink",
    } <= roles


@pytest.mark.slow
def test_epub_css_lets_the_reader_choose_colours_fonts_and_sizes():
    with zipfile.ZipFile(built(MANUSCRIPT).output("epub")) as archive:
        css = archive.read("EPUB/styles/book.css").decode("utf-8")
    assert "!important" not in css
    for rule in re.findall(r"(?:^|\})\s*((?:html|body)\b[^{]*)\{([^}]*)\}", css):
        assert not re.search(r"\b(color|background(-color)?|font-size)\s*:", rule[1]), rule
    sizes = re.findall(r"font-size\s*:\s*([^;}\s]+)", css)
    assert sizes and all(re.fullmatch(r"[\d.]+(em|rem|%)|inherit|smaller|larger", size) for size in sizes), sizes
    assert "@media (prefers-color-scheme: dark)" in css
    # With publisher styles off nothing is lost: no text comes from CSS (chapter numbers, note
    # numbers and quotes are in the XHTML), and what CSS hides is only a repeated URL.
    assert not re.search(r"\bcontent\s*:", css)
    assert [s.strip() for s in re.findall(r"([^{}]+)\{[^}]*display\s*:\s*none", css)] == [".url-inline"]


# --- the PDFs ---------------------------------------------------------------------------------------


def _structure(reader: PdfReader) -> tuple[dict[str, int], list[object]]:
    counts: dict[str, int] = {}
    figures: list[object] = []

    def walk(node: object) -> None:
        node = node.get_object()
        if not hasattr(node, "get"):
            return
        kind = node.get("/S")
        if kind:
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "/Figure":
                figures.append(node.get("/Alt"))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object"):
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return counts, figures


@pytest.mark.slow
@pytest.mark.parametrize("output", ["pdf", "handout"])
def test_pdfs_are_tagged_with_language_title_alt_text_and_bookmarks(output):
    reader = PdfReader(built(MANUSCRIPT).output(output))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert root["/Lang"] == "fr"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert (
        reader.metadata.title == "L’Europe à poids ouverts\u00a0: Une réponse européenne aux géants de "
        "l’intelligence artificielle"
    )  # shown in the window's title bar
    counts, figures = _structure(reader)
    assert counts["/H1"] >= 7 and counts["/H2"] >= 30 and counts["/P"] > 100 and counts["/Table"] == 1
    assert figures and all(str(alt).strip() for alt in figures)  # the chart, and the cover in the book PDF
    if output == "pdf":
        assert len(reader.outline) >= 7


@pytest.mark.slow
@pytest.mark.parametrize("variant, marker", [("pdf/ua-1", 'pdfuaid:part="1"'), ("pdf/a-3b", 'pdfaid:part="3"')])
def test_pdf_variants_for_archiving_and_accessibility(tmp_path, variant, marker):
    report = build(FIXTURES / "two-authors", tmp_path, BuildOptions(formats=("pdf",), pdf_variant=variant))
    assert report.warnings == ()
    reader = PdfReader(report.outputs[0].path)
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert marker in xmp
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"] == True  # noqa: E712
    if variant.startswith("pdf/a"):
        assert "/OutputIntents" in reader.trailer["/Root"]


def test_unknown_pdf_variant_in_book_toml_is_located(make_book):
    from publish.errors import PublishError
    from publish.load.manuscript import load_manuscript

    folder = make_book(extra_toml='\n[pdf]\nvariant = "pdf/x-1a"\n')
    with pytest.raises(PublishError) as caught:
        load_manuscript(folder)
    assert "unknown PDF variant `pdf/x-1a`" in caught.value.message and caught.value.line == 8


@pytest.mark.slow
@pytest.mark.epubcheck
def test_default_epub_still_passes_epubcheck():
    assert epubcheck_messages(built(MANUSCRIPT).output("epub")) == []


@pytest.mark.slow
@pytest.mark.parametrize("output", ["pdf", "handout"])
def test_pdfua_checker_finds_no_error(tmp_path, output):
    """`pdfua` (PyPI) checks the machine-checkable subset of PDF/UA-1; veraPDF is not in the registries here."""
    import json
    import subprocess
    import sys

    report = build(MANUSCRIPT, tmp_path, BuildOptions(formats=(output,), pdf_variant="pdf/ua-1"))
    result = subprocess.run(
        [str(Path(sys.executable).parent / "pdfua"), "check", "--format", "json", str(report.outputs[0].path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    checked = json.loads(result.stdout)
    assert result.returncode in (0, 2), result.stdout + result.stderr  # 2: warnings for a human to confirm
    assert checked["summary"]["errors"] == 0, checked["findings"]
