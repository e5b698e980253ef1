"""Line-level forms: Pandoc's line blocks (`| ` lines), backslash hard breaks, table captions.

- A run of lines starting with `| ` that is not a table (no `|---|` row) is a line block, for
  poems and addresses: each line keeps its line break and its leading spaces.
- A line ending with a backslash breaks the line there (CommonMark), like two trailing spaces.
- `Table: caption` or `: caption` just before or after a table becomes the table's `<caption>`.
- A table may follow its paragraph without a blank line (GitHub); a table of a header row only
  has no empty body row.
- `~` starts a definition as `:` does (Pandoc).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from publish.convert.reader.quotes import through_quotes

LINE_BLOCK = re.compile(r"^\|(?: (.*)|)$")
TABLE_ROW = re.compile(r"^[ ]{0,3}\|?.*\|.*$")
DELIMITER_ROW = re.compile(r"^[ ]{0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
CAPTION = re.compile(r"^[ ]{0,3}(?:[Tt]able)?:[ \t]+(\S.*)$")
HARD_BREAK = re.compile(r"(?<!\\)((?:\\\\)*)\\$")
CAPTION_CLASS = "publish-table-caption"
DIV_FENCE = re.compile(r"^[ ]{0,3}:{3,}")  # a ::: line ends the block before it, as a blank line does
TILDE_DEFINITION = re.compile(r"^~([ \t]+\S)")  # Pandoc's other definition marker
STASH = re.compile("^[ ]*\x02wzxhzdk:\\d+\x03[ ]*$")


class LinesPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return through_quotes(lines, _rewrite)


def _rewrite(lines: list[str]) -> list[str]:
    text = "\n".join(lines)
    if "|" in text:
        lines = _captions(_tables_after_text(_line_blocks(lines)))
    if "\\\n" in text:
        lines = _hard_breaks(lines)
    if "\n~" in text:
        lines = [TILDE_DEFINITION.sub(r":\1", line) for line in lines]
    return lines


def _tables_after_text(lines: list[str]) -> list[str]:
    """GitHub: a table may follow its paragraph without a blank line; Python-Markdown needs one."""
    out: list[str] = []
    for index, line in enumerate(lines):
        if out and out[-1].strip() and not TABLE_ROW.match(out[-1]) and _table_starts_at(lines, index):
            out.append("")
        out.append(line)
    return out


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
    return [*out, "{: .line-block }"]


def _captions(lines: list[str]) -> list[str]:
    """Put each caption next to its table as a paragraph the tree pass will move into it."""
    out = list(lines)
    for index, line in enumerate(lines):
        caption = CAPTION.match(line)
        if not caption:
            continue
        after = _table_ends_at(lines, index - 1) or _table_ends_at(lines, index - 2, blank_between=True)
        before = _table_starts_at(lines, index + 2) and not lines[index + 1].strip()
        if not (after or before):
            continue
        out[index] = f"\n{caption.group(1)}\n{{: .{CAPTION_CLASS} }}\n"
    return "\n".join(out).split("\n")


def _table_ends_at(lines: list[str], index: int, blank_between: bool = False) -> bool:
    if index < 1 or (blank_between and lines[index + 1].strip()):
        return False
    start = index
    while start > 0 and TABLE_ROW.match(lines[start]) and lines[start].strip():
        if DELIMITER_ROW.match(lines[start]):
            return True
        start -= 1
    return False


def _table_starts_at(lines: list[str], index: int) -> bool:
    return (
        index + 1 < len(lines) and bool(TABLE_ROW.match(lines[index])) and bool(DELIMITER_ROW.match(lines[index + 1]))
    )


def _hard_breaks(lines: list[str]) -> list[str]:
    out = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line.endswith("\\") and following.strip() and not line.startswith("    ") and HARD_BREAK.search(line):
            line = line[:-1] + "  "
        out.append(line)
    return out


class TableTreeprocessor(Treeprocessor):
    """A header-only table loses its empty row; a caption paragraph moves into its table (next, else previous)."""

    def run(self, root: ET.Element) -> None:
        for table in root.iter("table"):
            body = table.find("tbody")
            if body is not None and all(not "".join(cell.itertext()).strip() for cell in body.iter("td")):
                table.remove(body)  # Python-Markdown gives a header-only table an empty row
        for parent in list(root.iter()):
            children = list(parent)
            for index, child in enumerate(children):
                if child.tag != "p" or CAPTION_CLASS not in (child.get("class") or "").split():
                    continue
                captioned = _table_next_to(children, index)
                if captioned is None:
                    child.attrib.pop("class")
                    continue
                caption = ET.Element("caption")
                caption.text, caption.tail = child.text, None
                caption.extend(list(child))
                captioned.insert(0, caption)
                parent.remove(child)


def _table_next_to(children: list[ET.Element], index: int) -> ET.Element | None:
    if index > 0 and children[index - 1].tag == "table":
        return children[index - 1]
    if index + 1 < len(children) and children[index + 1].tag == "table":
        return children[index + 1]
    return None


class LinesExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(LinesPreprocessor(md), "publish_lines", 25)
        md.treeprocessors.register(TableTreeprocessor(md), "publish_tables", 4)
