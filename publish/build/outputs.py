"""One function per output format, each writing through a temporary file then a rename."""

from __future__ import annotations

import datetime
import os
import tempfile
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from publish.errors import Diagnostic, InternalError, PublishError
from publish.load.selection import select_chapters
from publish.model import Book, PageStart, PdfSettings, PreparedBook
from publish.store import Store
from publish.theme.contract import MEDIA
from publish.theme.loading import Theme

# The writers (WeasyPrint, ebooklib) are imported where they are used: a build whose outputs
# are all up to date never needs them, and importing WeasyPrint alone takes half a second.

FORMATS = ("pdf", "epub", "handout", "print", "booklet")
DEFAULT_FORMATS = ("pdf", "epub", "handout")  # print and booklet when book.toml or the command asks
MEDIUM_OF = {"pdf": "pdf", "epub": "epub", "handout": "handout", "print": "print", "booklet": "pdf"}  # theme.toml media


@dataclass(frozen=True)
class BuildOptions:
    formats: tuple[str, ...] | None = None  # None: DEFAULT_FORMATS plus what [pdf] print/booklet ask for
    extra_formats: tuple[str, ...] = ()  # added to those (--print-ready, --booklet)
    handout_chapters: str | None = None  # None: [handout] chapters from book.toml
    handout_paper: str | None = None  # "A4" or "Letter"; None: from book.toml
    qr: bool | None = None  # None: [handout] qr
    notes_margin: bool | None = None  # None: [handout] notes_margin
    allow_remote: bool = False  # fetch http(s) images into <manuscript>/.publish/remote/
    strict: bool = False  # warnings stop the build too, and no output with a warning is kept
    pdf_variant: str | None = None  # None: [pdf] variant; "pdf/ua-1", "pdf/a-2b", "pdf/a-3b"
    cache: bool = True  # keep outputs already made from the very same inputs (False: --no-cache)
    parallel: bool = True  # independent outputs in separate processes when there are several cores


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


def formats_for(
    pdf: PdfSettings, options: BuildOptions, media: tuple[str, ...] = MEDIA, theme_file: Path | None = None
) -> tuple[str, ...]:
    """The formats to make, in an order where the booklet comes after the PDF it can reuse.

    The default formats are those of DEFAULT_FORMATS the theme serves; a format asked for (by
    the command line or by book.toml) that the theme does not serve is an error naming its theme.toml.
    """
    if options.formats is None:
        chosen = tuple(name for name in DEFAULT_FORMATS if MEDIUM_OF[name] in media)
        asked = (("print",) if pdf.print else ()) + (("booklet",) if pdf.booklet else ())
    else:
        chosen, asked = (), options.formats
    asked += options.extra_formats
    unserved = [name for name in asked if MEDIUM_OF[name] not in media]
    if unserved:
        raise PublishError(
            f"the theme does not serve {', '.join(unserved)} (its media: {', '.join(media)})",
            path=theme_file,
            hint="build another format with --format, or add the medium to the theme's media",
        )
    chosen = tuple(sorted(dict.fromkeys(chosen + asked), key=FORMATS.index))
    if not chosen:
        raise PublishError(
            f"the theme serves none of the formats a build makes (its media: {', '.join(media)})",
            path=theme_file,
            hint="add pdf or epub to the theme's media",
        )
    return chosen


def build_timestamp(book: Book) -> datetime.datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the book's date at midnight UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    date = book.metadata.date
    return datetime.datetime(date.year, date.month, date.day, tzinfo=datetime.UTC)


def file_name(slug: str, name: str) -> str:
    suffix = {
        "pdf": ".pdf",
        "epub": ".epub",
        "handout": "-handout.pdf",
        "print": "-print.pdf",
        "booklet": "-booklet.pdf",
    }[name]
    return slug + suffix


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
    """Impose the book PDF made in this build, or lay one out for the purpose."""
    from publish.writers.impose import impose_booklet
    from publish.writers.paged.writer import PAGED_OUTPUTS, write_paged

    warnings: tuple[str, ...] = ()
    pdf = earlier.get("pdf")
    source = pdf.path if pdf and not pdf.failed else None
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".booklet-") as scratch:
        if source is None:
            source = Path(scratch) / "book.pdf"
            warnings = write_paged(job.prepared, job.theme, PAGED_OUTPUTS["pdf"], source).warnings
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


def write_atomically(path: Path, write: Callable[[Path], Written], strict: bool = False) -> Written:
    """Write to a temporary file beside ``path``, then rename: a failed build leaves the old file.

    With ``strict``, an output whose writer warned (CSS WeasyPrint ignored, a blurry
    image) is not kept: the warnings become the error.

    A failure of the system (a full disk, a file in the way) becomes an error naming the
    output, and so does any other failure of the writer, as an InternalError (a bug of ours,
    not the author's mistake); either way the other formats are still made.
    """
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise PublishError(
            f"cannot write {path.name}: {error.strerror}",
            path=path.parent,
            hint="choose another --out folder, or make this one writable",
        ) from None
    os.close(handle)
    try:
        result = write(Path(temporary))
        if strict and result.warnings:
            raise PublishError(
                f"{path.name} not written: --strict and {len(result.warnings)} warning(s): "
                + "; ".join(result.warnings),
                path=path,
            )
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except PublishError:
        Path(temporary).unlink(missing_ok=True)
        raise
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        reason = error.strerror or f"{type(error).__name__}: {error}"
        raise PublishError(
            f"could not write {path.name}: {reason}",
            path=path,
            hint="earlier outputs are untouched; run with --format to retry this one",
        ) from None
    except Exception as error:
        Path(temporary).unlink(missing_ok=True)
        raise InternalError(
            f"{path.name}: {type(error).__name__}: {error}", "".join(traceback.format_exception(error))
        ) from error
    except BaseException:  # interrupted (Ctrl-C, SIGTERM): leave nothing half-written
        Path(temporary).unlink(missing_ok=True)
        raise
    return result
