"""WeasyPrint's internals that publish relies on (writers/paged/weasy_internals.py) still exist and
still mean what we read from them. When an upgrade breaks one, these fail here, by name, rather
than as wrong page markers, missing low-resolution warnings or unshared fonts further down."""

from __future__ import annotations

import base64
import io

import weasyprint
from PIL import Image

from publish.writers.paged import weasy_internals


def _png(width: int) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, 10), "white").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


HTML = f"""<html><head><style>
@page {{ size: A6; margin: 20mm; @top-center {{ content: "En-tête" }} }}
img {{ width: 48px }}
</style></head><body>
<p id="premier">Premier paragraphe.</p>
<p><img src="{_png(300)}" alt="Un carré"></p>
</body></html>"""


def _document() -> weasyprint.Document:
    return weasyprint.HTML(string=HTML).render()


def test_a_page_has_a_box_tree_with_lines_texts_and_margin_boxes():
    page = _document().pages[0]
    root = weasy_internals.page_box(page)
    assert isinstance(root, weasy_internals.Box)
    descendants = list(root.descendants())
    lines = [box for box in descendants if isinstance(box, weasy_internals.LineBox)]
    texts = [box.text for box in descendants if isinstance(box, weasy_internals.TextBox)]
    assert lines and "Premier paragraphe." in texts and "En-tête" in texts
    margins = [box for box in descendants if isinstance(box, weasy_internals.OUTSIDE_THE_FLOW)]
    assert any(text.text == "En-tête" for box in margins for text in box.descendants() if hasattr(text, "text"))
    assert any(getattr(box, "element", None) is not None and box.element.get("id") == "premier" for box in descendants)
    assert all(box.style["float"] == "none" for box in lines), "boxes carry their computed style"


def test_raster_images_give_their_pixels_and_their_printed_width():
    ((box, pixels),) = list(weasy_internals.raster_images(_document().pages[0]))
    assert pixels == 300
    assert box.width == 48 and box.element.get("alt") == "Un carré"


def test_embedded_fonts_give_back_their_original_file():
    document = _document()
    document.write_pdf()  # fonts are collected when the PDF is written
    fonts = list(document.fonts.values())
    assert fonts
    data = weasy_internals.original_font_bytes(fonts[0])
    assert data[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true"), "a TrueType or OpenType file"
    assert len(data) > 10_000, "the whole font, not a subset"
    assert isinstance(fonts[0].name, bytes) and fonts[0].name.startswith(b"/"), "the PDF name fontshare.py keys on"
