"""SVG images made safe to publish: parsed without entities or network, cut down to an allow-list, bombs refused.

An author's SVG goes into the EPUB as it is, where a reading system may run its scripts and fetch
what it links to, and into WeasyPrint, which expands every ``<use>``. So, as the HTML sanitiser
does for chapters, only static drawing survives: shapes, text, paint servers, filters, clipping
and references inside the image itself. Everything taken out is named for the author's warning.

Three ways around that, and why each is closed where it is:

* A ``<style>`` is read by readers as the text of all its content (``textContent``), children's text
  and tails included; so that whole text is what is cleaned, and the children are dropped first.
* A marker is drawn once per vertex of the shape that uses it, and its content may use markers again:
  three nested markers on paths of 40 vertices, in 1.2 KB, kept WeasyPrint busy for a minute. So a
  marker reference weighs the vertices of each shape it applies to (inherited ones included: marker
  properties are inherited, also into what a ``<use>`` draws), markers inside a marker are removed,
  and marker properties in ``<style>`` rules, which could apply to any shape, marker content included,
  are removed: the author sets them on the shapes.
* CSS fetches with more than ``url()``: ``image-set()``, ``cross-fade()``, ``image()``, ``element()``
  and their prefixed forms take a plain string as an address. A declaration with any of those, or
  with any function holding a string or a url that is not ``#fragment``, goes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import tinycss2
from lxml import etree

from publish.convert.svg_size import LINKS, MARKER_PROPERTIES, SVG_NS, UNBOUNDED, XLINK_NS, expanded_size

XML_NS = "http://www.w3.org/XML/1998/namespace"


@dataclass(frozen=True)
class SvgLimits:
    """How big a drawing may be once WeasyPrint or a reader has expanded it."""

    elements: int = 50_000  # elements in the file
    depth: int = 100  # nesting of elements (drawing tools stay far below)
    expanded: int = 100_000  # elements once every <use> and url(#…) reference is drawn in place


@dataclass(frozen=True)
class SafeSvg:
    """The SVG to publish, and what was taken out of the author's file (empty: nothing)."""

    text: str
    removed: tuple[str, ...]


class SvgRefused(Exception):
    """The SVG cannot be published at all; the message says why, for the author."""


