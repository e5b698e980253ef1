"""The EPUB on real readers (issue 17), read back from a finished EPUB.

Rules:
- the navigation document shows only the contents: its `landmarks` nav is `hidden`;
- `META-INF/com.apple.ibooks.display-options.xml` is there, is XML, and says
  `specified-fonts` is `true` (Apple Books ignores embedded fonts otherwise);
- every font file the EPUB ships is a face some text of the book is set in: a small cascade
  (selector specificity and source order, `!important`, inheritance, the reading system's bold
  headings and italic `em`) over the book's own CSS gives each element its family, weight and
  style; CSS Fonts' matching turns them into one of the `@font-face` faces. Approximations: rules
  inside `@media`/`@supports` count as applying, `::before`/`::after` rules count as text of the
  element, inline `style` attributes and `font` shorthands are not read (a face used only through
  those would be reported: none of ours is);
- no page-break marker, and no target of the `page-list`, is inside a `figcaption`.

`computed_styles` (the cascade, for any properties) is shared with tests/test_epub_readers.py.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cssselect2
import tinycss2
from lxml import etree

XHTML = "http://www.w3.org/1999/xhtml"
OPS = "http://www.idpf.org/2007/ops"
OPF = "http://www.idpf.org/2007/opf"
APPLE_OPTIONS = "META-INF/com.apple.ibooks.display-options.xml"
FONT_TYPES = ("font/", "application/font", "application/vnd.ms-opentype", "application/x-font")
GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "ui-serif", "ui-sans-serif"}
# What readers do by default, as far as faces go (HTML's rendering section).
_BOLD = {"h1", "h2", "h3", "h4", "h5", "h6", "th", "dt"}
_BOLDER = {"b", "strong"}
_ITALIC = {"em", "i", "cite", "var", "dfn", "address"}
_MONO = {"pre", "code", "kbd", "samp", "tt"}
_HIDDEN = {"head", "script", "style", "title"}
_INHERITED = {"font-family", "font-weight", "font-style", "color", "text-transform"}


@dataclass(frozen=True)
class Face:
    family: str  # case-folded
    weight: int
    style: str
    file: str  # container path


@dataclass(frozen=True)
class Styled:
    """One element of one document, with the winning value of each property asked for."""

    document: str
    element: etree._Element
    values: dict[str, str]  # property -> value as written (serialised), inherited ones included
    has_text: bool


def check_epub(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        opf_path = _opf_path(archive)
        opf = etree.fromstring(archive.read(opf_path))
        manifest = _manifest(opf, opf_path)
        documents = {
            name: etree.fromstring(archive.read(name))
            for name, media in manifest.items()
            if media == "application/xhtml+xml" and name in names
        }
        stylesheets = [archive.read(n).decode("utf-8") for n, m in manifest.items() if m == "text/css" and n in names]
        found = _apple_options(archive.read(APPLE_OPTIONS) if APPLE_OPTIONS in names else None)
        found += _landmarks(documents)
        found += _page_marks(documents, manifest)
        found += _unused_fonts(documents, manifest, stylesheets)
    return found


def _opf_path(archive: zipfile.ZipFile) -> str:
    container = etree.fromstring(archive.read("META-INF/container.xml"))
    return container.find(".//{*}rootfile").get("full-path")


def _manifest(opf: etree._Element, opf_path: str) -> dict[str, str]:
    folder = posixpath.dirname(opf_path)
    return {
        posixpath.normpath(posixpath.join(folder, item.get("href"))): item.get("media-type")
        for item in opf.iter(f"{{{OPF}}}item")
    }


def _apple_options(data: bytes | None) -> list[str]:
    if data is None:
        return [f"{APPLE_OPTIONS} is missing: Apple Books will not use the embedded fonts"]
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as error:
        return [f"{APPLE_OPTIONS} is not well-formed XML: {error}"]
    options = [o for o in root.iter("option") if o.get("name") == "specified-fonts"]
    if root.tag != "display_options" or not any((o.text or "").strip() == "true" for o in options):
        return [f"{APPLE_OPTIONS} does not set specified-fonts to true"]
    return []


def _landmarks(documents: dict[str, etree._Element]) -> list[str]:
    found = []
    for name, root in documents.items():
        for nav in root.iter(f"{{{XHTML}}}nav"):
            if nav.get(f"{{{OPS}}}type") == "landmarks" and nav.get("hidden") is None:
                found.append(f'{name}: the landmarks nav is shown (it needs hidden="")')
    return found


def _in_figcaption(element: etree._Element) -> bool:
    return any(a.tag == f"{{{XHTML}}}figcaption" for a in element.iterancestors())


def _page_marks(documents: dict[str, etree._Element], manifest: dict[str, str]) -> list[str]:
    found = []
    for name, root in documents.items():
        for element in root.iter():
            if element.get(f"{{{OPS}}}type") == "pagebreak" and _in_figcaption(element):
                found.append(f"{name}: page marker {element.get('id')} is inside a figcaption")
        for nav in root.iter(f"{{{XHTML}}}nav"):
            if nav.get(f"{{{OPS}}}type") != "page-list":
                continue
            for link in nav.iter(f"{{{XHTML}}}a"):
                target, _, anchor = (link.get("href") or "").partition("#")
                document = documents.get(posixpath.normpath(posixpath.join(posixpath.dirname(name), target)))
                hits = document.xpath("//*[@id=$id]", id=anchor) if document is not None and anchor else []
                if hits and _in_figcaption(hits[0]):
                    found.append(f"{name}: page-list entry {link.text} points inside a figcaption ({target})")
    return found


def _unused_fonts(documents: dict[str, etree._Element], manifest: dict[str, str], stylesheets: list[str]) -> list[str]:
    fonts = {name for name, media in manifest.items() if media and media.startswith(FONT_TYPES)}
    if not fonts:
        return []
    css = "\n".join(stylesheets)
    faces = _font_faces(css, fonts)
    found = [f"{name}: shipped but declared by no @font-face rule" for name in sorted(fonts - {f.file for f in faces})]
    families: dict[str, list[Face]] = {}
    for face in faces:
        families.setdefault(face.family, []).append(face)
    used: set[Face] = set()
    for styled in computed_styles(documents, css, ("font-family", "font-weight", "font-style")):
        if styled.has_text:
            face = _face(styled.values, families)
            if face is not None:
                used.add(face)
    found += [f"{face.file}: shipped, but no text of the book is set in it" for face in faces if face not in used]
    return found


def _font_faces(css: str, fonts: set[str]) -> list[Face]:
    faces = []
    for rule in tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True):
        if rule.type != "at-rule" or rule.lower_at_keyword != "font-face":
            continue
        values = {
            d.lower_name: d.value for d in tinycss2.parse_blocks_contents(rule.content) if d.type == "declaration"
        }
        urls = [t.value for t in values.get("src", []) if t.type == "url"]
        urls += [
            a.value for t in values.get("src", []) if t.type == "function" for a in t.arguments if a.type == "string"
        ]
        family = next((t.value for t in values.get("font-family", []) if t.type in ("string", "ident")), "")
        weight = _weight(tinycss2.serialize(values.get("font-weight", [])).strip() or "normal", 400)
        style = tinycss2.serialize(values.get("font-style", [])).strip() or "normal"
        for url in urls:
            file = next((f for f in fonts if f.endswith("/" + url.rpartition("/")[2])), None)
            if file is not None:
                faces.append(Face(family.casefold(), weight, style, file))
    return faces


def computed_styles(documents: dict[str, etree._Element], css: str, properties: tuple[str, ...]) -> Iterator[Styled]:
    """Each element of each document with the winning value of ``properties`` (inherited ones
    carried down from the parent; the reading system's defaults first, author rules over them)."""
    matcher = cssselect2.Matcher()
    for rule in _qualified_rules(tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)):
        declarations = [
            (d.lower_name, tinycss2.serialize(d.value).strip(), d.important)
            for d in tinycss2.parse_blocks_contents(rule.content)
            if d.type == "declaration" and (d.lower_name in properties or d.lower_name == "display")
        ]
        if not declarations:
            continue
        try:
            selectors = cssselect2.compile_selector_list(rule.prelude)
        except cssselect2.SelectorError:
            continue
        for selector in selectors:
            matcher.add_selector(selector, declarations)
    for name, root in documents.items():
        yield from _styled(name, cssselect2.ElementWrapper.from_xml_root(root), {}, matcher, properties)


