"""Helpers over a chapter's lxml tree that every pass uses: serialising, escaping, removing."""

from __future__ import annotations

import html
import re

from lxml import etree
from lxml import html as lxml_html

# libxml2, under lxml, keeps 256 levels of elements and silently drops what is deeper: a chapter
# nested deeper than any book needs (quotes in quotes, lists in lists, raw <div>s) is refused first.
MAX_DEPTH = 100
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^>]*)?>|<!--.*?-->", re.S)
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)


def too_deep(html: str, limit: int = MAX_DEPTH) -> str | None:
    """None when ``html`` nests no more than ``limit`` elements deep; else the first text written
    past that depth (to find its line by), or "" when there is none."""
    depth = 0
    for tag in _TAG.finditer(html):
        closing, name = tag.group(1), (tag.group(2) or "").lower()
        if not name or name in _VOID or tag.group().endswith("/>"):
            continue
        depth += -1 if closing else 1
        if depth > limit:
            following = html[tag.end() :]
            text = re.search(r"[^<>\s][^<>]*", following)
            return text.group().strip() if text else ""
    return None


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


def remove_keeping_tail(element: etree._Element) -> None:
    parent = element.getparent()
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def insert_after(element: etree._Element, new: etree._Element) -> None:
    new.tail = element.tail
    element.tail = None
    element.addnext(new)
