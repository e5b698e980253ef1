"""Pandoc's fenced divs, `::: {.note}` … `:::`, and the callouts, epigraphs and page breaks made of them.

A line of three colons or more followed by a class name or an attribute list opens a div; a line
of colons alone closes the innermost one. The div's Markdown is read as Markdown (through
md_in_html). Callouts (`note`, `tip`, `warning`, `important`, `caution`) get a title in the
chapter's language, or the one given with `title="…"`, and `role="note"` so that a screen
reader announces them; `epigraph`, `dedication`, `aside`, `sidebar`, `center` and `pagebreak`
are styled by the theme; any other class is kept for a theme of one's own. A div left open is
closed at the end of the chapter (``unknown.py`` warns about it).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from publish.convert.reader.attributes import parse_attributes

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
_TITLE_ATTRIBUTE = "data-callout-title"  # carries title="…" from the div to the tree pass, then removed
_MARK = "data-fenced-div"  # tells our divs from raw HTML ones and admonitions, then removed


class DivPreprocessor(Preprocessor):
    """`:::` lines -> `<div … markdown="1">` and `</div>` lines, blank lines around them."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        depth = 0
        for line in lines:
            opening = OPENING.match(line)
            if opening:
                spec = opening.group("spec")
                attributes = parse_attributes(spec.strip("{}") + " " + (opening.group("more") or "").strip("{}"))
                title = attributes.values.pop("title", "")
                extra = f' {_TITLE_ATTRIBUTE}="{_escape(title)}"' if title else ""
                out += ["", f'<div{attributes.html(drop=("title",))}{extra} {_MARK}="" markdown="1">', ""]
                depth += 1
            elif depth and CLOSING.match(line):
                out += ["", "</div>", ""]
                depth -= 1
            else:
                out.append(line)
        out += ["", "</div>", ""] * depth
        return out


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


class CalloutTreeprocessor(Treeprocessor):
    """Give each callout its title and its role."""

    def __init__(self, md: Markdown, lang: str) -> None:
        super().__init__(md)
        self.titles = CALLOUT_TITLES.get(lang.split("-")[0].lower(), CALLOUT_TITLES["en"])

    def run(self, root: ET.Element) -> None:
        for div in root.iter("div"):
            if div.attrib.pop(_MARK, None) is None:
                continue
            classes = (div.get("class") or "").split()
            kind = next((c for c in classes if c in CALLOUTS), None)
            title = div.attrib.pop(_TITLE_ATTRIBUTE, "")
            if kind is None:
                continue
            div.set("class", " ".join([*classes, "callout"]))
            div.set("role", "note")
            heading = ET.Element("p", {"class": "callout-title"})
            heading.text = title or self.titles[kind]
            heading.tail = "\n"
            div.insert(0, heading)


class DivExtension(Extension):
    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(DivPreprocessor(md), "publish_divs", 28)
        md.treeprocessors.register(CalloutTreeprocessor(md, self.lang), "publish_callouts", 5)
