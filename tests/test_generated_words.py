"""Words publish writes itself (the colophon, the dates, chapter labels): the typography of the
book's language, only what is true of the book, and front and back matter left unnumbered."""

from __future__ import annotations

import datetime
import itertools
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from lxml import etree
from pypdf import PdfReader

from publish.load.config import default_identifier
from publish.model import Book, DisplayText, Metadata, PreparedBook
from publish.theme.context import book_view
from publish.theme.loading import load_theme
from tests.builds import MANUSCRIPT, built, page_texts, squash
from tests.conftest import DEFAULT_BOOK_TOML
from tests.rules import words as word_rules

XHTML = {"x": "http://www.w3.org/1999/xhtml"}
OPF = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


def view(tmp_path: Path, lang: str, date: datetime.date, identifier: str = "urn:x", authors=("A",)):
    meta = Metadata("T", tuple(authors), lang, date, identifier)
    book = Book(root=tmp_path, config_path=tmp_path / "book.toml", metadata=meta, chapters=())
    return book_view(PreparedBook(book, (), DisplayText("T", "", "", "")), load_theme("default", tmp_path, lang).words)


# --- the words themselves ------------------------------------------------------------------------


def test_the_first_of_the_month_is_raised_where_markup_is_allowed_and_plain_elsewhere(tmp_path):
    first = datetime.date(2026, 3, 1)
    french = view(tmp_path, "fr", first)
    assert str(french.date_html) == "1<sup>er</sup> mars 2026"
    assert french.date_long == "1er mars 2026", "plain text (attributes, running heads) reads and searches as typed"
    assert str(view(tmp_path, "fr", datetime.date(2026, 3, 2)).date_html) == "2 mars 2026"
    # Italian's º is already a raised letter; English and German have no ordinal letters to raise
    assert str(view(tmp_path, "it", first).date_html) == "1º marzo 2026"
    assert str(view(tmp_path, "en", first).date_html) == "March 1, 2026"
    assert str(view(tmp_path, "de", first).date_html) == "1. März 2026"


def test_an_isbn_is_printed_and_a_uuid_is_not(tmp_path):
    day = datetime.date(2026, 1, 15)
    made_up = default_identifier("T", ("A",))
    assert made_up.startswith("urn:uuid:") and view(tmp_path, "fr", day, made_up).identifier_text == ""
    assert view(tmp_path, "fr", day, "urn:isbn:978-2-1234-5680-3").identifier_text == "ISBN 978-2-1234-5680-3"
    assert view(tmp_path, "en", day, "9782123456803").identifier_text == "ISBN 9782123456803"
    assert view(tmp_path, "fr", day, "doi:10.1000/182").identifier_text == "Identifiant\u00a0: doi:10.1000/182"
    assert view(tmp_path, "en", day, "2-266-11156-6").identifier_text == "ISBN 2-266-11156-6"  # ISBN-10
    # Ten or thirteen digits whose check digit is wrong are some other number, not an ISBN.
    assert view(tmp_path, "fr", day, "2026000124").identifier_text == "Identifiant\u00a0: 2026000124"
    assert view(tmp_path, "fr", day, "9782123456804").identifier_text == "Identifiant\u00a0: 9782123456804"


def test_spanish_y_becomes_e_before_a_name_that_sounds_i(tmp_path):
    day = datetime.date(2026, 1, 15)
    assert view(tmp_path, "es", day, authors=("Ana", "Inés")).authors_text == "Ana e Inés"
    assert view(tmp_path, "es", day, authors=("Ana", "Hilda", "Inés")).authors_text == "Ana, Hilda e Inés"
    assert view(tmp_path, "es", day, authors=("Ana", "Hierro")).authors_text == "Ana y Hierro", "hie- sounds ye-"
    assert view(tmp_path, "fr", day, authors=("Ana", "Inés")).authors_text == "Ana et Inés"


# --- a French book without code, built once ------------------------------------------------------

MOULIN_TOML = """\
[book]
title = "Le Moulin"
authors = ["Alice Martin"]
lang = "fr"
date = 2026-03-01
publisher = "Éditions du Moulin"
identifier = "urn:isbn:978-2-1234-5680-3"
description = "Une histoire de meunier racontée au fil de l’eau."
"""
MOULIN_CHAPTERS = {
    "01-introduction.md": "# Introduction\n\nLisez [la conclusion](03-conclusion.md) puis [la suite](02-meunier.md).\n",
    "02-meunier.md": "# Le meunier\n\nIl se lève tôt.\n\n## La meule\n\nElle tourne.\n",
    "03-conclusion.md": "# Conclusion\n\nLe moulin tourne encore.\n",
}


