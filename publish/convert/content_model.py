"""What stray raw HTML leaves that XHTML forbids, repaired: blocks inside headings or paragraphs
are unwrapped, lists hold list items only. An EPUB with a `<div>` inside a heading or a `<b>`
straight inside a list is invalid. Every repair keeps every word of the text."""

from __future__ import annotations

from lxml import etree

from publish.convert.html_tree import remove_keeping_tail
from publish.convert.notes import text_without_calls

# Elements that hold text only (phrasing content), and blocks that may not sit inside them.
PHRASING_ONLY = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "span",
    "a",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "s",
    "small",
    "sub",
    "sup",
    "code",
    "kbd",
    "samp",
    "var",
    "abbr",
    "cite",
    "dfn",
    "mark",
    "q",
    "time",
    "bdi",
    "bdo",
    "ruby",
    "rt",
    "rp",
    "caption",
    "figcaption",
    "dt",
    "summary",
    "pre",
}


BLOCKS = {
    "div",
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "figure",
    "figcaption",
    "table",
    "ul",
    "ol",
    "dl",
    "pre",
    "details",
    "summary",
    "hr",
    "caption",
}


def repair_content_model(root: etree._Element) -> None:
    """Stray raw HTML can leave what XHTML forbids and EPUBCheck rejects: a `<b>` straight inside
    a list, an `<li>` outside one, a `<div>` inside a heading. Repair it, keeping every word."""
    _unwrap_misplaced_blocks(root)  # first: a list unwrapped out of a <b> leaves its items bare
    for item in list(root.iter("li")):
        if item.getparent() is None or item.getparent().tag not in ("ul", "ol"):
            item.tag = "span"
    for listing in list(root.iter("ul", "ol")):
        _repair_list(listing)
    for heading in list(root.iter("h2", "h3", "h4", "h5", "h6")):  # emptied by the sanitiser: `## <script>`
        if not text_without_calls(heading).strip() and heading.find(".//img") is None:  # `## [^1]` too
            remove_keeping_tail(heading)


def _repair_list(listing: etree._Element) -> None:
    """Everything inside a list goes into an item: into the item before it, or a new one."""
    if listing.text and listing.text.strip():
        item = etree.Element("li")
        item.text, listing.text = listing.text, None
        listing.insert(0, item)
    for child in list(listing):
        if isinstance(child.tag, str) and child.tag != "li":
            previous = child.getprevious()
            if previous is None or previous.tag != "li":
                previous = etree.Element("li")
                child.addprevious(previous)
            previous.append(child)  # its tail moves with it
        elif child.tail and child.tail.strip():  # text between items joins the item before it
            last = child[-1] if len(child) else None
            before = (last.tail if last is not None else child.text) or ""
            joined = (
                before + ("" if not before or before[-1].isspace() or child.tail[0].isspace() else " ") + child.tail
            )
            if last is not None:
                last.tail = joined
            else:
                child.text = joined
            child.tail = None


def _unwrap_misplaced_blocks(root: etree._Element) -> None:
    """A block written inside a paragraph or heading ("#### Titre <div>") is unwrapped, its text kept."""
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.tag not in BLOCKS:
            continue
        if any(isinstance(a.tag, str) and a.tag in PHRASING_ONLY for a in element.iterancestors()):
            if element.tag == "hr":
                remove_keeping_tail(element)
            else:
                _unwrap(element)


def _unwrap(element: etree._Element) -> None:
    """Replace ``element`` by its text and children."""
    parent = element.getparent()
    index = parent.index(element)
    previous = element.getprevious()
    if element.text:
        if previous is not None:
            previous.tail = (previous.tail or "") + element.text
        else:
            parent.text = (parent.text or "") + element.text
    children = list(element)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    last = children[-1] if children else (parent[index - 1] if index > 0 else None)
    if element.tail:
        if last is not None and last is not element:
            last.tail = (last.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
