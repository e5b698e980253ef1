"""Read, convert and check a manuscript without writing anything: what `publish check` shows
and what `publish build` runs first, stopping on errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from publish.convert.cache import RenderCache
from publish.convert.chapter import check_links, render_chapter
from publish.convert.remote import RemotePolicy
from publish.errors import Diagnostic, PublishError
from publish.load.manuscript import load_manuscript
from publish.model import Book, RenderedChapter
from publish.theme.loading import Theme, load_theme


@dataclass(frozen=True)
class CheckedBook:
    """A manuscript read and converted, with every finding about it."""

    book: Book
    rendered: tuple[RenderedChapter, ...]
    theme: Theme
    diagnostics: tuple[Diagnostic, ...]

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if not d.is_error)

    def stops(self, strict: bool) -> bool:
        """Whether a build must stop here: on errors, and on warnings too with --strict."""
        return bool(self.errors or (strict and self.warnings))


def check_book(
    folder: Path,
    remote: RemotePolicy = RemotePolicy(),
    chapter_done: Callable[[], None] = lambda: None,
    cached: bool = False,
) -> CheckedBook:
    """Load and convert every chapter, then check what spans chapters (links) and the theme.

    Mistakes that leave nothing to check (no book.toml, bad TOML, an unknown theme)
    raise PublishError; everything else comes back as diagnostics, all at once.
    With ``cached``, chapters converted by an earlier build from the very same inputs
    are taken from the cache (see convert/cache.py); never with remote images allowed.
    """
    book = load_manuscript(folder)
    cache = RenderCache(book, repr(remote)) if cached and not remote.allowed else None
    rendered = []
    for chapter in book.chapters:
        found = cache.get(chapter) if cache else None
        if found is None:
            found = render_chapter(chapter, book.root, book.limits, remote)
            if cache:
                cache.put(found)
        rendered.append(found)
        chapter_done()
    if cache:
        cache.prune()
    theme = load_theme(book.theme, book.root, book.metadata.lang)
    diagnostics = [d for r in rendered for d in r.diagnostics] + list(check_links(rendered))
    order: dict[Path | None, int] = {chapter.source: index for index, chapter in enumerate(book.chapters)}
    diagnostics.sort(key=lambda d: (order.get(d.path, len(order)), d.line or 0, d.column or 0))
    diagnostics += theme.warnings
    return CheckedBook(book, tuple(rendered), theme, tuple(diagnostics))


def stop_if_needed(checked: CheckedBook, strict: bool) -> None:
    """Raise one PublishError carrying every finding when the build must not go on."""
    if checked.stops(strict):
        raise PublishError.of(checked.diagnostics)


def check_templates(checked: CheckedBook) -> tuple[Diagnostic, ...]:
    """Render the theme's templates for every medium, without laying anything out.

    A custom theme's template mistake (an unknown variable, a syntax error) is found
    here with its template and line, rather than half-way through a build.
    """
    import tempfile

    from publish.build.outputs import build_timestamp
    from publish.writers.epub.cover import cover_jpeg
    from publish.writers.epub.writer import write_epub
    from publish.writers.paged.writer import VARIANTS, render_html

    findings = []
    for variant in (VARIANTS["pdf"], VARIANTS["handout"]):
        try:
            render_html(checked.book, checked.rendered, checked.theme, variant)
        except PublishError as error:
            findings.append(error.diagnostic())
    with tempfile.TemporaryDirectory(prefix="publish-check-") as scratch:
        try:
            write_epub(
                checked.book,
                checked.rendered,
                checked.theme,
                Path(scratch) / "check.epub",
                cover_jpeg(checked.book, checked.theme),
                build_timestamp(checked.book),
            )
        except PublishError as error:
            findings.append(error.diagnostic())
    return tuple(dict.fromkeys(findings))  # the same template error seen by two media is one finding