# SVG 1.1 static content, without scripting, animation, fonts, links out or embedded documents.
_FILTERS = (
    "filter feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting "
    "feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur "
    "feImage feMerge feMergeNode feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile "
    "feTurbulence"
)
ELEMENTS = frozenset(
    (
        "svg g defs symbol use switch title desc style a image "
        "path rect circle ellipse line polyline polygon text tspan textPath "
        "linearGradient radialGradient stop pattern clipPath mask marker " + _FILTERS
    ).split()
)
_PRESENTATION = (
    "alignment-baseline baseline-shift clip clip-path clip-rule color color-interpolation "
    "color-interpolation-filters color-rendering cursor direction display dominant-baseline fill fill-opacity "
    "fill-rule filter flood-color flood-opacity font font-family font-size font-size-adjust font-stretch "
    "font-style font-variant font-weight glyph-orientation-horizontal glyph-orientation-vertical "
    "image-rendering kerning letter-spacing lighting-color marker marker-end marker-mid marker-start mask "
    "opacity overflow paint-order pointer-events shape-rendering stop-color stop-opacity stroke "
    "stroke-dasharray stroke-dashoffset stroke-linecap stroke-linejoin stroke-miterlimit stroke-opacity "
    "stroke-width text-anchor text-decoration text-rendering transform transform-origin unicode-bidi "
    "vector-effect visibility white-space word-spacing writing-mode enable-background isolation mix-blend-mode "
    "font-feature-settings font-kerning inline-size"
)
_GEOMETRY = (
    "x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height d points pathLength viewBox preserveAspectRatio "
    "dx dy rotate textLength lengthAdjust startOffset method spacing side offset gradientUnits "
    "gradientTransform spreadMethod patternUnits patternContentUnits patternTransform clipPathUnits "
    "maskUnits maskContentUnits markerUnits markerWidth markerHeight refX refY orient filterUnits "
    "primitiveUnits in in2 result mode type values operator k1 k2 k3 k4 stdDeviation edgeMode order "
    "kernelMatrix divisor bias targetX targetY kernelUnitLength preserveAlpha surfaceScale diffuseConstant "
    "specularConstant specularExponent azimuth elevation z pointsAtX pointsAtY pointsAtZ limitingConeAngle "
    "scale xChannelSelector yChannelSelector radius baseFrequency numOctaves seed stitchTiles tableValues "
    "slope intercept amplitude exponent requiredFeatures requiredExtensions systemLanguage version "
    "baseProfile zoomAndPan"
)
ATTRIBUTES = frozenset(f"{_PRESENTATION} {_GEOMETRY} id class style lang tabindex role media".split())
_KEPT_FOREIGN = {f"{{{XML_NS}}}lang", f"{{{XML_NS}}}space", f"{{{XLINK_NS}}}title"}
# Editors' own data (Inkscape, Sodipodi, Illustrator, RDF metadata): never drawn, dropped without a word.
_EDITOR_DATA = re.compile(r"inkscape|sodipodi|adobe|illustrator|rdf|purl\.org|creativecommons|sketch|figma")
_FRAGMENT = re.compile(r"#[A-Za-z_][\w.:-]*")
_EMBEDDED_RASTER = re.compile(r"data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)
# CSS functions that load an image from an address given as a plain string, not only as url().
_FETCHING_FUNCTIONS = frozenset(
    "image image-set -webkit-image-set cross-fade -webkit-cross-fade element -moz-element paint".split()
)
MARKER = f"{{{SVG_NS}}}marker"
# A DOCTYPE with an internal subset (`<!DOCTYPE svg [ <!ENTITY …> ]>`) can declare entities that pull
# other files in or multiply text; the public one Graphviz and Inkscape write (`<!DOCTYPE svg PUBLIC
# "-//W3C//DTD SVG 1.1//EN" "…svg11.dtd">`) declares nothing and is accepted. No DTD is ever loaded.
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[")


def make_svg_safe(data: bytes, limits: SvgLimits = SvgLimits()) -> SafeSvg:
    """The SVG in ``data`` with only static, self-contained drawing left; SvgRefused when none can be."""
    root = _parse(data)
    _check_size(root, limits)
    removed: Counter[str] = Counter()
    pending = [root]
    while pending:
        element = pending.pop()
        if _clean_element(element, removed):
            pending.extend(element)
    expanded = expanded_size(root)
    if expanded >= UNBOUNDED:
        raise SvgRefused("has a <use> or url(#…) that leads back to itself; a reader would loop on it")
    if expanded > limits.expanded:
        raise SvgRefused(
            f"draws more than {limits.expanded:,} elements once its <use> references are expanded "
            f"(about {expanded:,}); a reader would stall on it: flatten the repeated parts"
        )
    etree.cleanup_namespaces(root)  # the editors' prefixes, now unused
    text = etree.tostring(root, encoding="unicode")
    return SafeSvg(text, tuple(f"{what} (×{count})" if count > 1 else what for what, count in removed.items()))


def _parse(data: bytes) -> etree._Element:
    if _INTERNAL_SUBSET.search(data[:4096]):  # the standard public DOCTYPE has none
        raise SvgRefused("declares a DOCTYPE with entities (a way to pull other files in); remove the DOCTYPE")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise SvgRefused(f"is not valid SVG ({error})") from None
    if root is None or etree.QName(root).localname != "svg":
        found = etree.QName(root).localname if root is not None else "nothing"
        raise SvgRefused(f"is not an SVG image (its root element is <{found}>)")
    if root.tag != f"{{{SVG_NS}}}svg":
        raise SvgRefused(f'is not in the SVG namespace; add xmlns="{SVG_NS}" to its <svg> element')
    return root


def _check_size(root: etree._Element, limits: SvgLimits) -> None:
    for count, _ in enumerate(root.iter(), start=1):
        if count > limits.elements:
            raise SvgRefused(f"has more than {limits.elements:,} elements; simplify the drawing")
    deepest = max((_depth(leaf) for leaf in root.iter() if len(leaf) == 0), default=1)
    if deepest > limits.depth:
        raise SvgRefused(f"nests elements {deepest} deep, over {limits.depth}; flatten its groups")


def _depth(element: etree._Element) -> int:
    return sum(1 for _ in element.iterancestors()) + 1


def _clean_element(element: etree._Element, removed: Counter[str]) -> bool:
    """Clean ``element`` in place; False when it was dropped (with its content)."""
    if not isinstance(element.tag, str):  # an entity reference left unresolved
        _drop(element)
        removed["an entity reference"] += 1
        return False
    name = etree.QName(element)
    if name.namespace != SVG_NS or name.localname not in ELEMENTS:
        _drop(element)
        if not ((name.namespace == SVG_NS and name.localname == "metadata") or _is_editor_data(name.namespace)):
            removed[f"<{name.localname}>"] += 1
        return False
    # Markers used inside a marker multiply per vertex at every level (the marker bomb): taken out.
    in_marker = element.tag == MARKER or next(element.iterancestors(MARKER), None) is not None
    for attribute in list(element.attrib):
        if in_marker and attribute in MARKER_PROPERTIES:
            del element.attrib[attribute]
            removed["a marker inside a marker"] += 1
            continue
        why = _attribute_problem(name.localname, attribute, element.attrib[attribute])
        if why:
            del element.attrib[attribute]
            if why != "editor data":
                removed[why] += 1
    if name.localname == "style":
        # Readers apply the whole text content, so text after a child (kept <title>, or a dropped
        # element whose tail _drop would move back here) is part of the sheet: clean it all at once.
        sheet = "".join(element.itertext())
        for child in list(element):
            element.remove(child)
            removed["markup inside a <style>"] += 1
        element.text, dropped = clean_stylesheet(sheet)
        removed.update(dropped)
    if element.get("style") is not None:
        declarations, dropped = _clean_declarations(element.get("style", ""), drop_markers=in_marker)
        element.set("style", declarations)
        removed.update(dropped)
    return True


def _drop(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)
    if tail:  # text after a dropped element stays where it was
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _is_editor_data(namespace: str | None) -> bool:
    return bool(namespace and _EDITOR_DATA.search(namespace))


def _attribute_problem(element: str, attribute: str, value: str) -> str | None:
    """Why ``attribute`` must go (for the warning), or None when it may stay."""
    qname = etree.QName(attribute)
    local = qname.localname
    if local.lower().startswith("on"):
        return f"the event handler {local}="
    if attribute in LINKS:
        return _link_problem(element, value)
    if qname.namespace and attribute not in _KEPT_FOREIGN:
        return "editor data" if _is_editor_data(qname.namespace) else f"the attribute {local}="
    if qname.namespace is None and local not in ATTRIBUTES and not local.startswith(("data-", "aria-")):
        return f"the attribute {local}="
    if local == "style":
        return None  # cleaned declaration by declaration (_clean_element)
    if _fetching(tinycss2.parse_component_value_list(value)):
        return f"a {local}= pointing outside the image"
    return None


def _link_problem(element: str, value: str) -> str | None:
    value = value.strip()
    if _FRAGMENT.fullmatch(value):
        return None
    if element in ("image", "feImage"):
        return None if _EMBEDDED_RASTER.match(value) else f"an <{element}> of another file"
    if value.lower().startswith(("javascript:", "vbscript:")):
        return "a javascript: link"
    if element == "use":
        return "a <use> of something outside the image"
    return "a link outside the image"


def _fetching(tokens: Iterable[object]) -> str | None:
    """The CSS function (``url`` for a url token) by which ``tokens`` may load anything but a fragment
    of this image (``url(#grad)``), or None. Any function holding a string may be one a reader takes
    as an address (``-webkit-image-set('x.png' 1x)``), so only ``url("#frag")`` strings pass."""
    for token in tokens:
        kind = getattr(token, "type", "")
        if kind == "url":
            if not str(getattr(token, "value", "")).strip().startswith("#"):
                return "url"
        elif kind == "function":
            name = str(getattr(token, "lower_name", ""))
            arguments = [a for a in getattr(token, "arguments", []) if getattr(a, "type", "") != "whitespace"]
            if name in _FETCHING_FUNCTIONS:
                return name
            if name in ("url", "src"):
                if not (len(arguments) == 1 and _is_fragment_string(arguments[0])):
                    return name
                continue
            if any(getattr(a, "type", "") == "string" and not _is_fragment_string(a) for a in arguments):
                return name
            inner = _fetching(arguments)
            if inner:
                return inner
        elif kind in ("() block", "[] block", "{} block"):
            inner = _fetching(getattr(token, "content", []))
            if inner:
                return inner
    return None


def _is_fragment_string(token: object) -> bool:
    return getattr(token, "type", "") == "string" and str(getattr(token, "value", "")).strip().startswith("#")


def clean_stylesheet(css: str) -> tuple[str, Counter[str]]:
    """A ``<style>`` sheet without @import and without rules or declarations that fetch anything."""
    removed: Counter[str] = Counter()
    kept = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True):
        if rule.type == "at-rule" and rule.lower_at_keyword == "import":
            removed["an @import"] += 1
        elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports") and rule.content:
            inner, dropped = clean_stylesheet(tinycss2.serialize(rule.content))
            removed.update(dropped)
            kept.append(f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}{{{inner}}}")
        elif rule.type == "qualified-rule" and _fetching(rule.prelude):  # text after an unclosed rule
            removed["a style rule that fetches something"] += 1
        elif rule.type == "qualified-rule":
            declarations, dropped = _clean_declarations(tinycss2.serialize(rule.content), in_sheet=True)
            removed.update(dropped)
            kept.append(f"{tinycss2.serialize(rule.prelude)}{{{declarations}}}")
        elif rule.type == "at-rule" and not _fetching(tinycss2.parse_component_value_list(tinycss2.serialize([rule]))):
            kept.append(tinycss2.serialize([rule]))
        elif rule.type != "whitespace":
            removed["a style rule that fetches something" if rule.type == "at-rule" else "unreadable CSS"] += 1
    return "".join(kept), removed


def _clean_declarations(css: str, *, in_sheet: bool = False, drop_markers: bool = False) -> tuple[str, Counter[str]]:
    """``css`` without the declarations that fetch; in a ``<style>`` rule (``in_sheet``), which may
    match any shape, marker content included, and inside a marker (``drop_markers``), without markers."""
    removed: Counter[str] = Counter()
    kept = []
    for declaration in tinycss2.parse_blocks_contents(css, skip_comments=True, skip_whitespace=True):
        if declaration.type != "declaration":
            if declaration.type != "whitespace":
                removed["unreadable CSS"] += 1
            continue
        function = _fetching(declaration.value)
        if function:
            removed[f"a {function}() to another file"] += 1
            continue
        if declaration.lower_name in MARKER_PROPERTIES and (in_sheet or drop_markers):
            removed[
                "a marker in a <style> rule (set it on the shapes)" if in_sheet else "a marker inside a marker"
            ] += 1
            continue
        important = " !important" if declaration.important else ""
        kept.append(f"{declaration.name}:{tinycss2.serialize(declaration.value)}{important}")
    return ";".join(kept), removed