def _qualified_rules(rules: list) -> Iterator:
    for rule in rules:
        if rule.type == "qualified-rule":
            yield rule
        elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports") and rule.content:
            yield from _qualified_rules(
                tinycss2.parse_rule_list(rule.content, skip_whitespace=True, skip_comments=True)
            )


def _styled(
    name: str, wrapper: cssselect2.ElementWrapper, parent: dict[str, str], matcher: cssselect2.Matcher, properties
) -> Iterator[Styled]:
    element = wrapper.etree_element
    tag = wrapper.local_name
    if tag in _HIDDEN or element.get("hidden") is not None:
        return
    values = {k: v for k, v in parent.items() if k in _INHERITED}
    values.update(_reading_system(tag, values))
    matches = matcher.match(wrapper)
    values, display = _cascade([d for *_, pseudo, ds in matches if pseudo is None for d in ds], values, parent)
    if display == "none":
        return
    text = (element.text or "") + "".join(c.tail or "" for c in element)
    has_text = bool(text.strip()) or tag == "li"  # a list item draws its marker
    yield Styled(name, element, {k: v for k, v in values.items() if k in properties}, has_text)
    for pseudo in ("before", "after"):  # counted as text of the element's, in the pseudo-element's style
        declarations = [d for *_, p, ds in matches if p == pseudo for d in ds]
        if declarations:
            generated, _ = _cascade(declarations, {k: v for k, v in values.items() if k in _INHERITED}, values)
            yield Styled(name, element, {k: v for k, v in generated.items() if k in properties}, True)
    for child in wrapper.iter_children():
        yield from _styled(name, child, values, matcher, properties)


