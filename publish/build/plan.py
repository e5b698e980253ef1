"""What a build makes: the formats, which of them by default or on request, and their file names."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from publish.errors import PublishError
from publish.model import Limits, PdfSettings
from publish.theme.contract import MEDIA

FORMATS = ("pdf", "epub", "handout", "print", "booklet")
DEFAULT_FORMATS = ("pdf", "epub", "handout")  # print and booklet when book.toml or the command asks
MEDIUM_OF = {
    "pdf": "pdf",
    "epub": "epub",
    "handout": "handout",
    "print": "print",
    "booklet": "print",
}  # theme.toml media


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
    limits: Limits = field(default_factory=Limits)  # the ceiling book.toml [limits] may lower (--limit)


def formats_for(
    pdf: PdfSettings, options: BuildOptions, media: tuple[str, ...] = MEDIA, theme_file: Path | None = None
) -> tuple[str, ...]:
    """The formats to make, in an order where the booklet comes after the print interior it can reuse.

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


def file_name(slug: str, name: str) -> str:
    suffix = {
        "pdf": ".pdf",
        "epub": ".epub",
        "handout": "-handout.pdf",
        "print": "-print.pdf",
        "booklet": "-booklet.pdf",
    }[name]
    return slug + suffix
