"""The typesetter's second pass: a layout read back, then laid out again where a note left its
call's page or a handout's last page holds only a few lines.

WeasyPrint may push a note to the next page to keep a later paragraph's first two lines
together (its orphans control reports the notes already placed, whatever ``footnote-policy``
says). A typesetter would rather end the page short: the paragraph whose lines took the note's
room is told to need one line more than it got, so it moves to the next page whole and the note
stays with its call. Notes and calls are found by their anchors: a note ``<x>--note--<n>`` is
called at ``<x>--call--<n>``, a URL note ``<x>--url-note--<n>`` at ``<x>--url-call--<n>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import weasyprint

from publish.writers.paged.weasy_internals import OUTSIDE_THE_FLOW, Box, LineBox, TextBox, page_box

# Extra stylesheets (CSS text) -> the document laid out with them after the theme's.
Render = Callable[[Sequence[str]], weasyprint.Document]

NOTE_PASSES = 3  # layouts after the first one, at most, to bring notes back to their calls
# A short last page is laid out once more with the theme's tighter leading (the default theme's
# handout.css sets it); 1.38 when the theme names none.
TIGHTER = ":root { --leading: var(--leading-tight, 1.38); }"

_NOTE = re.compile(r"(?P<base>.+)--(?P<kind>note|url-note)--(?P<number>\d+)")


@dataclass(frozen=True)
class MisplacedNote:
    note: str  # the note's id
    call_page: int  # 1-based
    note_page: int


def call_id(note_id: str) -> str | None:
    """The id of the call of the note ``note_id``; None for an id that names no note."""
    match = _NOTE.fullmatch(note_id)
    if match is None:
        return None
    kind = "call" if match["kind"] == "note" else "url-call"
    return f"{match['base']}--{kind}--{match['number']}"


def misplaced_notes(document: weasyprint.Document) -> list[MisplacedNote]:
    """Each note printed on another page than its call, in page order."""
    page_of = {name: index for index, page in enumerate(document.pages, start=1) for name in page.anchors}
    found = []
    for name, page in page_of.items():
        call = call_id(name)
        if call is not None and call in page_of and page_of[call] != page:
            found.append(MisplacedNote(name, page_of[call], page))
    return sorted(found, key=lambda m: m.call_page)


def settle(render: Render, last_page_lines: int = 0) -> tuple[weasyprint.Document, list[str]]:
    """Lay out, bring notes back to their call's page; with ``last_page_lines``, a last page
    holding fewer lines is pulled back by a tighter layout when that leaves no short page."""
    document = _with_notes_in_place(render, [])
    if last_page_lines and len(document.pages) > 1 and _flow_lines(document.pages[-1]) < last_page_lines:
        tighter = _with_notes_in_place(render, [TIGHTER])
        last = _flow_lines(tighter.pages[-1])
        if len(tighter.pages) < len(document.pages) and (last >= last_page_lines or len(tighter.pages) == 1):
            document = tighter
    warnings = [
        f"note {m.note} is printed on page {m.note_page}, its call on page {m.call_page}: "
        "shorten the note or the paragraphs before its call"
        for m in misplaced_notes(document)
    ]
    return document, warnings


def _with_notes_in_place(render: Render, extra: list[str]) -> weasyprint.Document:
    """Lay out with ``extra``; while notes sit away from their calls, lay out again (bounded)."""
    document = render(extra)
    for _ in range(NOTE_PASSES):
        rules = [rule for m in misplaced_notes(document) if (rule := _push_last_block(document, m.call_page))]
        if not rules:
            break
        extra = [*extra, *dict.fromkeys(rules)]
        document = render(extra)
    return document


def _push_last_block(document: weasyprint.Document, page: int) -> str | None:
    """CSS that sends the block ending ``page`` to the next page whole: it asks one line more
    before a break than the block had there. None when that block cannot be named."""
    found = _last_line(page_box(document.pages[page - 1]), ())
    if found is None:
        return None
    _, ancestors = found
    block = ancestors[-1]
    lines = sum(1 for child in block.children if isinstance(child, LineBox))
    selector = _selector([box.element for box in ancestors if getattr(box, "element", None) is not None])
    return f"{selector} {{ orphans: {lines + 1}; }}" if selector else None


def _last_line(box: Box, ancestors: tuple[Box, ...]) -> tuple[LineBox, tuple[Box, ...]] | None:
    """The last line box of the text flow holding text, outside margin boxes, footnotes and floats."""
    if isinstance(box, OUTSIDE_THE_FLOW) or box.style["float"] != "none":
        return None
    if isinstance(box, LineBox):
        return (box, ancestors) if any(t.text.strip() for t in _texts(box)) else None
    for child in reversed(getattr(box, "children", ())):
        found = _last_line(child, ancestors + (box,))
        if found is not None:
            return found
    return None


def _selector(elements: list) -> str | None:
    """A CSS selector for the last of ``elements`` (a chain from the root down), from the nearest
    element with an id: ``#chapter > p:nth-child(12)``."""
    chain = [e for index, e in enumerate(elements) if index == 0 or e is not elements[index - 1]]
    steps: list[str] = []
    for parent, child in zip(reversed(chain[:-1]), reversed(chain[1:])):
        if child.get("id"):
            break
        siblings = [e for e in parent if isinstance(e.tag, str)]
        if child not in siblings:
            return None
        steps.insert(0, f"{child.tag}:nth-child({siblings.index(child) + 1})")
    else:
        return None
    head = child.get("id", "")
    if not re.fullmatch(r"[A-Za-z][\w-]*", head):
        return None
    return " > ".join([f"#{head}", *steps])


def _flow_lines(page: weasyprint.Page) -> int:
    """Lines of text in the page's flow (running heads, folios and notes left out)."""
    return sum(1 for _ in _lines(page_box(page)))


def _lines(box: Box) -> Iterator[LineBox]:
    if isinstance(box, OUTSIDE_THE_FLOW):
        return
    if isinstance(box, LineBox):
        if any(t.text.strip() for t in _texts(box)):
            yield box
        return
    for child in getattr(box, "children", ()):
        yield from _lines(child)


def _texts(box: Box) -> Iterator[TextBox]:
    for child in box.descendants():
        if isinstance(child, TextBox):
            yield child
