"""What templates see: the book and its chapters, already formatted (and typeset) for display."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree
from markupsafe import Markup, escape

from publish.convert.typography import typeset_element
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
    date_long: str  # "1er mars 2026": plain text, for places without markup (attributes, metadata)
    date_html: Markup  # "1<sup>er</sup> mars 2026": the same date typeset, where markup is allowed
    year: int
    publisher: str
    rights: str
    description: str
    identifier: str
    identifier_text: str  # what a reader may be shown: "ISBN 978-…", or "" for a UUID made up by publish
    has_code: bool  # a chapter holds code (`code`, `pre`, `kbd`, `samp`): the theme's code typeface is used


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
    return BookView(
        title=display.title,
        subtitle=display.subtitle,
        authors=metadata.authors,
        authors_text=join_words(metadata.authors, words),
        lang=metadata.lang,
        date_iso=date.isoformat(),
        date_long=date_long,
        date_html=_typeset_html(date_long, metadata.lang),
        year=date.year,
        publisher=metadata.publisher,
        rights=display.rights,
        description=display.description,
        identifier=metadata.identifier,
        identifier_text=_identifier_text(metadata.identifier, words),
        has_code=any(_CODE.search(text) for text in _html_of(prepared)),
    )


def join_words(items: Sequence[str], words: dict[str, object]) -> str:
    """Names listed as the language lists them ("A et B", "A, B et C"); Spanish "y" is "e" before i- ("Ana e Inés")."""
    if len(items) < 2:
        return "".join(items)
    conjunction = str(words["and"])
    if words.get("and_before_i") and _SOUNDS_I.match(items[-1]):
        conjunction = str(words["and_before_i"])
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


_SOUNDS_I = re.compile(r"(?i)h?[ií](?![aeiouáéíóú])")  # Inés, Hilda, Inter; not "hielo" (a diphthong)
_CODE = re.compile(r"<(?:code|pre|kbd|samp)[\s>]")
_UUID = re.compile(r"(?i)(?:urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ISBN = re.compile(r"(?i)(?:urn:isbn:|isbn[:\s]*)?((?:97[89][-\s]?)?(?:\d[-\s]?){9}[\dx])")


def _html_of(prepared: PreparedBook) -> list[str]:
    """Every piece of HTML the chapters put on pages: bodies, titles and notes."""
    return [
        text for r in prepared.chapters for text in (r.body, r.title_html, *(p for n in r.notes for p in n.paragraphs))
    ]


def _typeset_html(text: str, lang: str) -> Markup:
    """``text`` as inline HTML typeset in ``lang``, superscripts included: "1er" -> 1<sup>er</sup>."""
    holder = etree.Element("span")
    holder.text = text
    typeset_element(holder, lang)
    children = "".join(etree.tostring(child, encoding="unicode") for child in holder)  # escaped by lxml
    return escape(holder.text or "") + Markup(children)


def _identifier_text(identifier: str, words: dict[str, object]) -> str:
    """An ISBN as printed ("ISBN 978-2-…"), another identifier with its label, a UUID not at all:
    it means nothing to a reader (it stays in the metadata, where reading systems need it)."""
    if _UUID.fullmatch(identifier.strip()):
        return ""
    isbn = _ISBN.fullmatch(identifier.strip())
    if isbn and _isbn_checks(isbn.group(1)):
        return f"ISBN {isbn.group(1).upper()}"
    return f"{words['identifier']}{words['colon']} {identifier}"


def _isbn_checks(isbn: str) -> bool:
    """The ISBN's check digit is right (ISBN-13: weights 1 and 3, modulo 10; ISBN-10: weights 10
    down to 1, modulo 11, X for 10): an internal number of ten digits is not printed as an ISBN."""
    digits = [10 if c in "xX" else int(c) for c in isbn if c.isdigit() or c in "xX"]
    if len(digits) == 13 and 10 not in digits:
        return sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0
    if len(digits) == 10 and 10 not in digits[:9]:
        return sum(d * (10 - i) for i, d in enumerate(digits)) % 11 == 0
    return False


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
