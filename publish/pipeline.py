"""build(): load -> render -> each writer -> atomic write. Reads like the flow diagram."""

from __future__ import annotations

import datetime
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from publish.cover import cover_png
from publish.errors import PublishError
from publish.manuscript import load_manuscript
from publish.markdown import check_links, render_chapter
from publish.model import Book, RenderedChapter
from publish.selection import select_chapters
from publish.theme import Theme, load_theme
from publish.writers.epub import write_epub
from publish.writers.paged import VARIANTS, write_paged

FORMATS = ("pdf", "epub", "handout")


@dataclass(frozen=True)
class Output:
    format: str
    path: Path
    size: int  # bytes
    pages: int | None  # PDFs only
    seconds: float


@dataclass(frozen=True)
class BuildReport:
    outputs: tuple[Output, ...]
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class BuildOptions:
    formats: tuple[str, ...] = FORMATS
    handout_chapters: str | None = None  # None: [handout] chapters from book.toml
    handout_paper: str | None = None  # "A4" or "Letter"; None: from book.toml


def build(folder: Path, out: Path, options: BuildOptions = BuildOptions()) -> BuildReport:
    """Build every requested format of the manuscript in ``folder`` into ``out``."""
    for name in options.formats:
        if name not in FORMATS:
            raise PublishError(f"unknown format `{name}`", hint="formats are " + ", ".join(FORMATS))
    book = load_manuscript(folder)
    rendered = [render_chapter(chapter, book.root) for chapter in book.chapters]
    check_links(rendered)
    theme = load_theme(book.theme, book.root, book.metadata.lang)
    out.mkdir(parents=True, exist_ok=True)
    outputs: list[Output] = []
    warnings: list[str] = list(theme.warnings)
    for name in options.formats:
        writer = _WRITERS[name]
        path = out / _file_name(book, name)
        started = time.perf_counter()
        pages, more = _write_atomically(path, lambda target: writer(book, rendered, theme, target, options))
        warnings += more
        outputs.append(Output(name, path, path.stat().st_size, pages, time.perf_counter() - started))
    return BuildReport(tuple(outputs), tuple(warnings))


def build_timestamp(book: Book) -> datetime.datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the book's date at midnight UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
    date = book.metadata.date
    return datetime.datetime(date.year, date.month, date.day, tzinfo=datetime.timezone.utc)


def _file_name(book: Book, name: str) -> str:
    return {"pdf": f"{book.slug}.pdf", "epub": f"{book.slug}.epub", "handout": f"{book.slug}-handout.pdf"}[name]


Writer = Callable[[Book, Sequence[RenderedChapter], Theme, Path, BuildOptions], tuple[int | None, tuple[str, ...]]]


def _pdf(book: Book, rendered: Sequence[RenderedChapter], theme: Theme, target: Path, options: BuildOptions):
    result = write_paged(book, rendered, theme, VARIANTS["pdf"], target)
    return result.pages, result.warnings


def _handout(book: Book, rendered: Sequence[RenderedChapter], theme: Theme, target: Path, options: BuildOptions):
    spec = book.handout.chapters if options.handout_chapters is None else options.handout_chapters
    keep = {c.slug for c in select_chapters(book.chapters, spec)}
    chosen = [r for r in rendered if r.chapter.slug in keep]
    result = write_paged(book, chosen, theme, VARIANTS["handout"], target, page_size=options.handout_paper)
    return result.pages, result.warnings


def _epub(book: Book, rendered: Sequence[RenderedChapter], theme: Theme, target: Path, options: BuildOptions):
    write_epub(book, rendered, theme, target, cover_png(book, theme), build_timestamp(book))
    return None, ()


_WRITERS: dict[str, Writer] = {"pdf": _pdf, "epub": _epub, "handout": _handout}


def _write_atomically(path: Path, write: Callable[[Path], tuple[int | None, tuple[str, ...]]]):
    """Write to a temporary file beside ``path``, then rename: a failed build leaves the old file."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        result = write(Path(temporary))
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return result
