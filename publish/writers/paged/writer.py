"""HTML for paged media + WeasyPrint: the book PDF, the print-shop PDF and the handout (PAGED_OUTPUTS)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote

import weasyprint

from publish import __version__
from publish.convert.html_tree import escape
from publish.convert.typography import typeset_text
from publish.model import (
    PAGE_SIZES,
    Book,
    ExternalLink,
    Note,
    PageStart,
    PreparedBook,
    RenderedChapter,
    css_length_points,
)
from publish.store import Store
from publish.theme.context import book_view, chapter_view
from publish.theme.loading import Theme, font_face_css
from publish.theme.templating import make_environment, render
from publish.writers.paged.finish import finish_download, finish_print
from publish.writers.paged.hyphenation import lay_out_hyphenated
from publish.writers.paged.pagestarts import page_starts
from publish.writers.paged.qr import qr_data_uri
from publish.writers.paged.weasy import CssSource, LayoutSetup, write_pdf
from publish.writers.paged.weasy_internals import raster_images


@dataclass(frozen=True)
class PagedOutput:
    """What makes the book PDF, the print-shop PDF and the handout differ; everything else is shared."""

    name: str
    stylesheets: str  # which list of theme.toml [stylesheets]
    template_dirs: tuple[str, ...]  # per-medium template folders, most specific first
    page_css: Callable[[Book, str | None], str]  # (book, paper override) -> @page size and margins
    url_notes: bool  # print each external link's URL as a footnote (paper cannot be clicked)
    cover: bool = True  # a print shop's interior has no cover: it is printed apart, on card
    finish: Callable[[Path, Book], None] | None = None  # a last touch on the written PDF
    min_dpi: int = 0  # warn about raster images printed below this resolution
    max_dpi: int = 0  # downsample raster images drawn above this resolution (0: full resolution)
    by_chapter: bool = False  # every chapter starts a page: lay each out apart, in parallel, cached
    notes_run_on: bool = False  # chapters follow one another on a page: one note numbering throughout
    last_page_lines: int = 0  # a last page with fewer lines of text is pulled back (settle.py)
    # Printed back to back: a hyphen is kept off the last line of rectos only (the page turn). A
    # screen PDF is read a page at a time, and its chapters are laid out before their first page
    # number is known: every page's last line is kept whole (hyphenation.py).
    facing: bool = False


def _sides(margins: str) -> tuple[str, str, str, str]:
    """CSS margin shorthand -> (top, right, bottom, left)."""
    v = margins.split()
    if len(v) == 1:
        return v[0], v[0], v[0], v[0]
    if len(v) == 2:
        return v[0], v[1], v[0], v[1]
    if len(v) == 3:
        return v[0], v[1], v[2], v[1]
    return v[0], v[1], v[2], v[3]


def _page_rule(size: str, margins: str) -> str:
    return f"@page {{ size: {PAGE_SIZES[size].css}; margin: {margins}; }}\n"


MARKS_ZONE = 6 * 72 / 25.4  # points beyond the bleed: WeasyPrint draws crop marks in the outer half of its bleed area


def _print_page_css(book: Book, paper: str | None) -> str:
    """Trim size, bleed plus room for crop marks, and margins mirrored on facing pages (inner at the spine).

    The marks stay out of the bleed the printer may use; ``finish_print`` then
    records the real bleed in the PDF (finish.py), since WeasyPrint caps its BleedBox at 10 pt.
    """
    pdf = book.pdf
    top, _, bottom, _ = _sides(pdf.margins)
    return (
        _page_rule(pdf.page_size, pdf.margins)
        + f"@page {{ bleed: {css_length_points(pdf.bleed) + MARKS_ZONE:.3f}pt; marks: crop; }}\n"
        + f"@page :left {{ margin: {top} {pdf.inner_margin} {bottom} {pdf.outer_margin}; }}\n"
        + f"@page :right {{ margin: {top} {pdf.outer_margin} {bottom} {pdf.inner_margin}; }}\n"
    )


# The PDFs made for downloading keep what a home printer can use; the print shop's keeps every pixel.
SCREEN_DPI = 300

PAGED_OUTPUTS = {
    "pdf": PagedOutput(
        "pdf",
        "pdf",
        ("paged",),
        lambda b, paper: _page_rule(b.pdf.page_size, b.pdf.margins),
        url_notes=False,
        finish=lambda path, book: finish_download(path),
        max_dpi=SCREEN_DPI,
        by_chapter=True,
    ),
    "print": PagedOutput(
        "print",
        "print",
        ("print", "paged"),
        _print_page_css,
        url_notes=False,
        cover=False,
        finish=lambda path, book: finish_print(path, book.pdf.bleed),
        min_dpi=150,
        facing=True,
    ),
    "handout": PagedOutput(
        "handout",
        "handout",
        ("handout", "paged"),
        lambda b, paper: _page_rule(paper or b.handout.page_size, b.handout.margins),
        url_notes=True,
        finish=lambda path, book: finish_download(path),
        max_dpi=SCREEN_DPI,
        notes_run_on=True,
        facing=True,
        last_page_lines=6,
    ),
}


@dataclass(frozen=True)
class PagedResult:
    pages: int
    warnings: tuple[str, ...]
    page_starts: tuple[PageStart, ...] = ()  # where each page begins, for the EPUB's page markers
    by_chapter: bool = False  # laid out chapter by chapter, then joined


def write_paged(
    prepared: PreparedBook,
    theme: Theme,
    output: PagedOutput,
    target: Path,
    page_size: str | None = None,
    pdf_variant: str = "",
    store: Store | None = None,
    workers: int = 1,
    layout_kind: str = "",
) -> PagedResult:
    """Lay out the book's chapters with WeasyPrint and write the PDF to ``target``.

    An output whose chapters each start a page is laid out chapter by chapter (see
    chapterwise.py): in ``workers`` processes, reusing the layouts kept in the ``store`` (entries
    of ``layout-<output>``), when the theme declares that its CSS allows it; otherwise as one document.
    """
    book, chapters = prepared.book, prepared.chapters
    html = render_html(prepared, theme, output)
    setup = layout_setup(book, theme, output, page_size, pdf_variant, chapters)
    result = None
    if output.by_chapter and theme.chapter_by_chapter:
        from publish.writers.paged.chapterwise import write_by_chapter

        slugs = [r.chapter.slug for r in chapters]
        joined = write_by_chapter(html, slugs, setup, target, store, workers, f"layout-{layout_kind or output.name}")
        if joined is not None:
            result = PagedResult(joined.pages, joined.warnings, joined.starts, by_chapter=True)
    if result is None:
        document, warnings, _ = lay_out_hyphenated(html, setup, recto_known=output.facing)
        warnings += write_pdf(document, setup, target)
        if output.min_dpi:
            warnings += _low_resolution_images(document, chapters, output.min_dpi)
        result = PagedResult(len(document.pages), tuple(warnings), page_starts(document))
    if output.finish:
        output.finish(target, book)
    # A missing alt text is already a located warning of the check stage (or an image marked decorative).
    return replace(result, warnings=tuple(w for w in result.warnings if not _NO_ALT.fullmatch(w)))


def layout_setup(
    book: Book,
    theme: Theme,
    output: PagedOutput,
    page_size: str | None,
    pdf_variant: str,
    chapters: Sequence[RenderedChapter] = (),
) -> LayoutSetup:
    """The theme's stylesheets for this output, the fonts, the page size from book.toml, and the
    cleaned bytes of the chapters' SVGs (WeasyPrint draws them, never the files as written)."""
    extra = [*theme.stylesheets["handout-notes-margin"]] if output.url_notes and book.handout.notes_margin else []
    css = (
        CssSource(text=font_face_css(theme.fonts, lambda face: face.path.as_uri())),
        *(CssSource(path=path) for path in theme.stylesheets[output.stylesheets]),
        CssSource(text=output.page_css(book, page_size)),
        *(CssSource(path=path) for path in extra),
    )
    replaced = {a.source: a.content.encode("utf-8") for r in chapters for a in r.assets if a.content is not None}
    roots = (book.root, *theme.allowed_roots())
    return LayoutSetup(
        book.root.as_uri() + "/",
        roots,
        css,
        pdf_variant or None,
        tuple(sorted(replaced.items())),
        output.max_dpi,
        output.last_page_lines,
    )


