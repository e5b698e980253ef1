"""HTML comments in a chapter: blanked before anything reads the text, so nothing in them reaches a book.

Translators keep the original text in comments, authors park drafts there: a `#` heading, a
link or an image inside `<!-- … -->` must never count as a title, be checked or be printed.
Each comment is replaced by spaces, its line breaks kept, so every line and column after it
stays where the author sees it. Comments inside code (fenced blocks, `code spans`) are code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^(?:[ \t]{0,3}>[ ]?)*[ \t]*(`{3,}|~{3,})")
_OPEN = "<!--"
_CLOSE = "-->"


@dataclass(frozen=True)
class MaskedText:
    text: str
    unclosed_line: int | None  # 1-based line of a `<!--` never closed: everything after it is blanked


def mask_comments(text: str) -> MaskedText:
    """``text`` with every HTML comment outside code turned into spaces (line breaks kept)."""
    if _OPEN not in text:
        return MaskedText(text, None)
    out: list[str] = []
    fence: str | None = None
    in_comment = False
    opened_at = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if in_comment:
            end = line.find(_CLOSE)
            if end < 0:
                out.append("")
                continue
            in_comment = False
            rest = _mask_line(line[end + 3 :])
            out.append((_blank(line[: end + 3]) + rest.line).rstrip())
            in_comment = rest.open
            continue
        opening = _FENCE.match(line)
        if opening:
            mark = opening.group(1)
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence) and not line[opening.end() :].strip():
                fence = None
            out.append(line)
            continue
        if fence is not None:
            out.append(line)
            continue
        masked = _mask_line(line)
        out.append(masked.line if masked.line == line else masked.line.rstrip())
        if masked.open:
            in_comment, opened_at = True, number
    return MaskedText("\n".join(out), opened_at if in_comment else None)


@dataclass(frozen=True)
class _Line:
    line: str
    open: bool  # a comment starts on this line and goes on past its end


def _mask_line(line: str) -> _Line:
    """Blank the comments of one line, skipping code spans; say whether one is left open."""
    result = []
    index = 0
    while index < len(line):
        if line[index] == "`":
            run = len(line) - len(line[index:].lstrip("`"))
            ticks = line[index : index + run]
            close = re.compile(r"(?<!`)" + ticks + r"(?!`)").search(line, index + run)
            if close:
                result.append(line[index : close.end()])
                index = close.end()
                continue
            result.append(ticks)
            index += run
            continue
        if line.startswith(_OPEN, index):
            end = line.find(_CLOSE, index + 4)
            if end < 0:
                result.append(_blank(line[index:]))
                return _Line("".join(result), True)
            result.append(_blank(line[index : end + 3]))
            index = end + 3
            continue
        result.append(line[index])
        index += 1
    return _Line("".join(result), False)


def _blank(text: str) -> str:
    return " " * len(text)
