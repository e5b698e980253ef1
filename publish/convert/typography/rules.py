"""A language table -> the ordered rules that apply it to the text of one block.

Every rule is a regular expression and a replacement. The pattern consumes
the characters it changes (never zero-width), and looks at its neighbours
through look-arounds only, so the caller can refuse a match that touches
code or a URL and keep every other character where it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from publish.convert.typography.tables import NBSP, LanguageTable

# What an author (or an earlier pass) puts between words.
SPACES = " \t\n\r\u00a0\u202f\u2009"
_S = "[" + SPACES + "]"
OPENERS = "([{«“‘„‚‹"
DASHES = "–—"
OPAQUE = "\ufffc"  # stands for inline code, an image: a word-like thing the pass must not touch
BREAK = "\n"  # stands for <br> or a nested block: nothing may be glued across it


@dataclass
class BlockState:
    """What rules remember while they walk one block from left to right."""

    quotes: list[str] = field(default_factory=list)  # "primary", "inner", "single"
    dash_open: bool = False
    dash_end: int = 0


Replace = Callable[[re.Match[str], BlockState], str]


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    replace: Replace


def _fixed(text: str) -> Replace:
    return lambda match, state: match.expand(text)


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def compile_rules(table: LanguageTable) -> tuple[Rule, ...]:
    """The table's rules, in the order they must run: characters, quotes, spacing, numbers."""
    rules = [
        Rule("ellipsis", re.compile(r"\.\.\."), _fixed("…")),
        Rule("em dash", re.compile(r"(?<![-<!])---(?![->])"), _fixed("—")),
        Rule("en dash", re.compile(r"(?<![-<!])--(?![->])"), _fixed("–")),
    ]
    if table.quotes and table.inner_quotes:
        rules.append(Rule("quotes", re.compile(r"[\"'«»“”‘’„‚]"), _quote_replacer(table)))
    if table.quote_space:
        space = table.quote_space
        rules.append(Rule("after opening quote", re.compile(rf"«{_S}*(?=[^{SPACES}])"), _fixed("«" + space)))
        rules.append(Rule("before closing quote", re.compile(rf"(?<=[^{SPACES}]){_S}*»"), _fixed(space + "»")))
    for mark, space in table.space_before:
        rules.append(Rule(f"space before {mark}", _space_before_pattern(mark, plus=""), _fixed(space + r"\g<mark>")))
    if table.remove_space_before:
        for mark in table.remove_space_before:
            rules.append(Rule(f"no space before {mark}", _space_before_pattern(mark, plus="+"), _fixed(r"\g<mark>")))
    if table.spaced_hyphen_is_dash:  # after the spacing rules: the spaces they add can make a hyphen "spaced"
        rules.append(Rule("spaced hyphen", re.compile(rf"(?<={_S})-(?={_S})"), _fixed("–")))
    if table.incise_space:
        rules.append(
            Rule(
                "incise dashes",
                re.compile(rf"(?P<before>^|{_S}+)(?P<dash>[{DASHES}])(?P<after>{_S}+)(?=[^{SPACES}?!:;»){BREAK}])"),
                _incise_replacer(table.incise_space),
            )
        )
    rules += _number_rules(table)
    return tuple(rules)


def _space_before_pattern(mark: str, plus: str) -> re.Pattern[str]:
    """``mark`` after a word (not after a space, an opening bracket or `?!`), and before a word's end.

    ``plus=""`` matches with or without typed spaces (they are replaced or a
    space inserted); ``plus="+"`` needs typed spaces (they are removed).
    """
    if mark in "?!":
        after = r"(?![\w/=&#%+~@\-–—])"
    else:  # `:` and `;` only before a space or a closing quote: 12:30, http://, :) and ;) stay
        after = rf"(?={_S}|$|[»”’\"])"
    # Never after a space, an opening bracket or another mark: "?!" and "!!" stay together.
    before = rf"(?<=[^{SPACES}{re.escape(OPENERS)}?!:;{BREAK}])"
    return re.compile(rf"{before}{_S}{plus or '*'}(?P<mark>{re.escape(mark)}){after}")


