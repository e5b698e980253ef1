"""One writer per output format, each a function of the job and of what its group already made."""

from __future__ import annotations

import datetime
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from publish.build.plan import BuildOptions, file_name
from publish.errors import Diagnostic, InternalError
from publish.load.selection import select_chapters
from publish.model import Book, PageStart, PreparedBook
from publish.store import Store
from publish.theme.loading import Theme

# The writers (WeasyPrint, ebooklib) are imported where they are used: a build whose outputs
# are all up to date never needs them, and importing WeasyPrint alone takes half a second.


@dataclass(frozen=True)
class Job:
    """What every writer gets: the prepared book, the theme and the options; never changed."""

    prepared: PreparedBook
    theme: Theme
    options: BuildOptions
    store: Store | None  # where layouts and the drawn cover are kept; None with --no-cache

    @property
    def book(self) -> Book:
        return self.prepared.book


@dataclass(frozen=True)
class Written:
    """What a writer returns about the file it wrote."""

    pages: int | None  # PDFs only
    warnings: tuple[str, ...]
    page_starts: tuple[PageStart, ...] = ()  # where the book PDF's pages begin, for the EPUB's page markers


@dataclass(frozen=True)
class Made:
    """One output: made (``errors`` empty) or failed, its old file left in place."""

    format: str
    path: Path
    written: Written | None
    seconds: float
    errors: tuple[Diagnostic, ...] = ()
    bug: InternalError | None = None  # a bug of ours stopped this output

    @property
    def failed(self) -> bool:
        return bool(self.errors) or self.bug is not None

    @property
    def pages(self) -> int | None:
        return self.written.pages if self.written else None

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.written.warnings if self.written else ()


def build_timestamp(book: Book) -> datetime.datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the book's date at midnight UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    date = book.metadata.date
    return datetime.datetime(date.year, date.month, date.day, tzinfo=datetime.UTC)


# A writer: the job, the outputs its group already made, and the temporary file to write.
Writer = Callable[[Job, Mapping[str, Made], Path], Written]


def _variant(job: Job) -> str:
    return job.book.pdf.variant if job.options.pdf_variant is None else job.options.pdf_variant


def _pdf(job: Job, earlier: Mapping[str, Made], target: Path) -> Written:
    from publish.writers.paged.writer import PAGED_OUTPUTS, write_paged

    result = write_paged(
        job.prepared,
        job.theme,
        PAGED_OUTPUTS["pdf"],
        target,
        pdf_variant=_variant(job),
        store=job.store,
        workers=(os.cpu_count() or 1) if job.options.parallel else 1,
    )
    return Written(result.pages, result.warnings, result.page_starts)


def _print(job: Job, earlier: Mapping[str, Made], target: Path) -> Written:
    from publish.writers.paged.writer import PAGED_OUTPUTS, write_paged

    result = write_paged(job.prepared, job.theme, PAGED_OUTPUTS["print"], target, pdf_variant=_variant(job))
    return Written(result.pages, result.warnings)


def _handout(job: Job, earlier: Mapping[str, Made], target: Path) -> Written:
    from publish.writers.paged.writer import PAGED_OUTPUTS, write_paged

    book, options = job.book, job.options
    spec = book.handout.chapters if options.handout_chapters is None else options.handout_chapters
    keep = {c.slug for c in select_chapters(book.chapters, spec)}
    chosen = tuple(r for r in job.prepared.chapters if r.chapter.slug in keep)
    settings = replace(
        book.handout,
        qr=book.handout.qr if options.qr is None else options.qr,
        notes_margin=book.handout.notes_margin if options.notes_margin is None else options.notes_margin,
    )
    result = write_paged(
        replace(job.prepared.with_chapters(chosen), book=replace(book, handout=settings)),
        job.theme,
        PAGED_OUTPUTS["handout"],
        target,
        page_size=options.handout_paper,
        pdf_variant=_variant(job),
    )
    return Written(result.pages, result.warnings)


def _booklet(job: Job, earlier: Mapping[str, Made], target: Path) -> Written:
    """Impose the print interior made in this build, or lay one out for the purpose: chapters
    open on rectos and no full-bleed cover is printed on text paper (the book PDF has both wrong)."""
    from publish.writers.impose import impose_booklet
    from publish.writers.paged.writer import PAGED_OUTPUTS, write_paged

    warnings: tuple[str, ...] = ()
    interior = earlier.get("print")
    source = interior.path if interior and not interior.failed else None
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".booklet-") as scratch:
        if source is None:
            source = Path(scratch) / "interior.pdf"
            warnings = write_paged(
                job.prepared, job.theme, PAGED_OUTPUTS["print"], source, pdf_variant=_variant(job)
            ).warnings
        result = impose_booklet(source, target, job.book.pdf.page_size)
    return Written(result.pages, warnings)


def _epub(job: Job, earlier: Mapping[str, Made], target: Path) -> Written:
    """With the PDF built just before, the EPUB carries its page numbers (page-list and markers)."""
    from publish.writers.epub.cover import cover_jpeg, cover_warning
    from publish.writers.epub.writer import write_epub

    book = job.book
    source = f"{job.prepared.display.title}, PDF {book.pdf.page_size} ({file_name(book.slug, 'pdf')})"
    write_epub(
        job.prepared,
        job.theme,
        target,
        cover_jpeg(job.prepared, job.theme, job.store),
        build_timestamp(book),
        pages=_page_starts(earlier),
        page_source=source,
    )
    warning = cover_warning(book)
    return Written(None, (warning,) if warning else ())


def _page_starts(earlier: Mapping[str, Made]) -> tuple[PageStart, ...]:
    pdf = earlier.get("pdf")
    return pdf.written.page_starts if pdf and pdf.written else ()


WRITERS: dict[str, Writer] = {
    "pdf": _pdf,
    "epub": _epub,
    "handout": _handout,
    "print": _print,
    "booklet": _booklet,
}
