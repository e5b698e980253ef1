"""Read, convert and check a manuscript without writing anything: what `publish check` shows
and what `publish build` runs first, stopping on errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from publish.convert.book import prepare_book
from publish.convert.remote_images import RemotePolicy
from publish.errors import Diagnostic, PublishError
from publish.load.config import BookConfig, read_config
from publish.load.manuscript import load_manuscript
from publish.model import Book, Limits, PreparedBook, RenderedChapter
from publish.store import Store
from publish.theme.loading import Theme, load_theme


@dataclass(frozen=True)
class CheckedBook:
    """A manuscript prepared (read and converted) with its theme, and every finding about both."""

    prepared: PreparedBook
    theme: Theme
    diagnostics: tuple[Diagnostic, ...]

    @property
    def book(self) -> Book:
        return self.prepared.book

    @property
    def rendered(self) -> tuple[RenderedChapter, ...]:
        return self.prepared.chapters

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
    config: BookConfig | None = None,
    store: Store | None = None,
    limits: Limits | None = None,
) -> CheckedBook:
    """Load and prepare the book (load/, convert/), then its theme (theme/): every finding at once.

    Mistakes that leave nothing to check (no book.toml, bad TOML, an unknown theme)
    raise PublishError; everything else comes back as diagnostics, a wrong value in
    book.toml too (read_config). ``config`` is book.toml when the caller has read it
    already (the build reads it once, for its cache). Converted chapters are kept in the
    ``store``, or with ``cached`` in the manuscript's own. ``limits`` are the command line's ceiling.
    """
    if config is None and folder.is_dir():
        config = read_config(folder.resolve(), limits)
    book = load_manuscript(folder, config)
    prepared = prepare_book(book, remote, chapter_done, store or (Store.of(book.root) if cached else None))
    theme = load_theme(book.theme, book.root, book.metadata.lang)
    findings = config.findings if config else ()
    return CheckedBook(prepared, theme, findings + prepared.diagnostics + theme.warnings)


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
    from publish.writers.paged.writer import PAGED_OUTPUTS, render_html

    findings = []
    for output in (PAGED_OUTPUTS["pdf"], PAGED_OUTPUTS["handout"]):
        try:
            render_html(checked.prepared, checked.theme, output)
        except PublishError as error:
            findings.append(error.diagnostic())
    with tempfile.TemporaryDirectory(prefix="publish-check-") as scratch:
        try:
            write_epub(
                checked.prepared,
                checked.theme,
                Path(scratch) / "check.epub",
                cover_jpeg(checked.prepared, checked.theme, None),
                build_timestamp(checked.book),
            )
        except PublishError as error:
            findings.append(error.diagnostic())
    return tuple(dict.fromkeys(findings))  # the same template error seen by two media is one finding