def _incise_replacer(space: str) -> Replace:
    """Spaced dashes pair up: NBSP after the first, before the second; a block-opening dash is dialogue."""

    def replace(match: re.Match[str], state: BlockState) -> str:
        before, dash, after = match.group("before"), match.group("dash"), match.group("after")
        if match.start() == 0 and not before:
            return dash + space
        if re.search(r"[.!?…]" + _S, match.string[state.dash_end : match.start() + 1]):
            state.dash_open = False  # a sentence ended since the last dash: no pair pending
        state.dash_end = match.end()
        if state.dash_open:
            state.dash_open = False
            return space + dash + after
        state.dash_open = True
        return before + dash + space

    return replace


def _quote_replacer(table: LanguageTable) -> Replace:
    assert table.quotes and table.inner_quotes
    (p_open, p_close), (i_open, i_close) = table.quotes, table.inner_quotes
    elision = (
        re.compile(r"(?:" + _alternation(table.elisions) + r")\b|\d\ds\b", re.IGNORECASE) if table.elisions else None
    )

    def replace(match: re.Match[str], state: BlockState) -> str:
        char, text, at = match.group(), match.string, match.start()
        before = text[at - 1] if at else ""
        after = text[at + 1] if at + 1 < len(text) else ""
        opening = not before or before in SPACES or before in OPENERS or before in DASHES or before == "/"
        if char == '"':
            if before.isdigit() and not state.quotes:
                return "″"
            if opening or (not state.quotes and after.isalnum()):
                kind = "inner" if state.quotes else "primary"
                state.quotes.append(kind)
                return i_open if kind == "inner" else p_open
            kind = state.quotes.pop() if state.quotes else "primary"
            return p_close if kind == "primary" else i_close
        if char == "'":
            if before.isalnum() and after.isalnum() and not before.isdigit():
                return table.apostrophe
            if before.isdigit() and not after.isalpha():
                return "′"
            if opening:
                if elision and elision.match(text, at + 1):
                    return table.apostrophe
                if after.isalnum() or after == OPAQUE:
                    state.quotes.append("single")
                    return i_open
                return char
            if state.quotes and state.quotes[-1] == "single" and not after.isalnum():
                state.quotes.pop()
                return i_close
            return table.apostrophe
        _track_typed_quote(char, after, state, table)
        return char

    return replace


def _track_typed_quote(char: str, after: str, state: BlockState, table: LanguageTable) -> None:
    """Quotes the author typed as such count for nesting; they are never changed."""
    assert table.quotes and table.inner_quotes
    (p_open, p_close), (i_open, i_close) = table.quotes, table.inner_quotes
    if char == p_open and p_open != i_close:
        state.quotes.append("primary")
    elif char == i_open and i_open != p_close:
        state.quotes.append("inner")
    elif char in (p_close, i_close) and state.quotes and not (char == table.apostrophe and after.isalpha()):
        state.quotes.pop()


def _number_rules(table: LanguageTable) -> list[Rule]:
    rules = []
    if table.thousands:
        rules.append(
            Rule(
                "thousands",
                re.compile(r"(?<![\d,.])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d])"),
                lambda m, state: re.sub("[ \u00a0\u202f]", table.thousands, m.group()),
            )
        )
    if table.percent_space:
        rules.append(
            Rule("percent", re.compile(rf"(?<=\d){_S}*(?P<mark>[%‰])"), _fixed(table.percent_space + r"\g<mark>"))
        )
    if table.unit_space and table.units:
        units = _alternation(table.units)
        rules.append(
            Rule(
                "number and unit",
                re.compile(rf"(?<=\d){_S}+(?P<unit>{units})(?![\w²³])"),
                _fixed(table.unit_space + r"\g<unit>"),
            )
        )
    if table.before_number:
        words = _alternation(table.before_number)
        rules.append(
            Rule(
                "abbreviation and number",
                re.compile(rf"(?<![\w.])(?P<word>{words}){_S}+(?=\d)"),
                _fixed(r"\g<word>" + NBSP),
            )
        )
    if table.before_name:
        words = _alternation(table.before_name)
        rules.append(
            Rule(
                "title and name",
                re.compile(rf"(?<![\w.])(?P<word>{words}){_S}+(?=[A-ZÀ-ÖØ-Þ])"),
                _fixed(r"\g<word>" + NBSP),
            )
        )
    return rules
