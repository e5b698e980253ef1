r"""Tables as GitHub and Pandoc write them, where Python-Markdown's tables extension reads them otherwise.

- A table may follow its paragraph without a blank line (GitHub).
- `Table: caption` or `: caption` just before or after a table becomes its `<caption>` (Pandoc).
- A table of a header row only has no empty body row; `\|` in a cell's code span is a `|`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from markdown import Extension, Markdown, util
from markdown.treeprocessors import Treeprocessor

from publish.convert.reader.quotes import line_rewriters

TABLE_ROW = re.compile(r"^[ ]{0,3}\|?.*\|.*$")
DELIMITER_ROW = re.compile(r"^[ ]{0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
CAPTION = re.compile(r"^[ ]{0,3}(?:[Tt]able)?:[ \t]+(\S.*)$")
CAPTION_CLASS = "publish-table-caption"


def rewrite_tables(lines: list[str]) -> list[str]:
    return _captions(_tables_after_text(lines)) if any("|" in line for line in lines) else lines


def _tables_after_text(lines: list[str]) -> list[str]:
    """GitHub: a table may follow its paragraph without a blank line; Python-Markdown needs one."""
    out: list[str] = []
    for index, line in enumerate(lines):
        if out and out[-1].strip() and not TABLE_ROW.match(out[-1]) and _table_starts_at(lines, index):
            out.append("")
        out.append(line)
    return out


def _captions(lines: list[str]) -> list[str]:
    """Put each caption next to its table as a paragraph the tree pass will move into it; a caption
    may go on over the lines that follow it, up to a blank line."""
    out = list(lines)
    for index, line in enumerate(lines):
        caption = CAPTION.match(line)
        if not caption:
            continue
        last = index  # the caption's last line
        while last + 1 < len(lines) and lines[last + 1].strip() and not TABLE_ROW.match(lines[last + 1]):
            last += 1
        after = _table_ends_at(lines, index - 1) or _table_ends_at(lines, index - 2, blank_between=True)
        before = _table_starts_at(lines, last + 2) and not lines[last + 1].strip()
        if not (after or before):
            continue
        text = " ".join([caption.group(1), *(lines[i].strip() for i in range(index + 1, last + 1))])
        out[index] = f"\n{text}\n{{: .{CAPTION_CLASS} }}\n"
        out[index + 1 : last + 1] = [""] * (last - index)
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


class TableTreeprocessor(Treeprocessor):
    """A header-only table loses its empty row; a caption paragraph moves into its table (next, else previous)."""

    def run(self, root: ET.Element) -> None:
        for table in root.iter("table"):
            for code in table.iter("code"):  # GitHub: `a \| b` in a cell is `a | b`, the pipe escaped for the table
                if code.text and "\\|" in code.text:
                    code.text = util.AtomicString(code.text.replace("\\|", "|"))
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


class TableExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        line_rewriters(md).add(1, rewrite_tables)  # after line blocks, which are no tables
        md.treeprocessors.register(TableTreeprocessor(md), "publish_tables", 4)
