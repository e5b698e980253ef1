"""The hyphenation policy: words kept whole at convert time, the measured second pass, and the PDFs it makes."""

from __future__ import annotations

import ast
import logging
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
import weasyprint
from lxml import etree
from lxml import html as lxml_html

from publish.build.prepare import check_book
from publish.convert.remote_images import RemotePolicy
from publish.convert.typography.unbreakable import mark_unbreakable_words
from publish.writers.paged import weasy
from publish.writers.paged.chapterwise import _MARGINS_OFF, chapter_html, split_html
from publish.writers.paged.hyphenation import (
    LAYOUT_MODULES,
    MAX_PASSES,
    Break,
    bad_breaks,
    forbid_breaks,
    lay_out_hyphenated,
)
from publish.writers.paged.weasy import CssSource, LayoutSetup, lay_out
from publish.writers.paged.weasy_internals import LaidLine, laid_lines
from publish.writers.paged.writer import PAGED_OUTPUTS, layout_setup, render_html
from tests.builds import built
from tests.rules.hyphenation import Line, _ladders, check_pdf

# Long words, elisions and names at the A5 measure of the default theme: ladders, "l’ap-" breaks,
# names and paragraph ends the layout would hyphenate without the policy.
DENSE = (
    "Les administrations européennes réorganisent méthodiquement leurs infrastructures informatiques, "
    "considérablement transformées par l’apparition d’intelligences artificielles extraordinairement "
    "performantes ; l’approche institutionnelle, longtemps hésitante, privilégie désormais l’interopérabilité, "
    "la transparence algorithmique et l’indépendance technologique. OpenAI, Mistral et DeepMind multiplient "
    "les publications, tandis que les universitaires francophones documentent scrupuleusement "
    "l’entraînement, l’évaluation, l’expérimentation et l’industrialisation de ces modèles "
    "gigantesques, environ deux cents milliards de paramètres, réglementairement encadrés "
    "par d’innombrables dispositions communautaires particulièrement contraignantes."
)
# The same paragraph behind 24 different openings: its lines break at 24 different places.
OPENINGS = [
    a + b
    for a in ("", "Ainsi, ", "Or ", "De fait, ", "En somme, ", "Bref, ")
    for b in ("", "selon nous, ", "peut-être ", "à vrai dire, ")
]
CHAPTER = "# Échelles\n\n" + "\n\n".join(opening + DENSE for opening in OPENINGS) + "\n"


def _wrap(markup: str) -> str:
    root = lxml_html.fragment_fromstring(markup, create_parent="div")
    mark_unbreakable_words(root)
    return etree.tostring(root, encoding="unicode")


def test_names_acronyms_mixed_case_and_digits_are_kept_whole():
    out = _wrap("<p>Chez OpenAI et Mistral, les GPT4o de l’Europe tournent ; ordinairement rien.</p>")
    kept = re.findall(r'<span class="nohyphen">([^<]*)</span>', out)
    assert {"OpenAI", "Mistral", "l’Europe"} == set(kept)  # not "ordinairement": an ordinary word gets no span
    assert "GPT4o" not in kept  # five characters: never hyphenated, no span needed


def test_a_paragraph_last_word_gets_no_span():
    """The second pass finds the paragraph ends the layout breaks; marking every one would put a
    span in every paragraph of the EPUB too."""
    out = _wrap("<p>Il faut respecter les règles européennes.</p><ul><li>premier élément</li></ul>")
    assert "nohyphen" not in out


def test_code_headings_and_short_words_get_no_span():
    out = _wrap("<h2>Titre Majuscule Interminable</h2><p>Un <code>OpenAIClient</code> et moi.</p>")
    assert "nohyphen" not in out


def _line(text: str, block: int = 1, block_id: str = "p1", in_flow: bool = True) -> LaidLine:
    return LaidLine(text, block_id, block, in_flow)


def test_the_middle_break_of_a_ladder_is_forbidden():
    lines = [
        _line("une première ligne qui se termine par tech-"),
        _line("nologie et une deuxième qui finit par indus-"),
        _line("trielle et une troisième qui finit par informa-"),
        _line("tique puis une ligne pleine sans coupure aucune"),
        _line("et la dernière ligne du paragraphe."),
    ]
    assert bad_breaks([lines, [_line("suite")]]) == [Break("p1", "industrielle", "indus", False)]


