"""End to end: build real books and read the PDFs back with pypdf and poppler."""

from __future__ import annotations

import re
import subprocess

import pytest
from pypdf import PdfReader

from publish.load.manuscript import load_manuscript
from tests.builds import FIXTURES, MANUSCRIPT, built, page_texts, squash

BOOKS = {"manuscript": MANUSCRIPT, "two-authors": FIXTURES / "two-authors"}


@pytest.fixture(scope="module", params=sorted(BOOKS))
def book(request):
    folder = BOOKS[request.param]
    build = built(folder)
    pdf = build.output("pdf")
    return {
        "folder": folder,
        "build": build,
        "pdf": pdf,
        "reader": PdfReader(pdf),
        "pages": page_texts(pdf),
        "manuscript": load_manuscript(folder),
    }


def _toc_numbers(book) -> dict[str, int]:
    """Chapter title -> page number printed in the table of contents."""
    toc_pages = [i for i, text in enumerate(book["pages"]) if "Table des matières" in text]
    assert toc_pages, "no table of contents page"
    text = squash("\n".join(book["pages"][toc_pages[0] : toc_pages[0] + 3]))
    numbers = {}
    for chapter in book["manuscript"].chapters:
        match = re.search(re.escape(squash(chapter.title)) + r"[ .]*?(\d+)", text)
        assert match, f"{chapter.title!r} not in the table of contents"
        numbers[chapter.title] = int(match.group(1))
    return numbers


def _opening_page(book, title: str) -> int:
    """1-based number of the first page after the front matter where ``title`` appears."""
    toc_pages = [i for i, text in enumerate(book["pages"][:10]) if re.search(r"(\.\s?){5,}\s*\d+", text)]
    for index in range(max(toc_pages) + 1, len(book["pages"])):
        if squash(title) in squash(book["pages"][index]):
            return index + 1
    raise AssertionError(f"chapter {title!r} not found in the PDF")


@pytest.mark.slow
def test_builds_without_weasyprint_warnings(book):
    assert book["build"].report.warnings == ()


@pytest.mark.slow
def test_toc_page_numbers_are_the_pages_where_chapters_start(book):
    numbers = _toc_numbers(book)
    for chapter in book["manuscript"].chapters:
        assert numbers[chapter.title] == _opening_page(book, chapter.title), chapter.title


@pytest.mark.slow
def test_outline_mirrors_the_chapters_and_points_at_their_pages(book):
    reader = book["reader"]
    top = [item for item in reader.outline if not isinstance(item, list)]
    titles = [squash(item.title) for item in top]
    chapters = [squash(c.title) for c in book["manuscript"].chapters]
    assert titles[-len(chapters) :] == chapters
    numbers = _toc_numbers(book)
    for item, chapter in zip(top[-len(chapters) :], book["manuscript"].chapters, strict=True):
        assert reader.get_destination_page_number(item) + 1 == numbers[chapter.title]


@pytest.mark.slow
def test_metadata_comes_from_book_toml(book):
    meta = book["manuscript"].metadata
    info = book["reader"].metadata
    assert squash(meta.title) in squash(info.title)
    for author in meta.authors:
        assert author in info.author
    assert squash(info.subject) == squash(meta.description)
    assert info["/CreationDate"].startswith("D:" + meta.date.strftime("%Y%m%d"))
    assert book["reader"].trailer["/Root"]["/Lang"] == meta.lang


@pytest.mark.slow
def test_every_font_is_embedded_and_subset(book):
    listing = subprocess.run(["pdffonts", str(book["pdf"])], check=True, capture_output=True, text=True).stdout
    rows = listing.splitlines()[2:]
    assert rows, "no fonts in the PDF"
    families = " ".join(rows)
    for family in ("Vollkorn", "Inter"):
        assert family in families
    for row in rows:
        name, emb, sub = row.split()[0], row.split()[-5], row.split()[-4]
        assert (emb, sub) == ("yes", "yes"), row
        assert re.match(r"[A-Z]{6}\+", name), row


