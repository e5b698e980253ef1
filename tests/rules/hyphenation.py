"""The hyphenation policy, checked on a finished PDF's text (poppler's pdftotext -bbox-layout).

A line ending in a letter and "-" (or "‐") is hyphenated. Whether the hyphen was added by the
layout or belongs to a compound ("peut-être", "open-source", "Jean-Pierre") is told from the text
itself: it is a compound's when the fragment after it holds a hyphen of its own ("c’est-/à-dire"),
is a clitic or a word that only ends compounds ("celui-/ci", "a-/t-il", "peut-/être"), starts with a
capital (the layout never breaks such words: "Saint-/Étienne"), or when the same word is printed
with its hyphen elsewhere in the document, mid-line. Every other line-end hyphen is the layout's.

Violations: runs of more than 2 hyphenated lines of one text (any hyphen: a ladder is what the eye
sees; the body's last lines and the notes under them are two texts),
a layout break leaving fewer than 3 letters on either side (the letters after an elision count:
"l’ap-proche"), a layout break inside a name (a digit, a capital after the first letter, or a capital first letter
that does not open a sentence: typography/unbreakable.py's rule), a paragraph whose last
line is the tail of a word broken by the layout, a layout hyphen on the last text line of an odd
(recto) page, and U+2010 anywhere (the layout's hyphen must copy and search as the whole word).
"""

from __future__ import annotations

import itertools
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

MAX_RUN = 2
MIN_BEFORE = 3
MIN_AFTER = 3
# Words that end French (and English) compounds: after a line-end hyphen they show a compound's hyphen.
COMPOUND_TAILS = {
    "ci", "là", "je", "tu", "il", "ils", "elle", "elles", "on", "nous", "vous", "ce", "t", "y", "en",
    "le", "la", "les", "moi", "toi", "lui", "leur", "eux", "même", "mêmes", "être", "dire", "à",
}  # fmt: skip
_NS = "{http://www.w3.org/1999/xhtml}"
_EDGE_PUNCTUATION = "«»“”\"'‘’()[]{}.,;:!?…—–*"
_ELISION = re.compile(r"^[^\W\d_]{1,7}[’']")  # l’, d’, qu’, jusqu’, lorsqu’


@dataclass(frozen=True)
class Line:
    page: int  # from 1
    words: tuple[str, ...]
    x_max: float
    height: float
    y: float

    @property
    def hyphenated(self) -> bool:
        last = self.words[-1] if self.words else ""
        return len(last) >= 2 and last[-1] in "-\u2010" and last[-2].isalpha()


def check_pdf(path: Path) -> list[str]:
    """Each violation of the hyphenation policy in the PDF at ``path``, naming its page."""
    pages = _read_lines(path)
    imposed = len(pages) != _sheets(path)  # a booklet: its halves are not numbered as the book's pages
    lines = [line for page in pages for line in page]
    compounds = _printed_compounds(lines)
    problems = [f"page {line.page}: U+2010 in {w!r}" for line in lines for w in line.words if "\u2010" in w]
    problems += _ladders(pages)
    for page_lines in pages:
        right = max((line.x_max for line in page_lines), default=0.0)
        body = _last_body_line(page_lines)
        for line, after, same_page in _successions(pages, page_lines):
            before, tail = _fragments(line.words[-1], after.words[0])
            if _is_compound(before, tail, compounds):
                continue
            problems += _bad_break(line.page, before, tail, _opens_sentence(line))
            if same_page and len(after.words) == 1 and after.x_max < right - 20:
                problems.append(f"page {line.page}: the tail of {before}-{tail} stands alone on its line")
            if line.page % 2 == 1 and line is body and not imposed:
                problems.append(f"page {line.page}: recto page ends on a hyphen ({before}-{tail})")
    return problems


def _successions(pages: list[list[Line]], lines: list[Line]) -> Iterator[tuple[Line, Line, bool]]:
    """Each hyphenated line with the line that continues it: the next one in the same type size
    (body text goes on in body text, a note in notes), or the next page's first body line."""
    for index, line in enumerate(lines):
        if not line.hyphenated:
            continue
        after = next((later for later in lines[index + 1 :] if _same_size(later, line) and later.words), None)
        if after is not None:
            yield line, after, True
        elif line is _last_body_line(lines) and (first := _first_body_line(pages, line.page)) is not None:
            yield line, first, False


def _same_size(line: Line, other: Line) -> bool:
    """Lines in one type size: a note call's superscript makes a body line taller, never a note's as tall."""
    return other.height * 0.95 <= line.height <= other.height * 1.5


def _read_lines(path: Path) -> list[list[Line]]:
    """The printed lines of each page, top to bottom (one column of text)."""
    result = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, check=True, timeout=60)
    root = etree.fromstring(result.stdout, etree.XMLParser(recover=True, huge_tree=True))
    pages = []
    for sheet in root.iter(f"{_NS}page"):
        pieces = []
        for line in sheet.iter(f"{_NS}line"):
            words = [(float(w.get("xMin", 0)), w.text or "") for w in line.iter(f"{_NS}word")]
            box = tuple(float(line.get(k, 0)) for k in ("xMin", "yMin", "xMax", "yMax"))
            pieces.append((box, words))
        width, height = float(sheet.get("width", 0)), float(sheet.get("height", 0))
        # A booklet's sheet holds two pages side by side: each half is read as a page of its own.
        halves = (
            [pieces]
            if width <= height
            else [[p for p in pieces if (p[0][0] + p[0][2]) / 2 < width / 2 * k] for k in (1, 2)]
        )
        if len(halves) == 2:
            halves[1] = [p for p in halves[1] if p not in halves[0]]
        for half in halves:
            number = len(pages) + 1
            pages.append([_joined(number, group) for group in _physical_lines(half)])
    return pages