def test_elision_fragments_names_and_recto_ends_are_forbidden_but_compounds_are_not():
    page = [
        _line("une ligne qui coupe après l’ap-"),
        _line("proche une ligne qui coupe le nom Mis-"),
        _line("tral puis une ligne où vient le mot tout-"),
        _line("fermé puis une ligne banale de texte ordinaire et"),
        _line("une ligne qui finit la page en coupant inter-"),
    ]
    words = [b.word for b in bad_breaks([page, [_line("rompue suite", block=2)]], compounds={"tout-fermé"})]
    assert set(words) == {"l’approche", "Mistral", "interrompue"}  # Mistral twice: also the ladder's middle
    # The page is a verso once its number is known: its last line may end on a hyphen.
    words = [
        b.word for b in bad_breaks([[_line("x")], page, [_line("rompue suite", block=2)]], compounds={"tout-fermé"})
    ]
    assert "interrompue" not in words


def test_forbidding_wraps_the_word_in_its_block_only():
    html = '<p id="a">une technologie</p><p id="b">la technologie <em>et</em> technologies</p>'
    out = forbid_breaks(html, [Break("b", "technologie", "tech", False)])
    assert out == (
        '<p id="a">une technologie</p><p id="b">la <span class="nohyphen">technologie</span> <em>et</em> technologies</p>'
    )


