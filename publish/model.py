"""The format-neutral book: frozen dataclasses, no I/O, nothing of ours imported."""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations: model imports nothing of ours at run time
    from publish.errors import Diagnostic

MM = 72 / 25.4  # points in a millimetre


@dataclass(frozen=True)
class PageSize:
    """A page size an author may name in book.toml, with what the writers need of it."""

    name: str  # as written in book.toml
    css: str  # the value of `@page { size }`
    sheet: str  # the sheet a booklet of these pages is printed on, two pages side by side
    sheet_width: float  # points, landscape
    sheet_height: float
    handout: bool  # offered for the handout: a sheet any office printer takes


PAGE_SIZES = {
    size.name: size
    for size in (
        PageSize("A4", "A4", "A3", 420 * MM, 297 * MM, handout=True),
        PageSize("A5", "A5", "A4", 297 * MM, 210 * MM, handout=False),
        PageSize("Letter", "letter", "Tabloid", 17 * 72, 11 * 72, handout=True),
        PageSize("Half-Letter", "5.5in 8.5in", "Letter", 11 * 72, 8.5 * 72, handout=False),
    )
}


@dataclass(frozen=True)
class Metadata:
    """What the book says about itself; shown on covers, title pages and in metadata."""

    title: str
    authors: tuple[str, ...]
    lang: str
    date: datetime.date
    identifier: str  # "urn:uuid:..." or whatever the author gave
    subtitle: str = ""
    publisher: str = ""
    rights: str = ""
    description: str = ""
    cover: Path | None = None  # absolute path of the author's cover image

    @property
    def slug(self) -> str:
        """The output files' base name, from the title (see `file_slug`)."""
        return file_slug(self.title)


@dataclass(frozen=True)
class PdfSettings:
    """``[pdf]``: the book PDF."""

    page_size: str = "A5"
    margins: str = "18mm 16mm 20mm 16mm"  # CSS margin shorthand: top right bottom left
    print: bool = False  # also make <slug>-print.pdf for a print shop (bleed, crop marks, recto openings)
    bleed: str = "3mm"  # print PDF: background and images may run this far past the trim
    inner_margin: str = "20mm"  # print PDF: the spine side (mirrored on facing pages)
    outer_margin: str = "14mm"  # print PDF: the fore-edge side
    booklet: bool = False  # also make <slug>-booklet.pdf: pages two-up in saddle-stitch order
    variant: str = ""  # "pdf/ua-1", "pdf/a-2b" or "pdf/a-3b" for the book, print and handout PDFs; "": plain tagged PDF


@dataclass(frozen=True)
class EpubSettings:
    """``[epub]``: the EPUB 3."""

    embed_fonts: bool = True
    # Who checked the book's accessibility (the OPF's a11y:certifiedBy), only when someone did.
    accessibility_certified_by: str = ""


@dataclass(frozen=True)
class HandoutSettings:
    """``[handout]``: the printable handout."""

    page_size: str = "A4"
    margins: str = "20mm 25mm 22mm 25mm"
    chapters: str = ""  # same syntax as --chapters; empty means all
    qr: bool = False  # a QR code beside each external link's URL note
    notes_margin: bool = False  # a wide, lightly ruled outer margin for handwritten notes


@dataclass(frozen=True)
class Limits:
    """``[limits]``: what a manuscript may ask of the machine; beyond, a clear error instead of
    a build that eats the memory (a 30,000 × 30,000 px image decodes to 3.6 GB).

    The defaults below are a ceiling: a manuscript's book.toml may only lower them (it is
    not trusted to decide what the machine gives it); whoever runs the build raises them
    with ``--limit NAME=VALUE`` on the command line of build, check or watch.
    """

    chapter_bytes: int = 2_000_000  # default 2 MB: a chapter file (about 300,000 words)
    image_bytes: int = 30_000_000  # default 30 MB: an image file
    image_pixels: int = 50_000_000  # default 50 MP: width × height of a raster image (8,660 × 5,773 at 300 dpi)
    output_seconds: int = 1800  # default 30 min: making one output (a 640-page PDF takes under a minute)


@dataclass(frozen=True)
class Chapter:
    """One Markdown file of the manuscript, before conversion."""

    source: Path  # absolute path of the .md file
    slug: str  # book-wide unique, a valid XML name; prefixes every id of the chapter
    title: str  # plain text
    title_line: int  # 1-based line of the title in ``source`` (0 when given in front matter)
    text: str  # Markdown body, front matter removed
    first_line: int  # 1-based line of ``source`` where ``text`` starts
    lang: str
    numbered: bool = True
    number: int | None = None  # printed chapter number; None when unnumbered
    unnumbered_as_matter: bool = False  # unnumbered only because its title names front or back matter ("Préface")

    @property
    def file_stem(self) -> str:
        return self.source.stem


@dataclass(frozen=True)
class Book:
    """Everything the manuscript folder holds, ready to render."""

    root: Path
    config_path: Path
    metadata: Metadata
    chapters: tuple[Chapter, ...]
    theme: str = "default"
    pdf: PdfSettings = field(default_factory=PdfSettings)
    epub: EpubSettings = field(default_factory=EpubSettings)
    handout: HandoutSettings = field(default_factory=HandoutSettings)
    limits: Limits = field(default_factory=Limits)

    @property
    def slug(self) -> str:
        """The output files' base name, from the title."""
        return self.metadata.slug


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str  # plain text, for outlines and navigation
    html: str  # inner HTML, for tables of contents


@dataclass(frozen=True)
class Note:
    """A footnote, lifted out of the text; each writer places it for its medium."""

    number: int  # restarts at 1 in every chapter
    id: str  # id of the note body
    call_id: str  # id of the call in the text
    paragraphs: tuple[str, ...]  # inner HTML of each paragraph


