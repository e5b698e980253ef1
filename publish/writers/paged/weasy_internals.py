"""WeasyPrint's internals that we rely on, in one place: the box tree of a laid-out page, the
pixels of a replaced image, and the original bytes of an embedded font.

WeasyPrint documents ``Document`` and ``Page`` but not these. They are reached only through
this module, WeasyPrint is pinned to the major version tested (pyproject.toml), and
tests/test_weasy_internals.py fails loudly when an upgrade changes any of them.
"""

from __future__ import annotations

from collections.abc import Iterator

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


def raster_images(page: weasyprint.Page) -> Iterator[tuple[boxes.ReplacedBox, int]]:
    """Each raster image drawn on ``page``, with its width in pixels (SVG and other vector images are left out)."""
    for box in page_box(page).descendants():
        image = getattr(box, "replacement", None)
        if isinstance(box, boxes.ReplacedBox) and isinstance(image, RasterImage) and box.width:
            yield box, image.width


def original_font_bytes(font: Font) -> bytes:
    """The font file a document's embedded font was made from (a value of ``Document.fonts``)."""
    return bytes(get_hb_object_data(font.hb_face))