def _low_resolution_images(
    document: weasyprint.Document, chapters: Sequence[RenderedChapter], minimum: int
) -> list[str]:
    """Raster images whose pixels are spread too thin at the size they are printed."""
    used_by = {a.href: r.chapter.source.name for r in chapters for a in r.assets}
    found: dict[str, str] = {}
    for page in document.pages:
        for box, pixels in raster_images(page):
            dpi = pixels / (box.width / 96)  # CSS px are 1/96 in
            src = unquote(box.element.get("src", "")) if box.element is not None else ""
            if dpi < minimum and src not in found:
                where = f" (in {used_by[src]})" if src in used_by else ""
                found[src] = (
                    f"{src}{where} prints at {dpi:.0f} dpi "
                    f"({box.width / 96 * 25.4:.0f} mm wide); a print shop wants 300 dpi: "
                    f"supply at least {round(box.width / 96 * 300)} px across"
                )
    return list(found.values())


def render_html(prepared: PreparedBook, theme: Theme, output: PagedOutput) -> str:
    """The single HTML document WeasyPrint lays out."""
    book, chapters = prepared.book, prepared.chapters
    environment = make_environment(theme, *output.template_dirs)
    qr = output.url_notes and book.handout.qr
    run_on = itertools.count(1)
    views = [
        chapter_view(
            r, theme.words, _body(r, output, qr, run_on if output.notes_run_on else None), "#" + r.chapter.slug
        )
        for r in chapters
    ]
    cover = book.metadata.cover.relative_to(book.root).as_posix() if book.metadata.cover else ""
    html = render(
        environment,
        "book.html",
        book=book_view(prepared, theme.words),
        chapters=views,
        words=theme.words,
        generator=f"publish {__version__}",
        cover_image=cover,
        with_cover=output.cover,
    )
    return _unlink_missing_targets(html, {i for r in chapters for i in r.ids}, book, theme.words)


