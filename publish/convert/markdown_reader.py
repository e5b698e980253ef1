"""The Markdown reader: one configured Python-Markdown per chapter, Markdown text -> HTML.

Everything after it works on the HTML tree (convert/chapter.py lists those passes).
"""

from __future__ import annotations

import markdown as python_markdown

from publish.model import slugify

EXTENSIONS = (
    "tables",
    "footnotes",
    "fenced_code",
    "codehilite",
    "attr_list",
    "def_list",
    "abbr",
    "admonition",
    "sane_lists",
    "toc",
)


def _heading_slug(value: str, separator: str) -> str:
    # Ids must be XML names: a heading such as "2025 : le sommet" gets a letter first.
    slug = slugify(value).replace("-", separator) or "section"
    return slug if slug[0].isalpha() else "s" + separator + slug


def _extension_configs() -> dict[str, dict[str, object]]:
    return {
        "footnotes": {"SEPARATOR": "-", "BACKLINK_TEXT": "", "UNIQUE_IDS": False, "USE_DEFINITION_ORDER": False},
        "codehilite": {"css_class": "highlight", "guess_lang": False},
        "toc": {"slugify": _heading_slug, "permalink": False},
    }


def read_markdown(text: str) -> str:
    """A chapter's Markdown as HTML; a new converter each time (Python-Markdown keeps state per document)."""
    converter = python_markdown.Markdown(
        extensions=list(EXTENSIONS), extension_configs=_extension_configs(), output_format="html"
    )
    return str(converter.convert(text))