@pytest.fixture(scope="module")
def moulin(tmp_path_factory):
    folder = tmp_path_factory.mktemp("moulin")
    (folder / "book.toml").write_text(MOULIN_TOML, encoding="utf-8")
    (folder / "chapters").mkdir()
    for name, text in MOULIN_CHAPTERS.items():
        (folder / "chapters" / name).write_text(text, encoding="utf-8")
    return built(folder, ("pdf", "epub", "handout"), chapters="introduction")


@dataclass(frozen=True)
class Word:
    text: str
    top: float
    bottom: float


def words_of_page(pdf: Path, page: int) -> list[Word]:
    """The words of a page with their boxes, as poppler lays them out (a superscript is a word apart)."""
    xml = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"], capture_output=True, check=True
    ).stdout
    root = etree.fromstring(xml, etree.XMLParser(recover=True))
    return [
        Word(w.text or "", float(w.get("yMin")), float(w.get("yMax")))
        for w in root.iter("{http://www.w3.org/1999/xhtml}word")
    ]


def raised_ordinals(pdf: Path, page: int) -> int:
    """How many "1" + "er" pairs the page sets with "er" smaller and higher than the "1"."""
    found = 0
    page_words = words_of_page(pdf, page)
    for one, suffix in itertools.pairwise(page_words):
        if one.text == "1" and suffix.text == "er":
            smaller = (suffix.bottom - suffix.top) < 0.85 * (one.bottom - one.top)
            found += smaller and suffix.bottom < one.bottom - 1
    return found


def colophon(pdf: Path) -> tuple[int, str]:
    """The colophon's page number and its text."""
    texts = page_texts(pdf)
    number = next(i for i, text in enumerate(texts, start=1) if "Composé avec publish" in text)
    return number, squash(texts[number - 1])


