"""Passes over a converted chapter's HTML tree: title, notes, figures, links, ids.

Python-Markdown's output is parsed once with lxml and each pass reshapes it,
so that notes, assets and links leave this stage as data (see model.py).
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree
from lxml import html as lxml_html

from publish.convert.checks import MISSING_ALT
from publish.convert.images import image_problem
from publish.convert.remote import RemoteError, RemotePolicy, fetch_image
from publish.load.source import SourceText
from publish.model import Asset, ExternalLink, Heading, Limits, Link, Note, chapter_slug_for

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
EXTERNAL_SCHEMES = ("http", "https", "mailto", "tel", "ftp")


def collapse_spaces(text: str) -> str:
    """Collapse runs of ASCII white space only: the no-break spaces typography put there stay."""
    return re.sub(r"[ \t\r\n\f]+", " ", text).strip(" \t\r\n\f")


def escape(text: str) -> str:
    return html.escape(text, quote=True)


def inner_html(element: etree._Element) -> str:
    """The element's content as HTML (void elements unclosed, as WeasyPrint's parser wants)."""
    parts = [escape(element.text or "")]
    parts += [lxml_html.tostring(child, encoding="unicode", method="html") for child in element]
    return "".join(parts)


def take_title(root: etree._Element) -> str:
    """Remove the chapter's `#` heading and return its inner HTML (templates place the title)."""
    for heading in root.iter("h1"):
        remove_keeping_tail(heading)
        heading.tail = None
        return inner_html(heading).strip()
    return ""


def make_figures(
    root: etree._Element, source: SourceText, book_root: Path, limits: Limits, remote: RemotePolicy = RemotePolicy()
) -> tuple[Asset, ...]:
    """Check every image, point it at its book-relative path, and caption lone images.

    A broken image is recorded in ``source.findings`` and left out, so that the
    other chapters are still checked; the build stops before writing anything.
    """
    assets: dict[str, Asset] = {}
    for image in list(root.iter("img")):
        src = image.get("src", "")
        if not src.strip():  # reported by the sanitiser's warnings; nothing to show
            remove_keeping_tail(image)
            continue
        asset = _resolve_image(src, source, book_root, limits, remote)
        if asset is None:
            remove_keeping_tail(image)
            continue
        assets.setdefault(asset.href, asset)
        image.set("src", asset.href)
        alt = image.get("alt", "").strip()
        if not alt and "decorative" not in (image.get("class") or "").split():
            written = f"![]({src}"
            source.warn(
                f"image `{src}` has no alternative text",
                written if source.line_of(written) else src,
                "describe it for readers who cannot see it: ![what it shows](path); "
                "for a purely decorative image write ![](path){.decorative}",
                code=MISSING_ALT,
            )
        parent = image.getparent()
        alone = (
            parent is not None
            and parent.tag == "p"
            and len(parent) == 1
            and not (parent.text or "").strip()
            and not (image.tail or "").strip()
        )
        if alone and alt:
            figure = etree.Element("figure", {"class": "figure"})
            image.tail = None
            figure.append(image)
            caption = etree.SubElement(figure, "figcaption")
            caption.text = alt
            parent.addprevious(figure)
            figure.tail = parent.tail
            parent.getparent().remove(parent)
    return tuple(assets.values())


def _resolve_image(src: str, source: SourceText, book_root: Path, limits: Limits, remote: RemotePolicy) -> Asset | None:
    parts = urlsplit(src)
    if parts.scheme in ("http", "https") and remote.allowed:
        try:
            path = fetch_image(src, book_root, replace(remote, max_bytes=limits.image_bytes))
        except RemoteError as error:
            source.error(f"image `{src}` {error}", src, "download it into images/ and link the file")
            return None
    elif parts.scheme or parts.netloc or src.startswith("/"):
        source.error(
            f"image `{src}` is not a file of the manuscript",
            src,
            "put the image in the manuscript folder and give a path relative to the chapter"
            + ("; or build with --allow-remote" if parts.scheme in ("http", "https") else ""),
        )
        return None
    else:
        path = (source.path.parent / unquote(parts.path)).resolve()
    try:
        href = path.relative_to(book_root).as_posix()
    except ValueError:
        source.error(
            f"image `{src}` lies outside the manuscript folder", src, "copy it into the manuscript, e.g. images/"
        )
        return None
    if not path.is_file():
        source.error(
            f"image `{src}` not found", src, "the path is relative to the chapter file, e.g. ../images/chart.svg"
        )
        return None
    media_type = IMAGE_TYPES.get(path.suffix.lower())
    if media_type is None:
        source.error(f"image `{src}` has an unsupported type", src, "use PNG, JPEG, GIF, SVG or WebP")
        return None
    problem = image_problem(path, media_type, limits)
    if problem:
        source.error(f"image `{src}` {problem}", src, "replace the file, or fix the path in the chapter")
        return None
    return Asset(source=path, href=href, media_type=media_type)


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
                if _inside_notes(anchor):
                    url = etree.Element("span", {"class": "url-inline"})
                    url.text = f" ({href})"
                    _insert_after(anchor, url)
                else:
                    externals.append(ExternalLink(number=len(externals) + 1, url=href))
                    _insert_after(anchor, etree.Comment(f"publish:url:{len(externals)}"))
            continue
        if parts.scheme or parts.netloc:
            source.error(f"link `{href}` uses an unsupported scheme", href, "use http(s), mailto or a chapter file")
            continue
        target: str | None
        if not parts.path:
            target = f"{chapter.slug}--{unquote(parts.fragment)}" if parts.fragment else chapter.slug
        else:
            target = _chapter_target(parts.path, parts.fragment, href, source, book_root)
            if target is None:
                continue
        anchor.set("href", "#" + target)
        line, column = source.locate(href)
        links.append(Link(source=source.path, line=line or 0, target_id=target, written=href, column=column or 0))
    return tuple(links), tuple(externals)


