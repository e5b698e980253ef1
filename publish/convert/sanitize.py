"""Raw HTML in Markdown, made safe: an allow-list enforced by nh3, each removal reported.

Authors may write HTML inside Markdown (a `<span class="notypo">`, a `<sup>`, a
table Markdown cannot express); pasted HTML may also carry scripts, frames and
event handlers. Python-Markdown's output goes through nh3 (the Ammonia
sanitiser) with the allow-list below before anything else reads it, so no
script, frame, object, event handler or `javascript:` URL reaches the EPUB or
the PDF. ``find_removals`` lists what the sanitiser will drop, so that the
author gets a warning naming the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import nh3
from lxml import etree
from lxml import html as lxml_html

# Everything Python-Markdown and its extensions produce, plus harmless inline and block HTML.
ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
        "var",
        "wbr",
    }
)
GLOBAL_ATTRIBUTES = frozenset({"id", "class", "lang", "title", "dir"})
TAG_ATTRIBUTES = {
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height", "style"}),  # style: sizes in % or cm ({width=50%})
    "div": frozenset({"role"}),  # callouts are notes for screen readers
    "td": frozenset({"colspan", "rowspan", "style"}),
    "th": frozenset({"colspan", "rowspan", "style", "scope"}),
    "ol": frozenset({"start", "reversed"}),
    "li": frozenset({"value"}),
    "q": frozenset({"cite"}),
    "blockquote": frozenset({"cite"}),
    "time": frozenset({"datetime"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "details": frozenset({"open"}),
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "ftp"})  # and relative URLs
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
STYLE_PROPERTIES = frozenset({"text-align", "width", "height"})  # table columns' alignment; image sizes
DROPPED_WITH_CONTENT = frozenset({"script", "style"})
DATA_PREFIX = "data-"  # data-* attributes (Pandoc's `{niveau=2}`) are inert: kept for custom themes' selectors
DATA_NAME = re.compile(r"data-[a-z0-9]+(?:-[a-z0-9]+)*")  # an XML name without a colon, or EPUBCheck fails


@dataclass(frozen=True)
class Removal:
    """Something the sanitiser drops: what to tell the author, and text to find its line by."""

    what: str
    needle: str


def sanitize(html: str) -> str:
    """The HTML with everything outside the allow-list removed."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={"*": set(GLOBAL_ATTRIBUTES), **{tag: set(names) for tag, names in TAG_ATTRIBUTES.items()}},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
        filter_style_properties=set(STYLE_PROPERTIES),
        generic_attribute_prefixes={DATA_PREFIX},
        attribute_filter=_valid_data_name,
    )


def _valid_data_name(tag: str, name: str, value: str) -> str | None:
    return None if name.startswith(DATA_PREFIX) and not DATA_NAME.fullmatch(name) else value


def find_removals(html: str) -> list[Removal]:
    """What ``sanitize`` will drop from ``html``, element by element, in document order."""
    if not html.strip():
        return []
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    removals: list[Removal] = []
    for element in root.iterdescendants():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if any(ancestor.tag in DROPPED_WITH_CONTENT for ancestor in element.iterancestors()):
            continue
        if tag not in ALLOWED_TAGS:
            kept = "" if tag in DROPPED_WITH_CONTENT else " (its text is kept)"
            removals.append(Removal(f"<{tag}> element{kept}", f"<{tag}"))
            continue
        if tag == "img" and not (element.get("src") or "").strip():
            removals.append(Removal("<img> without a src", "<img"))
        removals += _attribute_removals(element, tag)
    return removals


def _attribute_removals(element: etree._Element, tag: str) -> list[Removal]:
    removals = []
    allowed = GLOBAL_ATTRIBUTES | TAG_ATTRIBUTES.get(tag, frozenset())
    for name, value in element.attrib.items():
        if name.startswith(DATA_PREFIX) and DATA_NAME.fullmatch(name):
            continue
        if name not in allowed:
            removals.append(Removal(f"`{name}` attribute of <{tag}>", f"{name}="))
        elif name in URL_ATTRIBUTES:
            scheme = urlsplit(value.strip()).scheme.lower()
            if scheme and scheme not in URL_SCHEMES:
                removals.append(Removal(f"`{scheme}:` URL in the `{name}` of <{tag}>", value.strip()[:40]))
        elif name == "style":
            properties = {part.split(":")[0].strip().lower() for part in value.split(";") if ":" in part}
            if properties - STYLE_PROPERTIES:
                removals.append(
                    Removal(
                        f"style `{value.strip()}` of <{tag}> (only text-align, width and height are kept)",
                        value.strip(),
                    )
                )
    return removals
