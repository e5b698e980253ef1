"""Pandoc's fenced divs, `::: {.note}` … `:::`, and the callouts, epigraphs and page breaks made of them.

A line of three colons or more followed by a class name or an attribute list opens a div; a line
of colons alone closes the innermost one. A block processor reads them, so divs work wherever
blocks do: at the top, nested, in list items, in block quotes. Callouts (`note`, `tip`,
`warning`, `important`, `caution`) get a title in the chapter's language, or the one given
with `title="…"`, and `role="note"` so that a screen
reader announces them; `epigraph`, `dedication`, `aside`, `sidebar`, `center` and `pagebreak`
are styled by the theme; any other class is kept for a theme of one's own. A div left open is
closed at the end of its container (``convert/unsupported.py`` warns about it).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from markdown import Extension, Markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import BlockProcessor

from publish.convert.reader.attributes import Attributes, parse_attributes

OPENING = re.compile(
    r"^[ ]{0,3}(?P<colons>:{3,})[ \t]*(?P<spec>\{[^}]*\}|[\w-]+)[ \t]*(?P<more>\{[^}]*\})?[ \t]*:*[ \t]*$"
)
CLOSING = re.compile(r"^[ ]{0,3}:{3,}[ \t]*$")
CALLOUTS = ("note", "tip", "warning", "important", "caution")
CALLOUT_TITLES = {  # the titles a callout gets when the author gives none, by language
    "fr": {
        "note": "Remarque",
        "tip": "Astuce",
        "warning": "Attention",
        "important": "Important",
        "caution": "Prudence",
    },
    "en": {"note": "Note", "tip": "Tip", "warning": "Warning", "important": "Important", "caution": "Caution"},
    "de": {"note": "Hinweis", "tip": "Tipp", "warning": "Warnung", "important": "Wichtig", "caution": "Vorsicht"},
    "es": {
        "note": "Nota",
        "tip": "Consejo",
        "warning": "Advertencia",
        "important": "Importante",
        "caution": "Precaución",
    },
    "it": {
        "note": "Nota",
        "tip": "Suggerimento",
        "warning": "Avvertenza",
        "important": "Importante",
        "caution": "Cautela",
    },
}


class DivProcessor(BlockProcessor):
    """A block that opens with a `:::` line: the div runs, across blank lines, to its closing line."""

    def __init__(self, parser: BlockParser, lang: str) -> None:
        super().__init__(parser)
        self.titles = CALLOUT_TITLES.get(lang.split("-")[0].lower(), CALLOUT_TITLES["en"])

    def test(self, parent: ET.Element, block: str) -> bool:
        return OPENING.match(block.split("\n", 1)[0]) is not None

    def run(self, parent: ET.Element, blocks: list[str]) -> None:
        first, _, rest = blocks.pop(0).partition("\n")
        opening = OPENING.match(first)
        assert opening is not None  # test() said so
        attributes = parse_attributes(
            opening.group("spec").strip("{}") + " " + (opening.group("more") or "").strip("{}")
        )
        content = _content(rest.split("\n") if rest else [], blocks)
        while content and not content[-1].strip():  # a placeholder ending in a newline would stay in its <p>
            content.pop()
        div = ET.SubElement(parent, "div")
        self._dress(div, attributes)
        self.parser.parseChunk(div, "\n".join(content))

    def _dress(self, div: ET.Element, attributes: Attributes) -> None:
        kind = next((c for c in attributes.classes if c in CALLOUTS), None)
        title = attributes.values.pop("title", "") if kind else ""
        attributes.set_on(div)
        if kind is None:
            return
        div.set("class", " ".join([*attributes.classes, "callout"]))
        div.set("role", "note")
        heading = ET.SubElement(div, "p", {"class": "callout-title"})
        heading.text = title or self.titles[kind]


def _content(lines: list[str], blocks: list[str]) -> list[str]:
    """The div's lines up to its closing fence, taken from ``blocks`` as needed; what follows the
    fence goes back to ``blocks``. Divs opened inside count, so their fences close them."""
    content: list[str] = []
    depth = 0
    while True:
        for index, line in enumerate(lines):
            if OPENING.match(line):
                depth += 1
            elif CLOSING.match(line):
                if depth == 0:
                    if index + 1 < len(lines):
                        blocks.insert(0, "\n".join(lines[index + 1 :]))
                    return content
                depth -= 1
            content.append(line)
        if not blocks:
            return content  # never closed: to the end of the container
        content.append("")
        lines = blocks.pop(0).split("\n")


class DivExtension(Extension):
    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def extendMarkdown(self, md: Markdown) -> None:
        # Before indented code (90): a div's fence may be indented by up to three spaces.
        md.parser.blockprocessors.register(DivProcessor(md.parser, self.lang), "publish_div", 95)