def _chapter_target(path: str, fragment: str, href: str, source: SourceText, book_root: Path) -> str | None:
    target = (source.path.parent / unquote(path)).resolve()
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
    return f"{slug}--{unquote(fragment)}" if fragment else slug


def prefix_ids(root: etree._Element, slug: str) -> None:
    """Make ids unique book-wide: `<chapter-slug>--<id>`; rewrite same-chapter note hrefs too."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.get("id"):
            element.set("id", f"{slug}--{element.get('id')}")
        if element.get("class") in ("footnote-ref", "footnote-backref") and element.get("href", "").startswith("#"):
            element.set("href", f"#{slug}--{element.get('href')[1:]}")


def scope_table_headers(root: etree._Element) -> None:
    """`scope` on header cells, so that a screen reader announces each cell with its column
    (or row) header: header cells of the table head head columns, the others head rows."""
    for cell in root.iter("th"):
        if not cell.get("scope"):
            cell.set("scope", "col" if any(a.tag == "thead" for a in cell.iterancestors()) else "row")


_NUMBERED_BLOCKS = ("p", "li", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "pre", "figcaption", "td", "th")


def number_blocks(root: etree._Element, slug: str) -> None:
    """Give every text block an id (`<slug>--_<n>`), so that where a PDF page begins can be
    named in the EPUB (its page markers). Authors' ids never start with `_`."""
    for number, element in enumerate(root.iter(*_NUMBERED_BLOCKS), start=1):
        if not element.get("id"):
            element.set("id", f"{slug}--_{number}")


def take_notes(root: etree._Element, slug: str) -> tuple[tuple[Note, ...], tuple[str, ...]]:
    """Lift Python-Markdown's endnote list out of the text; leave a marker at each call.

    Returns the notes and the labels of definitions no call refers to (dropped:
    a note nobody can reach would have a back link to nowhere).
    """
    container = next((d for d in root.iter("div") if d.get("class") == "footnote"), None)
    if container is None:
        return (), ()
    called = {a.get("href", "")[1:] for a in root.iter("a") if a.get("class") == "footnote-ref"}
    notes: list[Note] = []
    number_of: dict[str, int] = {}
    orphans: list[str] = []
    for item in container.iter("li"):
        if item.get("id", "") not in called:
            orphans.append(item.get("id", "").rsplit("--", 1)[-1].removeprefix("fn-"))
            continue
        for backref in [a for a in item.iter("a") if a.get("class") == "footnote-backref"]:
            remove_keeping_tail(backref)
        paragraphs = [p for p in item if p.tag == "p"] or [item]
        number = len(notes) + 1
        number_of[item.get("id", "")] = number
        notes.append(
            Note(
                number=number,
                id=f"{slug}--note--{number}",  # slugs never hold "--": no clash with heading ids
                call_id=f"{slug}--call--{number}",
                paragraphs=tuple(inner_html(p).strip() for p in paragraphs),
            )
        )
    container.getparent().remove(container)
    seen: set[int] = set()
    for call in [a for a in root.iter("a") if a.get("class") == "footnote-ref"]:
        note_number = number_of.get(call.get("href", "")[1:])
        sup = call.getparent()
        holder = sup if sup is not None and sup.tag == "sup" else call
        if note_number is None:
            continue
        if note_number in seen:  # a second call of the same note: a plain number, no second copy
            replacement = etree.Element("sup", {"class": "note-call-again"})
            replacement.text = str(note_number)
        else:
            replacement = etree.Comment(f"publish:note:{note_number}")
        seen.add(note_number)
        replacement.tail = holder.tail
        holder.getparent().replace(holder, replacement)
    return tuple(notes), tuple(orphans)


def collect_headings(root: etree._Element) -> tuple[Heading, ...]:
    headings = []
    for element in root.iter("h2", "h3", "h4", "h5", "h6"):
        if element.get("id"):
            headings.append(
                Heading(
                    level=int(element.tag[1]),
                    id=element.get("id"),
                    text=collapse_spaces(element.text_content()),
                    html=inner_html(element).strip(),
                )
            )
    return tuple(headings)


def all_ids(root: etree._Element) -> list[str]:
    return [e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")]


def _inside_notes(element: etree._Element) -> bool:
    return any(a.tag == "div" and a.get("class") == "footnote" for a in element.iterancestors())


def _insert_after(element: etree._Element, new: etree._Element) -> None:
    new.tail = element.tail
    element.tail = None
    element.addnext(new)


def remove_keeping_tail(element: etree._Element) -> None:
    parent = element.getparent()
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
