"""Display lines (titles, headings, the cover): the last line never holds a lone short word.

WeasyPrint has no `text-wrap: balance`, so display strings are prepared instead: the last
words of a heading are bound with no-break spaces until they make a tail of a decent length
("…en quête de voix" keeps "quête de voix" together), and text whose lines code breaks
itself (the SVG cover) is cut into lines of balanced lengths. Only ordinary spaces are
break points: the no-break spaces the typography pass put (before « : », inside « ») hold.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from publish.convert.typography.tree import PROTECTED

NBSP = "\u00a0"
MIN_TAIL = 10  # characters the last line of a display text should hold at least
MAX_TAIL = 20  # never bind more than this: a long bound tail could not share a line with anything
MAX_TAIL_SHARE = 0.6  # nor more than this share of the whole text
SHORT_WORD = 2  # a line of a balanced text does not end on a word this short ("à", "de", "la")
SHORT_TAIL_WORD = 3  # letters: a last line holding no more is joined to the line above
DISPLAY_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
OVERFLOW_FINE = 10_000  # balancing: a line of several words wider than asked
SHORT_END_FINE = 500  # balancing: a line but the last ending on a short word


def bound_spaces(text: str) -> list[int]:
    """The indexes of the spaces of ``text`` that bind its tail into one unbreakable group."""
    stripped = text.rstrip()
    spaces = [index for index, char in enumerate(stripped) if char == " " and stripped[index - 1] != " "]
    bound: list[int] = []
    for space in reversed(spaces):
        tail = len(stripped) - space - 1
        if tail >= MIN_TAIL:
            break
        group = len(stripped) - _previous_break(stripped, space)
        if bound and (group > MAX_TAIL or group > MAX_TAIL_SHARE * len(stripped)):
            break
        bound.append(space)
    return bound


def _previous_break(text: str, space: int) -> int:
    """Where the word that ends before ``space`` starts."""
    start = text.rfind(" ", 0, space)
    return start + 1


def bind_tail(text: str) -> str:
    """``text`` with its last words bound by no-break spaces (see ``bound_spaces``)."""
    chars = list(text)
    for index in bound_spaces(text):
        chars[index] = NBSP
    return "".join(chars)


@dataclass
class _Slot:
    node: etree._Element
    attribute: str  # "text" or "tail"
    verbatim: bool = False  # inside code or `notypo`: measured as one word, never changed


def bind_element_tail(element: etree._Element) -> None:
    """Bind the tail of a heading whose text runs across inline tags (`<em>`, links, spans)."""
    slots: list[_Slot] = []
    for slot in _text_slots(element):
        slots = [] if not slot.attribute else [*slots, slot]
    texts = [list(getattr(slot.node, slot.attribute)) for slot in slots]
    owners = [(number, offset) for number, text in enumerate(texts) for offset in range(len(text))]
    joined = "".join(
        "".join(text).replace(" ", NBSP) if slot.verbatim else "".join(text)
        for slot, text in zip(slots, texts, strict=True)
    )
    for index in bound_spaces(joined):
        number, offset = owners[index]
        texts[number][offset] = NBSP
    for slot, text in zip(slots, texts, strict=True):
        if not slot.verbatim:
            setattr(slot.node, slot.attribute, "".join(text))


def _text_slots(node: etree._Element, verbatim: bool = False) -> Iterator[_Slot]:
    """The text pieces of ``node`` in reading order; a `<br>` restarts them (only the last line counts).
    Code and `notypo` text is left as typed, as the typography pass leaves it (a no-break space in a
    command would be copied with it)."""
    if isinstance(node.tag, str):
        verbatim = verbatim or node.tag in PROTECTED or "notypo" in (node.get("class") or "").split()
        if node.text:
            yield _Slot(node, "text", verbatim)
    for child in node:
        if child.tag == "br":
            yield _Slot(child, "")  # a marker: the caller forgets what came before
        else:
            yield from _text_slots(child, verbatim)
        if child.tail:
            yield _Slot(child, "tail", verbatim)


def bind_display_lines(root: etree._Element) -> None:
    """Every heading of a chapter's tree gets its tail bound (the chapter title is its `h1`)."""
    for heading in root.iter(*DISPLAY_TAGS):
        bind_element_tail(heading)


def balance_lines(text: str, width: int) -> list[str]:
    """``text`` cut into as many lines as greedy wrapping at ``width`` characters needs, but of
    balanced lengths: no lone short word on the last line, no line ending on "à" or "de"."""
    greedy = textwrap.wrap(text, width=width, break_long_words=False) or [""]
    count = len(greedy)
    if count < 2:
        return greedy
    words = [word for word in text.split(" ") if word]
    cuts = _balanced_cuts(words, count, width)
    if cuts is None:  # more lines than words: greedy wrapping broke at hyphens
        return _lone_word_joined(greedy, width)
    edges = (0, *cuts, len(words))
    return _lone_word_joined([" ".join(words[start:end]) for start, end in itertools.pairwise(edges)], width)


