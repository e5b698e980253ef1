"""Display lines, contents entries, figures in numbers and title blocks (publish/convert/typography/display.py,
the theme's templates and CSS), read back from real PDFs."""

from __future__ import annotations

import random
import subprocess
import textwrap
import zipfile
from dataclasses import dataclass
from itertools import combinations, pairwise
from pathlib import Path

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from lxml import html as lxml_html
from pypdf import PdfReader

from publish.build.pipeline import BuildOptions, build
from publish.convert.typography.display import (
    MIN_TAIL,
    NBSP,
    SHORT_WORD,
    balance_cost,
    balance_lines,
    bind_element_tail,
    bind_tail,
)
from tests.builds import MANUSCRIPT, built, epubcheck_messages
from tests.rules.display import Font, check_pdf

# --- binding the tail of a display string -------------------------------------------------------


def _tail(text: str) -> str:
    """The unbreakable group a bound text ends with."""
    return text.rsplit(" ", 1)[-1]


@pytest.mark.parametrize(
    "title",
    [
        "Le petit guide de la typographie pour les geeks",
        "Introduction\u00a0: un continent en quête de voix",
        "Une histoire du livre de poche en dix",
    ],
)
def test_a_short_last_word_is_bound_to_the_words_before_it(title: str) -> None:
    bound = bind_tail(title)
    assert bound.replace(NBSP, " ") == title.replace(NBSP, " ")  # only spaces change
    assert len(_tail(bound)) >= MIN_TAIL
    assert " " in bound  # the title can still break somewhere


def test_a_long_last_word_binds_nothing() -> None:
    title = "Une réponse européenne aux géants de l’intelligence artificielle"
    assert bind_tail(title) == title


def test_the_bound_tail_stays_short_enough_to_share_a_line() -> None:
    bound = bind_tail("Les communs numériques face aux plateformes de a b c d e f g")
    assert len(_tail(bound)) <= 20


def test_binding_twice_changes_nothing_more() -> None:
    once = bind_tail("Réguler sans étouffer : l’Europe et ses règles du jeu")
    assert bind_tail(once) == once


def test_a_two_word_title_keeps_its_words_together() -> None:
    assert bind_tail("Conclusion ouverte") == f"Conclusion{NBSP}ouverte"


def test_a_heading_with_inline_tags_is_bound_across_them() -> None:
    heading = lxml_html.fragment_fromstring("<h1>Un chapitre sur <em>les poids</em> en bref</h1>")
    bind_element_tail(heading)
    emphasis = heading.find("em")
    assert emphasis is not None  # the tree keeps its shape
    assert (heading.text, emphasis.text, emphasis.tail) == ("Un chapitre sur ", "les poids", f"{NBSP}en{NBSP}bref")


@pytest.mark.parametrize("inline", ["<code>make all</code>", "<kbd>Ctrl C</kbd>", '<span class="notypo">a b</span>'])
def test_code_and_notypo_text_in_a_heading_stays_as_typed_and_binds_as_one_word(inline: str) -> None:
    heading = lxml_html.fragment_fromstring(f"<h2>Lancer la commande {inline}</h2>")
    bind_element_tail(heading)
    assert lxml_html.tostring(heading, encoding="unicode") == f"<h2>Lancer la commande{NBSP}{inline}</h2>"


def test_a_line_break_in_a_heading_leaves_its_first_line_alone() -> None:
    heading = lxml_html.fragment_fromstring("<h2>Première partie de ce livre<br>Deux mots</h2>")
    bind_element_tail(heading)
    assert heading.text == "Première partie de ce livre"
    assert heading.find("br").tail == f"Deux{NBSP}mots"


# --- balanced lines for the SVG cover ------------------------------------------------------------


def test_the_cover_title_is_balanced_and_ends_on_no_lone_word() -> None:
    lines = balance_lines("L’Europe à poids ouverts", 18)
    assert len(lines) == 2
    assert " ".join(lines) == "L’Europe à poids ouverts"
    assert " " in lines[-1]
    assert not any(line.endswith(" à") for line in lines)


def test_balancing_keeps_the_number_of_lines_greedy_wrapping_needs() -> None:
    text = "Une réponse européenne aux géants de l’intelligence artificielle"
    lines = balance_lines(text, 34)
    assert len(lines) == 2
    assert all(len(line) <= 34 for line in lines)
    assert abs(len(lines[0]) - len(lines[1])) <= 12


def test_a_lone_short_last_word_joins_the_line_above_when_it_nearly_fits() -> None:
    assert balance_lines("Moins < Plus & «\u202fCie\u202f»", 18) == ["Moins < Plus & «\u202fCie\u202f»"]
    assert balance_lines("Anticonstitutionnellement Cie", 18) == ["Anticonstitutionnellement", "Cie"]  # too wide


def test_a_title_that_fits_stays_on_one_line() -> None:
    assert balance_lines("Court", 18) == ["Court"]
    assert balance_lines("", 18) == [""]


