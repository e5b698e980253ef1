"""Helpers over a chapter's lxml tree that every pass uses: serialising, escaping, removing."""

from __future__ import annotations

import html
import re

from lxml import etree
from lxml import html as lxml_html


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
