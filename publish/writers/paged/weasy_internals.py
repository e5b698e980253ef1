"""WeasyPrint's internals that we rely on, in one place: the box tree of a laid-out page, the
pixels of a replaced image, and the original bytes of an embedded font.

WeasyPrint documents ``Document`` and ``Page`` but not these. They are reached only through
this module, WeasyPrint is pinned to the major version tested (pyproject.toml), and
tests/test_weasy_internals.py fails loudly when an upgrade changes any of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.images import RasterImage
from weasyprint.pdf.fonts import Font
from weasyprint.text.fonts import get_hb_object_data

Box = boxes.Box
LineBox = boxes.LineBox
TextBox = boxes.TextBox
OUTSIDE_THE_FLOW = (boxes.MarginBox, boxes.FootnoteAreaBox)  # running heads, folios, footnotes


def page_box(page: weasyprint.Page) -> boxes.PageBox:
    """The root of a laid-out page's box tree."""
    return page._page_box


@dataclass(frozen=True)
class LaidLine:
    """One line of text as laid out, with the block it belongs to."""

    text: str
    block_id: str | None  # the id of the nearest enclosing element that has one
    block: int  # the same number for the lines of one block box (one paragraph on one page)
    in_flow: bool  # False in the footnote area
    # The parsed document's elements (ElementTree elements, shared by all pages): the one whose
    # box holds the line, and the one bearing ``block_id``. None in lines made by hand.
    element: Any = field(default=None, compare=False, repr=False)
    owner: Any = field(default=None, compare=False, repr=False)


def laid_lines(page: weasyprint.Page) -> list[LaidLine]:
    """The lines of text on ``page`` in order (running heads and folios left out, footnotes last)."""
    found: list[LaidLine] = []
    _collect_lines(page_box(page), None, True, found)
    return sorted(found, key=lambda line: not line.in_flow)  # stable: the flow's order is kept


def _collect_lines(box: boxes.Box, owner: Any, in_flow: bool, found: list[LaidLine]) -> None:
    if isinstance(box, boxes.MarginBox):
        return
    element = getattr(box, "element", None)
    if element is not None and "::" not in getattr(box, "element_tag", "") and element.get("id"):
        owner = element
    in_flow = in_flow and not isinstance(box, boxes.FootnoteAreaBox)
    for child in getattr(box, "children", ()):
        if isinstance(child, LineBox):
            text = "".join(t.text for t in child.descendants() if isinstance(t, TextBox))
            block_id = owner.get("id") if owner is not None else None
            found.append(LaidLine(text, block_id, id(box), in_flow, element, owner))
        else:
            _collect_lines(child, owner, in_flow, found)


def raster_images(page: weasyprint.Page) -> Iterator[tuple[boxes.ReplacedBox, int]]:
    """Each raster image drawn on ``page``, with its width in pixels (SVG and other vector images are left out)."""
    for box in page_box(page).descendants():
        image = getattr(box, "replacement", None)
        if isinstance(box, boxes.ReplacedBox) and isinstance(image, RasterImage) and box.width:
            yield box, image.width


def original_font_bytes(font: Font) -> bytes:
    """The font file a document's embedded font was made from (a value of ``Document.fonts``)."""
    return bytes(get_hb_object_data(font.hb_face))
