"""Apply the rules to an lxml tree, block by block, across inline tags.

A block (a paragraph, a heading, a list item...) is read as one string made of
the text pieces of its inline content, so that "Toute <em>belle</em>?" is seen
as "Toute belle?". Each character remembers the piece it came from; after the
rules ran, every piece gets its own characters back. Code, `notypo` elements,
images and line breaks stand in the string as one character that no rule may
change, and URLs and e-mail addresses in the text are locked the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from lxml import etree

from publish.convert.typography.rules import BREAK, OPAQUE, BlockState, Rule, compile_rules
from publish.convert.typography.tables import LanguageTable, table_for

PROTECTED = {"code", "pre", "kbd", "samp", "var", "script", "style", "math", "svg", "textarea", "tt"}
OPAQUE_VOID = {"img", "input", "object", "video", "audio", "iframe", "embed", "wbr"}
BLOCKS = {
    "html",
    "body",
    "div",
    "section",
    "article",
    "aside",
    "nav",
    "main",
    "header",
    "footer",
    "address",
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "figure",
    "figcaption",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "details",
    "summary",
    "hr",
    "fieldset",
    "legend",
    "form",
}
URL_OR_EMAIL = re.compile(
    r"\b(?:https?|ftp)://[^\s<>«»\"“”]*[^\s<>«»\"“”.,;:!?)\]]"
    r"|\bwww\.[^\s<>«»\"“”]*[^\s<>«»\"“”.,;:!?)\]]"
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # starts a run only: tried mid-word, a long word was quadratic
)


@dataclass
class Piece:
    """One text slot of the tree: ``node.text`` or ``node.tail``, and the language it is written in."""

    node: etree._Element
    slot: str  # "text" or "tail"
    table: LanguageTable

    def get(self) -> str:
        return getattr(self.node, self.slot) or ""

    def set(self, value: str) -> None:
        setattr(self.node, self.slot, value or None)


@dataclass
class Run:
    """A block's text as one string; ``owners[i]`` is the piece of character i (-1: opaque)."""

    pieces: list[Piece] = field(default_factory=list)
    chars: list[str] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)
    locked: list[bool] = field(default_factory=list)

    def add_piece(self, piece: Piece) -> None:
        text = piece.get()
        if text:
            self.pieces.append(piece)
            index = len(self.pieces) - 1
            self.chars += text
            self.owners += [index] * len(text)
            self.locked += [False] * len(text)

    def add_opaque(self, char: str) -> None:
        self.chars.append(char)
        self.owners.append(-1)
        self.locked.append(True)

    def lock_urls(self) -> None:
        for match in URL_OR_EMAIL.finditer("".join(self.chars)):
            for index in range(*match.span()):
                self.locked[index] = True

    def write_back(self) -> None:
        texts: list[list[str]] = [[] for _ in self.pieces]
        for char, owner in zip(self.chars, self.owners):
            if owner >= 0:
                texts[owner].append(char)
        for piece, text in zip(self.pieces, texts):
            new = "".join(text)
            if new != piece.get():
                piece.set(new)


def typeset_element(root: etree._Element, lang: str, superscripts: bool = True) -> None:
    """Apply the typographic rules of each text's language to ``root`` and everything inside it.

    ``lang`` is the language of ``root`` unless it carries its own `lang`;
    ``superscripts=False`` keeps the tree's shape (for plain strings).
    """
    if not isinstance(root.tag, str) or _protected(root):
        return
    for run in _runs(root, root.get("lang") or lang):
        if run.pieces:
            run.lock_urls()
            for table in _tables_of(run):
                apply_rules(run, table, compile_rules(table))
            run.write_back()
            for piece in list(run.pieces) if superscripts else ():
                _superscripts(piece)


def _tables_of(run: Run) -> list[LanguageTable]:
    seen: dict[str, LanguageTable] = {}
    for piece in run.pieces:
        seen.setdefault(piece.table.name, piece.table)
    return list(seen.values())


def _protected(element: etree._Element) -> bool:
    return element.tag in PROTECTED or "notypo" in (element.get("class") or "").split()


def _runs(block: etree._Element, lang: str) -> Iterator[Run]:
    """The block's own run, then the runs of the blocks nested in it."""
    run = Run()
    nested: list[tuple[etree._Element, str]] = []
    run.add_piece(Piece(block, "text", table_for(lang)))
    _collect(block, lang, run, nested)
    yield run
    for element, element_lang in nested:
        yield from _runs(element, element_lang)


