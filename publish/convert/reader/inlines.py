"""Inline forms: CommonMark's code spans, GitHub's strikethrough and bare URLs, Pandoc's sub- and superscripts.

`~~barré~~` -> <del>, `H~2~O` -> <sub>, `1^er^` -> <sup> (Pandoc: no space inside a sub- or
superscript, unless escaped), and `https://…`, `www.…` or an e-mail address written as text ->
a link, as GitHub makes them: trailing punctuation stays outside, a closing parenthesis only
when it has its opening one inside the URL.

One inline pattern for the three delimiters and one pass over the finished tree for the URLs:
pymdownx's tilde, caret and magiclink did the same with more patterns, tried on every piece of
text of the book, and made the reader a third slower on a long book (bench.reader).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from markdown import Extension, Markdown, util
from markdown.inlinepatterns import BACKTICK_RE, BacktickInlineProcessor, InlineProcessor
from markdown.treeprocessors import Treeprocessor

DELIMITED = r"~~(?=\S)((?:[^~]|~[^~\s]+~)+?)(?<=\S)~~|~((?:[^\s~\\]|\\.)+)~|\^((?:[^\s^\\\[]|\\.)+)\^"
BARE_URL = re.compile(
    r"(?<![\w/@.:-])(?:https?://|www\.)[^\s<>\"]*[^\s<>\"'.,;:!?*_~\]]"
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b"
)
_TRAILING = re.compile(r"[.,;:!?*_~'\"]+$")
_NOT_IN = {"a", "code", "pre", "kbd", "samp", "script", "style", "h1", "h2", "h3", "h4", "h5", "h6"}  # no link in a
# heading: the contents and running heads link to the heading itself
_ESCAPED_SPACE = re.compile(r"\\(.)")
# Python-Markdown's link and image patterns look for the `]` matching each `[` to the end of the
# paragraph: 50 KB of `[` took minutes. A link's text nests brackets a few levels deep at most.
# Likewise a link's `(destination "title")` is scanned for its closing `)`, and a note call `[^label`
# for its `]`: the scans stop at MAX_BRACKET_DEPTH open parentheses, MAX_LINK_LENGTH characters.
MAX_BRACKET_DEPTH = 16
MAX_LINK_LENGTH = 8192
_BRACKETED = ("reference", "link", "image_link", "image_reference", "short_reference", "short_image_ref")
_BRACKET = re.compile(r"[\[\]]")
_PARENTHESIS = re.compile(r"[()]")
NOTE_CALL = r"\[\^([^\]]{1,999})\]"  # Python-Markdown's, with CommonMark's bound on a label's length


class CodeSpanProcessor(BacktickInlineProcessor):
    """Code spans as CommonMark reads them: closed only by a run of as many backticks; a line break
    inside is a space; one space is taken off each end when both ends have one (`` ` [x] ` ``)."""

    def find_code_spans(self, start: int, text: str) -> tuple[int, int | None]:  # type: ignore[override]
        ticks = len(text[start:]) - len(text[start:].lstrip("`"))
        closing = re.compile(r"(?<!`)" + "`" * ticks + r"(?!`)").search(text, start + ticks)
        return (start + ticks, closing.start()) if closing else (start + ticks, None)

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[ET.Element | str | None, int | None, int | None]:
        if m.group(1):  # an escaped backslash
            return super().handleMatch(m, data)
        begin = m.start(0)
        start, end = self.find_code_spans(begin, data)
        if end is None:
            return None, begin, start  # no closing run: the backticks are text
        code = data[start:end].replace("\n", " ")
        if len(code) > 2 and code[0] == code[-1] == " " and code.strip():
            code = code[1:-1]
        element = ET.Element("code")
        element.text = util.AtomicString(util.code_escape(code))
        return element, begin, end + (start - begin)


def bracketed_text(data: str, index: int) -> tuple[str, int, bool]:
    """Python-Markdown's ``getText`` (the text up to the `]` matching the `[` before ``index``), which
    gives up past MAX_BRACKET_DEPTH nested `[`: then the `[` is text, and the search stays linear."""
    depth = 1
    for bracket in _BRACKET.finditer(data, index):
        depth += 1 if bracket.group() == "[" else -1
        if depth == 0:
            return data[index : bracket.start()], bracket.end(), True
        if depth > MAX_BRACKET_DEPTH:
            return "", bracket.end(), False
    return "", len(data), False


def may_close(data: str, index: int) -> bool:
    """Whether the `(` before ``index`` may be closed within MAX_LINK_LENGTH characters and
    MAX_BRACKET_DEPTH nested parentheses; only then does Python-Markdown look for where."""
    depth = 1
    for parenthesis in _PARENTHESIS.finditer(data, index, index + MAX_LINK_LENGTH):
        depth += 1 if parenthesis.group() == "(" else -1
        if depth == 0:
            return True
        if depth > MAX_BRACKET_DEPTH:
            return False
    return len(data) <= index + MAX_LINK_LENGTH


Link = tuple[str, str | None, int, bool]  # Python-Markdown's getLink: href, title, end, found
Label = tuple[str | None, int, bool]  # its evalId: id, end, found


def _bounded_link(get_link: Callable[[str, int], Link]) -> Callable[[str, int], Link]:
    def bounded(data: str, index: int) -> Link:  # ``index``: just after the text's `]`
        if data.startswith("(", index) and not may_close(data, index + 1):
            return "", None, index, False
        return get_link(data[: index + MAX_LINK_LENGTH], index)

    return bounded


def _bounded_label(eval_id: Callable[[str, int, str], Label]) -> Callable[[str, int, str], Label]:
    def bounded(data: str, index: int, text: str) -> Label:  # a label is at most 999 characters (CommonMark)
        return eval_id(data[: index + 1024], index, text)

    return bounded


def bound_brackets(md: Markdown) -> None:
    """Every link and image pattern of ``md`` reads its text with ``bracketed_text``."""
    for name in _BRACKETED:
        if name in md.inlinePatterns:
            pattern = md.inlinePatterns[name]
            pattern.getText = bracketed_text  # type: ignore[attr-defined]
            if hasattr(pattern, "getLink"):
                pattern.getLink = _bounded_link(pattern.getLink)
            if hasattr(pattern, "evalId"):
                pattern.evalId = _bounded_label(pattern.evalId)
    if "footnote" in md.inlinePatterns:
        md.inlinePatterns["footnote"].compiled_re = re.compile(NOTE_CALL, re.DOTALL | re.UNICODE)


class DelimitedProcessor(InlineProcessor):
    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[ET.Element, int, int]:
        if m.group(1) is not None:
            element = ET.Element("del")
            parts = re.split(r"~([^~\s]+)~", m.group(1))  # a subscript inside: ~~CO~2~~~
            element.text = parts[0]
            for index in range(1, len(parts), 2):
                sub = ET.SubElement(element, "sub")
                sub.text, sub.tail = parts[index], parts[index + 1]
        else:
            element = ET.Element("sub" if m.group(2) is not None else "sup")
            element.text = _ESCAPED_SPACE.sub(r"\1", m.group(2) or m.group(3))
        return element, m.start(0), m.end(0)


class BareUrlTreeprocessor(Treeprocessor):
    """Make links of URLs written as text, outside links and code."""

    def run(self, root: ET.Element) -> None:
        excluded = {inner for element in root.iter() if element.tag in _NOT_IN for inner in element.iter()}
        for element in list(root.iter()):
            if element in excluded:
                continue
            if element.text and _has_url(element.text):
                element.text, links = _split(element.text)
                for offset, link in enumerate(links):
                    element.insert(offset, link)
            for child in list(element):
                if child.tail and _has_url(child.tail):
                    child.tail, links = _split(child.tail)
                    at = list(element).index(child) + 1
                    for offset, link in enumerate(links):
                        element.insert(at + offset, link)


def _has_url(text: str) -> bool:
    return "http" in text or "www." in text or "@" in text


def _split(text: str) -> tuple[str, list[ET.Element]]:
    """The text before the first URL, and a link per URL whose tail is the text after it."""
    head: str | None = None
    links: list[ET.Element] = []
    position = 0
    for match in BARE_URL.finditer(text):
        url = match.group()
        while url.endswith(")") and url.count("(") < url.count(")"):  # (voir https://x.org) keeps its ")"
            url = _TRAILING.sub("", url[:-1])
        url = _TRAILING.sub("", url)
        if url in ("", "www."):
            continue
        before = text[position : match.start()]
        if head is None:
            head = before
        else:
            links[-1].tail = before
        if "@" in url and "://" not in url:
            href = "mailto:" + url
        else:
            href = url if "://" in url else "http://" + url
        link = ET.Element("a", {"href": href})
        link.text = url
        links.append(link)
        position = match.start() + len(url)
    if head is None:
        return text, []
    links[-1].tail = text[position:]
    return head, links


class InlineExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.ESCAPED_CHARS = [*md.ESCAPED_CHARS, "~", "^"]  # \~~ and \^ are literal
        md.inlinePatterns.register(CodeSpanProcessor(BACKTICK_RE), "backtick", 190)
        md.inlinePatterns.register(DelimitedProcessor(DELIMITED, md), "publish_delimited", 65)
        bound_brackets(md)
        # After the inline patterns (20): links and code exist by then, so their text is left alone.
        md.treeprocessors.register(BareUrlTreeprocessor(md), "publish_bare_urls", 6)
