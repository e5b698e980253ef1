"""The reader assembled: one configured Python-Markdown per chapter, Markdown text -> HTML.

Python-Markdown's own extensions and ours (one module per syntax family in
this package), with the priorities that make them read CommonMark, GitHub and Pandoc habits.
Everything after it works on the HTML tree (convert/chapter.py lists those passes).
"""

from __future__ import annotations

import markdown as python_markdown

from publish.convert.reader.attributes import AttributeExtension
from publish.convert.reader.blocks import BlockExtension
from publish.convert.reader.divs import DivExtension
from publish.convert.reader.fences import CSS_CLASS, FenceExtension
from publish.convert.reader.heading_ids import HeadingIdExtension
from publish.convert.reader.inline_notes import InlineNoteExtension
from publish.convert.reader.inlines import InlineExtension
from publish.convert.reader.lines import LinesExtension
from publish.convert.reader.lists import ListExtension
from publish.convert.reader.spans import SpanExtension
from publish.convert.reader.tables import TableExtension
from publish.convert.reader.tasks import TaskExtension

EXTENSIONS = (
    "tables",
    "footnotes",
    "codehilite",
    "attr_list",
    "def_list",
    "abbr",
    "admonition",
    "sane_lists",
)


def _extension_configs() -> dict[str, dict[str, object]]:
    return {
        "footnotes": {"SEPARATOR": "-", "BACKLINK_TEXT": "", "UNIQUE_IDS": False, "USE_DEFINITION_ORDER": False},
        "codehilite": {"css_class": CSS_CLASS, "guess_lang": False},
    }


def read_markdown(text: str, lang: str = "fr") -> str:
    """A chapter's Markdown as HTML; a new converter each time (Python-Markdown keeps state per document).

    ``lang`` is the chapter's language: callouts get their default title in it.
    """
    ours = [
        FenceExtension(),
        DivExtension(lang),
        ListExtension(),
        SpanExtension(),
        AttributeExtension(),
        BlockExtension(),
        LinesExtension(),
        TableExtension(),
        InlineNoteExtension(),
        InlineExtension(),
        TaskExtension(),
        HeadingIdExtension(),
    ]
    # md_in_html reads Markdown inside raw HTML marked `markdown="1"` (MkDocs' habit); only then is it needed.
    html_blocks = ["md_in_html"] if "markdown=" in text else []
    converter = python_markdown.Markdown(
        extensions=[*EXTENSIONS, *html_blocks, *ours],
        extension_configs=_extension_configs(),
        output_format="html",
    )
    return str(converter.convert(text))
