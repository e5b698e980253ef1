"""What other tools' Markdown holds and the reader does not understand, reported where it is written.

Left alone, each of these would print as stray syntax: mdBook's `{{#include …}}`, Hugo's
shortcodes, Liquid tags, Obsidian's `[[wiki links]]`, Pandoc's `[@citations]` and `$math$`
(until the reader supports them), a `:::` div or a code fence never closed. Each is a warning
with its line, its column and what to do; code (fenced blocks and code spans) is never scanned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from publish.convert.reader.divs import CLOSING, OPENING
from publish.errors import WARNING
from publish.load.source import SourceText

FENCE = re.compile(r"^(?:[ ]{0,3}>[ ]?)*[ ]*(`{3,}|~{3,})(.*)$")
_MAY_HOLD = re.compile(r"\{[{%#]|\[\[|@|\$")
CODE_SPAN = re.compile(r"(`+)(?!`).{0,2000}?(?<!`)\1(?!`)")
# Every pattern below is tried at each place a line may start one: what it may span is bounded
# (a tag or a label is short), or a line of 50 KB of `[` or `{%` took minutes.


@dataclass(frozen=True)
class Unsupported:
    pattern: re.Pattern[str]
    what: str
    fix: str


CONSTRUCTS = (
    Unsupported(
        re.compile(r"\{\{\s*#\w+[^}]{0,500}\}\}"),
        "mdBook directive `{}` is not supported; it is printed as typed",
        "paste the text it would include, or put the line in a code block to show it",
    ),
    Unsupported(
        re.compile(r"\{\{[<%].{0,500}?[%>]\}\}"),
        "Hugo shortcode `{}` is not supported; it is printed as typed",
        "write its content as Markdown (a figure, a `:::` div), or put it in a code block",
    ),
    Unsupported(
        re.compile(r"\{%.{0,500}?%\}|\{\{[^}#<%][^}]{0,500}\}\}"),
        "template tag `{}` (Liquid, Jinja) is not supported; it is printed as typed",
        "write the text it stands for, or put it in a code block to show it",
    ),
    Unsupported(
        re.compile(r"!?\[\[[^\[\]\n]{1,500}\]\]"),
        "wiki link `{}` (Obsidian) is not supported; it is printed as typed",
        "write a Markdown link, e.g. [texte](02-chapitre.md#titre), or an image ![texte](images/x.png)",
    ),
    Unsupported(
        re.compile(
            r"\[[^\[\]\n]{0,500}?-?@[\w:.#$%&+?<>~/-]{1,200}[^\[\]\n]{0,500}\](?!\()"
            r"|(?<![\w.@\\])@[A-Za-z_][\w:.-]*\d[\w:.-]*(?=[\s,;.]|$)(?<!\.)"  # @dupont2020 dit…, not @handle
        ),
        "citation `{}` is not supported yet; it is printed as typed",
        "write the reference in the text or in a footnote for now",
    ),
    Unsupported(
        re.compile(r"\$\$.+?\$\$|(?<![\\$\w])\$(?=[^\s$])[^$\n]*?[^\s$\\]\$(?![\w$])"),
        "math `{}` is not supported yet; it is printed as typed",
        "write the formula in text (Unicode: x², √, π) or as an image for now",
    ),
)


def report_unsupported(source: SourceText) -> None:
    """Warn about every construct of CONSTRUCTS outside code, and about divs and fences left open."""
    fence: tuple[str, int, int] | None = None  # mark, line, column
    divs: list[tuple[int, int]] = []
    first = source.chapter.first_line
    for index, line in enumerate(source.lines):
        opening = FENCE.match(line)
        if fence is not None:
            mark = opening.group(1) if opening else ""
            if mark[:1] == fence[0][0] and len(mark) >= len(fence[0]) and opening and not opening.group(2).strip():
                fence = None
            continue
        if opening and not (opening.group(1)[0] == "`" and "`" in opening.group(2)):
            fence = (opening.group(1), first + index, opening.start(1) + 1)
            continue
        if OPENING.match(line):
            divs.append((first + index, line.index(":") + 1))
            continue
        if divs and CLOSING.match(line):
            divs.pop()
            continue
        if not _MAY_HOLD.search(line):  # most lines: none of the characters these constructs start with
            continue
        text = CODE_SPAN.sub(lambda m: " " * len(m.group()), line)
        for construct in CONSTRUCTS:
            for match in construct.pattern.finditer(text):
                source.report_at(
                    WARNING, construct.what.format(match.group()), first + index, match.start() + 1, construct.fix
                )
    if fence is not None:
        source.report_at(
            WARNING,
            f"code block opened with {fence[0]} is never closed: the rest of the chapter is printed as code",
            fence[1],
            fence[2],
            f"close it with a line {fence[0]}",
        )
    for opened, column in divs:
        source.report_at(
            WARNING,
            "`:::` div is never closed: it runs to the end of the chapter",
            opened,
            column,
            "close it with a line `:::`",
        )