def _body(rendered: RenderedChapter, output: PagedOutput, qr: bool, numbers: Iterator[int] | None = None) -> str:
    """The chapter's body with each note's text at its call; notes are numbered from 1 in every
    chapter unless ``numbers`` runs on across chapters."""
    numbers = itertools.count(1) if numbers is None else numbers

    def note(item: Note) -> str:
        return _footnote(item.id, item.call_id, next(numbers), "<br>".join(item.paragraphs))

    def url(link: ExternalLink) -> str:
        if not output.url_notes:
            return ""
        code = f'<img class="qr" src="{qr_data_uri(link.url)}" alt="QR: {escape(link.url)}">' if qr else ""
        slug = rendered.chapter.slug
        ids = (f"{slug}--url-note--{link.number}", f"{slug}--url-call--{link.number}")
        return _footnote(*ids, next(numbers), code + escape(link.url), "url-note")

    return rendered.body_with(note, url)


def _footnote(note_id: str, call_id: str, number: int, text: str, kind: str = "") -> str:
    """The call, a link to its note (a click jumps to it; its anchor tells which page it is on),
    and the note's text, which WeasyPrint floats to the foot of the page (::footnote-call is empty)."""
    call = f'<a class="note-call" id="{call_id}" href="#{note_id}" role="doc-noteref">{number}</a>'
    classes = f"footnote {kind}".strip()
    return f'{call}<span class="{classes}" id="{note_id}" data-number="{number}">{text}</span>'


_NO_ALT = re.compile(r'Image ".*" has no required alt description')
_INTERNAL_LINK = re.compile(r'<a href="#([^"]+)"([^>]*)>(.*?)</a>', re.S)
_FIXED_TARGETS = {"toc", "cover", "title-page", "copyright"}


def _unlink_missing_targets(html: str, ids: set[str], book: Book, words: dict[str, object]) -> str:
    """A link to a chapter left out (a handout of some chapters) becomes plain text that says
    where to look in the book: "voir les licences (chapitre 3)"."""
    slugs = sorted((c for c in book.chapters), key=lambda c: len(c.slug), reverse=True)

    def replace(match: re.Match[str]) -> str:
        target, attributes, text = match.groups()
        if target in ids or target in _FIXED_TARGETS or target.endswith("--chapter--title"):
            return match.group(0)
        chapter = next((c for c in slugs if target == c.slug or target.startswith(c.slug + "--")), None)
        where = ""
        if chapter is not None and chapter.number:
            where = " (" + str(words["chapter_reference"]).format(number=chapter.number) + ")"
        elif chapter is not None:
            where = " (" + typeset_text(f'"{chapter.title}"', chapter.lang) + ")"
        return f'<a class="unavailable"{attributes}>{text}</a>{escape(where)}'

    return _INTERNAL_LINK.sub(replace, html)
