"""Which of the theme's font faces an EPUB's documents use, with the characters each sets and the
OpenType features its CSS asks of it: a small CSS cascade over the finished XHTML.

Only what chooses a face or its glyphs is computed (font family, weight and style, the
`font-variant-*` features, `text-transform`, list markers, `::before`/`::after` strings). The
reading system's defaults that matter here (bold headings, italic `em`, monospace `code`...)
are `reading_system.css`, beside this module. Rules inside `@media` and `@supports` count as if
they applied: a face they may ask for ships.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cssselect2  # WeasyPrint's selector matcher
import tinycss2
from lxml import etree

from publish.theme.loading import FontFace

READING_SYSTEM_CSS = Path(__file__).with_name("reading_system.css")
GENERIC_FAMILIES = {
    "serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "math", "emoji",
    "ui-serif", "ui-sans-serif", "ui-monospace", "ui-rounded",
}  # fmt: skip
# Each face keeps these even when the text lacks them: spaces French typography puts in, the
# hyphens a reader's hyphenation adds, and quotes.
TYPOGRAPHY = " \u00a0\u202f\u2009-\u2010\u00ad«»‘’“”'\""
# Characters a list marker may draw when its type is a keyword (disc, decimal...).
MARKERS = "0123456789.•◦▪"
_NUMERIC = {
    "oldstyle-nums": "onum", "lining-nums": "lnum", "proportional-nums": "pnum", "tabular-nums": "tnum",
    "diagonal-fractions": "frac", "stacked-fractions": "afrc", "ordinal": "ordn", "slashed-zero": "zero",
}  # fmt: skip
_CAPS = {
    "small-caps": ("smcp",), "all-small-caps": ("smcp", "c2sc"), "petite-caps": ("pcap",),
    "all-petite-caps": ("pcap", "c2pc"), "unicase": ("unic",), "titling-caps": ("titl",),
}  # fmt: skip
_POSITION = {"super": ("sups",), "sub": ("subs",)}
_WEIGHTS = {"normal": 400, "bold": 700}
_STYLES = {"normal", "italic", "oblique"}


@dataclass(frozen=True)
class FaceUse:
    characters: frozenset[str]
    features: frozenset[str]  # OpenType tags, beyond HarfBuzz's default set


@dataclass(frozen=True)
class _Style:
    """The computed values that choose a face and its glyphs (all inherited)."""

    families: tuple[str, ...] = ()
    weight: int = 400
    style: str = "normal"
    numeric: tuple[str, ...] = ()
    caps: tuple[str, ...] = ()
    position: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    transform: str = "none"
    list_style: str = "disc"  # a keyword, or a quoted string as '"– "'


@dataclass(frozen=True)
class _Declaration:
    name: str
    value: list[tinycss2.ast.Node]
    important: bool


@dataclass
class _Collected:
    characters: dict[FontFace, set[str]] = field(default_factory=dict)
    features: dict[FontFace, set[str]] = field(default_factory=dict)

    def add(self, face: FontFace | None, text: str, style: _Style) -> None:
        if face is None or not text.strip():
            return
        self.characters.setdefault(face, set()).update(_transformed(text, style.transform))
        self.features.setdefault(face, set()).update(style.numeric + style.caps + style.position + style.settings)


def faces_used(documents: Iterable[bytes], css: str, faces: Sequence[FontFace]) -> dict[FontFace, FaceUse]:
    """The faces some text of ``documents`` (XHTML) is set in, given the book's ``css``."""
    reading_system = _matcher(READING_SYSTEM_CSS.read_text(encoding="utf-8"))
    author = _matcher(css)
    families: dict[str, list[FontFace]] = {}
    for face in faces:
        families.setdefault(face.family.casefold(), []).append(face)
    collected = _Collected()
    for document in documents:
        root = etree.fromstring(document, etree.XMLParser(resolve_entities=False, no_network=True))
        _walk(cssselect2.ElementWrapper.from_xml_root(root), _Style(), (reading_system, author), families, collected)
    return {
        face: FaceUse(frozenset(chars | set(TYPOGRAPHY)), frozenset(collected.features[face]))
        for face, chars in collected.characters.items()
    }