def _cascade(
    declarations: list[tuple[str, str, bool]], values: dict[str, str], parent: dict[str, str]
) -> tuple[dict[str, str], str]:
    """The winning values (important declarations last, source order kept) and the display."""
    values, display = dict(values), ""
    for prop, value, _important in sorted(declarations, key=lambda d: d[2]):
        if prop == "display":
            display = value
        elif value != "inherit":
            values[prop] = str(_weight(value, _int(parent.get(prop)))) if prop == "font-weight" else value
        elif prop in parent:
            values[prop] = parent[prop]
        else:
            values.pop(prop, None)  # inherited from nothing: the reader's own value
    return values, display


def _reading_system(tag: str, inherited: dict[str, str]) -> dict[str, str]:
    if tag in _BOLD:
        return {"font-weight": "700"}
    if tag in _BOLDER:
        return {"font-weight": str(_weight("bolder", _int(inherited.get("font-weight"))))}
    if tag in _ITALIC:
        return {"font-style": "italic"}
    if tag in _MONO:
        return {"font-family": "monospace"}
    return {}


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 400


def _weight(value: str, inherited: int) -> int:
    value = value.strip().lower()
    if value.isdigit():
        return int(value)
    if value == "bolder":
        return 400 if inherited < 350 else 700 if inherited < 550 else 900
    if value == "lighter":
        return 100 if inherited < 550 else 400 if inherited < 750 else 700
    return {"normal": 400, "bold": 700}.get(value, inherited)


def _face(values: dict[str, str], families: dict[str, list[Face]]) -> Face | None:
    for family in values.get("font-family", "").split(","):
        family = family.strip().strip("\"'").casefold()
        if family in families:
            return _match(families[family], _int(values.get("font-weight")), values.get("font-style", "normal"))
        if family in GENERIC:
            return None
    return None


def _match(faces: list[Face], weight: int, style: str) -> Face:
    styles = (
        ["italic", "oblique", "normal"] if style.startswith(("italic", "oblique")) else ["normal", "oblique", "italic"]
    )
    group = next(g for s in styles if (g := [f for f in faces if f.style == s]))

    def distance(face: Face) -> tuple[int, int]:
        # CSS Fonts: 400 looks up to 500 first, then down; above 500 up first; below 400 down first.
        if face.weight == weight:
            return (0, 0)
        if 400 <= weight <= 500:
            if weight < face.weight <= 500:
                return (1, face.weight - weight)
            return (2, weight - face.weight) if face.weight < weight else (3, face.weight)
        if weight > 500:
            return (1, face.weight - weight) if face.weight > weight else (2, weight - face.weight)
        return (1, weight - face.weight) if face.weight < weight else (2, face.weight - weight)

    return min(group, key=distance)