def _pdftotext(path: Path, *options: str) -> str:
    return subprocess.run(["pdftotext", *options, str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_the_checker_finds_ladders_and_u2010():
    """A layout without the policy (WeasyPrint's defaults) breaks the rules the checker knows. Written
    outside the test's folder: every PDF left there must keep the rules (conftest.py)."""
    text = " ".join([DENSE] * 3)
    page = "@page { size: 60mm 200mm; margin: 5mm } p { hyphens: auto; text-align: justify; font-size: 9pt }"
    with tempfile.TemporaryDirectory(prefix="hyphenation-") as scratch:
        target = Path(scratch) / "plain.pdf"
        weasyprint.HTML(string=f'<html lang="fr"><style>{page}</style><p>{text}</p></html>').write_pdf(target)
        problems = check_pdf(target)
    assert any("U+2010" in p for p in problems)
    assert any("hyphenated lines in a row" in p for p in problems)


@pytest.mark.slow
def test_the_second_pass_removes_what_css_cannot(make_book):
    folder = make_book({"01-echelles.md": CHAPTER})
    checked = check_book(folder, RemotePolicy(allowed=False))
    output = PAGED_OUTPUTS["pdf"]
    html = render_html(checked.prepared, checked.theme, output)
    setup = layout_setup(checked.prepared.book, checked.theme, output, None, "", checked.prepared.chapters)
    split = split_html(html, [r.chapter.slug for r in checked.prepared.chapters])
    assert split is not None
    document_html = chapter_html(split, 0)
    setup = setup.with_css(CssSource(text=_MARGINS_OFF))
    plain, _ = lay_out(document_html, setup)
    before = bad_breaks([laid_lines(page) for page in plain.pages], recto_known=False)
    assert before, "the fixture text must give the first layout something to correct"
    document, _, final_html = lay_out_hyphenated(document_html, setup, recto_known=False)
    after = bad_breaks([laid_lines(page) for page in document.pages], recto_known=False)
    assert after == []
    assert final_html.count("nohyphen") > document_html.count("nohyphen")


@pytest.mark.slow
def test_book_and_handout_follow_the_policy_and_words_copy_whole(make_book):
    folder = make_book({"01-echelles.md": CHAPTER})
    result = built(folder, ("pdf", "handout"))
    for name in ("pdf", "handout"):
        path = result.output(name)
        assert check_pdf(path) == [], name
        layout = _pdftotext(path, "-layout")
        assert "\u2010" not in layout
        pairs = re.findall(r"([^\W\d_]+)-\n\s*([^\W\d_]+)", layout)
        assert pairs, "the text is hyphenated at all"
        flowing = _pdftotext(path)  # poppler's reading order joins a word hyphenated at a line end
        for head, tail in pairs:
            if f"{head}-{tail}" not in DENSE:
                assert head + tail in flowing, (name, head, tail)
        assert not re.search(r"Ope-\n|Mis-\n|Deep-\n", layout)


def test_a_head_set_alone_is_kept_with_the_word_before_it():
    """WeasyPrint 70 sets a word's head alone on a line ("une" / "poli-" / "tique"): the word goes with "une"."""
    lines = [
        _line("La Chine a suivi une trajectoire différente. Soutenus par une"),
        _line("poli-"),
        _line("tique"),
        _line("industrielle volontariste, ses grands groupes numériques."),
    ]
    (found,) = bad_breaks([lines])
    assert (found.word, found.glue) == ("politique", "une")
    html = '<p id="p1">Soutenus par une politique industrielle</p>'
    assert forbid_breaks(html, [found]) == (
        '<p id="p1">Soutenus par <span class="nohyphen keep-together">une politique</span> industrielle</p>'
    )


def test_a_paragraph_last_word_broken_is_forbidden_even_before_a_spaced_mark():
    """French sets "?" and "!" after a narrow no-break space: "gnantes !" is still the tail alone."""
    lines = [
        _line("des dispositions communautaires particulièrement contrai-"),
        _line("gnantes\u202f!"),
    ]
    (found,) = bad_breaks([lines])
    assert (found.word, found.reason) == ("contraignantes", "its tail alone on a line")


def test_the_u2010_hyphen_of_a_theme_without_hyphenate_character_is_read_as_the_layout_s():
    lines = [_line("une ligne qui coupe le nom Mis\u2010"), _line("tral et qui continue encore un peu ici")]
    assert [b.word for b in bad_breaks([lines])] == ["Mistral"]
    compound = [_line("une ligne qui finit par tout\u2010"), _line("fermé et qui continue encore un peu ici")]
    assert bad_breaks([compound], compounds={"tout-fermé"}) == []


def test_only_the_occurrence_that_broke_is_wrapped_and_never_in_code():
    html = (
        '<section id="s"><p>la technologie</p><p>une <code>technologie</code>, '
        "la <kbd>technologie</kbd> et enfin la Technologie &amp; la technologie</p></section>"
    )
    out = forbid_breaks(html, [Break("s", "technologie", "tech", False, occurrence=3)])
    assert out == html.replace("enfin la Technologie", 'enfin la <span class="nohyphen">Technologie</span>')
    for kept in (1, 2, 9):  # in code, in kbd, past the last one: nothing to wrap
        assert forbid_breaks(html, [Break("s", "technologie", "tech", False, occurrence=kept)]) == html
    for tag in ('span class="notypo"', 'span class="x long-word"', "samp", "pre"):
        name = tag.split()[0]
        inside = f'<p id="p"><{tag}>une technologie</{name}></p>'
        assert forbid_breaks(inside, [Break("p", "technologie", "tech", False)]) == inside, tag


# A column too narrow for the long words, with the theme's one rule the pass relies on and WeasyPrint's
# own hyphen (no hyphenate-character): U+2010 at the line ends.
_NARROW = (
    "@page { size: 34mm 150mm; margin: 2mm } body { font: 10pt serif; hyphens: auto; text-align: justify }"
    " .f { float: footnote } .nohyphen { hyphens: manual }"
)


def _lay_out_narrow(html: str) -> tuple[list[list[LaidLine]], LayoutSetup]:
    folder = Path(tempfile.mkdtemp(prefix="hyphenation-"))
    setup = LayoutSetup(folder.as_uri() + "/", (folder,), (CssSource(text=_NARROW),), None)
    document, _ = lay_out(html, setup)
    return [laid_lines(page) for page in document.pages], setup


def test_a_break_in_a_paragraph_without_id_is_traced_to_its_occurrence():
    """The paragraphs have no id: the break is found in the section's text, after the first
    paragraph's word, the code's and the note's (laid out apart, but before it in the HTML)."""
    html = (
        '<html lang="fr"><body><section id="s"><p style="hyphens: manual">Les Administrations.</p>'
        '<p>Et <code style="hyphens: manual">Administrations</code> ou<span class="f" id="n1">Des '
        "Administrations</span> et les Administrations finies.</p></section></body></html>"
    )
    pages, setup = _lay_out_narrow(html)
    assert any(line.text.endswith("\u2010") for line in pages[0])
    found = {(b.block_id, b.word, b.occurrence) for b in bad_breaks(pages)}
    assert found == {("s", "Administrations", 3), ("n1", "Administrations", 0)}
    document, warnings, final = lay_out_hyphenated(html, setup)
    kept = re.sub(r'<span class="nohyphen">([^<]*)</span>', r"\1", final)
    assert kept == html
    assert re.findall(r'(\w+) <span class="nohyphen">Administrations</span>', final) == ["Des", "les"]
    assert bad_breaks([laid_lines(page) for page in document.pages]) == []
    assert warnings == []


def test_what_the_last_layout_still_breaks_is_a_warning():
    """Text kept as typed (.notypo) is never wrapped: the name stays broken, and the build says where."""
    html = '<html lang="fr"><body><section id="s"><p>Et <span class="notypo">les Administrations</span>.</p>'
    html += "</section></body></html>"
    pages, setup = _lay_out_narrow(html)
    assert bad_breaks(pages)
    _, warnings, final = lay_out_hyphenated(html, setup, chapter="s")
    assert final == html
    (warning,) = warnings
    assert warning.startswith("page 1 of chapter s: 'Administrations' is still hyphenated")


def test_the_passes_stop_when_nothing_new_is_forbidden(monkeypatch: pytest.MonkeyPatch):
    html = '<html lang="fr"><body><section id="s"><p>Et les Administrations finies.</p></section></body></html>'
    _, setup = _lay_out_narrow(html)
    calls = []
    monkeypatch.setattr("publish.writers.paged.hyphenation.lay_out", lambda *args: calls.append(1) or lay_out(*args))
    lay_out_hyphenated(html, setup)
    assert 1 < len(calls) <= MAX_PASSES  # a pass that fixed everything is followed by no other


def test_the_layout_cache_changes_with_every_module_a_layout_depends_on():
    """Every writer module that hyphenation.py reaches through its imports decides the layout."""
    covered = {module.__name__ for module in LAYOUT_MODULES}
    reached, todo = set(), ["publish.writers.paged.hyphenation"]
    while todo:
        name = todo.pop()
        reached.add(name)
        source = Path(__import__(name, fromlist=["_"]).__file__ or "").read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("publish.writers"):
                names = [f"{node.module}.{alias.name}" for alias in node.names]
                for found in [n for n in names if _is_module(n)] or [node.module or ""]:
                    if found not in reached:
                        todo.append(found)
    assert reached <= covered
    assert {"publish.writers.paged.settle", "publish.writers.paged.weasy_internals"} <= covered


def _is_module(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def test_warnings_of_every_render_are_reported_once(monkeypatch: pytest.MonkeyPatch):
    """settle() renders a document several times: WeasyPrint's warnings come back once, in order."""

    def settle_thrice(render, last_page_lines=0):
        for _ in range(3):
            document = render([])
            logging.getLogger("weasyprint").warning("second warning")
        return document, ["a misplaced note"]

    monkeypatch.setattr(weasy, "settle", settle_thrice)
    folder = Path(tempfile.mkdtemp(prefix="hyphenation-"))
    setup = LayoutSetup(folder.as_uri() + "/", (folder,), (CssSource(text="p { color: nonsense }"),), None)
    _, warnings = lay_out('<p>Une image <img src="absente.png" alt="absente"></p>', setup)
    assert len(warnings) == len(set(warnings)) == 4, warnings
    assert warnings[-2:] == ["second warning", "a misplaced note"]


def _printed(y: float, height: float, text: str) -> Line:
    return Line(1, tuple(text.split()), 300.0, height, y)


def test_the_checker_counts_a_ladder_within_one_text():
    """A hyphenated last body line and two hyphenated note lines under it are two texts, not a ladder."""
    body = [_printed(100 + 15.6 * i, 15.3, f"ligne {i} qui finit par un mot cou-") for i in range(2)]
    notes = [_printed(170 + 11.4 * i, 12.3, f"note {i} qui finit par un mot cou-") for i in range(2)]
    assert _ladders([[*body, *notes, _printed(200, 12.3, "fin de la note.")]]) == []
    third = _printed(100 + 15.6 * 2, 15.3, "ligne 2 qui finit par un mot cou-")
    (problem,) = _ladders([[*body, third, _printed(100 + 15.6 * 3, 15.3, "pé.")]])
    assert "3 hyphenated lines in a row" in problem


def test_a_word_opening_its_paragraph_inside_a_link_is_not_taken_for_a_name():
    out = _wrap(
        '<div><p><a href="x">Cliquez ici</a> pour voir Mistral.</p><p>Il dit. <em>Surtout</em> pas Arthur.</p></div>'
    )
    assert re.findall(r'<span class="nohyphen">([^<]*)</span>', out) == ["Mistral", "Arthur"]


def test_text_after_a_comment_is_read_for_its_sentence():
    out = _wrap("<p>Un texte<!-- une remarque --> puis Mistral. <!-- autre -->Ensuite rien.</p>")
    assert re.findall(r'<span class="nohyphen">([^<]*)</span>', out) == ["Mistral"]
