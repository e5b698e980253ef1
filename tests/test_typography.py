"""Typography: table-driven cases per language (fixtures/typography/*.txt), plain strings, properties."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from publish.convert.typography import table_for, typeset_element, typeset_text

CASES = Path(__file__).resolve().parent / "fixtures" / "typography"
LANGUAGE_OF_FILE = {"fr": "fr", "en": "en", "de": "de", "es": "es", "it": "it", "other": "nl"}
TOKENS = {"{nnbsp}": "\u202f", "{nbsp}": "\u00a0"}


@dataclass(frozen=True)
class Case:
    path: Path
    line: int
    lang: str
    source: str
    expected: str

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}"


def _decode(text: str) -> str:
    for token, char in TOKENS.items():
        text = text.replace(token, char)
    return text


def _encode(text: str) -> str:
    for token, char in TOKENS.items():
        text = text.replace(char, token)
    return text


def load_cases(path: Path) -> list[Case]:
    """Cases are two lines (input, expected) separated by blank lines; `#` lines are comments."""
    cases, pending = [], []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines + [""], start=1):
        if line.startswith("#"):
            continue
        if line.strip():
            pending.append((number, line))
            continue
        if pending:
            assert len(pending) == 2, f"{path.name}:{pending[0][0]}: a case is an input line and an expected line"
            (first, source), (_, expected) = pending
            cases.append(Case(path, first, LANGUAGE_OF_FILE[path.stem], _decode(source), _decode(expected)))
            pending = []
    return cases


ALL_CASES = [case for path in sorted(CASES.glob("*.txt")) for case in load_cases(path)]


def typeset_fragment(fragment: str, lang: str) -> str:
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    typeset_element(root, lang)
    return html.escape(root.text or "", quote=False) + "".join(
        etree.tostring(c, encoding="unicode", method="html") for c in root
    )


def test_there_are_enough_cases_per_language():
    counts = {lang: sum(1 for c in ALL_CASES if c.lang == lang) for lang in LANGUAGE_OF_FILE.values()}
    assert counts["fr"] >= 60
    assert sum(counts.values()) - counts["fr"] >= 20
    assert all(counts.values())


@pytest.mark.parametrize("case", ALL_CASES, ids=str)
def test_case(case):
    assert _encode(typeset_fragment(case.source, case.lang)) == _encode(case.expected), str(case)


@pytest.mark.parametrize("case", ALL_CASES, ids=str)
def test_case_is_a_fixed_point(case):
    """Typesetting the expected output again changes nothing: the pass is idempotent on real text."""
    assert _encode(typeset_fragment(case.expected, case.lang)) == _encode(case.expected), str(case)


@pytest.mark.parametrize(
    "lang, table",
    [
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("FR-ch", "fr"),
        ("en-GB", "en"),
        ("de-AT", "de"),
        ("es-MX", "es"),
        ("it", "it"),
        ("nl", ""),
        ("x", ""),
    ],
)
def test_regional_tags_use_their_language_table(lang, table):
    assert table_for(lang).name == table


def test_plain_strings_get_everything_but_superscripts():
    assert typeset_text("L'Europe au XXIe siècle: pourquoi?", "fr") == "L’Europe au XXIe siècle\u00a0: pourquoi\u202f?"
    assert typeset_text('Why?  "Because"', "en") == "Why?  “Because”"
    assert typeset_text("", "fr") == ""


# --- properties -------------------------------------------------------------------------------------------

ALPHABET = st.sampled_from(
    list("aeéxZ19 \u00a0\u202f\n'\"«»“”?!:;.,…-–—%()[]/@")
    + ["http://", "www.", "...", "--", "1er", "XIXe", "10 000", " Go", "p. ", "M. "]
)
TEXT = st.lists(ALPHABET, max_size=40).map("".join)
LANGS = st.sampled_from(["fr", "en", "de", "es", "it", "nl"])


def _fragment(parts: list[tuple[str, str]]) -> str:
    """Mix plain text, emphasis, code, an English span and line breaks into one paragraph."""
    out = []
    for kind, text in parts:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        out.append(
            {
                "text": escaped,
                "em": f"<em>{escaped}</em>",
                "code": f"<code>{escaped}</code>",
                "en": f'<span lang="en">{escaped}</span>',
                "br": f"<br>{escaped}",
            }[kind]
        )
    return "<p>" + "".join(out) + "</p>"


PARTS = st.lists(st.tuples(st.sampled_from(["text", "em", "code", "en", "br"]), TEXT), min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(PARTS, LANGS)
def test_the_pass_is_idempotent(parts, lang):
    once = typeset_fragment(_fragment(parts), lang)
    assert typeset_fragment(once, lang) == once


@settings(max_examples=300, deadline=None)
@given(PARTS, LANGS)
def test_code_is_never_changed(parts, lang):
    root = lxml_html.fragment_fromstring(_fragment(parts), create_parent="div")
    before = [code.text_content() for code in root.iter("code")]
    typeset_element(root, lang)
    assert [code.text_content() for code in root.iter("code")] == before


@settings(max_examples=200, deadline=None)
@given(TEXT, LANGS)
def test_letters_and_digits_are_never_lost(text, lang):
    """The pass changes punctuation and spaces; the words themselves all survive, in order."""

    def words(value: str) -> str:
        return "".join(ch for ch in value if ch.isalnum())

    assert words(typeset_text(text, lang)) == words(text)