def epub_document(epub: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(epub) as archive:
        return etree.fromstring(archive.read(f"EPUB/{name}"))


def embedded_fonts(pdf: Path) -> set[str]:
    with pikepdf.open(pdf) as document:
        return {
            str(o.BaseFont).split("+", 1)[-1]
            for o in document.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == pikepdf.Name.Font and "/BaseFont" in o
        }


@pytest.mark.slow
def test_the_colophon_names_the_publisher_alone_dates_in_superscript_and_prints_the_isbn(moulin):
    pdf = moulin.output("pdf")
    page, text = colophon(pdf)
    assert "Éditions du Moulin, 1er mars 2026." in text  # pdftotext flattens the superscript
    assert "Publié par" not in text, "no article to guess: « par les Éditions du Moulin », « par Gallimard »"
    assert raised_ordinals(pdf, page) == 1, "1er set as 1 + a raised, smaller er"
    assert "ISBN 978-2-1234-5680-3" in text and "urn:" not in text
    colophon_xhtml = epub_document(moulin.output("epub"), "copyright.xhtml")
    date_line = next(p for p in colophon_xhtml.iterfind(".//x:p", XHTML) if "mars 2026" in "".join(p.itertext()))
    assert date_line.findtext("x:sup", namespaces=XHTML) == "er"
    assert squash("".join(date_line.itertext())) == "Éditions du Moulin, 1er mars 2026."


@pytest.mark.slow
def test_the_description_stays_in_the_metadata_and_off_the_pages(moulin):
    description = "Une histoire de meunier racontée au fil de l’eau."
    pdf = moulin.output("pdf")
    assert PdfReader(pdf).metadata.subject == description
    assert all("meunier racontée" not in squash(text) for text in page_texts(pdf))
    opf = epub_document(moulin.output("epub"), "content.opf")
    assert opf.findtext(".//dc:description", namespaces=OPF) == description
    with zipfile.ZipFile(moulin.output("epub")) as archive:
        pages = [archive.read(n).decode() for n in archive.namelist() if n.endswith(".xhtml")]
    assert not any("meunier racontée" in page for page in pages)


@pytest.mark.slow
def test_a_book_without_code_credits_only_the_typefaces_it_uses(moulin):
    pdf = moulin.output("pdf")
    _, text = colophon(pdf)
    assert "Composé avec publish en Vollkorn et Inter." in text
    fonts = embedded_fonts(pdf)
    assert any(f.startswith("Vollkorn") for f in fonts) and any(f.startswith("Inter") for f in fonts)
    assert not any("JetBrains" in f for f in fonts), fonts
    credit = epub_document(moulin.output("epub"), "copyright.xhtml").find(".//x:p[@class='colophon-typeset']", XHTML)
    assert credit.text == "Composé avec publish en Vollkorn et Inter."


@pytest.mark.slow
def test_introduction_and_conclusion_are_unnumbered_in_every_output(moulin):
    texts = [squash(t) for t in page_texts(moulin.output("pdf"))]
    contents = next(t for t in texts if t.startswith("Table des matières"))
    assert re.search(r"Introduction [. ]+\d+ 1 Le meunier [. ]+\d+ La meule [. ]+\d+ Conclusion [. ]+\d+$", contents)
    labels = [t.replace(" ", "").upper() for t in texts if "CHAPITRE" in t.replace(" ", "").upper()]
    assert len(labels) == 1 and "CHAPITRE1LEMEUNIER" in labels[0], "one chapter label: the meunier's"
    nav = epub_document(moulin.output("epub"), "nav.xhtml")
    toc = nav.find(".//x:nav[@id='toc']", XHTML) or nav.find(".//x:nav", XHTML)
    labels = [squash("".join(a.itertext())) for a in toc.iterfind(".//x:a", XHTML)]
    assert labels == ["Introduction", "1. Le meunier", "La meule", "Conclusion"]
    # the handout holds the introduction only: links elsewhere say where to look, by number or by title
    handout = squash(" ".join(page_texts(moulin.output("handout"))))
    assert "Lisez la conclusion (« Conclusion ») puis la suite (chapitre 1)." in handout


@pytest.mark.slow
def test_the_handout_byline_raises_the_ordinal(moulin):
    handout = moulin.output("handout")
    byline = next(i for i, t in enumerate(page_texts(handout), start=1) if "Alice Martin" in t)
    assert raised_ordinals(handout, byline) == 1


# --- the sample book: code, no identifier given --------------------------------------------------


@pytest.mark.slow
def test_the_sample_book_credits_its_code_typeface_and_prints_no_uuid():
    pdf = built(MANUSCRIPT).output("pdf")
    _, text = colophon(pdf)
    assert "Composé avec publish en Vollkorn, Inter et JetBrains Mono." in text
    assert any("JetBrains" in f for f in embedded_fonts(pdf)), "the sample book has code"
    assert "Éditions de la Lanterne, 26 novembre 2026." in text
    assert "Identifiant" not in text and "urn:uuid" not in text
    assert "Face aux géants" not in text, "the description is for the back cover, which the PDF has not"


@pytest.mark.slow
def test_a_spanish_colophon_says_e_before_inter(make_book, tmp_path):
    toml = '[book]\ntitle = "El molino"\nauthors = ["Ana", "Inés"]\nlang = "es"\ndate = 2026-03-01\n'
    folder = make_book({"01-uno.md": "# Uno\n\nTexto.\n"}, toml)
    epub = built(folder, ("epub",)).output("epub")
    page = squash(" ".join(epub_document(epub, "copyright.xhtml").itertext()))
    assert "Ana e Inés" in page and "Compuesto con publish en Vollkorn e Inter." in page
    assert "1 de marzo de 2026." in page


# --- the rules of tests/rules/words.py catch the old colophon ------------------------------------

OLD_COLOPHON = """\
{% import "semantics.html" as semantics %}
<section class="copyright-page" id="copyright"{{ semantics.copyright_page() }}>
  <p>Publié par {{ book.publisher }}, {{ book.date_long }}.</p>
  <p>{{ words.identifier }}{{ words.colon }} {{ book.identifier }}</p>
  <p>Composé avec publish en Vollkorn, Inter et JetBrains Mono.</p>
</section>
"""


@pytest.mark.slow
def test_the_word_rules_catch_a_colophon_that_breaks_them(make_book):
    folder = make_book(
        None,
        DEFAULT_BOOK_TOML.replace("date = 2026-01-15", 'date = 2026-03-01\ntheme = "ancien"\npublisher = "Moulin"'),
        files={
            "styles/ancien/theme.toml": 'name = "ancien"\nextends = "default"\n',
            "styles/ancien/templates/copyright.html": OLD_COLOPHON,
        },
    )
    out = Path(tempfile.mkdtemp(prefix="wordsh-rules-"))  # outside tmp_path: conftest checks what stays there
    try:
        from publish.build.pipeline import BuildOptions, build

        report = build(folder, out, BuildOptions(formats=("pdf", "epub")))
        paths = {o.format: o.path for o in report.outputs}
        pdf_found, epub_found = word_rules.check_pdf(paths["pdf"]), word_rules.check_epub(paths["epub"])
    finally:
        shutil.rmtree(out)
    assert any("urn:uuid" in v for v in pdf_found) and any("JetBrains Mono" in v for v in pdf_found), pdf_found
    assert any("1er mars" in v for v in epub_found) and any("urn:uuid" in v for v in epub_found), epub_found
    assert any("JetBrains Mono" in v for v in epub_found), epub_found
