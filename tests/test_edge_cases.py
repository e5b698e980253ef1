"""The edge-case fixture book: empty chapter, giant word, 400-row table, 300 notes, every image format."""

from __future__ import annotations

import re
import subprocess
import zipfile
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader

from tests.builds import FIXTURES, built, epubcheck_messages, page_texts, squash

BOOK = FIXTURES / "edge-cases"


@pytest.fixture(scope="module")
def edge():
    return built(BOOK, ("pdf", "epub"))


@pytest.mark.slow
@pytest.mark.epubcheck
def test_builds_with_only_the_empty_chapter_warning_and_the_epub_is_valid(edge):
    # 01-vide.md is empty on purpose: the one thing the author is told about
    assert [(w.path.name, w.line, w.message) for w in edge.report.warnings] == [
        ("01-vide.md", 1, "chapter is empty: it has a title and no text")
    ]
    assert epubcheck_messages(edge.output("epub")) == []


@pytest.mark.slow
def test_every_row_and_every_note_is_printed(edge):
    text = squash("\n".join(page_texts(edge.output("pdf"))))
    rows = {int(n) for n in re.findall(r"Ligne (\d+)\b", text)}
    assert rows == set(range(1, 401))
    notes = {int(n) for n in re.findall(r"Note numéro (\d+)\.", text)}
    assert notes == set(range(1, 301))


@pytest.mark.slow
def test_the_giant_word_stays_inside_the_page(edge):
    path = edge.output("pdf")
    word = (BOOK / "chapters" / "02-mot géant.md").read_text(encoding="utf-8").split("Avant le mot : ")[1].split(" ")[0]
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True).stdout
    tree = ElementTree.fromstring(html.replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    for page in tree.iter("page"):
        width = float(page.get("width"))
        assert all(float(w.get("xMax")) <= width for w in page.iter("word"))
    flat = re.sub(r"[\s\u2010-]", "", "".join(page_texts(path)))
    flat = re.sub(r"\d*Unmotdecinqmillecaractères\d*", "", flat)  # running heads and folios between pages
    assert word in flat, "all 5,000 characters are printed, none lost"


@pytest.mark.slow
def test_the_empty_chapter_is_in_the_outline(edge):
    reader = PdfReader(edge.output("pdf"))
    titles = [item.title.replace("\u00a0", " ") for item in reader.outline if not isinstance(item, list)]
    assert "Un chapitre vide" in titles


@pytest.mark.slow
def test_every_image_format_with_spaces_and_accents_in_its_name(edge):
    with zipfile.ZipFile(edge.output("epub")) as archive:
        opf = archive.read("EPUB/content.opf").decode("utf-8")
        names = set(archive.namelist())
    types = set(re.findall(r'media-type="(image/[^"]+)"', opf))
    assert {"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"} <= types
    # stored under ASCII names without spaces (EPUBCheck warns about spaces; old readers fail on them)
    assert {"EPUB/images/photo-d-ete.png", "EPUB/images/schema-simple.svg"} <= names
    pages = PdfReader(edge.output("pdf")).pages
    assert sum(len(page.images) for page in pages) >= 4  # the raster ones; the SVG is drawn as vectors