Piece = tuple[tuple[float, ...], list[tuple[float, str]]]


def _sheets(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True, timeout=60).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(found.group(1)) if found else 0


def _physical_lines(pieces: list[Piece]) -> list[list[Piece]]:
    """Poppler cuts a justified line at its widest spaces into several: put them back together
    (pieces whose middles lie within one another's height)."""
    groups: list[list[Piece]] = []
    for piece in sorted(pieces, key=lambda p: (p[0][3], p[0][0])):
        middle = (piece[0][1] + piece[0][3]) / 2
        if groups and any(other[0][1] <= middle <= other[0][3] for other in groups[-1]):
            groups[-1].append(piece)
        else:
            groups.append([piece])
    return groups


def _joined(page: int, group: list[Piece]) -> Line:
    words = sorted(word for _, found in group for word in found)
    y_min = min(box[1] for box, _ in group)
    y_max = max(box[3] for box, _ in group)
    tallest = max(box[3] - box[1] for box, _ in group)
    return Line(page, tuple(w for _, w in words), max(box[2] for box, _ in group), round(tallest, 1), y_max or y_min)


def _body_height(lines: list[Line]) -> float | None:
    counts = Counter(line.height for line in lines if line.words)
    return counts.most_common(1)[0][0] if counts else None


def _last_body_line(lines: list[Line]) -> Line | None:
    """The lowest line in the body's size (running heads, folios and footnotes are smaller)."""
    height = _body_height(lines)
    body = [line for line in lines if line.height == height]
    return max(body, key=lambda line: line.y) if body else None


def _first_body_line(pages: list[list[Line]], page: int) -> Line | None:
    if page >= len(pages):
        return None
    lines = pages[page]  # the next page (pages are numbered from 1)
    height = _body_height(lines)
    body = [line for line in lines if line.height == height]
    return min(body, key=lambda line: line.y) if body else None


def _fragments(last: str, first: str) -> tuple[str, str]:
    """The letters before the break (an elision left out) and the word after it, bare."""
    before = last[:-1].lstrip(_EDGE_PUNCTUATION)
    before = _ELISION.sub("", before.rsplit("-", 1)[-1])
    return before, first.strip(_EDGE_PUNCTUATION)


def _is_compound(before: str, tail: str, compounds: set[str]) -> bool:
    return (
        "-" in tail
        or tail.lower() in COMPOUND_TAILS
        or (tail[:1].isupper() and not tail.isupper())
        or f"{before}-{tail}".lower() in compounds
    )


def _printed_compounds(lines: list[Line]) -> set[str]:
    """Every hyphenated word printed whole somewhere (not at a line end), lower case, bare."""
    found = set()
    for line in lines:
        for word in line.words[:-1] if line.hyphenated else line.words:
            bare = word.strip(_EDGE_PUNCTUATION)
            if "-" in bare[1:-1]:
                parts = bare.lower().split("-")
                found.update(f"{_ELISION.sub('', a)}-{b}" for a, b in itertools.pairwise(parts))
    return found


def _opens_sentence(line: Line) -> bool:
    """The line's last word follows a full stop, a question or exclamation mark, an ellipsis."""
    previous = [w for w in line.words[:-1] if w.strip("«“—–(\"'")]
    return bool(previous) and previous[-1][-1:] in (".", "!", "?", "…")


def _bad_break(page: int, before: str, tail: str, sentence_start: bool) -> list[str]:
    letters_after = re.match(r"[^\W\d_]*", tail)
    after = letters_after.group() if letters_after else ""
    problems = []
    if sum(c.isalpha() for c in before) < MIN_BEFORE or len(after) < MIN_AFTER:
        problems.append(f"page {page}: break leaves a fragment under 3 letters ({before}-{tail})")
    word = before + tail
    if (
        any(c.isdigit() for c in word)
        or any(c.isupper() for c in word[1:])
        or (word[:1].isupper() and not sentence_start)
    ):
        problems.append(f"page {page}: a word with a capital or a digit is hyphenated ({before}-{tail})")
    return problems


def _ladders(pages: list[list[Line]]) -> list[str]:
    """Runs of more than MAX_RUN hyphenated lines of one text: a run stops where the type size
    changes or a gap opens (the body's last line, then the note area), as the writer counts them."""
    problems = []
    for lines in pages:
        run: list[Line] = []
        for line in [*lines, None]:
            if line is not None and line.hyphenated and (not run or _goes_on(run[-1], line)):
                run.append(line)
                continue
            if len(run) > MAX_RUN:
                problems.append(f"page {run[0].page}: {len(run)} hyphenated lines in a row, from {run[0].words[-1]!r}")
            run = [line] if line is not None and line.hyphenated else []
    return problems


def _goes_on(line: Line, later: Line) -> bool:
    """``later`` is the next line of ``line``'s text: in the same type size (a note call's superscript
    makes a body line a little taller, a note is a fifth smaller), less than half a line further down."""
    low, high = sorted((line.height, later.height))
    return low >= high * 0.85 and later.y - line.y <= high * 1.5
