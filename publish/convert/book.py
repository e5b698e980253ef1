"""A Book -> PreparedBook: every chapter converted (or taken from the store), links checked across
chapters, the metadata typeset for display, every finding in book order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from publish.convert.cache import RenderCache
from publish.convert.chapter import render_chapter
from publish.convert.links import check_links
from publish.convert.remote_images import RemotePolicy
from publish.convert.typography import typeset_text
from publish.model import Book, DisplayText, PreparedBook
from publish.store import Store


def prepare_book(
    book: Book,
    remote: RemotePolicy = RemotePolicy(),
    chapter_done: Callable[[], None] = lambda: None,
    store: Store | None = None,
) -> PreparedBook:
    """Convert every chapter, then check what spans chapters (links).

    With a ``store``, chapters converted by an earlier build from the very same inputs are
    taken from it (see convert/cache.py); never with remote images allowed.
    """
    cache = RenderCache(book, repr(remote), store) if store is not None and not remote.allowed else None
    chapters = []
    for chapter in book.chapters:
        found = cache.get(chapter) if cache else None
        if found is None:
            found = render_chapter(chapter, book.root, book.limits, remote)
            if cache:
                cache.put(found)
        chapters.append(found)
        chapter_done()
    if cache:
        cache.prune()
    diagnostics = [d for r in chapters for d in r.diagnostics] + list(check_links(chapters))
    order: dict[Path | None, int] = {chapter.source: index for index, chapter in enumerate(book.chapters)}
    diagnostics.sort(key=lambda d: (order.get(d.path, len(order)), d.line or 0, d.column or 0))
    meta = book.metadata
    display = DisplayText(
        title=typeset_text(meta.title, meta.lang),
        subtitle=typeset_text(meta.subtitle, meta.lang),
        rights=typeset_text(meta.rights, meta.lang),
        description=typeset_text(meta.description, meta.lang),
    )
    return PreparedBook(book, tuple(chapters), display, tuple(diagnostics))
