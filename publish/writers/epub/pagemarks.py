"""Print page numbers inside the EPUB: a page-break marker where each page of the PDF begins.

The paged writer says where each page begins (an element's id and the text of the
page's first line, `PageStart`); here that line is found again in the EPUB's
document and a marker is put before its first word:
`<span epub:type="pagebreak" role="doc-pagebreak" id="page-12" aria-label="12"/>`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from lxml import etree
from lxml import html as lxml_html

from publish.model import PageStart

_CONTAINERS = {"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "colgroup"}  # no span inside
_SKIPPED = {"script", "style"}


def marker_id(number: int) -> str:
    return f"page-{number}"


def assign_pages(starts: Sequence[PageStart], file_of: Mapping[str, str]) -> dict[str, list[PageStart]]:
    """The page starts each EPUB document holds, in page order.

    A page whose anchor the EPUB lacks (a blank page, a running element) is put
    where the next page begins, so that page numbers still follow one another.
    """
    placed: list[tuple[str, PageStart]] = []
    following: tuple[str, PageStart] | None = None
    for start in reversed(starts):
        if start.anchor is not None and start.anchor in file_of:  # None is never a key of file_of
            following = (file_of[start.anchor], start)
            placed.append(following)
        elif following is not None:
            placed.append((following[0], replace(start, anchor=following[1].anchor, text=following[1].text)))
        else:  # blank pages at the very end: after the last text
            placed.append(("", start))
    last_file = next((f for f, _ in placed if f), "")
    by_file: dict[str, list[PageStart]] = {}
    for file_name, start in reversed(placed):
        by_file.setdefault(file_name or last_file, []).append(start)
    return by_file


def insert_markers(content: str, starts: Sequence[PageStart]) -> str:
    """``content`` (one XHTML document) with a marker for each start, in order."""
    if not starts:
        return content
    document = lxml_html.document_fromstring(re.sub(r"^<\?xml[^>]*>\s*", "", content))
    body = document.find("body")
    for start in starts:
        element = document.get_element_by_id(start.anchor, None) if start.anchor else None
        _place(_marker(start.number), element if element is not None else body, start.text)
    return lxml_html.tostring(document, encoding="unicode", method="html", doctype="<!DOCTYPE html>")


def _marker(number: int) -> etree._Element:
    # parsed rather than built: lxml's API refuses the prefixed name `epub:type`, its HTML parser keeps it
    return lxml_html.fragment_fromstring(
        f'<span epub:type="pagebreak" role="doc-pagebreak" id="{marker_id(number)}" aria-label="{number}"></span>'
    )


def _place(marker: etree._Element, element: etree._Element, line: str) -> None:
    """Before ``element`` when the page begins with it, else before the first word of ``line`` inside it.

    A span may not stand everywhere: in a list, a table or a row it goes inside, at the text's start.
    A page that begins with a figure's caption begins with the figure: the marker goes before the
    image, never between image and caption.
    """
    spot = _find_line(element, line) if line else None
    if spot is None or spot[3] == 0:
        figure = _figure_of(element)
        block = figure if figure is not None else element
        parent = block.getparent()
        if block.tag != "body" and parent is not None and parent.tag not in _CONTAINERS:
            block.addprevious(marker)
            return
        if spot is None and element.tag in _CONTAINERS:  # a row, a list: before the table or the list
            while element.getparent() is not None and element.getparent().tag in _CONTAINERS:
                element = element.getparent()
            element.addprevious(marker)
            return
        if spot is None:
            marker.tail = element.text
            element.text = None
            element.insert(0, marker)
            return
    owner, is_tail, offset, _ = spot
    figure = _figure_of(owner.getparent() if is_tail else owner)
    if figure is not None:
        figure.addprevious(marker)
    elif is_tail:
        text = owner.tail or ""
        owner.tail, marker.tail = text[:offset], text[offset:]
        owner.addnext(marker)
    else:
        text = owner.text or ""
        owner.text, marker.tail = text[:offset], text[offset:]
        owner.insert(0, marker)


def _figure_of(element: etree._Element | None) -> etree._Element | None:
    """The figure whose caption holds ``element``, if any."""
    while element is not None and element.tag != "figcaption":
        element = element.getparent()
    return element.getparent() if element is not None else None


def _find_line(element: etree._Element, line: str) -> tuple[etree._Element, bool, int, int] | None:
    """Where ``line`` (as laid out: maybe upper-cased, maybe starting mid-word) begins in ``element``:
    the node holding it, in its tail or not, the offset there, and the position in the element's text."""
    flat, origins = _flatten(element)
    normal = _normal(line)
    # The line as laid out may hold a note call glued to its word ("membres1,"): the EPUB's is a link apart.
    for words in (normal.split(), re.sub(r"(?<=[^\W\d])\d+\b", "", normal).split()):
        for count in range(len(words), 0, -1):
            position = flat.find(" ".join(words[:count]))
            if position >= 0 and (count > 1 or len(words) == 1 or len(words[0]) > 3):
                while position > 0 and flat[position - 1].isalnum():  # a word hyphenated across pages
                    position -= 1
                return (*origins[position], position)
    return None


def _flatten(element: etree._Element) -> tuple[str, list[tuple[etree._Element, bool, int]]]:
    """The element's text, normalised as `_normal` does, with where each character comes from."""
    chars: list[str] = []
    origins: list[tuple[etree._Element, bool, int]] = []

    def add(text: str | None, owner: etree._Element, is_tail: bool) -> None:
        for offset, char in enumerate(text or ""):
            if char == "\u00ad":
                continue
            char = " " if char.isspace() else char
            if char == " " and (not chars or chars[-1] == " "):
                continue
            for folded in char.casefold():
                chars.append(folded)
                origins.append((owner, is_tail, offset))

    def walk(node: etree._Element) -> None:
        if not isinstance(node.tag, str) or node.tag in _SKIPPED or "noteref" in (node.get("class") or ""):
            return  # a note call's number is not in the PDF's line (it is generated there)
        add(node.text, node, False)
        for child in node:
            walk(child)
            add(child.tail, child, True)

    walk(element)
    return "".join(chars), origins


def _normal(text: str) -> str:
    text = text.replace("\u00ad", "").rstrip("-\u2010")  # a hyphen WeasyPrint added at the line's end
    return " ".join(text.split()).casefold()


def edit_nav(nav: str, starts: Sequence[PageStart], entries: Sequence[tuple[str, int]], heading: str) -> str:
    """ebooklib's navigation document with the table of contents' own page markers at its
    start, and the `page-list` at its end (ebooklib knows neither)."""
    if not entries:
        return nav
    markers = "".join(
        f'<span epub:type="pagebreak" role="doc-pagebreak" id="{marker_id(s.number)}" aria-label="{s.number}"/>'
        for s in starts
    )
    nav = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + markers, nav, count=1)
    return nav.replace("</body>", _page_list(entries, heading) + "</body>", 1)


def _page_list(entries: Sequence[tuple[str, int]], heading: str) -> str:
    """The navigation document's `page-list`: (document file, page number) in order."""
    items = "".join(f'<li><a href="{file_name}#{marker_id(number)}">{number}</a></li>' for file_name, number in entries)
    return (
        f'<nav epub:type="page-list" role="doc-pagelist" aria-label="{heading}" hidden="hidden">'
        f"<h2>{heading}</h2><ol>{items}</ol></nav>"
    )