def _matcher(css: str) -> cssselect2.Matcher:
    matcher = cssselect2.Matcher()
    for rule in _rules(tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)):
        declarations = _declarations(rule.content)
        if not declarations:
            continue
        try:
            selectors = cssselect2.compile_selector_list(rule.prelude)
        except cssselect2.SelectorError:  # a selector readers ignore too
            continue
        for selector in selectors:
            matcher.add_selector(selector, declarations)
    return matcher


def _rules(nodes: Iterable[tinycss2.ast.Node]) -> Iterator[tinycss2.ast.QualifiedRule]:
    for node in nodes:
        if node.type == "qualified-rule":
            yield node
        elif node.type == "at-rule" and node.lower_at_keyword in ("media", "supports") and node.content:
            yield from _rules(tinycss2.parse_rule_list(node.content, skip_whitespace=True, skip_comments=True))


def _declarations(content: list[tinycss2.ast.Node] | None) -> list[_Declaration]:
    found = tinycss2.parse_declaration_list(content or [], skip_comments=True, skip_whitespace=True)
    return [_Declaration(d.lower_name, d.value, d.important) for d in found if d.type == "declaration"]


def _walk(
    element: cssselect2.ElementWrapper,
    parent: _Style,
    matchers: tuple[cssselect2.Matcher, ...],
    families: dict[str, list[FontFace]],
    collected: _Collected,
) -> None:
    matched = [m for matcher in matchers for m in matcher.match(element)]  # reading system first: author rules win
    own = [d for _, _, pseudo, ds in matched if pseudo is None for d in ds]
    inline = element.etree_element.get("style")
    if inline:
        own += _declarations(tinycss2.parse_component_value_list(inline))
    style, display, _ = _cascade(own, parent)
    if display == "none":
        return
    face = _face(style, families)
    node = element.etree_element
    collected.add(face, node.text or "", style)
    if element.local_name == "li" and style.list_style != "none":
        marker = style.list_style[1:-1] if style.list_style[:1] in "\"'" else MARKERS
        collected.add(face, marker, style)
    for pseudo in ("before", "after"):
        declarations = [d for _, _, p, ds in matched if p == pseudo for d in ds]
        if declarations:
            pseudo_style, _, content = _cascade(declarations, style)
            collected.add(_face(pseudo_style, families), content, pseudo_style)
    for child in element.iter_children():
        _walk(child, style, matchers, families, collected)
        collected.add(face, child.etree_element.tail or "", style)


def _cascade(declarations: list[_Declaration], parent: _Style) -> tuple[_Style, str, str]:
    """The element's style, its display and its `content` strings: important declarations last."""
    style, display, content = parent, "", ""
    for declaration in sorted(declarations, key=lambda d: d.important):  # stable: source order kept
        values = [t for t in declaration.value if t.type not in ("whitespace", "comment")]
        words = [t.lower_value for t in values if t.type == "ident"]
        if words == ["inherit"]:
            continue  # every property computed here inherits already
        name = declaration.name
        if name == "display":
            display = words[0] if words else display
        elif name == "content":
            content += "".join(t.value for t in values if t.type == "string")
            content += MARKERS if any(t.type == "function" and "counter" in t.lower_name for t in values) else ""
        else:
            style = _apply(name, values, words, style, parent)
    return style, display, content


def _apply(name: str, values: list[tinycss2.ast.Node], words: list[str], style: _Style, parent: _Style) -> _Style:
    replace = dataclasses.replace
    if name == "font-family":
        return replace(style, families=_families(values))
    if name == "font-weight":
        return replace(style, weight=_weight(values, parent.weight))
    if name == "font-style" and words and words[0] in _STYLES:
        return replace(style, style=words[0])
    if name == "font":
        return _font_shorthand(values, style, parent)
    if name == "font-variant-numeric":
        return replace(style, numeric=tuple(_NUMERIC[w] for w in words if w in _NUMERIC))
    if name == "font-variant-caps":
        return replace(style, caps=tuple(t for w in words for t in _CAPS.get(w, ())))
    if name == "font-variant-position":
        return replace(style, position=tuple(t for w in words for t in _POSITION.get(w, ())))
    if name == "font-variant":
        return replace(
            style,
            numeric=tuple(_NUMERIC[w] for w in words if w in _NUMERIC),
            caps=tuple(t for w in words for t in _CAPS.get(w, ())),
            position=tuple(t for w in words for t in _POSITION.get(w, ())),
        )
    if name == "font-feature-settings":
        return replace(style, settings=_feature_settings(values))
    if name == "text-transform" and words:
        return replace(style, transform=words[0])
    if name in ("list-style-type", "list-style"):
        strings = [t.value for t in values if t.type == "string"]
        if strings:
            return replace(style, list_style=f'"{strings[0]}"')
        if "none" in words:
            return replace(style, list_style="none")
        return replace(style, list_style=words[0]) if name == "list-style-type" and words else style
    return style