WORDS = ("à", "de", "la", "IA", "Europe", "poids", "ouverts", "typographie", "pour", "les", "geeks", "l’art", "du")


def test_balancing_finds_the_cutting_an_exhaustive_search_finds() -> None:
    rng = random.Random(17)
    for _ in range(400):
        words = [*(rng.choice(WORDS) for _ in range(rng.randint(1, 9))), "ouverts"]  # no short last line to join
        text, width = " ".join(words), rng.randint(6, 30)
        count = len(textwrap.wrap(text, width=width, break_long_words=False))
        if count < 2:
            continue
        cuttings = [
            [" ".join(words[start:end]) for start, end in pairwise((0, *cuts, len(words)))]
            for cuts in combinations(range(1, len(words)), count - 1)
        ]
        cheapest = min(cuttings, key=lambda lines: balance_cost(lines, width))  # the first: earliest cuts on a tie
        assert balance_lines(text, width) == cheapest, (text, width)


def test_a_very_long_title_is_balanced_too() -> None:
    text = " ".join(["Une histoire sans fin de la typographie, de ses règles et de ses détails"] * 15)  # 210 words
    for width in (18, 40):
        lines, greedy = balance_lines(text, width), textwrap.wrap(text, width=width, break_long_words=False)
        assert " ".join(lines) == text
        assert len(lines) == len(greedy)
        assert all(len(line) <= width for line in lines)
        assert balance_cost(lines, width) < balance_cost(greedy, width)
        assert _short_ends(lines) <= _short_ends(greedy)
    assert _short_ends(lines) == 0  # at 40 characters, no line needs to end on "de" or "la"


def _short_ends(lines: list[str]) -> int:
    return sum(len(line.rsplit(" ", 1)[-1]) <= SHORT_WORD for line in lines[:-1])


# --- the rule checker's figure test, on the real font --------------------------------------------

VOLLKORN = Path("/usr/share/fonts/truetype/vollkorn/Vollkorn-Regular.ttf")


@pytest.mark.skipif(not VOLLKORN.exists(), reason="fonts-vollkorn is not installed")
def test_the_checker_tells_old_style_from_lining_figures_in_vollkorn() -> None:
    font = TTFont(VOLLKORN)
    glyph_set = font.getGlyphSet()
    extents = {}
    for code, name in enumerate(("one", "one.lf", "three", "three.lf", "zero", "zero.lf")):
        pen = BoundsPen(glyph_set)
        glyph_set[name].draw(pen)
        assert pen.bounds is not None
        extents[code] = (pen.bounds[1], pen.bounds[3])
    os2 = font["OS/2"]
    measured = Font({}, True, extents, os2.sxHeight, os2.sCapHeight)
    assert [measured.lining(code) for code in range(6)] == [False, True, False, True, False, True]


# --- built books ---------------------------------------------------------------------------------

