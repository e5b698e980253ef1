"""French typography end to end: the characters in the EPUB's XHTML, the PDF's text, and its lines."""

from __future__ import annotations

import re
import zipfile

import pytest
from lxml import etree
from pypdf import PdfReader

from publish.build.pipeline import BuildOptions, build
from tests.builds import FIXTURES, MANUSCRIPT, built, epubcheck_messages, page_texts
from tests.conftest import DEFAULT_BOOK_TOML

BOOK = FIXTURES / "typographie"
XHTML = {"x": "http://www.w3.org/1999/xhtml"}
NNBSP, NBSP = "\u202f", "\u00a0"

# What the author typed (see the fixture) -> what a French typesetter prints.
FRENCH_PAIRS = [
    ("Toute? Non!", f"Toute{NNBSP}? Non{NNBSP}!"),
    ("Vraiment?! Oui!!", f"Vraiment{NNBSP}?! Oui{NNBSP}!!"),
    ('Il dit: "Elle a crié "Au feu!" puis', f"Il dit{NBSP}: «{NNBSP}Elle a crié “Au feu{NNBSP}!” puis"),
    ("s'est tue.\"", f"s’est tue.{NNBSP}»"),
    ("l'envahisseur...", "l’envahisseur…"),
    ("10 000 exemplaires", f"10{NNBSP}000 exemplaires"),
    ("25 € pièce;", f"25{NBSP}€ pièce{NNBSP};"),
    ("10% ont", f"10{NNBSP}% ont"),
    ("pèse 3 Go.", f"pèse 3{NBSP}Go."),
    ("incises -- comme celle-ci -- restent", f"incises –{NBSP}comme celle-ci{NBSP}– restent"),
]
LEFT_ALONE = ["12:30", "ratio 1:2", "https://exemple.fr/page?id=3", "auteur@exemple.fr :)"]


@pytest.fixture(scope="module")
def outputs():
    return built(BOOK)


def _epub_documents(path):
    with zipfile.ZipFile(path) as archive:
        return {name: etree.fromstring(archive.read(name)) for name in archive.namelist() if name.endswith(".xhtml")}


def _text(element) -> str:
    return "".join(element.itertext())


def _pdf_text(path) -> str:
    """pypdf keeps U+202F and U+00A0 (pdftotext turns them into plain spaces); lines joined back."""
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    text = re.sub(r"[‐-]\n", "", text).replace("\n", " ")
    return re.sub(" +", " ", text)  # justified lines come out with stretched spaces doubled


@pytest.mark.slow
def test_french_chapter_in_the_epub(outputs):
    chapter = _epub_documents(outputs.output("epub"))["EPUB/01-regles.xhtml"]
    text = _text(chapter.find(".//x:body", XHTML))
    for typed, printed in FRENCH_PAIRS:
        assert printed in text, f"{typed!r} should print as {printed!r}"
    for literal in LEFT_ALONE:
        assert literal in text
    markup = etree.tostring(chapter, encoding="unicode")
    for superscript in ("Au XIX<sup>e</sup> siècle", "le 1<sup>er</sup> tirage", "le 2<sup>e</sup> jour"):
        assert superscript in markup  # "2ème" normalised to 2ᵉ


@pytest.mark.slow
def test_code_and_notypo_are_untouched(outputs):
    chapter = _epub_documents(outputs.output("epub"))["EPUB/01-regles.xhtml"]
    codes = [_text(code) for code in chapter.iterfind(".//x:code", XHTML)]
    assert 'echo "a?b"' in codes
    assert any('print("Quoi? Non!")  # rien ne change ici: "..."' in code for code in codes)
    raw = [_text(s) for s in chapter.iterfind(".//x:span", XHTML) if s.get("class") == "notypo"]
    assert raw == ['zone "brute"? sans retouche!']


@pytest.mark.slow
def test_each_text_follows_its_own_language(outputs):
    documents = _epub_documents(outputs.output("epub"))
    english_paragraph = next(
        p for p in documents["EPUB/01-regles.xhtml"].iterfind(".//x:p", XHTML) if p.get("lang") == "en"
    )
    assert _text(english_paragraph) == "“Really?” she asked. “It’s fine,” he said."
    english = documents["EPUB/02-english.xhtml"]
    assert english.find(".//x:section", XHTML).get("lang") == "en"
    body = _text(english.find(".//x:body", XHTML))
    assert "“Quoted,” he said – ‘nested’ and all – “that’s the ’90s style…” Really?" in body
    assert NNBSP not in body.replace(f"10{NNBSP}000", "")


