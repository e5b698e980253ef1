"""Fenced code blocks as CommonMark reads them: backticks or tildes, any info string, at any depth.

Python-Markdown's own fences must start at the margin and take a bare word or a `{…}` list as
their info string; authors write ```` ```rust,ignore ````, ```` ```console title="x" ````, Quarto's
```` ```{r} ```` and Pandoc's ```` ```{.python #id} ````, and put fences inside list items and
block quotes. Each fence is highlighted here (Pygments, through codehilite, so the HTML is the
same as for indented code), put in the stash, and replaced by one placeholder line at its place,
with the block-quote markers and indentation of its container, so the block parser sees one
paragraph where the fence was.

The info string: its first word is the language (`rust` in `rust,ignore`, `python` in
`{.python #id}`, `r` in `{r}`); `#id` and the other words and `.classes` become the block's id
and classes; `title="…"` is printed above the code as its caption. A fence left open runs to the
end of its container, as CommonMark says; ``convert/unsupported.py`` warns about it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from html import escape

from markdown import Extension, Markdown
from markdown.extensions.codehilite import CodeHilite
from markdown.preprocessors import Preprocessor

CSS_CLASS = "highlight"  # the class of every code block, fenced or indented (the theme styles it)
QUOTES = re.compile(r"^((?:[ ]{0,3}>[ ]?)*)")
OPENING = re.compile(r"^(?P<indent>[ ]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
RAW_OPEN = re.compile(r"^[ ]{0,3}<(pre|script|style|textarea)(?:[\s>]|$)", re.IGNORECASE)  # CommonMark's HTML block 1
LIST_ITEM = re.compile(r"^[ ]*(?:[-*+]|\d{1,9}[.)])(?:[ ]|$)")


_AFTER = "\x00after-fence"  # the blank line after a fence, written once the next line is known


@dataclass
class Info:
    """What a fence's info string says."""

    lang: str = ""
    id: str = ""
    classes: list[str] = field(default_factory=list)
    title: str = ""


def parse_info(info: str) -> Info:
    """`rust,ignore` -> rust + class ignore; `{.python #id}` -> python + id; `console title="x"`."""
    result = Info()
    text = info.strip()
    if not text.startswith("{"):
        first = re.match(r"[^\s,{]*", text)
        word = first.group() if first else ""
        result.lang = word.lstrip(".")
        text = text[len(word) :]
    for token in _split(re.sub(r"[{},]", " ", text)):
        _apply(result, token)
    return result


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: take the words as they are
        return text.split()


def _apply(result: Info, token: str) -> None:
    if token.startswith("#") and len(token) > 1:
        result.id = token[1:]
    elif "=" in token:
        key, _, value = token.partition("=")
        if key.lower() == "title":
            result.title = value
    else:
        name = re.sub(r"[^\w-]", "", token)
        if not name:
            return
        if not result.lang:  # Pandoc's {.python}, Quarto's {r}
            result.lang = name
        else:
            result.classes.append(name)


@dataclass
class _Open:
    quotes: int  # how many `>` the fence's lines carry
    prefix: str  # the container's markers, repeated on the placeholder line
    indent: int
    fence: str
    info: Info
    lines: list[str] = field(default_factory=list)


class FencePreprocessor(Preprocessor):
    """Find fences line by line, with the block-quote markers and list indentation around them."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        current: _Open | None = None
        in_list = False
        previous_blank = True
        raw: list[str] = []  # a raw <pre>, <script>, <style> or <textarea> block, kept as written
        for line in lines:
            if raw or (current is None and RAW_OPEN.match(line)):
                raw.append(line)
                closing = RAW_OPEN.match(raw[0])
                if closing and f"</{closing.group(1).lower()}>" in line.lower():
                    out += ["", self.md.htmlStash.store("\n".join(raw)), ""]
                    raw = []
                continue
            quotes_match = QUOTES.match(line)
            prefix = quotes_match.group(1) if quotes_match else ""
            depth = prefix.count(">")
            rest = line[len(prefix) :]
            if out and out[-1] is _AFTER:  # the quote goes on after a fence: separate them inside it
                out[-1] = prefix.rstrip() if depth else ""
            if current is not None:
                if depth < current.quotes and rest.strip():  # the block quote ended: so did the code
                    out += self._close(current)
                    current = None
                else:
                    body = rest if depth == current.quotes else _unquote(line, current.quotes)
                    closing = re.match(r"^[ ]*(" + re.escape(current.fence[0]) + r"{3,})[ \t]*$", body)
                    if closing and len(closing.group(1)) >= len(current.fence):
                        out += self._close(current)
                        current = None
                        previous_blank = False
                        continue
                    current.lines.append(_dedent(body, current.indent))
                    continue
            opening = OPENING.match(rest)
            if opening and self._is_fence(opening, in_list):
                indent = len(opening.group("indent"))
                current = _Open(
                    depth, prefix + " " * indent, indent, opening.group("fence"), parse_info(opening.group("info"))
                )
                continue
            if not rest.strip():
                previous_blank = True
            else:
                if LIST_ITEM.match(rest):
                    in_list = True
                elif previous_blank and not rest.startswith(" "):
                    in_list = False
                previous_blank = False
            out.append(line)
        if raw:  # never closed: CommonMark's HTML block runs to the end
            out += ["", self.md.htmlStash.store("\n".join(raw)), ""]
        if current is not None:  # left open: it runs to the end, less the blank lines that end the file
            while current.lines and not current.lines[-1].strip():
                current.lines.pop()
            out += self._close(current)
        # A blank line more at the end: a placeholder ending the text would keep its newline in its <p>.
        return ["" if line is _AFTER else line for line in out] + [""]

    @staticmethod
    def _is_fence(opening: re.Match[str], in_list: bool) -> bool:
        if opening.group("fence")[0] == "`" and "`" in opening.group("info"):
            return False  # ``` `code` ``` is a code span
        return len(opening.group("indent")) < 4 or in_list

    def _close(self, block: _Open) -> list[str]:
        placeholder = self.md.htmlStash.store(self._render(block))
        return [block.prefix.rstrip(), block.prefix + placeholder, _AFTER]

    def _render(self, block: _Open) -> str:
        code = "\n".join(block.lines) + "\n"
        css_class = " ".join([*block.info.classes, CSS_CLASS])
        html = CodeHilite(code, lang=block.info.lang or None, css_class=css_class, guess_lang=False).hilite(
            shebang=False
        )
        if block.info.id:
            html = html.replace("<div ", f'<div id="{escape(block.info.id)}" ', 1)
        if block.info.title:
            html = f'<p class="code-title"><code>{escape(block.info.title)}</code></p>\n{html}'
        return html


def _unquote(line: str, levels: int) -> str:
    """``line`` less the markers of the quote the fence is in: `> >>> print(1)` in a quote is `>>> print(1)`."""
    for _ in range(levels):
        line = re.sub(r"^[ ]{0,3}>[ ]?", "", line, count=1)
    return line


def _dedent(line: str, indent: int) -> str:
    """CommonMark: a fence indented by n spaces takes up to n spaces off each of its lines."""
    spaces = len(line) - len(line.lstrip(" "))
    return line[min(spaces, indent) :]


class FenceExtension(Extension):
    """Registers the fence reader before Python-Markdown reads raw HTML (so HTML in code stays code)."""

    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(FencePreprocessor(md), "publish_fences", 29)
