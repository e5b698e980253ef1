"""The book's cover as a JPEG for the EPUB: the author's image, or the theme's cover.svg
rendered by the same engine as the PDF's first page, so that both covers match.

JPEG because Kindle's and Kobo's stores expect one, at least 1,600 pixels on the long side.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from publish.bounded import OverBudget, run_bounded
from publish.convert.images import DecodeBudget, check_cover
from publish.errors import PublishError
from publish.model import Book, PreparedBook
from publish.store import Fingerprint, Store
from publish.theme.context import book_view
from publish.theme.loading import Theme, font_face_css
from publish.theme.templating import make_environment, render

COVER_HEIGHT = 2400  # pixels on the long side; Kindle and Kobo ask for at least 1,600
MIN_LONG_SIDE = 1600
COVER_PAGE = "148mm 210mm"  # A5 proportions, as cover.svg's view box
COVER = "cover"  # the store's kind for drawn covers


def cover_jpeg(prepared: PreparedBook, theme: Theme, store: Store | None) -> bytes:
    """The cover image; a drawn cover is kept in the store (kind ``cover``) under the fingerprint of
    all it is made from, since drawing it means loading WeasyPrint (a second, for an EPUB of one second)."""
    book = prepared.book
    if book.metadata.cover is not None:
        return _author_cover(book, book.metadata.cover)
    svg = render(make_environment(theme, "paged"), "cover.svg", book=book_view(prepared, theme.words))
    html = f'<html><body style="margin:0">{svg}</body></html>'
    css = font_face_css(theme.fonts, lambda face: face.path.as_uri())
    css += f"@page {{ size: {COVER_PAGE}; margin: 0 }} svg {{ display: block; width: 100%; height: 100%; }}"
    fonts = "".join(f"{f.path}:{f.path.stat().st_size}:{f.path.stat().st_mtime_ns}" for f in theme.fonts)
    key = Fingerprint(COVER).text("height", COVER_HEIGHT).text("html", html).text("css", css).text("fonts", fonts).key()
    kept = store.get(COVER, key) if store else None
    if kept is not None:
        return kept
    data = _draw(html, css, theme)
    if store:
        store.put(COVER, key, data)
        store.prune(COVER, {key})
    return data


def _draw(html: str, css: str, theme: Theme) -> bytes:
    import pypdfium2
    import weasyprint

    from publish.writers.fetcher import FolderFetcher

    fetcher = FolderFetcher(theme.allowed_roots())
    pdf = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[weasyprint.CSS(string=css, url_fetcher=fetcher)]
    )
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        scale = COVER_HEIGHT / page.get_height()
        image = page.render(scale=scale).to_pil()
    finally:
        document.close()
    return _jpeg_bytes(image.convert("RGB"))


def cover_warning(book: Book) -> str | None:
    """The author's cover is too small for the e-book stores (they refuse or blur it)."""
    if book.metadata.cover is None:
        return None
    try:
        with Image.open(book.metadata.cover) as image:
            long_side = max(image.size)
    except (OSError, ValueError):  # an unreadable cover is an error of check_cover's
        return None
    if long_side >= MIN_LONG_SIDE:
        return None
    return (
        f"{book.metadata.cover}: the cover is {image.size[0]} × {image.size[1]} pixels; Kindle and Kobo "
        f"want at least {MIN_LONG_SIDE} on the long side (e.g. 1600 × 2400)"
    )


def _author_cover(book: Book, cover: Path) -> bytes:
    """The author's cover, checked like any image of the book (limits, a full decode), then converted
    in a bounded child: a cover that cannot be used is an error at its line of book.toml."""
    found = check_cover(book)
    if found is not None:
        raise PublishError(found.message, path=found.path, line=found.line, hint=found.hint)
    budget = DecodeBudget()
    try:
        data: bytes = run_bounded(_as_jpeg, cover, seconds=budget.seconds, memory=budget.memory_for(book.limits))
    except OverBudget as error:
        raise PublishError(
            f"the cover image {cover.name} {error} to convert to JPEG",
            path=book.config_path,
            hint="export the cover again, smaller (1600 × 2400 pixels is plenty)",
        ) from None
    return data


def _as_jpeg(path: Path) -> bytes:
    with Image.open(path) as image:
        # A JPEG decodes straight at a fraction of its size (draft); nothing larger than the
        # drawn cover is kept, which the stores would shrink anyway.
        image.draft("RGB", (COVER_HEIGHT, COVER_HEIGHT))
        image.thumbnail((COVER_HEIGHT, COVER_HEIGHT))
        return _jpeg_bytes(image.convert("RGB"))


def _jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, optimize=True, progressive=False)
    return buffer.getvalue()
