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
        # After the inline patterns (20): links and code exist by then, so their text is left alone.
        md.treeprocessors.register(BareUrlTreeprocessor(md), "publish_bare_urls", 6)
