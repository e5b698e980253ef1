"""Words too long to hyphenate (a hash, a pasted URL) get break opportunities: a 5,000-character
"word" would cost WeasyPrint a minute of hyphenation. No letter is lost."""

from __future__ import annotations

import re

from lxml import etree

LONG_WORD = re.compile(r"[^\s<>]{64,}")  # longer than any real word: a hash, a sequence, a pasted URL


_NO_WRAP = {"code", "pre", "kbd", "samp", "script", "style", "svg", "math"}


def mark_long_words(root: etree._Element) -> None:
    """Wrap words of 64+ characters in `<span class="long-word">`.

    The theme breaks them anywhere instead of hyphenating them: WeasyPrint tries
    every hyphenation point of a word, which takes a minute for a 5,000-character one.
    """
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.tag in _NO_WRAP or element.get("class") == "long-word":
            continue
        if any(ancestor.tag in _NO_WRAP for ancestor in element.iterancestors()):
            continue
        for slot in ("text", "tail"):
            if slot == "tail" and element is root:
                continue
            text = getattr(element, slot)
            if text and LONG_WORD.search(text):
                _wrap_long_words(element, slot, text)


def _wrap_long_words(element: etree._Element, slot: str, text: str) -> None:
    pieces = LONG_WORD.split(text)
    words = LONG_WORD.findall(text)
    setattr(element, slot, pieces[0] or None)
    spans = []
    for word, after in zip(words, pieces[1:]):
        span = etree.Element("span", {"class": "long-word"})
        span.text = word
        span.tail = after or None
        spans.append(span)
    if slot == "text":
        for index, span in enumerate(spans):
            element.insert(index, span)
    else:
        anchor = element
        for span in spans:
            anchor.addnext(span)
            anchor = span