def balance_cost(lines: list[str], width: int) -> int:
    """What ``balance_lines`` minimises: the squared shortfall of each line from the longest, plus a fine for
    a line of several words wider than ``width`` and for a line but the last ending on a short word."""
    longest = max(len(line) for line in lines)
    return sum(
        _line_cost(len(line), longest, width, " " in line, len(line.rsplit(" ", 1)[-1]), number == len(lines) - 1)
        for number, line in enumerate(lines)
    )


def _line_cost(length: int, longest: int, width: int, spaced: bool, last_word: int, last: bool) -> int:
    cost = (longest - length) ** 2
    if spaced and length > width:  # one long word alone may overflow
        cost += OVERFLOW_FINE
    if not last and last_word <= SHORT_WORD:
        cost += SHORT_END_FINE
    return cost


def _balanced_cuts(words: list[str], count: int, width: int) -> tuple[int, ...] | None:
    """Where to cut ``words`` into ``count`` lines at the least ``balance_cost``, the earliest cuts on a tie.

    A line's cost depends on the longest line, which no line knows alone: so the best cutting is sought
    once per candidate longest length, each time by dynamic programming over break positions. The
    candidates are tried nearest the mean line length first, and the search stops at the first one where
    even lines spread perfectly around it would cost more than the best cutting found."""
    if count > len(words):
        return None
    starts = [0, *itertools.accumulate(len(word) + 1 for word in words)]  # where each word starts in the text
    total = starts[-1] - count  # characters in the lines: every space but those at the cuts
    longest_word = max(len(word) for word in words)

    def scaled_floor(longest: int) -> int:
        """``count`` times the least cost any cutting whose longest line has ``longest`` characters can have."""
        overflow = OVERFLOW_FINE if longest > max(width, longest_word) else 0  # that line holds several words
        return (count * longest - total) ** 2 + count * overflow

    best: tuple[int, tuple[int, ...]] | None = None
    for longest in sorted(range(max(longest_word, -(-total // count)), starts[-1]), key=scaled_floor):
        if best is not None and scaled_floor(longest) > count * best[0]:
            break
        found = _cuts_within(words, starts, count, width, longest)
        if found is not None and (best is None or found < best):
            best = found
    return None if best is None else best[1]


def _cuts_within(
    words: list[str], starts: list[int], count: int, width: int, longest: int
) -> tuple[int, tuple[int, ...]] | None:
    """The cheapest cutting of ``words`` into ``count`` lines of at most ``longest`` characters, each line
    costed against ``longest``: its cost and its cuts, the earliest on a tie (None if nothing fits)."""
    size = len(words)

    def cost(start: int, end: int) -> int | None:
        length = starts[end] - starts[start] - 1
        if length > longest:
            return None
        return _line_cost(length, longest, width, end - start > 1, len(words[end - 1]), end == size)

    reach = [0]  # reach[k]: the furthest word k lines of at most ``longest`` can lead to from the start
    while len(reach) < count:
        end = reach[-1]
        while end < size and starts[end + 1] - starts[reach[-1]] - 1 <= longest:
            end += 1
        reach.append(end)
    # rest[lines][start]: the least cost of setting words[start:] as that many lines, None if they cannot be
    rest: list[list[int | None]] = [[None] * size + [0]]
    for lines in range(1, count + 1):
        below: list[int | None] = rest[-1]
        here: list[int | None] = [None] * (size + 1)
        for start in range(count - lines, min(reach[count - lines], size - lines) + 1):
            for end in range(start + 1, size - lines + 2):
                line, after, so_far = cost(start, end), below[end], here[start]
                if line is None:
                    break
                if after is not None and (so_far is None or after + line < so_far):
                    here[start] = after + line
        rest.append(here)
    total = rest[count][0]
    if total is None:
        return None

    def leads_on(start: int, end: int, lines: int) -> bool:
        """Whether a cutting as cheap as can be sets words[start:end] as the first of ``lines`` lines."""
        line, after = cost(start, end), rest[lines - 1][end]
        return line is not None and after is not None and line + after == rest[lines][start]

    cuts = [0]
    for lines in range(count, 1, -1):
        cuts.append(next(end for end in range(cuts[-1] + 1, size) if leads_on(cuts[-1], end, lines)))
    return total, tuple(cuts[1:])


def _lone_word_joined(lines: list[str], width: int) -> list[str]:
    """A last line of three letters or fewer ("IA", "& « Cie »") goes up when the line above can take it at a
    squeeze: ``width`` is a safe estimate, a quarter more still fits a cover's frame."""
    last = lines[-1]
    if len(lines) < 2 or sum(char.isalpha() for char in last) > SHORT_TAIL_WORD:
        return lines
    joined = f"{lines[-2]} {last}"
    return [*lines[:-2], joined] if len(joined) <= 1.25 * width else lines
