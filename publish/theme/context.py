"""What templates see: the book and its chapters, already formatted (and typeset) for display."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from publish.errors import PublishError
from publish.model import Heading, PreparedBook, RenderedChapter


@dataclass(frozen=True)
class BookView:
    title: str
    subtitle: str
    authors: tuple[str, ...]
    authors_text: str  # "Alice Martin et Bruno Léger"
    lang: str
    date_iso: str
    date_long: str  # "26 novembre 2026"
    year: int
    publisher: str
    rights: str
    description: str
    identifier: str


@dataclass(frozen=True)
class ChapterView:
    slug: str
    number: int | None
    label: str  # "Chapitre 2", or "" when unnumbered
    title: str
    title_html: Markup
    body: Markup
    lang: str
    headings: tuple[Heading, ...]
    href: str  # where a table of contents points: "#slug" in one document, "file.xhtml" in an EPUB


def book_view(prepared: PreparedBook, words: dict[str, object]) -> BookView:
    """The book as templates show it: the prepared display strings, dates and names in the theme's words."""
    metadata, display = prepared.book.metadata, prepared.display
    months = words["months"]
    assert isinstance(months, list)
    date = metadata.date
    day = words["first_day"] if date.day == 1 else date.day  # "1er mars", "1º maggio"; a number elsewhere
    try:
        date_long = str(words["date_format"]).format(day=day, month=months[date.month - 1], year=date.year)
    except (KeyError, IndexError, ValueError) as error:
        raise PublishError(
            f"the theme's date_format `{words['date_format']}` does not fit: {error}",
            hint="date_format in the theme's words/<lang>.toml takes {day}, {month} and {year}",
        ) from None
    authors = metadata.authors
    joined = authors[0] if len(authors) == 1 else ", ".join(authors[:-1]) + f" {words['and']} " + authors[-1]
    return BookView(
        title=display.title,
        subtitle=display.subtitle,
        authors=authors,
        authors_text=joined,
        lang=metadata.lang,
        date_iso=date.isoformat(),
        date_long=date_long,
        year=date.year,
        publisher=metadata.publisher,
        rights=display.rights,
        description=display.description,
        identifier=metadata.identifier,
    )


def chapter_view(rendered: RenderedChapter, words: dict[str, object], body: str, href: str) -> ChapterView:
    chapter = rendered.chapter
    return ChapterView(
        slug=chapter.slug,
        number=chapter.number,
        label=f"{words['chapter']} {chapter.number}" if chapter.number else "",
        title=rendered.title_text,
        title_html=Markup(rendered.title_html),
        body=Markup(body),
        lang=chapter.lang,
        headings=rendered.headings,
        href=href,
    )