@dataclass(frozen=True)
class ExternalLink:
    number: int  # order of appearance in the chapter
    url: str


@dataclass(frozen=True)
class Asset:
    """A file the text uses (an image), stored in the outputs under ``href``."""

    source: Path
    href: str  # posix path relative to the manuscript root, e.g. "images/chart.svg"
    media_type: str
    content: str | None = None  # what to publish instead of the file's bytes: an SVG made safe (UTF-8)


# Markers the Markdown stage leaves where a medium must decide what to put.
_MARKER = re.compile(r"<!--publish:(note|url):(\d+)-->")


@dataclass(frozen=True)
class RenderedChapter:
    """A chapter converted to HTML, with its notes, headings and assets as data."""

    chapter: Chapter
    body: str  # HTML with <!--publish:note:N--> and <!--publish:url:N--> markers
    headings: tuple[Heading, ...]
    notes: tuple[Note, ...]
    external_links: tuple[ExternalLink, ...]
    assets: tuple[Asset, ...]
    links: tuple[Link, ...]
    ids: frozenset[str]
    title_html: str  # the chapter title as rendered, inline HTML
    title_text: str  # the chapter title as plain text, typeset in the chapter's language (contents, navigation)
    images_described: bool  # every image has alternative text or is marked decorative
    diagnostics: tuple[Diagnostic, ...] = ()  # what the author should know or fix, located in the source

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    def body_with(
        self,
        note: Callable[[Note], str],
        url: Callable[[ExternalLink], str] = lambda link: "",
    ) -> str:
        """The body with each marker replaced by what the medium wants there."""
        notes = {n.number: n for n in self.notes}
        links = {link.number: link for link in self.external_links}

        def replace(match: re.Match[str]) -> str:
            number = int(match.group(2))
            if match.group(1) == "note":
                return note(notes[number])
            return url(links[number])

        return _MARKER.sub(replace, self.body)


def slugify(text: str) -> str:
    """ASCII, lowercase, hyphen-separated: "L’Europe : cœur ouvert ?" -> "l-europe-coeur-ouvert"."""
    text = text.lower().translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", bare).strip("-")


_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})
FILE_SLUG_BYTES = 80  # UTF-8 bytes: with "-handout.pdf", far below the 255 bytes a file name may have


def file_slug(title: str) -> str:
    """A file name from a title, in any script: "L’Été grec" -> "l-ete-grec", "「吾輩は猫である」" ->
    "吾輩は猫である". Latin letters lose their accents as in `slugify`; letters, digits and marks
    of other scripts stay as written; at most FILE_SLUG_BYTES; "book" when nothing is left."""
    text = unicodedata.normalize("NFKC", title).lower().translate(_LIGATURES)
    kept, base = [], ""
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.category(char)[0] == "M":
            kept.append("" if base.isascii() else char)  # é -> e; a Devanagari vowel sign stays
            continue
        base = char
        kept.append(char if unicodedata.category(char)[0] in "LN" else "-")
    slug = re.sub(r"-+", "-", unicodedata.normalize("NFC", "".join(kept))).strip("-")
    if len(slug.encode("utf-8")) > FILE_SLUG_BYTES:
        cut = slug.encode("utf-8")[:FILE_SLUG_BYTES].decode("utf-8", errors="ignore")
        while cut and unicodedata.category(slug[len(cut)])[0] == "M":  # never half a letter
            cut = cut[:-1]
        slug = cut.rstrip("-")
    return slug or "book"


@dataclass(frozen=True)
class PageStart:
    """Where a page of the laid-out PDF begins: what the EPUB needs for its page markers."""

    number: int  # the page number as printed (the PDF's page index + 1)
    anchor: str | None  # id of the nearest element holding the page's first line; None: no text on the page
    text: str  # that first line's text as laid out ("" when none)


@dataclass(frozen=True)
class Link:
    """An internal link, checked once every chapter is rendered."""

    source: Path
    line: int
    target_id: str  # book-wide id the link points to
    written: str  # the href as the author wrote it, for messages
    column: int = 0  # 1-based column of ``written`` in the line; 0 when unknown


def chapter_slug_for(path: Path) -> str:
    """The id prefix of the chapter in ``path``: a valid XML name, unique in the book."""
    return "ch-" + (slugify(path.stem) or "chapter")


_POINTS_PER = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "px": 0.75, "pc": 12.0, "q": 72 / 101.6}


def css_length_points(length: str) -> float:
    """A CSS length of book.toml ("3mm", "0.125in", "0") in PDF points."""
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*([a-z]*)\s*", length.lower())
    if not match or (match.group(2) not in _POINTS_PER and float(match.group(1)) != 0):
        raise ValueError(f"not a CSS length: {length!r}")
    return float(match.group(1)) * _POINTS_PER.get(match.group(2), 0.0)


@dataclass(frozen=True)
class DisplayText:
    """What readers see of the book's metadata: typeset in the book's language, once per build."""

    title: str
    subtitle: str
    rights: str
    description: str


@dataclass(frozen=True)
class PreparedBook:
    """The book read and converted once per build: every writer is a function of it (and of the theme).

    ``chapters`` hold each chapter's HTML with its notes, links and their targets, ids, headings,
    assets and typeset titles as data; ``diagnostics`` every finding about them, in book order.
    """

    book: Book
    chapters: tuple[RenderedChapter, ...]
    display: DisplayText
    diagnostics: tuple[Diagnostic, ...] = ()

    def with_chapters(self, chapters: tuple[RenderedChapter, ...]) -> PreparedBook:
        """The same book with some of its chapters only (a handout of chapters 2 to 4)."""
        return dataclasses.replace(self, chapters=chapters)