def _collect(parent: etree._Element, lang: str, run: Run, nested: list[tuple[etree._Element, str]]) -> None:
    for child in parent:
        if not isinstance(child.tag, str):  # comments (note markers) and processing instructions
            run.add_piece(Piece(child, "tail", table_for(lang)))
            continue
        child_lang = child.get("lang") or lang
        if child.tag in BLOCKS:
            run.add_opaque(BREAK)
            if not _protected(child):
                nested.append((child, child_lang))
        elif child.tag == "br":
            run.add_opaque(BREAK)
        elif _protected(child) or child.tag in OPAQUE_VOID:
            run.add_opaque(OPAQUE)
        else:
            run.add_piece(Piece(child, "text", table_for(child_lang)))
            _collect(child, child_lang, run, nested)
        run.add_piece(Piece(child, "tail", table_for(lang)))


def apply_rules(run: Run, table: LanguageTable, rules: tuple[Rule, ...]) -> None:
    """Run each rule over the whole block; keep only matches made of editable text in ``table``'s language."""
    text = "".join(run.chars)
    for rule in rules:
        state = BlockState()
        chars: list[str] = []
        owners: list[int] = []
        locked: list[bool] = []
        position = 0
        for match in rule.pattern.finditer(text):
            start, end = match.span()
            if not _editable(run, start, end, table):
                continue
            replacement = rule.replace(match, state)
            if replacement == match.group():
                continue
            chars += run.chars[position:start]
            owners += run.owners[position:start]
            locked += run.locked[position:start]
            chars += replacement
            owners += _owners_of(run.owners[start:end], match.group(), replacement)
            locked += [False] * len(replacement)
            position = end
        if position:
            run.chars = chars + run.chars[position:]
            run.owners = owners + run.owners[position:]
            run.locked = locked + run.locked[position:]
            text = "".join(run.chars)  # joined again only when a rule changed it


def _editable(run: Run, start: int, end: int, table: LanguageTable) -> bool:
    return start < end and all(
        not run.locked[i] and run.pieces[run.owners[i]].table is table for i in range(start, end)
    )


def _owners_of(owners: list[int], old: str, new: str) -> list[int]:
    """Characters kept at either end keep their piece; new ones join the piece of what they replace."""
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    middle_old = len(old) - prefix - suffix
    if middle_old:
        filler = owners[prefix]
    elif prefix:
        filler = owners[prefix - 1]
    else:
        filler = owners[len(old) - suffix]
    middle_new = len(new) - prefix - suffix
    if middle_new == middle_old:
        middle = owners[prefix : prefix + middle_old]
    else:
        middle = [filler] * middle_new
    return owners[:prefix] + middle + owners[len(old) - suffix :]


def _superscripts(piece: Piece) -> None:
    """Turn "XIXe" into XIX<sup>e</sup>: split the piece's text around new `sup` elements."""
    patterns = piece.table.superscripts
    text = piece.get()
    if not patterns or not text:
        return
    locked = [m.span() for m in URL_OR_EMAIL.finditer(text)]
    combined, compiled = _superscript_patterns(piece.table)
    parts: list[str | etree._Element] = []
    position = 0
    for match in combined.finditer(text):
        if any(a < match.end() and match.start() < b for a, b in locked):
            continue
        for entry, pattern in zip(patterns, compiled):
            whole = pattern.fullmatch(match.group())
            if whole:
                parts.append(text[position : match.start()] + whole.expand(entry.base))
                sup = etree.Element("sup")
                sup.text = whole.expand(entry.sup)
                parts.append(sup)
                position = match.end()
                break
    if not parts:
        return
    parts.append(text[position:])
    _splice(piece, parts)


def _splice(piece: Piece, parts: list) -> None:
    """Put text, sup, text, sup..., text where the piece's text was."""
    piece.set(parts[0])
    rest = parts[1:]
    if piece.slot == "text":
        for offset in range(0, len(rest), 2):
            sup, tail = rest[offset], rest[offset + 1]
            sup.tail = tail or None
            piece.node.insert(offset // 2, sup)
    else:
        anchor = piece.node
        for offset in range(0, len(rest), 2):
            sup, tail = rest[offset], rest[offset + 1]
            sup.tail = tail or None
            anchor.addnext(sup)
            anchor = sup


@cache
def _superscript_patterns(table: LanguageTable) -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """One pattern finding any superscript word (not glued to a word on its left), and each entry's own."""
    body = "|".join(f"(?:{entry.pattern})" for entry in table.superscripts)
    combined = re.compile(rf"(?<![\w.,])(?:{body})")
    return combined, tuple(re.compile(entry.pattern) for entry in table.superscripts)