@pytest.mark.slow
def test_no_running_head_or_folio_on_cover_title_and_copyright(book):
    for index in range(3):
        assert not re.search(r"^\s*\d+\s*$", book["pages"][index], re.M), f"folio on page {index + 1}"


@pytest.mark.slow
def test_running_head_is_the_chapter_title_except_on_opening_pages(book):
    checked = 0
    for chapter in book["manuscript"].chapters:
        start = _opening_page(book, chapter.title)
        opening = [line.strip() for line in book["pages"][start - 1].splitlines() if line.strip()]
        assert not re.match(r"^\d+$", opening[0])
        following = book["pages"][start] if start < len(book["pages"]) else ""
        first_line = next((line.strip() for line in following.splitlines() if line.strip()), "")
        if squash(chapter.title) in squash(first_line):
            checked += 1
            assert squash(book["pages"][start - 1]).count(squash(chapter.title)) == 1
    if book["folder"] == MANUSCRIPT:  # the fixture's chapters are one page each
        assert checked >= 3


@pytest.mark.slow
def test_page_size_is_a5(book):
    box = book["reader"].pages[5].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (148, 210)


@pytest.mark.slow
def test_links_work(book):
    uris, internal = [], 0
    for page in book["reader"].pages:
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            if action is not None and "/URI" in action:
                uris.append(action["/URI"])
            elif "/Dest" in annotation or (action is not None and "/D" in action):
                internal += 1
    assert any(uri.startswith("https://") for uri in uris)
    assert internal > len(book["manuscript"].chapters)  # TOC entries plus cross-chapter links


@pytest.mark.slow
def test_text_is_hyphenated_in_the_book_language():
    pages = built(MANUSCRIPT).output("pdf")
    text = "\n".join(page_texts(pages))
    assert len(re.findall(r"[a-zéèàùç][-\u2010]\n", text)) > 20  # WeasyPrint sets U+2010 at breaks


@pytest.mark.slow
def test_footnotes_sit_on_the_page_of_their_call():
    pages = page_texts(built(FIXTURES / "two-authors").output("pdf"))
    for call, note in [
        ("commence par une note", "Première note de l’ouverture"),
        ("appelle sa propre note", "Première note du deuxième chapitre"),
        ("puis une seconde", "Seconde note du deuxième chapitre"),
    ]:
        with_call = [i for i, text in enumerate(pages) if call in squash(text)]
        with_note = [i for i, text in enumerate(pages) if squash(note) in squash(text)]
        assert len(with_call) == 1 and with_call == with_note, (call, with_call, with_note)


@pytest.mark.slow
def test_footnote_numbers_restart_in_each_chapter():
    pages = [squash(t) for t in page_texts(built(FIXTURES / "two-authors").output("pdf"))]
    opening = next(t for t in pages if "Première note de l" in t)
    second = next(t for t in pages if "Première note du deuxième chapitre" in t)
    assert "1. Première note de l" in opening
    assert "1. Première note du deuxième chapitre" in second and "2. Seconde note" in second


@pytest.mark.slow
def test_table_header_repeats_and_table_fits_the_text_block(make_book, tmp_path):
    rows = "\n".join(f"| Ligne {i} | {'mot ' * 12}| {i * 3} |" for i in range(90))
    folder = make_book({"01-tableau.md": f"# Un long tableau\n\n| Nom | Texte | Valeur |\n|---|---|--:|\n{rows}\n"})
    from publish.build.pipeline import BuildOptions, build

    report = build(folder, tmp_path / "out", BuildOptions(formats=("pdf",)))
    pdf = report.outputs[0].path
    texts = page_texts(pdf)
    table_pages = [t for t in texts if "Ligne" in t]
    assert len(table_pages) >= 2
    for text in table_pages:
        assert re.search(r"Nom\s+Texte\s+Valeur", text), "header row not repeated"
    reader = PdfReader(pdf)
    width = float(reader.pages[-1].mediabox.width)
    listing = subprocess.run(
        ["pdftotext", "-bbox", "-f", "5", "-l", "5", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', listing)]
    assert right_edges and max(right_edges) < width - 30  # inside the right margin
