"""A Book -> PreparedBook: every chapter converted (or taken from the store), links checked across
chapters, the metadata typeset for display, every finding in book order."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from publish.bounded import OverBudget, map_bounded
from publish.convert.cache import RenderCache
from publish.convert.chapter import render_chapter
from publish.convert.images import check_cover
from publish.convert.links import check_links
from publish.convert.remote_images import RemotePolicy
from publish.convert.typography import typeset_text
from publish.errors import ERROR, Diagnostic, PublishError
from publish.model import Book, Chapter, DisplayText, Limits, PreparedBook, RenderedChapter
from publish.store import Store


@dataclass(frozen=True)
class Budget:
    """What converting one chapter may take: a pathological input (a regex that backtracks, a
    tree that explodes) stops there, naming the chapter, instead of hanging the build.

    Generous for real books: a 500-page chapter converts in seconds and a few hundred MiB.
    """

    seconds: float = 60.0
    memory: int = 2 * 2**30  # bytes, on top of what the build already holds


def prepare_book(
    book: Book,
    remote: RemotePolicy = RemotePolicy(),
    chapter_done: Callable[[], None] = lambda: None,
    store: Store | None = None,
    budget: Budget = Budget(),
) -> PreparedBook:
    """Convert every chapter, then check what spans chapters (links).

    With a ``store``, chapters converted by an earlier build from the very same inputs are
    taken from it (see convert/cache.py); never with remote images allowed. The others are
    converted in forked children, one per core, each chapter under ``budget``.
    """
    cache = RenderCache(book, repr(remote), store) if store is not None and not remote.allowed else None
    found: dict[Chapter, RenderedChapter] = {}
    for chapter in book.chapters:
        kept = cache.get(chapter) if cache else None
        if kept is not None:
            found[chapter] = kept
            chapter_done()
    missing = [chapter for chapter in book.chapters if chapter not in found]
    for chapter, rendered in zip(missing, _render_bounded(missing, book, remote, budget, chapter_done), strict=True):
        found[chapter] = rendered
        if cache:
            cache.put(rendered)
    if cache:
        cache.prune()
    chapters = [found[chapter] for chapter in book.chapters]
    diagnostics = [d for r in chapters for d in r.diagnostics] + list(check_links(chapters))
    cover = check_cover(book)  # with the other findings, and for a build that makes no EPUB too
    if cover is not None:
        diagnostics.append(cover)
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


def _render_bounded(
    chapters: list[Chapter], book: Book, remote: RemotePolicy, budget: Budget, chapter_done: Callable[[], None]
) -> list[RenderedChapter]:
    """Every chapter converted, or every error at once: a chapter over its budget is the author's,
    named with a hint; anything else a chapter raised is raised again here."""
    convert = partial(_render, root=book.root, limits=book.limits, remote=remote)
    workers = min(len(chapters), os.cpu_count() or 1)
    outcomes = map_bounded(
        convert, chapters, seconds=budget.seconds, memory=budget.memory, workers=workers, done=lambda _: chapter_done()
    )
    problems: list[Diagnostic] = []
    for chapter, outcome in zip(chapters, outcomes, strict=True):
        if isinstance(outcome.error, OverBudget):
            problems.append(_over_budget(chapter, outcome.error))
        elif isinstance(outcome.error, PublishError):
            problems += outcome.error.diagnostics
        elif outcome.error is not None:
            raise outcome.error
    if problems:
        raise PublishError.of(problems)
    return [outcome.value for outcome in outcomes if outcome.value is not None]


def _render(chapter: Chapter, root: Path, limits: Limits, remote: RemotePolicy) -> RenderedChapter:
    return render_chapter(chapter, root, limits, remote)


def _over_budget(chapter: Chapter, over: OverBudget) -> Diagnostic:
    doing = "converting this chapter"
    return Diagnostic(
        ERROR,
        f"{doing} took more than {over.seconds:g} s" if over.what == "time" else f"{doing} {over}",
        chapter.source,
        hint="something in it makes the converter work without end (thousands of `[`, a nesting hundreds "
        "of levels deep, a word of many kilobytes?): split the chapter in two to find what, and write it "
        "another way",
    )
