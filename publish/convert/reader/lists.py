"""Lists as CommonMark reads them, rewritten into the shape Python-Markdown's list parser expects.

Python-Markdown wants a blank line before a list and four spaces per level of nesting; authors
write `Voici :` then `- un` on the next line, and nest by two or three spaces (the width of
the marker), as CommonMark, GitHub and every editor's preview allow. This preprocessor reads
the list structure the CommonMark way (an item's content starts at the column after its marker
and its spaces; a line belongs to the deepest item whose content column it reaches; a paragraph
line may continue lazily) and writes each item and each of its lines at 4 spaces a level.
It also opens a list after a paragraph with a blank line, turns `1)` markers into `1.`, and
separates a bullet list from an ordered one that follows it.

It runs after the fences (a code block is one placeholder line by then) and before raw HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from markdown import Extension, Markdown

from publish.convert.reader.quotes import line_rewriters

ITEM = re.compile(r"^(?P<indent>[ ]*)(?P<marker>[-*+]|(?P<number>\d{1,9})[.)])(?P<space>[ ]+|$)(?P<content>.*)$")
LONG_NUMBER = re.compile(r"^([ ]{0,3}\d{10,})([.)])")
THEMATIC_BREAK = re.compile(r"^[ ]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
BLOCK_START = re.compile(r"^[ ]{0,3}(?:#{1,6}(?:[ \t]|$)|>|:::|<(?:div|table|pre|figure|aside|section|details|!--)\b)")
STASH = re.compile("^[ ]*\x02wzxhzdk:\\d+\x03[ ]*$")


@dataclass
class _Item:
    content: int  # column where the item's content starts in the source
    depth: int  # 0 for a top-level item
    kind: str  # the bullet (-, * or +) or the ordered list's delimiter (. or )): another one starts a new list
    after_blank: bool  # a blank line came before the item


class ListRewriter:
    """Re-indent list items and their content to Python-Markdown's four spaces a level."""

    def __init__(self, md: Markdown) -> None:
        self.md = md

    def rewrite(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        stack: list[_Item] = []
        previous = "blank"  # blank, text (a paragraph line) or block
        content_after_blank = False  # an item's content that began after a blank line runs on
        for line in lines:
            if not line.strip():
                out.append("")
                previous = "blank"
                continue
            indent = len(line) - len(line.lstrip(" "))
            if LONG_NUMBER.match(line):  # CommonMark: nine digits at most; Python-Markdown would take it
                line = LONG_NUMBER.sub(r"\1\\\2", line)
            item = ITEM.match(line)
            if item and THEMATIC_BREAK.match(line):
                item = None  # `- - -` and `* * *` are rules
            if item and self._opens_item(item, stack, previous):
                if content_after_blank and previous != "blank":
                    out.append("")  # else Python-Markdown reads the item as part of that content block
                content_after_blank = False
                self._item(item, stack, out, previous, self.md.htmlStash.store)
                previous = "text" if item.group("content").strip() else "block"
                continue
            if not stack:
                out.append(line)
                previous = "block" if (BLOCK_START.match(line) or STASH.match(line)) else "text"
                continue
            starts_block = bool(BLOCK_START.match(line) or THEMATIC_BREAK.match(line))
            if previous == "blank" or starts_block or indent >= stack[-1].content:
                while stack and indent < stack[-1].content:
                    stack.pop()
                if not stack:  # the list is over
                    if previous != "blank":
                        out.append("")
                    out.append(line)
                    previous = "block" if starts_block else "text"
                    continue
                top = stack[-1]
                content_after_blank = content_after_blank or previous == "blank"
                out.append(" " * (4 * (top.depth + 1) + indent - top.content) + line.lstrip(" "))
            else:  # a lazy continuation of the item's paragraph
                out.append(" " * (4 * (stack[-1].depth + 1)) + line.lstrip(" "))
            previous = "block" if starts_block or STASH.match(line) else "text"
        return out

    @staticmethod
    def _opens_item(item: re.Match[str], stack: list[_Item], previous: str) -> bool:
        """CommonMark: outside a list, only a non-empty item (an ordered one from 1) interrupts a paragraph."""
        indent = len(item.group("indent"))
        if stack and indent >= stack[-1].content + 4:
            return False  # indented code inside an item
        if not stack and indent > 3:
            return False  # indented code
        if previous != "text" or stack:
            return True
        if not item.group("content").strip():
            return False
        return item.group("number") is None or int(item.group("number")) == 1

    @staticmethod
    def _item(
        item: re.Match[str], stack: list[_Item], out: list[str], previous: str, store: Callable[[str], str]
    ) -> None:
        indent = len(item.group("indent"))
        sibling: _Item | None = None
        nested_after_blank = False  # a nested item that began after a blank line is closed here
        while stack and indent < stack[-1].content:
            sibling = stack.pop()
            nested_after_blank = nested_after_blank or (sibling.after_blank and sibling.depth > 0)
        ordered = item.group("number") is not None
        kind = item.group("marker")[-1]
        depth = stack[-1].depth + 1 if stack else 0
        if not stack and not sibling and previous != "blank":
            out.append("")  # a list may follow its paragraph (or a quote, a heading) without a blank line
        elif nested_after_blank and previous != "blank":
            out.append("")  # else Python-Markdown keeps this item in the nested list, which began after a blank
        elif sibling and sibling.depth == depth and sibling.kind != kind:
            # Another bullet or delimiter starts another list; Python-Markdown would run them together.
            out += ["", " " * (4 * depth) + store("<!-- -->"), ""]
        spaces = len(item.group("space"))
        width = len(item.group("marker")) + (spaces if 1 <= spaces <= 4 else 1)
        marker = item.group("number") + "." if ordered else item.group("marker")
        content = item.group("content").strip(" ") or store("")  # a bare `-` would underline the item above
        out.append(" " * (4 * depth) + marker + " " + content)
        stack.append(_Item(indent + width, depth, kind, previous == "blank"))


class ListExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        line_rewriters(md).add(3, ListRewriter(md).rewrite)  # first: the others see lists as they will be
