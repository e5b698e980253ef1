"""Line rewriters inside block quotes: `> Voici :` then `> - un` is a list in the quote too.

Python-Markdown reads a block quote by taking its `>` off and reading the rest as a document;
the preprocessors that rewrite lines (lists, line blocks) run before that, on the whole text,
where a quoted line starts with `>`. ``through_quotes`` runs such a rewriter on the lines of
each quote without their `>` (nested quotes first), then puts the quote's marker back.
"""

from __future__ import annotations

import re
from collections.abc import Callable

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
