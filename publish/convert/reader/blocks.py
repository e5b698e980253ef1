"""CommonMark's block starts where Python-Markdown reads them otherwise: headings and block quotes.

- `#hashtag` (Obsidian's tags) and `####### x` are paragraphs, not headings: `#` must be
  followed by a space and there are six levels at most.
- A heading's closing `#`s must follow a space: `## Programmer en C#` keeps its `#`.
- A heading indented by one to three spaces is still a heading.
- A block quote followed by `---` is a quote and a rule, not a setext heading of `> …`.
- Two block quotes separated by a blank line are two quotes, not one.
- A `:::` div may open right after a paragraph line.
"""

from __future__ import annotations

import re

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from publish.convert.reader.divs import OPENING as DIV_OPENING

NOT_A_HEADING = re.compile(r"^(#{7,}|#{1,6}(?=[^\s#]))")
HEADING = re.compile(r"^[ ]{1,3}(#{1,6}(?:[ \t]|$).*)$")
CLOSED_BY_WORD = re.compile(r"^(#{1,6}[ \t].*\S)(?<=[^\s#])(#+)[ \t]*$")
SETEXT_RULE = re.compile(r"^[ ]{0,3}(?:-{2,}|={2,})[ \t]*$")
QUOTE = re.compile(r"^[ ]{0,3}>")
_STARTS = frozenset("#>-=:")


class BlockPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        for index, line in enumerate(lines):
            if line.lstrip(" ")[:1] not in _STARTS:  # most lines: no heading, quote, rule or div here
                out.append(line)
                continue
            previous = out[-1] if out else ""
            indented = HEADING.match(line)
            if indented:
                line = indented.group(1)
            if NOT_A_HEADING.match(line):
                line = "\\" + line
            closed = CLOSED_BY_WORD.match(line)
            if closed:
                line = closed.group(1) + "\\" + closed.group(2)
            if (SETEXT_RULE.match(line) and QUOTE.match(previous)) or (DIV_OPENING.match(line) and previous.strip()):
                out.append("")  # a quote then a rule, not a heading; a ::: div opens a block
            elif QUOTE.match(line) and not previous.strip() and index >= 2 and _last_text_is_quote(out):
                out.append(self.md.htmlStash.store("<!-- -->"))  # ends the first quote
                out.append("")
            out.append(line)
        return out


def _last_text_is_quote(out: list[str]) -> bool:
    for line in reversed(out):
        if line.strip():
            return bool(QUOTE.match(line))
    return False


class BlockExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(BlockPreprocessor(md), "publish_blocks", 25.5)