CHAPTERS = {
    "01-guide.md": (
        "# Le petit guide de la typographie française pour les geeks\n\n"
        + "Un paragraphe d’ouverture, assez long pour remplir une ligne ou deux de texte courant.\n\n"
        + "## Faut-il vraiment espacer les points d’interrogation dans une table des matières de livre ?\n\n"
        + "Du texte.\n\n"
        + "## Oui !\n\nDu texte encore.\n\n"
        + "## Une section aux mots très longs : anticonstitutionnellement, incompréhensiblement, extraordinairement\n\n"
        + "Fin.\n"
    ),
    "02-suite.md": "# Suite\n\n" + "\n\n".join(f"## Partie {n}\n\n" + "Texte courant. " * 120 for n in range(1, 9)),
}
BOOK_TOML = """\
[book]
title = "Un manuel de typographie pour les geeks"
subtitle = "Ce que les titres, les sommaires et les folios doivent au lecteur"
authors = ["Alice Martin"]
lang = "fr"
date = 2026-01-15
publisher = "Éditions de test"
"""


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("displayh-book")
    (folder / "chapters").mkdir()
    (folder / "book.toml").write_text(BOOK_TOML, encoding="utf-8")
    for name, text in CHAPTERS.items():
        (folder / "chapters" / name).write_text(text, encoding="utf-8")
    out = folder / "out"
    report = build(folder, out, BuildOptions(formats=("pdf", "handout", "epub")))
    return {o.format: o.path for o in report.outputs}


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def _words(pdf: Path, page: int) -> list[Word]:
    """The words of a page with their boxes (poppler), in reading order; y grows downwards."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    tree = lxml_html.fromstring(out.encode())
    return [
        Word(float(w.get("xmin")), float(w.get("ymin")), float(w.get("xmax")), float(w.get("ymax")), w.text_content())
        for w in tree.iter("word")
    ]


def _lines(words: list[Word]) -> list[list[Word]]:
    """Words whose middle lies within a line's first word's height share its line; then by x."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: ((w.y0 + w.y1) / 2, w.x0)):
        if lines and lines[-1][0].y0 < (word.y0 + word.y1) / 2 < lines[-1][0].y1:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def _page_text(pdf: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _page_of(pdf: Path, needle: str) -> int:
    return next(n for n in range(1, len(PdfReader(pdf).pages) + 1) if needle in _page_text(pdf, n))


@pytest.mark.slow
def test_the_outputs_keep_the_display_rules(outputs: dict[str, Path]) -> None:
    assert check_pdf(outputs["pdf"]) == []
    assert check_pdf(outputs["handout"]) == []


@pytest.mark.slow
def test_a_long_chapter_title_does_not_end_on_a_lone_word(outputs: dict[str, Path]) -> None:
    pdf = outputs["pdf"]
    page = _page_of(pdf, "Un paragraphe d’ouverture")
    title_words = [w for w in _words(pdf, page) if w.y1 - w.y0 > 15]  # the 1.9em title only
    lines = _lines(title_words)
    assert len(lines) >= 2
    last = " ".join(w.text for w in lines[-1])
    assert len(lines[-1]) >= 2 and len(last) >= MIN_TAIL, last


@pytest.mark.slow
def test_the_cover_title_breaks_into_balanced_lines(outputs: dict[str, Path]) -> None:
    big = [w for w in _words(outputs["pdf"], 1) if w.y1 - w.y0 > 25]
    lines = [" ".join(w.text for w in line) for line in _lines(big)]
    assert " ".join(lines) == "Un manuel de typographie pour les geeks"
    assert len(lines) >= 2 and all(len(line.split()) >= 2 for line in lines), lines


@pytest.mark.slow
def test_contents_entries_ending_in_a_question_mark_keep_apart_from_the_leader(outputs: dict[str, Path]) -> None:
    pdf = outputs["pdf"]
    text = _page_text(pdf, _page_of(pdf, "Table des matières"))
    assert "?" in text and "!" in text
    assert "?." not in text and "!." not in text


@pytest.mark.slow
def test_contents_sections_sit_under_their_chapter_and_turnover_lines_hang(outputs: dict[str, Path]) -> None:
    pdf = outputs["pdf"]
    lines = _lines(_words(pdf, _page_of(pdf, "Table des matières")))
    starts = {" ".join(w.text for w in line): line[0].x0 for line in lines}
    chapter = next(x for text, x in starts.items() if text.startswith("1 Le petit guide"))
    section = next(x for text, x in starts.items() if text.startswith("Faut-il vraiment"))
    assert section > chapter + 8  # indented under the chapter
    entry = next(n for n, line in enumerate(lines) if line[0].text == "Faut-il")
    following = lines[entry + 1]
    assert following[0].x0 > section + 8  # the entry's second line hangs
    assert not any(" ".join(w.text for w in line).rstrip().endswith(("-", "\u2010")) for line in lines)


@pytest.mark.slow
def test_title_page_lines_are_centred_without_indent(outputs: dict[str, Path]) -> None:
    pdf = outputs["pdf"]
    page = _page_of(pdf, "ÉDITIONS DE TEST")
    width = float(PdfReader(pdf).pages[page - 1].mediabox.width)
    for line in _lines(_words(pdf, page)):
        middle = (line[0].x0 + line[-1].x1) / 2
        assert abs(middle - width / 2) < 2, " ".join(w.text for w in line)


@pytest.mark.slow
def test_the_handout_title_block_is_flush_and_page_one_has_no_running_head(outputs: dict[str, Path]) -> None:
    handout = outputs["handout"]
    first = _lines(_words(handout, 1))
    title = first[0]
    assert " ".join(w.text for w in title).startswith("Un manuel de typographie")  # nothing above the title
    byline = next(line for line in first if line[0].text == "Alice")
    assert abs(byline[0].x0 - title[0].x0) < 1  # flush: no paragraph indent
    assert _page_text(handout, 1).count("Un manuel de typographie") == 1
    assert "Un manuel de typographie" in _page_text(handout, 2)  # the running head, from page 2 on


@pytest.mark.slow
@pytest.mark.epubcheck
def test_the_epub_keeps_its_titles_bound_and_valid(outputs: dict[str, Path]) -> None:
    epub = outputs["epub"]
    with zipfile.ZipFile(epub) as archive:
        texts = {name: archive.read(name).decode() for name in archive.namelist() if name.endswith(".xhtml")}
    chapter = next(text for text in texts.values() if "Le petit guide" in text)
    assert f"pour{NBSP}les{NBSP}geeks" in chapter or "pour&#160;les&#160;geeks" in chapter
    assert [m for m in epubcheck_messages(epub) if m.startswith(("FATAL", "ERROR"))] == []


@pytest.mark.slow
def test_the_sample_book_folios_10_and_11_are_in_lining_figures() -> None:
    pdf = built(MANUSCRIPT, ("pdf", "handout")).output("pdf")
    assert check_pdf(pdf) == []
    # the rule reads the folio: pages 10 and 11 do carry one
    assert _page_text(pdf, 10).split()[-1] == "10"
    assert _page_text(pdf, 11).split()[-1] == "11"