@pytest.mark.slow
def test_titles_are_typeset_in_nav_metadata_and_title_page(outputs):
    documents = _epub_documents(outputs.output("epub"))
    nav = [_text(a) for a in documents["EPUB/nav.xhtml"].iterfind(".//x:a", XHTML)]
    assert f"1. Les règles du jeu{NBSP}: une introduction{NNBSP}?" in nav
    assert f"Qui a dit «{NNBSP}jamais{NNBSP}»{NNBSP}?" in nav
    with zipfile.ZipFile(outputs.output("epub")) as archive:
        opf = archive.read("EPUB/content.opf").decode("utf-8")
    assert f"<dc:title>L’atelier du typographe{NBSP}: une visite{NNBSP}?</dc:title>" in opf
    assert f"autres «{NNBSP}détails{NNBSP}»" in opf
    title_page = _text(documents["EPUB/title.xhtml"].find(".//x:body", XHTML))
    assert f"L’atelier du typographe{NBSP}: une{NBSP}visite{NNBSP}?" in title_page  # a display line: tail bound


@pytest.mark.slow
@pytest.mark.epubcheck
def test_epub_with_typography_passes_epubcheck(outputs):
    assert epubcheck_messages(outputs.output("epub")) == []


@pytest.mark.slow
def test_the_pdf_prints_the_same_characters(outputs):
    text = _pdf_text(outputs.output("pdf"))
    for typed, printed in FRENCH_PAIRS:
        assert printed in text, f"{typed!r} should print as {printed!r}"
    for literal in LEFT_ALONE + ['echo "a?b"', 'print("Quoi? Non!")']:
        assert literal in text
    assert "XIXe siècle" in text  # superscript e, extracted inline
    info = PdfReader(outputs.output("pdf")).metadata
    assert info.title.startswith(f"L’atelier du typographe{NBSP}: une visite{NNBSP}?")


@pytest.mark.slow
@pytest.mark.parametrize(
    "folder, format_name",
    [(BOOK, "pdf"), (BOOK, "handout"), (MANUSCRIPT, "pdf"), (MANUSCRIPT, "handout")],
    ids=["fixture", "fixture-handout", "manuscript", "manuscript-handout"],
)
def test_no_line_starts_or_ends_with_a_mark_that_belongs_to_the_next_or_previous_word(folder, format_name):
    """No line starts with ? ! : ; » (Pango's line breaking already refuses most of those breaks, the
    no-break spaces make sure) and none ends with « (only the no-break space after it prevents that)."""
    path = built(folder).output(format_name)
    offenders = []
    for number, page in enumerate(page_texts(path), start=1):
        for line in page.splitlines():
            # -layout keeps columns apart: a mark may start or end any run of text on the line
            for run in re.split(r"\s{3,}", line.strip()):
                if run[:1] in ("?", "!", ":", ";", "»") or run[-1:] == "«":
                    offenders.append(f"page {number}: {line.strip()}")
    assert offenders == []


@pytest.mark.slow
def test_the_default_manuscript_has_no_straight_quotes_outside_code():
    documents = _epub_documents(built(MANUSCRIPT).output("epub"))
    for name, document in documents.items():
        for element in document.iter():
            if not isinstance(element.tag, str) or etree.QName(element).localname in ("code", "pre"):
                continue
            inside_code = any(etree.QName(a).localname in ("code", "pre") for a in element.iterancestors())
            for text in ([element.text] if not inside_code else []) + [element.tail]:
                assert not re.search(r"['\"]|\.\.\.|--", text or ""), f"{name}: {text!r}"
    chapter = _text(documents["EPUB/01-introduction.xhtml"].find(".//x:body", XHTML))
    assert f"Quelle accélération{NNBSP}!" in chapter and f"d’échelle{NBSP}:" not in chapter


def _book_in(make_book, lang: str, chapters: dict[str, str], name: str):
    return make_book(chapters, DEFAULT_BOOK_TOML.replace('lang = "fr"', f'lang = "{lang}"'), name=name)


@pytest.mark.slow
def test_handout_folio_word_follows_the_language(make_book, tmp_path):
    folder = _book_in(make_book, "de", {"01-eins.md": '# Erstes Kapitel\n\nEr sagte: "Guten Tag"...\n'}, "buch")
    report = build(folder, tmp_path / "out", BuildOptions(formats=("handout",)))
    (page,) = page_texts(report.outputs[0].path)
    assert re.search(r"Seite\s+1\s*/\s*1", page)
    assert "„Guten Tag“…" in page


@pytest.mark.slow
@pytest.mark.epubcheck
def test_a_language_without_words_warns_and_falls_back_to_english(make_book, tmp_path):
    folder = _book_in(make_book, "nl", {"01-een.md": "# Eerste hoofdstuk\n\nTekst...\n"}, "boek")
    report = build(folder, tmp_path / "out", BuildOptions(formats=("epub",)))
    assert any("`nl`" in str(warning) and "English" in str(warning) for warning in report.warnings)
    with zipfile.ZipFile(report.outputs[0].path) as archive:
        nav = archive.read("EPUB/nav.xhtml").decode("utf-8")
    assert ">Contents<" in nav
    assert epubcheck_messages(report.outputs[0].path) == []
