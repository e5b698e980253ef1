"""Print page numbers inside the EPUB: page N's marker sits where page N of the PDF begins."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from tests.builds import FIXTURES, MANUSCRIPT, built, epubcheck_messages

XHTML = "{http://www.w3.org/1999/xhtml}"
OPF = {"opf": "http://www.idpf.org/2007/opf"}
MM = 72 / 25.4


def text_after_markers(epub: Path) -> dict[int, tuple[str, str]]:
    """Page number -> (document, the text that follows its marker in reading order, 60 words)."""
    found: dict[int, tuple[str, str]] = {}
    with zipfile.ZipFile(epub) as archive:
        for name in archive.namelist():
            if not name.endswith(".xhtml"):
                continue
            body = etree.fromstring(archive.read(name)).find(f"{XHTML}body")
            events: list[tuple[str, object]] = []

            def walk(node: etree._Element, events: list[tuple[str, object]] = events) -> None:
                if node.get("role") == "doc-pagebreak":
                    events.append(("page", int(node.get("aria-label"))))
                elif node.get("role") in ("doc-pagelist", "doc-footnote"):  # a note is at the chapter's end
                    events.append(("text", node.tail or ""))
                    return
                else:
                    events.append(("text", node.text or ""))
                    for child in node:
                        walk(child)
                events.append(("text", node.tail or ""))

            for child in body:
                walk(child)
            for index, (kind, value) in enumerate(events):
                if kind == "page":
                    assert value not in found, f"page {value} is marked twice"
                    text = "".join(str(v) for k, v in events[index + 1 :] if k == "text")
                    found[value] = (name.removeprefix("EPUB/"), " ".join(text.split()[:60]))
    return found


def first_line_of_pages(pdf: Path, top_mm: float, bottom_mm: float) -> list[str]:
    """Each page's first line of text inside the text block (running heads and folios cropped off)."""
    reader = PdfReader(pdf)
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    top, bottom = top_mm * MM, bottom_mm * MM
    lines = []
    for number in range(1, len(reader.pages) + 1):
        text = subprocess.run(
            [
                "pdftotext",
                "-f",
                str(number),
                "-l",
                str(number),
                "-x",
                "0",
                "-y",
                str(int(top)),
                "-W",
                str(int(width)),
                "-H",
                str(int(height - top - bottom)),
                str(pdf),
                "-",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        lines.append(next((" ".join(line.split()) for line in text.splitlines() if line.strip()), ""))
    return lines


def squashed(text: str) -> str:
    """Letters only, case-folded: the PDF spaces out letter-spaced capitals, numbers lists, curls quotes."""
    return re.sub(r"\W+", "", text.casefold().replace("’", "'"))


def begins_page(pdf_line: str, epub_text: str) -> bool:
    """The EPUB text after the marker starts with the PDF page's first line: at most one word
    earlier (a word hyphenated across the page break), ignoring a list item's number."""
    line = squashed(re.sub(r"^\d+\.\s+", "", pdf_line))[:30]
    text = squashed(epub_text)
    first_word = squashed(epub_text.split()[0]) if epub_text.split() else ""
    position = text.find(line)
    return bool(line) and 0 <= position <= max(len(first_word) - 1, 0)


@pytest.fixture(scope="module")
def default_book():
    build = built(MANUSCRIPT)
    return build, text_after_markers(build.output("epub")), first_line_of_pages(build.output("pdf"), 18, 20)


@pytest.mark.slow
def test_every_page_of_the_pdf_has_exactly_one_marker_in_reading_order(default_book):
    build, markers, lines = default_book
    assert sorted(markers) == list(range(1, len(lines) + 1))
    with zipfile.ZipFile(build.output("epub")) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        spine = [
            opf.find(f".//opf:item[@id='{ref.get('idref')}']", OPF).get("href")
            for ref in opf.iterfind(".//opf:itemref", OPF)
        ]
    documents = [spine.index(markers[n][0]) for n in sorted(markers)]
    assert documents == sorted(documents), "page markers follow the spine"


@pytest.mark.slow
def test_text_after_each_marker_is_the_first_text_of_that_pdf_page(default_book):
    _build, markers, lines = default_book
    # Two pages have no place of their own in the EPUB: the cover (an image there) and the
    # table of contents' second page (the EPUB's navigation document lists chapters its own way).
    skipped = {1, 5}
    matched = [n for n, line in enumerate(lines, start=1) if n not in skipped and begins_page(line, markers[n][1])]
    missed = [
        (n, lines[n - 1], markers[n][1][:60]) for n in range(1, len(lines) + 1) if n not in skipped and n not in matched
    ]
    assert missed == []
    assert len(matched) == len(lines) - len(skipped) == 36


@pytest.mark.slow
@pytest.mark.epubcheck
def test_page_list_nav_and_metadata(default_book):
    build, markers, _ = default_book
    with zipfile.ZipFile(build.output("epub")) as archive:
        nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
        opf = archive.read("EPUB/content.opf").decode("utf-8")
    page_list = nav.find(f".//{XHTML}nav[@role='doc-pagelist']")
    links = [(a.get("href"), a.text) for a in page_list.iter(f"{XHTML}a")]
    assert links == [(f"{markers[n][0]}#page-{n}", str(n)) for n in sorted(markers)]
    assert '<meta property="pageBreakSource">L’Europe à poids ouverts, PDF A5 (l-europe-a-poids-ouverts.pdf)' in opf
    for feature in ("printPageNumbers", "pageBreakMarkers", "pageNavigation"):
        assert f'<meta property="schema:accessibilityFeature">{feature}</meta>' in opf
    assert '<package xml:lang="fr"' in opf
    assert epubcheck_messages(build.output("epub")) == []


@pytest.mark.slow
def test_a_second_fixture_book_matches_too():
    build = built(FIXTURES / "two-authors")
    markers = text_after_markers(build.output("epub"))
    lines = first_line_of_pages(build.output("pdf"), 18, 20)
    chapter_pages = [
        n
        for n, (document, _) in markers.items()
        if document not in ("cover.xhtml", "title.xhtml", "copyright.xhtml", "nav.xhtml")
    ]
    assert chapter_pages and all(begins_page(lines[n - 1], markers[n][1]) for n in chapter_pages)


@pytest.mark.slow
def test_an_epub_built_without_the_pdf_claims_no_page_numbers(tmp_path):
    from publish.build.pipeline import BuildOptions, build

    report = build(FIXTURES / "two-authors", tmp_path, BuildOptions(formats=("epub",)))
    with zipfile.ZipFile(report.outputs[0].path) as archive:
        opf = archive.read("EPUB/content.opf").decode("utf-8")
        text = " ".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xhtml"))
    assert "pageBreakSource" not in opf and "printPageNumbers" not in opf
    assert "doc-pagebreak" not in text and "page-list" not in text
