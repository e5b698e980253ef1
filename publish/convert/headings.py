"""Headings: the chapter title taken out for the templates, the sections collected for the contents."""

from __future__ import annotations

import copy

from lxml import etree

from publish.convert.aliases import ALIAS_CLASS
from publish.convert.html_tree import collapse_spaces, inner_html, remove_keeping_tail
from publish.model import Heading


def take_title(root: etree._Element) -> str:
    """Remove the chapter's `#` heading and return its inner HTML (templates place the title)."""
    for heading in root.iter("h1"):
        remove_keeping_tail(heading)
        heading.tail = None
        return _html_without_aliases(heading)
    return ""


def _html_without_aliases(heading: etree._Element) -> str:
    """The heading's HTML for the contents and running heads: its alias anchors stay in the text only."""
    bare = copy.deepcopy(heading)
    for alias in bare.xpath(f'.//span[@class="{ALIAS_CLASS}"]'):
        remove_keeping_tail(alias)
    return inner_html(bare).strip()


def collect_headings(root: etree._Element) -> tuple[Heading, ...]:
    headings = []
    for element in root.iter("h2", "h3", "h4", "h5", "h6"):
        if element.get("id"):
            headings.append(
                Heading(
                    level=int(element.tag[1]),
                    id=element.get("id"),
                    text=collapse_spaces(element.text_content()),
                    html=_html_without_aliases(element),
                )
            )
    return tuple(headings)
