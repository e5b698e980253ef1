"""Where each page of a WeasyPrint layout begins: the first line of the text flow, and the
nearest element with an id around it. The EPUB writer places its page markers there."""

from __future__ import annotations

from collections.abc import Iterator

import weasyprint

from publish.model import PageStart
from publish.writers.paged.weasy_internals import OUTSIDE_THE_FLOW, Box, LineBox, TextBox, page_box


def page_starts(document: weasyprint.Document) -> tuple[PageStart, ...]:
    """One PageStart per page, in order; a page without text (a blank verso) has no anchor."""
    starts = []
    for index, page in enumerate(document.pages):
        found = _first_line(page_box(page), ())
        if found is None:  # no text (a cover, a blank verso): the first element with an id, if any
            starts.append(PageStart(index + 1, _first_id(page_box(page)), ""))
            continue
        line, ancestors = found
        anchor = next((_id(box) for box in reversed(ancestors) if _id(box)), None)
        text = "".join(box.text for box in _texts(line) if "::" not in box.element_tag)  # not list numbers
        starts.append(PageStart(index + 1, anchor, " ".join(text.split())))
    return tuple(starts)


def _first_line(box: Box, ancestors: tuple[Box, ...]) -> tuple[LineBox, tuple[Box, ...]] | None:
    """The first line box holding text, depth first, outside margin boxes, footnotes and floats."""
    if isinstance(box, OUTSIDE_THE_FLOW) or (box is not None and box.style["float"] != "none"):
        return None
    if isinstance(box, LineBox):
        return (box, ancestors) if any(t.text.strip() for t in _texts(box)) else None
    for child in getattr(box, "children", ()):
        found = _first_line(child, ancestors + (box,))
        if found is not None:
            return found
    return None


def _first_id(box: Box) -> str | None:
    if isinstance(box, OUTSIDE_THE_FLOW):
        return None
    if _id(box):
        return _id(box)
    return next((found for child in getattr(box, "children", ()) if (found := _first_id(child))), None)


def _texts(box: Box) -> Iterator[TextBox]:
    for child in box.descendants():
        if isinstance(child, TextBox):
            yield child


def _id(box: Box) -> str | None:
    element = getattr(box, "element", None)
    if element is None or "::" in getattr(box, "element_tag", ""):  # a ::before or ::marker box
        return None
    return element.get("id") or None
