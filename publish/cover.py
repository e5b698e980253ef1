"""The book's cover as a PNG: the author's image, or the theme's cover.svg rendered
by the same engine as the PDF's first page, so that both covers match."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2
import weasyprint
from PIL import Image

from publish.fetch import FolderFetcher
from publish.model import Book
from publish.templating import make_environment, render
from publish.theme import Theme, font_face_css
from publish.views import book_view

COVER_WIDTH = 1400  # pixels; e-reader stores recommend at least 1400 on the short side
COVER_PAGE = "148mm 210mm"  # A5 proportions, as cover.svg's view box


def cover_png(book: Book, theme: Theme) -> bytes:
    if book.metadata.cover is not None:
        return _as_png(book.metadata.cover)
    svg = render(make_environment(theme, "paged"), "cover.svg", book=book_view(book.metadata, theme.words))
    html = f'<html><body style="margin:0">{svg}</body></html>'
    css = font_face_css(theme.fonts, lambda face: face.path.as_uri())
    css += f"@page {{ size: {COVER_PAGE}; margin: 0 }} svg {{ display: block; width: 100%; height: 100%; }}"
    fetcher = FolderFetcher(theme.allowed_roots())
    pdf = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[weasyprint.CSS(string=css, url_fetcher=fetcher)])
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        scale = COVER_WIDTH / page.get_width()
        image = page.render(scale=scale).to_pil()
    finally:
        document.close()
    return _png_bytes(image.convert("RGB"))


def _as_png(path: Path) -> bytes:
    with Image.open(path) as image:
        return _png_bytes(image.convert("RGB"))


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
