"""Line-level forms: Pandoc's line blocks (`| ` lines) and `~` definitions, backslash hard breaks.

- A run of lines starting with `| ` that is not a table (no `|---|` row) is a line block, for
  poems and addresses: each line keeps its line break and its leading spaces.
- A line ending with a backslash breaks the line there (CommonMark), like two trailing spaces.
- `~` starts a definition as `:` does (Pandoc).
"""

from __future__ import annotations

import re

from markdown import Extension, Markdown

from publish.convert.reader.quotes import line_rewriters
from publish.convert.reader.tables import DELIMITER_ROW

LINE_BLOCK = re.compile(r"^\|(?: (.*)|)$")
HARD_BREAK = re.compile(r"(?<!\\)((?:\\\\)*)\\$")
DIV_FENCE = re.compile(r"^[ ]{0,3}:{3,}")  # a ::: line ends the block before it, as a blank line does
TILDE_DEFINITION = re.compile(r"^~([ \t]+\S)")  # Pandoc's other definition marker


def rewrite_lines(lines: list[str]) -> list[str]:
    text = "\n".join(lines)
    if "|" in text:
        lines = _line_blocks(lines)
    if "\\\n" in text:
        lines = _hard_breaks(lines)
    if "\n~" in text:
        lines = [TILDE_DEFINITION.sub(r":\1", line) for line in lines]
    return lines


def _line_blocks(lines: list[str]) -> list[str]:
    out: list[str] = []
    index = 0
    while index < len(lines):
        after_block = not out or not out[-1].strip() or DIV_FENCE.match(out[-1])
        if not LINE_BLOCK.match(lines[index]) or not after_block:
            out.append(lines[index])
            index += 1
            continue
        end = index
        while end < len(lines) and (
            lines[end].startswith("|") or (end > index and lines[end][:1] == " " and lines[end].strip())
        ):
            end += 1
        block = lines[index:end]
        if any(DELIMITER_ROW.match(line) for line in block):  # a table
            out += block
        else:
            out += _line_block(block)
        index = end
    return out


def _line_block(block: list[str]) -> list[str]:
    verses: list[str] = []
    for line in block:
        match = LINE_BLOCK.match(line)
        if match is None:  # a continuation line joins the previous one
            verses[-1] += " " + line.strip()
            continue
        text = match.group(1) or ""
        spaces = len(text) - len(text.lstrip(" "))
        verses.append("&nbsp;" * spaces + text.lstrip(" "))
    out = [verse + "  " for verse in verses[:-1]] + [verses[-1] if verses else ""]
    return [*out, "{: .line-block }", ""]  # a blank line: a text line after it is a new paragraph


def _hard_breaks(lines: list[str]) -> list[str]:
    out = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line.endswith("\\") and following.strip() and not line.startswith("    ") and HARD_BREAK.search(line):
            line = line[:-1] + "  "
        out.append(line)
    return out


class LinesExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        line_rewriters(md).add(2, rewrite_lines)
