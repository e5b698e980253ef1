"""Line rewriters inside block quotes: `> Voici :` then `> - un` is a list in the quote too.

Python-Markdown reads a block quote by taking its `>` off and reading the rest as a document;
the preprocessors that rewrite lines (lists, line blocks) run before that, on the whole text,
where a quoted line starts with `>`. ``through_quotes`` runs such a rewriter on the lines of
each quote without their `>` (nested quotes first), then puts the quote's marker back.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown import Markdown
from markdown.preprocessors import Preprocessor

QUOTED = re.compile(r"^([ ]{0,3}>[ ]?)")


def through_quotes(lines: list[str], rewrite: Callable[[list[str]], list[str]]) -> list[str]:
    """``rewrite`` applied to the text outside quotes and, separately, to each quote's inside."""
    if not any(QUOTED.match(line) for line in lines):
        return rewrite(lines)
    out: list[str] = []
    index = 0
    while index < len(lines):
        marker = QUOTED.match(lines[index])
        if marker is None:
            out.append(lines[index])
            index += 1
            continue
        end = index
        while end < len(lines) and QUOTED.match(lines[end]):
            end += 1
        inside = [QUOTED.sub("", line, count=1) for line in lines[index:end]]
        prefix = marker.group(1) if marker.group(1).endswith(" ") else marker.group(1) + " "
        out += [prefix + line if line else prefix.rstrip() for line in through_quotes(inside, rewrite)]
        index = end
    return rewrite(out)


class LineRewriters(Preprocessor):
    """The line rewriters of the reader (lists, line blocks, tables), run in one walk through the
    quotes, in the order of their ranks (highest first)."""

    def __init__(self, md: Markdown) -> None:
        super().__init__(md)
        self.rewrites: list[tuple[int, Callable[[list[str]], list[str]]]] = []

    def add(self, rank: int, rewrite: Callable[[list[str]], list[str]]) -> None:
        self.rewrites = sorted([*self.rewrites, (rank, rewrite)], key=lambda entry: -entry[0])

    def run(self, lines: list[str]) -> list[str]:
        return through_quotes(lines, self._rewrite)

    def _rewrite(self, lines: list[str]) -> list[str]:
        for _rank, rewrite in self.rewrites:
            lines = rewrite(lines)
        return lines


def line_rewriters(md: Markdown) -> LineRewriters:
    """The converter's LineRewriters, registered by the first extension that adds one: after the
    fences (29), so a code block is one line by then, and before raw HTML is read (20)."""
    if _NAME not in md.preprocessors:
        md.preprocessors.register(LineRewriters(md), _NAME, 27)
    found = md.preprocessors[_NAME]
    assert isinstance(found, LineRewriters)
    return found


_NAME = "publish_line_rewriters"
