"""Links: a link to another chapter becomes an internal link (a Link, checked across chapters
with its file and line); an external one gets a marker where paged media print its URL."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from publish.confinement import Confinement
from publish.convert.html_tree import insert_after
from publish.convert.ids import fold_accents
from publish.convert.notes import inside_notes
from publish.errors import ERROR, Diagnostic
from publish.load.source import SourceText
from publish.model import ExternalLink, Link, RenderedChapter, chapter_slug_for

EXTERNAL_SCHEMES = ("http", "https", "mailto", "tel", "ftp")


def rewrite_links(
    root: etree._Element, source: SourceText, book_root: Path
) -> tuple[tuple[Link, ...], tuple[ExternalLink, ...]]:
    """Make every internal link `#<book-wide id>`; mark external links for the media."""
    chapter = source.chapter
    links: list[Link] = []
    externals: list[ExternalLink] = []
    for anchor in list(root.iter("a")):
        href = anchor.get("href")
        if href is None or anchor.get("class") in ("footnote-ref", "footnote-backref"):
            continue
        parts = urlsplit(href)
        if parts.scheme in EXTERNAL_SCHEMES:
            anchor.set("class", ((anchor.get("class") or "") + " external").strip())
            if parts.scheme in ("http", "https"):
                if inside_notes(anchor):
                    # notypo: a URL is not prose (no French space before the colon of https://)
                    url = etree.Element("span", {"class": "url-inline notypo"})
                    url.text = f" ({href})"
                    insert_after(anchor, url)
                else:
                    externals.append(ExternalLink(number=len(externals) + 1, url=href))
                    insert_after(anchor, etree.Comment(f"publish:url:{len(externals)}"))
            continue
        if parts.scheme or parts.netloc:
            source.error(f"link `{href}` uses an unsupported scheme", href, "use http(s), mailto or a chapter file")
            continue
        target: str | None
        if not parts.path:
            target = f"{chapter.slug}--{fold_accents(unquote(parts.fragment))}" if parts.fragment else chapter.slug
        else:
            target = _chapter_target(parts.path, parts.fragment, href, source, book_root)
            if target is None:
                continue
        anchor.set("href", "#" + target)
        line, column = source.locate(href)
        links.append(Link(source=source.path, line=line or 0, target_id=target, written=href, column=column or 0))
    return tuple(links), tuple(externals)


def _chapter_target(path: str, fragment: str, href: str, source: SourceText, book_root: Path) -> str | None:
    written = source.path.parent / unquote(path)
    if "\0" in str(written):
        source.error(f"link `{href}` names no file: `%00` is a NUL character", href, "remove the %00 from the link")
        return None
    confinement = Confinement.of(book_root)
    kind = confinement.wrong_kind(written)
    if confinement.is_outside(written) or kind:
        source.error(
            f"link `{href}` points to {kind}, not a chapter" if kind else f"link `{href}` points outside the book",
            href,
            "link to a chapter (.md) of this book, or to a full https:// URL",
        )
        return None
    target = written.resolve()
    if target.suffix.lower() != ".md":
        source.error(
            f"link `{href}` points to a file that is not a chapter",
            href,
            "link to a chapter (.md) of this book, or to a full https:// URL",
        )
        return None
    if not target.is_file():
        source.error(
            f"link `{href}` points to a chapter that does not exist",
            href,
            "the path is relative to this chapter, e.g. 03-suite.md#section",
        )
        return None
    slug = chapter_slug_for(target)
    return f"{slug}--{fold_accents(unquote(fragment))}" if fragment else slug


def check_links(chapters: Sequence[RenderedChapter]) -> tuple[Diagnostic, ...]:
    """Every internal link must reach an id of the book; say where each broken one is written."""
    ids = set().union(*(r.ids for r in chapters))
    return tuple(
        Diagnostic(
            ERROR,
            f"link `{link.written}` points to an anchor that does not exist",
            link.source,
            link.line or None,
            link.column or None,
            "check the file name and the heading id, e.g. chapitre.md#mon-titre; "
            "give the heading an id with `## Titre {#mon-titre}`",
        )
        for rendered in chapters
        for link in rendered.links
        if link.target_id not in ids
    )
