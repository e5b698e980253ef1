"""Pandoc's attribute lists, `{#id .class key=value}`: read once for every construct that takes them.

attr_list puts them on headings, images and links; this module adds what it lacks: `{-}` after
a heading (Pandoc's `{.unnumbered}`), and image sizes in % or CSS units (`{width=50%}`), which
an XHTML `width` attribute cannot hold: they become a `style`, valid in the EPUB and read by
WeasyPrint; a size in plain pixels stays an attribute. An image's alt text loses its emphasis
marks, as CommonMark's plain-text alt does.
"""

from __future__ import annotations

import re
import shlex
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

# Attributes an author may give that reach the HTML as they are; any other becomes `data-<name>`.
KEPT = ("lang", "dir", "title", "width", "height")
NAME = re.compile(r"[a-z][a-z0-9-]*")
HEADING_ATTRIBUTES = re.compile(r"^([ ]{0,3}#{1,6}[ \t].*?)[ \t]*\{([^}]*)\}[ \t]*$")
EMPHASIS = re.compile(r"(\*{1,3}|(?<!\w)_{1,3}|`+)(?=\S)(.+?)(?<=\S)\1(?!\w)")  # a_b_c keeps its _
CSS_LENGTH = re.compile(r"^\d+(?:\.\d+)?(?:%|px|cm|mm|in|pt|pc|em|rem|ex|ch|vw|vh)?$")


@dataclass
class Attributes:
    id: str = ""
    classes: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)

    def set_on(self, element: ET.Element) -> None:
        """Give ``element`` these attributes: id, classes, the kept keys, any other key as `data-<key>`."""
        if self.id:
            element.set("id", self.id)
        if self.classes:
            element.set("class", " ".join(self.classes))
        for key, value in self.values.items():
            if NAME.fullmatch(key):
                element.set(key if key in KEPT or key.startswith("data-") else "data-" + key, value)  # as Pandoc


def parse_attributes(text: str) -> Attributes:
    """`#id .a .b key=value key="quoted value"`; a bare `-` is Pandoc's `.unnumbered`."""
    result = Attributes()
    try:
        tokens = shlex.split(text)
    except ValueError:  # an unbalanced quote: take the words as they are
        tokens = text.split()
    for token in tokens:
        if token == "-":
            result.classes.append("unnumbered")
        elif token.startswith("#") and len(token) > 1:
            result.id = token[1:]
        elif token.startswith(".") and len(token) > 1:
            result.classes.append(token[1:])
        elif "=" in token:
            key, _, value = token.partition("=")
            result.values[key.strip().lower()] = value
        elif re.fullmatch(r"[\w-]+", token):
            result.classes.append(token)
    return result


class UnnumberedPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return [_unnumbered(line) for line in lines]


def _unnumbered(line: str) -> str:
    """`{-}` -> `{.unnumbered}`, and a `-` among other attributes: `{#preface -}`."""
    heading = HEADING_ATTRIBUTES.match(line)
    if heading is None or "-" not in heading.group(2).split():
        return line
    kept = [token for token in heading.group(2).split() if token != "-"]
    return f"{heading.group(1)} {{{' '.join([*kept, '.unnumbered'])}}}"


class ImageTreeprocessor(Treeprocessor):
    """Image sizes as styles; and alt text as plain text, as CommonMark makes it (`*Belem*` -> Belem)."""

    def run(self, root: ET.Element) -> None:
        for image in root.iter("img"):
            alt = image.get("alt")
            if alt and any(mark in alt for mark in "*_`"):
                image.set("alt", EMPHASIS.sub(r"\2", alt))
            style = []
            for name in ("width", "height"):
                value = (image.get(name) or "").strip()
                if not value or value.isdigit():
                    continue
                del image.attrib[name]
                if CSS_LENGTH.match(value):
                    style.append(f"{name}: {value}")
            if style:
                image.set("style", "; ".join(style))


class AttributeExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(UnnumberedPreprocessor(md), "publish_unnumbered", 26)
        md.treeprocessors.register(ImageTreeprocessor(md), "publish_images", 4)
