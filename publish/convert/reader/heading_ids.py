"""Heading ids, made as Python-Markdown's toc extension makes them, without the contents it also builds.

Ids are ASCII slugs of the heading's text (`## Le coût` -> `le-cout`) that start with a letter,
made unique in the chapter with `_1`, `_2`; an id given with `{#id}` is kept. toc computes the
same ids and then renders a table of contents per chapter that nothing reads (the theme builds
the book's own), which cost a tenth of the reader's time.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

from markdown import Extension, Markdown
from markdown.extensions.toc import remove_fnrefs, render_inner_html, strip_tags, unique
from markdown.treeprocessors import Treeprocessor

from publish.model import slugify

HEADING = re.compile(r"^h[1-6]$")


def heading_slug(value: str, separator: str = "-") -> str:
    """Ids must be XML names: a heading such as "2025 : le sommet" gets a letter first."""
    slug = slugify(value).replace("-", separator) or "section"
    return slug if slug[0].isalpha() else "s" + separator + slug


class HeadingIdTreeprocessor(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        used = {element.attrib["id"] for element in root.iter() if "id" in element.attrib}
        counters: dict[str, int] = {}
        for element in root.iter():
            if isinstance(element.tag, str) and HEADING.match(element.tag) and "id" not in element.attrib:
                if len(element) == 0 and "&" not in (element.text or "") and "\x02" not in (element.text or ""):
                    name = element.text or ""  # plain text, the common case: what toc's rendering would give
                else:
                    name = strip_tags(render_inner_html(remove_fnrefs(element), self.md))
                element.attrib["id"] = unique(heading_slug(html.unescape(name)), used, counters)


class HeadingIdExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Where toc would run: after attr_list (8) has set the ids authors give, before unescaping (0).
        md.treeprocessors.register(HeadingIdTreeprocessor(md), "publish_heading_ids", 5)
