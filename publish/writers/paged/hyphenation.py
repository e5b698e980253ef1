"""The hyphenation policy's measured second pass: lay out, read the lines back, forbid the bad breaks, lay out again.

CSS says what it can (theme: `hyphenate-limit-chars`, `hyphens: manual`; convert time: the words
kept whole). What it cannot say is found in the laid-out lines: more than ``MAX_RUN`` hyphenated
lines in a row (a hyphen of a compound counts: a ladder is what the eye sees), a break leaving
fewer than ``MIN_LETTERS`` letters after an elision ("l’ap-proche"), a broken word with a capital
or a digit (a name), a paragraph ending on a word's tail, a line holding nothing but a word's head or
tail (WeasyPrint 70 does that after an inline element: "une" / "poli-" / "tique"), and a hyphen on
the last line of a recto page (of every page when the page's parity is not known yet: a chapter
laid out alone). Each such break is forbidden by wrapping that occurrence of the word (and no
other: a paragraph's words, not the chapter's) in `<span class="nohyphen">`, and the document is
laid out again, ``MAX_PASSES`` times at most; what the last layout still breaks is warned about.

The layout's hyphen is the theme's `hyphenate-character` ("-" in the default theme) or, when a
theme sets none, WeasyPrint's U+2010: both are read as the layout's.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Set
from dataclasses import dataclass, field, replace
from html import unescape
from typing import Any

import weasyprint

from publish.writers import fetcher
from publish.writers.paged import forbid, settle, weasy, weasy_internals
from publish.writers.paged.forbid import forbid_breaks, word_pattern
from publish.writers.paged.weasy import LayoutSetup, lay_out
from publish.writers.paged.weasy_internals import LaidLine, laid_lines

MAX_RUN = 2
MAX_PASSES = 3
MIN_LETTERS = 3
HYPHENS = "-\u2010"  # the theme's hyphenate-character, or WeasyPrint's own when the theme sets none
HYPHENATED = re.compile(rf"[^\W\d_][{HYPHENS}]$")
COMPOUND = re.compile(rf"[^\W_]+[{HYPHENS}][^\W_]+")
_OPENERS = "«“—–(\"'"
_EDGES = "«»“”\"'‘’()[]{}.,;:!?…—–*"
_ELISION = re.compile(r"^[^\W\d_]{1,7}[’']")
# The modules whose code decides a layout: what a kept layout (chapterwise.py) must change with.
LAYOUT_MODULES = (sys.modules[__name__], forbid, weasy, settle, weasy_internals, fetcher)


@dataclass(frozen=True)
class Break:
    """A word the layout broke at a line end: where (the block's id, which occurrence) and what."""

    block_id: str | None
    word: str  # the whole word, as printed without the hyphen: "l’approche"
    before: str  # the letters before the break, an elision left out: "ap"
    compound: bool  # the hyphen was in the text ("peut-être"): the layout cannot be told not to break there
    glue: str = ""  # the word before, to keep on the word's line (WeasyPrint's slip, see bad_breaks)
    # Which of the word's occurrences (from 0, in any case) in all the text of the element bearing
    # ``block_id``, in document order, broke; None when it could not be traced back to the HTML.
    occurrence: int | None = 0
    page: int = field(default=0, compare=False)  # in the document laid out, from 1
    reason: str = field(default="", compare=False)


def lay_out_hyphenated(
    html: str, setup: LayoutSetup, recto_known: bool = True, chapter: str = ""
) -> tuple[weasyprint.Document, list[str], str]:
    """Lay ``html`` out under the hyphenation policy: the document, the warnings, and the HTML it was made from.

    ``recto_known=False`` (a chapter laid out alone, before its first page number is known)
    keeps hyphens off the last line of every page, not only of odd ones; ``chapter`` names the
    document's pages in the warnings. A pass that forbids no new break, or whose forbids change
    nothing in the HTML (the occurrence sits in code, or was not found), ends the passes.
    """
    document, warnings = lay_out(html, setup)
    forbidden: set[Break] = set()
    passes = 0
    while True:
        found = bad_breaks([laid_lines(page) for page in document.pages], recto_known, _compounds(html))
        new = [b for b in found if b not in forbidden]
        changed = forbid_breaks(html, new) if new and passes < MAX_PASSES else html
        if changed == html:
            return document, warnings + _still_broken(found, chapter), html
        forbidden.update(new)
        html, passes = changed, passes + 1
        document, warnings = lay_out(html, setup)


def _compounds(html: str) -> set[str]:
    """The text's hyphenated pairs, lower case; tags left out (convert time wraps "<span>Royaume</span>-Uni")."""
    text = unescape(re.sub(r"<[^>]*>", "", html))
    return {m.group().lower().replace("\u2010", "-") for m in COMPOUND.finditer(text)}


def _still_broken(breaks: list[Break], chapter: str) -> list[str]:
    """One warning a page and word for the breaks the last layout still makes."""
    where = f" of chapter {chapter}" if chapter else ""
    return list(
        dict.fromkeys(
            f"page {b.page}{where}: {b.word!r} is still hyphenated after {b.before!r} "
            f"({b.reason}, in #{b.block_id}), which the hyphenation passes could not undo: reword the paragraph"
            for b in breaks
        )
    )


def bad_breaks(pages: list[list[LaidLine]], recto_known: bool = True, compounds: Set[str] = frozenset()) -> list[Break]:
    """The breaks to forbid in a layout given as its pages' lines, each once; ``compounds`` are the text's
    hyphenated pairs ("tout-fermé", lower case): a line ending in one is the text's hyphen, not the layout's."""
    found: list[tuple[LaidLine, Break]] = []
    for number, lines in enumerate(pages, start=1):
        flow = [line for line in lines if line.in_flow]
        following = pages[number] if number < len(pages) else []
        for index, line in enumerate(lines):
            after = _continuation(lines, index, following)
            broken = _broken_word(line, after, compounds)
            if broken is None or broken.compound:
                continue
            broken = replace(broken, page=number)
            last_of_page = bool(flow) and line is flow[-1] and (number % 2 == 1 or not recto_known)
            previous = lines[index - 1] if index and lines[index - 1].block == line.block else None
            if _alone(line) and previous is not None and previous.text.split():
                # WeasyPrint 70 accepts a break whose shortest head does not fit the line, then sets
                # that head alone on the next line ("une" / "poli-" / "tique"); forbidding the break
                # only moves the slip. Keeping the word with the one before it ("une politique") ends it.
                found.append((line, replace(broken, glue=previous.text.split()[-1], reason="its head alone on a line")))
            elif reason := _reason(broken, line, after, last_of_page):
                found.append((line, replace(broken, reason=reason)))
        found += [(line, replace(b, page=number)) for line, b in _ladder_breaks(lines, following, compounds)]
    return _located(pages, found, compounds)


def _reason(broken: Break, line: LaidLine, after: LaidLine | None, last_of_page: bool) -> str:
    """Why the policy forbids ``broken`` (a break the layout made, not a compound's), or ""."""
    if len(broken.before) < MIN_LETTERS:
        return f"fewer than {MIN_LETTERS} letters before the break"
    if _is_name(broken.word, line.text):
        return "a name, or a word with a digit"
    if last_of_page:
        return "the last line of a page"
    if _alone(after):
        # The word's tail alone on its line: mostly a paragraph's last word broken ("contrai-" / "gnantes !").
        return "its tail alone on a line"
    return ""


def _continuation(lines: list[LaidLine], index: int, following: list[LaidLine]) -> LaidLine | None:
    """The line a hyphenated line goes on in: the next of its block, or the next page's first."""
    line = lines[index]
    later = lines[index + 1] if index + 1 < len(lines) else None
    if later is not None and later.block == line.block:
        return later
    if line.in_flow and all(not other.in_flow for other in lines[index + 1 :]):
        return next((first for first in following if first.in_flow), None)
    return None


def _is_name(word: str, line: str) -> bool:
    """What convert time keeps whole (typography/unbreakable.py): a digit, a capital after the first
    letter, or a capital first letter unless a sentence ends just before the word on its line."""
    core = _ELISION.sub("", word)
    if any(c.isdigit() for c in word) or any(c.isupper() for c in core[1:]):
        return True
    previous = line.rstrip().split()[-2:-1]
    opens_sentence = bool(previous) and previous[0].rstrip(_OPENERS)[-1:] in (".", "!", "?", "…")
    return core[:1].isupper() and not opens_sentence


def _alone(line: LaidLine | None) -> bool:
    """A line holding one word (or a word's part) and nothing else but punctuation ("gnantes\u202f!")."""
    return line is not None and sum(1 for w in line.text.split() if any(c.isalnum() for c in w)) == 1


def _broken_word(line: LaidLine, after: LaidLine | None, compounds: Set[str]) -> Break | None:
    text = line.text.rstrip()
    if not HYPHENATED.search(text) or after is None or not after.text.split():
        return None
    head = text.split()[-1][:-1].lstrip(_EDGES)
    # Letters only: a note call's number printed against the word is not part of it.
    tail = re.match(r"[^\W\d_]+(?:[’'][^\W\d_]+)*", after.text.split()[0].lstrip(_EDGES))
    if tail is None:
        return None
    compound = (
        any(h in head for h in HYPHENS)
        or after.text.split()[0].lstrip(_EDGES)[len(tail.group()) :][:1] in tuple(HYPHENS)
        or f"{head.split('’')[-1]}-{tail.group()}".lower() in compounds
    )
    before = _ELISION.sub("", head)
    return Break(line.block_id, head + tail.group(), before, compound or not before.isalpha())


def _ladder_breaks(
    lines: list[LaidLine], following: list[LaidLine], compounds: Set[str]
) -> list[tuple[LaidLine, Break]]:
    """In each run of more than MAX_RUN hyphenated lines of one block, the break to forbid: the
    middle one (a short run) or every third (a long one), the nearest the layout made if it is a compound's."""
    found: list[tuple[LaidLine, Break]] = []
    index = 0
    while index < len(lines):
        end = index
        while end < len(lines) and lines[end].block == lines[index].block and _hyphenated(lines[end]):
            end += 1
        length = end - index
        if length > MAX_RUN:
            breaks = [_broken_word(lines[i], _continuation(lines, i, following), compounds) for i in range(index, end)]
            wanted = [length // 2] if length <= 5 else list(range(MAX_RUN, length, MAX_RUN + 1))
            reason = f"{length} hyphenated lines in a row"
            for position in wanted:
                for candidate in (position, position + 1, position - 1):
                    chosen = breaks[candidate] if 0 <= candidate < length else None
                    if chosen is not None and not chosen.compound:
                        found.append((lines[index + candidate], replace(chosen, reason=reason)))
                        break
        index = max(end, index + 1)
    return found


def _hyphenated(line: LaidLine) -> bool:
    return bool(HYPHENATED.search(line.text.rstrip()))


def _located(pages: list[list[LaidLine]], found: list[tuple[LaidLine, Break]], compounds: Set[str]) -> list[Break]:
    """The breaks, each with the occurrence of its word that broke, once each."""
    blocks: dict[object, list[LaidLine]] = {}
    for line in (line for lines in pages for line in lines):
        blocks.setdefault(_block_key(line), []).append(line)
    owners = {id(line.element) for lines in pages for line in lines if line.element is not None}
    located: dict[Break, None] = {}
    for line, broken in found:
        pattern = word_pattern(broken.word)
        # Which of the word's occurrences in the block's laid-out text: the block's lines (on every
        # page) before the broken one, and that line but its last word.
        within = len(pattern.findall(_text_before(blocks[_block_key(line)], line, compounds)))
        if line.element is not None and line.owner is not None:
            occurrence = _source_occurrence(line.owner, line.element, within, pattern, owners)
        else:
            occurrence = within  # lines made by hand: the block is the element bearing the id
        located.setdefault(replace(broken, occurrence=occurrence))
    return list(located)


def _block_key(line: LaidLine) -> object:
    return id(line.element) if line.element is not None else (line.block_id, line.block)


def _text_before(lines: list[LaidLine], target: LaidLine, compounds: Set[str]) -> str:
    """The block's text up to ``target``'s last word, words broken by the layout made whole."""
    text = ""
    for index, line in enumerate(lines):
        words = line.text.split()
        if line is target:
            return text + " ".join(words[:-1])
        after = lines[index + 1] if index + 1 < len(lines) else None
        broken = _broken_word(line, after, compounds)
        joined = " ".join(words)
        text += joined + " " if broken is None else joined if broken.compound else joined[:-1]
    return text


def _source_occurrence(owner: Any, block: Any, within: int, pattern: re.Pattern[str], owners: Set[int]) -> int | None:
    """Which occurrence of ``pattern`` in all of ``owner``'s text (document order) is the ``within``-th
    of the text ``block`` lays out itself (its notes and nested blocks, laid out apart, left out)."""
    total = seen = 0
    for text, own in _segments(owner, block, owners, False):
        count = len(pattern.findall(text))
        if own and seen + count > within:
            return total + within - seen
        seen += count if own else 0
        total += count
    return None


def _segments(element: Any, block: Any, owners: Set[int], own: bool) -> Iterator[tuple[str, bool]]:
    """Each text of ``element`` (a parsed ElementTree element), in document order, with whether
    ``block``'s own lines show it."""
    own = element is block or (own and id(element) not in owners)
    yield element.text or "", own
    for child in element:
        if isinstance(child.tag, str):
            yield from _segments(child, block, owners, own)
        yield child.tail or "", own
