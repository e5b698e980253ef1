"""Pandoc's bracketed spans, `[Texte]{.smallcaps}` and `[to be]{lang=en}`.

A span's text is read as Markdown; its `lang` switches hyphenation and typography to that
language for its words (the typography pass and WeasyPrint both follow `lang`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor

from publish.convert.reader.attributes import parse_attributes

SPAN = r"\[((?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)\]\{([^}\n]*)\}"


class SpanProcessor(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[ET.Element, int, int]:  # type: ignore[override]
        span = ET.Element("span")
        parse_attributes(m.group(2)).set_on(span)
        span.text = m.group(1)
        return span, m.start(0), m.end(0)


class SpanExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Before links (160) and footnote calls (175): `[text]{…}` is no link.
        md.inlinePatterns.register(SpanProcessor(SPAN, md), "publish_span", 176)
