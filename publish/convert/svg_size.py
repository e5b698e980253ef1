"""How much an SVG draws once its references are expanded: the measure that refuses <use> and marker bombs.

A ``<use>`` draws what it points to again, a ``url(#id)`` paints with another element, a marker is
drawn at every vertex of a shape: ten layers of ten ``<use>`` are 10¹⁰ elements in 2 KB, and
WeasyPrint and e-readers expand them all. The sanitiser (svg.py) refuses a drawing whose expanded
size passes its limit, before any of that happens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import tinycss2
from lxml import etree

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
LINKS = {"href", f"{{{XLINK_NS}}}href"}
MARKER_PROPERTIES = frozenset(("marker", "marker-start", "marker-mid", "marker-end"))
_USE = f"{{{SVG_NS}}}use"
# The shapes on whose vertices markers are drawn (SVG 2 "markable elements"; WeasyPrint draws the same).
_MARKABLE = frozenset(f"{{{SVG_NS}}}{name}" for name in ("path", "line", "polyline", "polygon"))
_PATH_TOKEN = re.compile(r"[MmZzLlHhVvCcSsQqTtAa]|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Numbers each path command takes per vertex; an arc's two flags may be written as one number ("01"),
# so an arc is counted at 5, never at more than it can be: the count stays an upper bound.
_PATH_ARITY = {"m": 2, "l": 2, "t": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "a": 5}
UNBOUNDED = 1 << 62  # the expanded size of a drawing whose references loop


def expanded_size(root: etree._Element) -> int:
    """How many elements are drawn once every ``<use>``, ``url(#id)`` and marker is replaced by what it
    points to: ten layers of ten ``<use>`` each are 10¹⁰ elements in a 2 KB file.

    A marker is drawn at each vertex of a path, line, polyline or polygon, so its size counts once per
    vertex (an upper bound) of every such shape it applies to: the shape's own marker properties and
    those inherited from its ancestors; those in effect on a ``<use>``, inherited by what it draws
    wherever that is, count for every shape. Computed bottom-up over the tree, each element once; a
    reference cycle counts as unbounded.
    """
    ids = {element.get("id"): element for element in root.iter() if isinstance(element.tag, str) and element.get("id")}
    references = {element: _references(element) for element in root.iter() if isinstance(element.tag, str)}
    inherited: dict[etree._Element, frozenset[str]] = {}
    for element, (_, markers) in references.items():  # document order: a parent before its children
        parent = element.getparent()
        above = inherited[parent] if parent is not None else frozenset()
        inherited[element] = above | markers if markers else above
    everywhere = frozenset().union(*(inherited[e] for e in references if e.tag == _USE))
    sizes: dict[etree._Element, int] = {}
    pending: list[tuple[etree._Element, bool]] = [(root, False)]
    visiting: set[etree._Element] = set()
    while pending:
        element, ready = pending.pop()
        if element in sizes:
            continue
        parts = [(child, 1) for child in element if isinstance(child.tag, str)]
        parts += [(ids[name], 1) for name in references[element][0] if name in ids]
        markers = inherited[element] | everywhere if element.tag in _MARKABLE else frozenset()
        if markers:
            vertices = _vertices(element)
            parts += [(ids[name], vertices) for name in sorted(markers) if name in ids and vertices]
        if ready:
            visiting.discard(element)
            sizes[element] = min(UNBOUNDED, 1 + sum(times * sizes.get(part, UNBOUNDED) for part, times in parts))
            continue
        if element in visiting:  # a reference back to an element being sized: a cycle
            sizes[element] = UNBOUNDED
            continue
        visiting.add(element)
        pending.append((element, True))
        pending.extend((part, False) for part, _ in parts if part not in sizes)
    return sizes[root]


def _references(element: etree._Element) -> tuple[list[str], frozenset[str]]:
    """The ids ``element`` refers to: by links and ``url(#id)`` (once each), and as markers."""
    names: list[str] = []
    markers: set[str] = set()
    for attribute, value in element.attrib.items():
        if attribute in LINKS:
            names += [value.strip()[1:]] if value.strip().startswith("#") else []
        elif attribute == "style":
            for declaration in tinycss2.parse_blocks_contents(value, skip_comments=True, skip_whitespace=True):
                if declaration.type == "declaration":
                    found = _fragments(declaration.value)
                    (markers.update if declaration.lower_name in MARKER_PROPERTIES else names.extend)(found)
        elif "url" in value.lower() or "\\" in value:  # a CSS escape may spell url( or the id
            found = _fragments(tinycss2.parse_component_value_list(value))
            (markers.update if attribute in MARKER_PROPERTIES else names.extend)(found)
    return names, frozenset(markers)


def _fragments(tokens: Iterable[object]) -> list[str]:
    """The ids of the ``url(#id)`` in CSS ``tokens``, unescaped as a reader reads them."""
    return [url[1:] for url in _css_urls(tokens) if url.startswith("#")]


def _css_urls(tokens: Iterable[object]) -> Iterator[str]:
    for token in tokens:
        kind = getattr(token, "type", "")
        if kind == "url":
            yield str(getattr(token, "value", "")).strip()
        elif kind == "function" and getattr(token, "lower_name", "") == "url":
            arguments = getattr(token, "arguments", [])
            yield from (str(getattr(a, "value", "")).strip() for a in arguments if getattr(a, "type", "") == "string")
        elif kind == "function" or kind.endswith("block"):
            yield from _css_urls(getattr(token, "arguments", None) or getattr(token, "content", []))


def _vertices(shape: etree._Element) -> int:
    """At least as many vertices as ``shape`` has: one marker-start, -mid or -end is drawn at each."""
    if etree.QName(shape).localname == "line":
        return 2
    if etree.QName(shape).localname != "path":
        return -(-len(_PATH_TOKEN.findall(shape.get("points", ""))) // 2) + 1  # a polygon closes on its start
    vertices, command, numbers = 0, "", 0
    for token in [*_PATH_TOKEN.findall(shape.get("d", "")), "z"]:
        if token.isalpha():
            if command:
                vertices += max(1, -(-numbers // _PATH_ARITY[command])) if command != "z" else 1
            command, numbers = token.lower(), 0
        else:
            numbers += 1
    return vertices
