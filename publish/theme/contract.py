"""theme.toml -> ThemeManifest: what a theme declares, every key checked, errors located.

A theme declares its name, the theme it extends, the media it serves, its stylesheets per
medium (a list replaces the inherited one; ``[append-stylesheets]`` adds files after it, to
one medium or to ``all``), whether its paged CSS allows chapter-by-chapter layout, and its
fonts. The keys are documented in styles/README.md.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tinycss2

from publish.confinement import Confinement
from publish.errors import ERROR, Diagnostic, PublishError
from publish.load.source import source_lines
from publish.load.toml_files import read_toml

# The media a theme can serve: one per kind of output (the booklet is imposed from the print or book PDF).
MEDIA = ("pdf", "print", "handout", "epub", "screen")
# Optional stylesheet layers, added by an option on top of a medium's list.
LAYERS = ("handout-notes-margin",)
STYLESHEET_KEYS = MEDIA + LAYERS
KEYS = ("name", "extends", "media", "chapter_by_chapter", "stylesheets", "append-stylesheets", "fonts")
FONT_KEYS = ("family", "package", "faces")
FACE_KEYS = ("file", "weight", "style")


@dataclass(frozen=True)
class FontFaceEntry:
    family: str
    file: str
    weight: int
    style: str  # "normal" or "italic"
    package: str  # the Debian package that installs it, for the error when it is missing; "" if none


@dataclass(frozen=True)
class ThemeManifest:
    """One theme.toml as written: None where the theme says nothing and inherits."""

    path: Path
    name: str
    extends: str | None
    media: tuple[str, ...] | None
    chapter_by_chapter: bool | None
    stylesheets: dict[str, tuple[str, ...]]  # medium or layer -> files relative to the theme folders
    append_stylesheets: dict[str, tuple[str, ...]]  # medium, layer or "all" -> files added after the inherited ones
    fonts: tuple[FontFaceEntry, ...] | None


def read_manifest(path: Path) -> ThemeManifest:
    """Read and check ``path``; an unknown key or a value of the wrong kind is a located error."""
    text, data = read_toml(path, Confinement.of(path.parent))  # a theme.toml linked out of its theme is refused
    check = _Checker(path, text)
    check.known(data, KEYS, None)
    name = data.get("name", path.parent.name)
    check.kind(name, str, "name", 'name = "maison"')
    extends = data.get("extends")
    if extends is not None:
        check.kind(extends, str, "extends", 'extends = "default"')
    media = data.get("media")
    if media is not None:
        check.names(media, MEDIA, "media", 'media = ["pdf", "epub"]')
    by_chapter = data.get("chapter_by_chapter")
    if by_chapter is not None:
        check.kind(by_chapter, bool, "chapter_by_chapter", "chapter_by_chapter = true")
    return ThemeManifest(
        path=path,
        name=name,
        extends=extends,
        media=tuple(media) if media is not None else None,
        chapter_by_chapter=by_chapter,
        stylesheets=check.file_lists(data.get("stylesheets", {}), "stylesheets", STYLESHEET_KEYS),
        append_stylesheets=check.file_lists(
            data.get("append-stylesheets", {}), "append-stylesheets", (*STYLESHEET_KEYS, "all")
        ),
        fonts=check.fonts(data["fonts"]) if "fonts" in data else None,
    )


def whole_book_features(css: str) -> str | None:
    """What in ``css`` makes a page depend on more than its own chapter, if anything.

    Chapter-by-chapter layout (writers/paged/chapterwise.py) lays each chapter out alone and
    gives the margins and the contents' numbers from a skeleton; these need the whole book.
    """
    rules = tinycss2.parse_stylesheet(css, skip_comments=True)
    text = _serialized(rules)
    for pattern, reason in _NEEDS_THE_WHOLE_BOOK:
        if re.search(pattern, text):
            return reason
    if any(
        "target-" in _serialized(r.content) and "toc" not in _serialized(r.prelude) for r in _qualified_rules(rules)
    ):
        return "target-counter() outside the table of contents"
    return None


_NEEDS_THE_WHOLE_BOOK = (
    (r"\b(running|element)\(", "running elements"),
    (r"@page[^{]*:(first|left|right|recto|verso|blank)\b", "@page rules for :first, :left, :right or :blank pages"),
    (r"break-(before|after)\s*:\s*(left|right|recto|verso)", "chapters that start on a left or right page"),
    (r"counter-increment", "counters that run across chapters"),
)


def stylesheet_errors(path: Path, css: str) -> tuple[Diagnostic, ...]:
    """Where ``css`` does not parse (a stray `}`, a rule never closed): one located error each.

    WeasyPrint skips such a rule with an unlocated warning, and EPUBCheck rejects the EPUB
    that carries it, so the theme's author hears of it first, with its line.
    """
    found = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True):
        prelude = getattr(rule, "prelude", None) or ()
        error = rule if rule.type == "error" else next((t for t in prelude if t.type == "error"), None)
        if error is not None:
            found.append(
                Diagnostic(
                    ERROR,
                    f"CSS does not parse here: {_css_message(error)}",
                    path,
                    error.source_line,
                    error.source_column,
                    "look for a `}` too many or a `{` never closed just before this place",
                )
            )
    return tuple(found)


def stylesheet_references(path: Path, css: str, confinement: Confinement) -> tuple[Diagnostic, ...]:
    """Every ``url()`` and ``@import`` of a theme's stylesheet that leaves the theme: one located error each.

    WeasyPrint would only warn when its fetcher refuses the file, and the EPUB would name a
    file it does not hold; ``data:`` URLs and same-document ``#fragments`` are fine.
    """
    found = []
    for token, url in _urls(tinycss2.parse_component_value_list(css, skip_comments=True)):
        if url.startswith(("data:", "#")) or not url.strip():
            continue
        scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
        target = None if scheme else (path.parent / url.split("#")[0].split("?")[0])
        reason = f"`{url}` is not a file of the theme" if target is None else confinement.refusal(target)
        if reason is not None:
            found.append(
                Diagnostic(
                    ERROR,
                    f"stylesheet reference refused: {reason}",
                    path,
                    token.source_line,
                    token.source_column,
                    "a theme's stylesheets may only use files inside the theme folder: copy the file in",
                )
            )
    return tuple(found)


def _urls(tokens: list[Any]) -> list[tuple[Any, str]]:
    """(token, URL) of every url(…), url("…") and @import "…" in ``tokens``, blocks included."""
    found: list[tuple[Any, str]] = []
    importing = False
    for token in tokens:
        if token.type == "url":
            found.append((token, token.value))
        elif token.type == "function" and token.lower_name == "url":
            strings = [t for t in token.arguments if t.type == "string"]
            found += [(token, strings[0].value)] if strings else []
        elif token.type == "string" and importing:
            found.append((token, token.value))
        if token.type == "at-keyword":
            importing = token.lower_value == "import"
        elif token.type not in ("whitespace", "comment"):
            importing = False
        for nested in (getattr(token, "content", None), getattr(token, "arguments", None)):
            if isinstance(nested, list) and not (token.type == "function" and token.lower_name == "url"):
                found += _urls(nested)
    return found


def _css_message(error: Any) -> str:
    if error.kind == "}":
        return "a `}` that closes nothing"
    if error.message.startswith("EOF reached"):
        return "the stylesheet ends before a `{ }` block (a `}` too many?)"
    return str(error.message)


def _serialized(nodes: list[Any] | None) -> str:
    """The CSS text of the nodes tinycss2 can write back (a parse error is left out, reported elsewhere)."""
    return "".join(tinycss2.serialize([node]) for node in nodes or () if node.type != "error")


def _qualified_rules(rules: list[Any]) -> list[Any]:
    found = []
    for rule in rules:
        if rule.type == "qualified-rule":
            found.append(rule)
        elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports") and rule.content:
            found += _qualified_rules(tinycss2.parse_rule_list(rule.content, skip_comments=True))
    return found


class _Checker:
    """Raises located errors about theme.toml (tomllib keeps no positions: lines are searched)."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = source_lines(text)

    def error(self, message: str, key: str | None, hint: str, table: str | None = None) -> PublishError:
        """A located error: the line that sets ``key`` inside ``table`` (the top level when None)."""
        return PublishError(message, path=self.path, line=self._line(key, table), hint=hint)

    def _line(self, key: str | None, table: str | None) -> int | None:
        current: str | None = None
        for number, raw in enumerate(self.lines, 1):
            header = re.match(r"\s*\[\[?\s*([\w.-]+)\s*\]\]?", raw)
            if header:
                current = header.group(1)
                if key is not None and current == key and table is None:
                    return number  # `[stylesheets]` itself
            elif key is not None and current == table and re.match(rf"\s*{re.escape(key)}\s*=", raw):
                return number
        return None

    def known(self, data: dict[str, Any], valid: tuple[str, ...], table: str | None) -> None:
        for key in data:
            if key not in valid:
                close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
                where = f"in [{table}]" if table else "in theme.toml"
                hint = f"did you mean `{close[0]}`?" if close else "valid keys: " + ", ".join(valid)
                raise self.error(f"unknown key `{key}` {where}", key, hint, table)

    def kind(self, value: object, expected: type, key: str, example: str) -> None:
        if not isinstance(value, expected):
            raise self.error(f"`{key}` must be a {expected.__name__}", key, example)

    def names(self, value: object, valid: tuple[str, ...], key: str, example: str) -> None:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.error(f"`{key}` must be a list of at least one name", key, example)
        for name in value:
            if name not in valid:
                raise self.error(f"`{key}` names an unknown medium `{name}`", key, "media are " + ", ".join(valid))

    def file_lists(self, table: object, key: str, valid: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        if not isinstance(table, dict):
            raise self.error(f"`{key}` must be a table", key, f"write [{key}]")
        self.known(table, valid, key)
        for medium, files in table.items():
            if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
                raise self.error(
                    f"[{key}] {medium} must be a list of files", medium, f'{medium} = ["css/mine.css"]', key
                )
        return {medium: tuple(files) for medium, files in table.items()}

    def fonts(self, fonts: object) -> tuple[FontFaceEntry, ...]:
        if not isinstance(fonts, list) or not all(isinstance(f, dict) for f in fonts):
            raise self.error("`fonts` must be [[fonts]] tables", "fonts", 'write [[fonts]] then family = "..."')
        entries = []
        for font in fonts:
            self.known(font, FONT_KEYS, "fonts")
            family, package, faces = font.get("family"), font.get("package", ""), font.get("faces", [])
            if not isinstance(family, str) or not isinstance(package, str) or not isinstance(faces, list):
                raise self.error("each [[fonts]] needs a family and a list of faces", "fonts", 'family = "Vollkorn"')
            for face in faces:
                if not isinstance(face, dict) or not isinstance(face.get("file"), str):
                    raise self.error(f"a face of {family} has no file", "faces", '{ file = "Font-Regular.ttf" }')
                self.known(face, FACE_KEYS, "fonts")
                weight, style = face.get("weight", 400), face.get("style", "normal")
                if not isinstance(weight, int) or style not in ("normal", "italic"):
                    raise self.error(
                        f"a face of {family} has a bad weight or style", "faces", 'weight = 400, style = "italic"'
                    )
                entries.append(FontFaceEntry(family, face["file"], weight, style, package))
        return tuple(entries)
