"""Words the layout must never hyphenate, wrapped in `<span class="nohyphen">` (the theme sets `hyphens: manual`).

The policy (README, Typography): a name, a brand, an acronym or a mixed-case word ("Mistral",
"l’Europe", "OpenAI", "GPU": a capital that does not only open a sentence), and a word with a
digit. Only words long enough to be hyphenated at all are wrapped (``MIN_LETTERS``, the theme's
`hyphenate-limit-chars`), so ordinary text gets no markup: a chapter gets one span per name. A
paragraph's last word is not marked here: the paged writers' second pass
(writers/paged/hyphenation.py) finds the few that the layout does break, and a reading system
breaks lines its own way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Set

from lxml import etree

from publish.convert.typography.tree import BLOCKS, PROTECTED

NOHYPHEN = "nohyphen"
MIN_LETTERS = 6  # the theme's hyphenate-limit-chars: 6 3 3; a shorter word is never hyphenated
# A word as the line breaker sees it: letters and digits, elisions and inner apostrophes included ("l’Europe").
WORD = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*")
ELISION = re.compile(r"^[^\W\d_]{1,7}[’']")  # l’, d’, qu’, jusqu’, lorsqu’
SENTENCE_GAP = " \t\n\u00a0\u202f«“—–([\"'"  # what may stand between a full stop and the next sentence
# Already never hyphenated by the theme (hyphens: manual or none): no span needed inside them.
_SKIP = PROTECTED | {"h1", "h2", "h3", "h4", "h5", "h6", "sup", "sub"}  # sup: note calls, "XIXe"
_SKIP_CLASSES = {NOHYPHEN, "long-word", "notypo"}


def is_unbreakable(word: str, sentence_start: bool = False, names: Set[str] = frozenset()) -> bool:
    """A word with a digit, a capital after its first letter ("OpenAI", "GPU"), or a capital first
    letter (after an elision: "l’Europe") unless it only opens a sentence ("Surtout"); a word seen as
    a name elsewhere (``names``) stays one at a sentence's start. Shorter words are never hyphenated."""
    if len(word) < MIN_LETTERS:
        return False
    core = ELISION.sub("", word)
    if any(c.isdigit() for c in word) or any(c.isupper() for c in core[1:]):
        return True
    return core[:1].isupper() and (not sentence_start or core in names)


def mark_unbreakable_words(root: etree._Element) -> None:
    """Wrap, in ``root``, the words the policy keeps whole (see the module's docstring)."""
    slots = list(_text_slots(root))
    lasts = _last_marks(slots)
    names = {
        ELISION.sub("", m.group())
        for (node, slot), last in zip(slots, lasts, strict=True)
        for m in WORD.finditer(getattr(node, slot) or "")
        if m.group()[:1].isupper() and not _opens_sentence(m, last)
    }
    for (node, slot), last in zip(slots, lasts, strict=True):
        text = getattr(node, slot) or ""
        wanted = [m for m in WORD.finditer(text) if is_unbreakable(m.group(), _opens_sentence(m, last), names)]
        if wanted:
            _wrap(node, slot, text, wanted)


def _opens_sentence(match: re.Match[str], last: str) -> bool:
    """The word opens its block, or follows a full stop, a question or exclamation mark, an ellipsis;
    ``last`` is the last mark of its block's text before the slot it is in ("" at the block's start),
    so a word is seen across inline elements: "[Cliquez ici](…)" opens its paragraph from a link."""
    before = match.string[: match.start()].rstrip(SENTENCE_GAP)
    mark = before[-1] if before else last
    return not mark or mark in ".!?…"


def _last_marks(slots: list[tuple[etree._Element, str]]) -> list[str]:
    """For each slot, in document order, the last character of its block's text before it (gaps
    left out; "" at the block's start): one walk, whatever the number of inline elements."""
    last: dict[etree._Element, str] = {}  # keyed by the block element: the dict keeps lxml's proxy alive
    found = []
    for node, slot in slots:
        if slot == "text" and node.tag in BLOCKS:
            block = node
            last[block] = ""
        else:
            block = node if slot == "text" else node.getparent()
            while block is not None and block.tag not in BLOCKS:
                block = block.getparent()
        found.append(last.get(block, "") if block is not None else "")
        text = (getattr(node, slot) or "").rstrip(SENTENCE_GAP)
        if text and block is not None:
            last[block] = text[-1]
    return found


def _skipped(element: etree._Element) -> bool:
    return element.tag in _SKIP or bool(_SKIP_CLASSES & set((element.get("class") or "").split()))


def _text_slots(root: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    """Every (element, "text" | "tail") holding text the layout may hyphenate, in document order."""
    if not isinstance(root.tag, str) or _skipped(root):
        return
    yield root, "text"
    for child in root:
        if isinstance(child.tag, str):
            yield from _text_slots(child)
        yield child, "tail"


def _wrap(node: etree._Element, slot: str, text: str, matches: list[re.Match[str]]) -> None:
    """Put each match in a span of its own, where it was in ``node``'s text or tail."""
    setattr(node, slot, text[: matches[0].start()] or None)
    spans = []
    for index, match in enumerate(matches):
        span = etree.Element("span", {"class": NOHYPHEN})
        span.text = match.group()
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        span.tail = text[match.end() : end] or None
        spans.append(span)
    if slot == "text":
        for index, span in enumerate(spans):
            node.insert(index, span)
    else:
        anchor = node
        for span in spans:
            anchor.addnext(span)
            anchor = span
