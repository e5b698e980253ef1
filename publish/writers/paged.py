"""HTML for paged media + WeasyPrint: the book PDF and the handout are variants."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import weasyprint

from publish import __version__
from publish.fetch import FolderFetcher
from publish.model import Book, ExternalLink, Note, RenderedChapter
from publish.templating import make_environment, render
from publish.theme import Theme, font_face_css
from publish.views import book_view, chapter_view

PAGE_SIZES = {"A4": "A4", "A5": "A5", "Letter": "letter", "Half-Letter": "5.5in 8.5in"}


@dataclass(frozen=True)
class PagedVariant:
    """What makes the book PDF and the handout differ; everything else is shared."""

    name: str
    stylesheets: str  # which list of theme.toml [stylesheets]
    template_dirs: tuple[str, ...]  # per-medium template folders, most specific first
    page: Callable[[Book], tuple[str, str]]  # -> (page size, margins)
    url_notes: bool  # print each external link's URL as a footnote (paper cannot be clicked)


VARIANTS = {
    "pdf": PagedVariant("pdf", "pdf", ("paged",), lambda b: (b.pdf.page_size, b.pdf.margins), url_notes=False),
    "handout": PagedVariant("handout", "handout", ("handout", "paged"),
                            lambda b: (b.handout.page_size, b.handout.margins), url_notes=True),
}


@dataclass(frozen=True)
class PagedResult:
    pages: int
    warnings: tuple[str, ...]


def write_paged(
    book: Book,
    chapters: Sequence[RenderedChapter],
    theme: Theme,
    variant: PagedVariant,
    target: Path,
    page_size: str | None = None,
) -> PagedResult:
    """Lay out ``chapters`` with WeasyPrint and write the PDF to ``target``."""
    html = render_html(book, chapters, theme, variant)
    size, margins = variant.page(book)
    page_css = f"@page {{ size: {PAGE_SIZES[page_size or size]}; margin: {margins}; }}\n"
    fonts_css = font_face_css(theme.fonts, lambda face: face.path.as_uri())
    fetcher = FolderFetcher((book.root, *theme.allowed_roots()))
    with _captured_warnings() as warnings:  # CSS is parsed here: the theme's ignored rules are reported too
        stylesheets = [weasyprint.CSS(string=fonts_css, url_fetcher=fetcher)]
        stylesheets += [weasyprint.CSS(filename=str(path), url_fetcher=fetcher)
                        for path in theme.stylesheets[variant.stylesheets]]
        stylesheets.append(weasyprint.CSS(string=page_css))
        document = weasyprint.HTML(string=html, base_url=book.root.as_uri() + "/", url_fetcher=fetcher).render(
            stylesheets=stylesheets)
        document.write_pdf(target)
    return PagedResult(pages=len(document.pages), warnings=tuple(warnings))


def render_html(book: Book, chapters: Sequence[RenderedChapter], theme: Theme, variant: PagedVariant) -> str:
    """The single HTML document WeasyPrint lays out."""
    environment = make_environment(theme, *variant.template_dirs)
    views = [chapter_view(r, theme.words, _body(r, variant), "#" + r.chapter.slug) for r in chapters]
    cover = book.metadata.cover.relative_to(book.root).as_posix() if book.metadata.cover else ""
    html = render(environment, "book.html", book=book_view(book.metadata, theme.words), chapters=views,
                  words=theme.words, generator=f"publish {__version__}", cover_image=cover, epub=False)
    return _unlink_missing_targets(html, {i for r in chapters for i in r.ids})


def _body(rendered: RenderedChapter, variant: PagedVariant) -> str:
    numbers = iter(range(1, 10_000))

    def note(item: Note) -> str:
        text = "<br>".join(item.paragraphs)
        return f'<span class="footnote" id="{item.id}" data-number="{next(numbers)}">{text}</span>'

    def url(link: ExternalLink) -> str:
        if not variant.url_notes:
            return ""
        return f'<span class="footnote url-note" data-number="{next(numbers)}">{_escape(link.url)}</span>'

    return rendered.body_with(note, url)


_INTERNAL_HREF = re.compile(r'<a href="#([^"]+)"')


def _unlink_missing_targets(html: str, ids: set[str]) -> str:
    """A link to a chapter left out (a handout of some chapters) becomes plain text."""
    fixed = {"toc", "cover", "title-page", "copyright"}

    def replace(match: re.Match[str]) -> str:
        target = match.group(1)
        if target in ids or target in fixed or target.endswith("--chapter--title"):
            return match.group(0)
        return '<a class="unavailable"'

    return _INTERNAL_HREF.sub(replace, html)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class _captured_warnings:
    """Collects what WeasyPrint logs at WARNING and above during one layout."""

    def __enter__(self) -> list[str]:
        self.messages: list[str] = []
        self.handler = logging.Handler(level=logging.WARNING)
        self.handler.emit = lambda record: self.messages.append(record.getMessage())  # type: ignore[method-assign]
        self.logger = logging.getLogger("weasyprint")
        self.logger.addHandler(self.handler)
        return self.messages

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self.handler)