def _families(values: list[tinycss2.ast.Node]) -> tuple[str, ...]:
    families: list[str] = []
    current: list[str] = []
    for token in values + [tinycss2.ast.LiteralToken(0, 0, ",")]:
        if token.type == "literal" and token.value == ",":
            if current:
                families.append(" ".join(current))
            current = []
        elif token.type == "string" or token.type == "ident":
            current.append(token.value)
    return tuple(families)


def _weight(values: list[tinycss2.ast.Node], inherited: int) -> int:
    token = values[0] if values else None
    if token is None:
        return inherited
    if token.type == "number" and token.int_value is not None:
        return max(1, min(1000, token.int_value))
    word = token.lower_value if token.type == "ident" else ""
    if word == "bolder":
        return 400 if inherited < 350 else 700 if inherited < 550 else 900
    if word == "lighter":
        return 100 if inherited < 550 else 400 if inherited < 750 else 700
    return _WEIGHTS.get(word, inherited)


def _font_shorthand(values: list[tinycss2.ast.Node], style: _Style, parent: _Style) -> _Style:
    """`font: italic 600 1em/1.2 "Inter", sans-serif`: style and weight before the size, families after it."""
    weight, font_style = 400, "normal"
    for index, token in enumerate(values):
        word = token.lower_value if token.type == "ident" else ""
        if token.type in ("dimension", "percentage") or word.endswith(("large", "small", "medium")):
            rest = values[index + 1 :]
            if rest and rest[0].type == "literal" and rest[0].value == "/":
                rest = rest[2:]  # the line height
            return dataclasses.replace(style, weight=weight, style=font_style, families=_families(rest))
        if word in _STYLES:
            font_style = word
        elif token.type == "number" or word in ("bold", "bolder", "lighter"):
            weight = _weight([token], parent.weight)
    return style  # a system font keyword (caption, menu...): no face of ours


def _feature_settings(values: list[tinycss2.ast.Node]) -> tuple[str, ...]:
    tags, tag = [], ""
    for token in values + [tinycss2.ast.LiteralToken(0, 0, ",")]:
        if token.type == "string":
            tag = token.value
        elif token.type in ("number", "ident") and tag and str(getattr(token, "value", "")).lower() in ("0", "off"):
            tag = ""
        elif token.type == "literal" and token.value == ",":
            if len(tag) == 4 and tag.isascii():
                tags.append(tag)
            tag = ""
    return tuple(tags)


def _transformed(text: str, transform: str) -> str:
    if transform == "uppercase":
        return text.upper()
    if transform == "lowercase":
        return text.lower()
    if transform == "capitalize":
        return text + text.upper()
    return text


def _face(style: _Style, families: dict[str, list[FontFace]]) -> FontFace | None:
    """The face the reader draws with: the first family it may have; one of ours if embedded."""
    for family in style.families:
        name = family.casefold()
        if name in families:
            return _closest(families[name], style.weight, style.style)
        if name in GENERIC_FAMILIES:
            return None
    return None  # another named family, present or not on the reader: we ship nothing for it


def _closest(faces: list[FontFace], weight: int, style: str) -> FontFace:
    """CSS Fonts 4's matching: the style first (italic falls back to normal), then the nearest weight."""
    preference = ["italic", "oblique", "normal"] if style != "normal" else ["normal", "oblique", "italic"]
    shaped = next(group for s in preference if (group := [f for f in faces if f.style == s]))
    by_weight = {f.weight: f for f in shaped}
    if weight in by_weight:
        return by_weight[weight]
    lower = sorted((w for w in by_weight if w < weight), reverse=True)
    higher = sorted(w for w in by_weight if w > weight)
    if 400 <= weight <= 500:
        order = [w for w in higher if w <= 500] + lower + [w for w in higher if w > 500]
    elif weight < 400:
        order = lower + higher
    else:
        order = higher + lower
    return by_weight[order[0]]
