"""Forbid the layout to break one occurrence of a word: wrap it, in a chapter's HTML, in `<span class="nohyphen">`."""

from __future__ import annotations

import re
from html import escape, unescape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publish.writers.paged.hyphenation import Break

# Text never wrapped: never hyphenated (code), kept as typed (notypo, long-word), or already kept whole.
_KEPT_TAGS = {"code", "pre", "kbd", "samp"}
_KEPT_CLASSES = {"notypo", "long-word", "nohyphen"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def word_pattern(word: str) -> re.Pattern[str]:
    """``word`` as a whole word, in any case: not inside a longer word."""
    return re.compile(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", re.IGNORECASE)


def forbid_breaks(html: str, breaks: list[Break]) -> str:
    """``html`` with the occurrence of each break's word that broke wrapped in `<span class="nohyphen">`
    (with the word before it, in `<span class="nohyphen keep-together">`, for a slip); never in code."""
    wanted = {(b.block_id, b.word, b.glue, b.occurrence) for b in breaks if b.block_id and b.occurrence is not None}
    for block_id, word, glue, occurrence in sorted(wanted):
        html = _wrap_in_block(html, block_id, word, glue, occurrence)
    return html


def _wrap_in_block(html: str, block_id: str, word: str, glue: str, occurrence: int) -> str:
    """Wrap the ``occurrence``-th ``word`` (from 0) of the text of the element ``block_id``: every
    text counts, but a word in code or text kept as typed is left alone."""
    opening = re.search(rf'<(\w+)\b[^>]*\bid="{re.escape(block_id)}"[^>]*>', html)
    if opening is None:
        return html
    end = _element_end(html, opening.group(1), opening.end())
    pattern = word_pattern(word)
    pieces = re.split(r"(<[^>]*>)", html[opening.end() : end])
    open_elements: list[tuple[str, bool]] = []  # (tag, its text is kept) of the elements open at a piece
    seen = 0
    for index, piece in enumerate(pieces):
        if piece.startswith("<"):
            _follow(open_elements, piece)
            continue
        text = unescape(piece) if "&" in piece else piece
        matches = list(pattern.finditer(text))
        if seen + len(matches) <= occurrence:
            seen += len(matches)
            continue
        if any(kept for _, kept in open_elements):
            return html
        pieces[index] = _wrapped(text, matches[occurrence - seen], glue, "&" in piece)
        return html[: opening.end()] + "".join(pieces) + html[end:]
    return html


def _follow(open_elements: list[tuple[str, bool]], tag: str) -> None:
    """Keep ``open_elements`` up to date past ``tag`` (a start or end tag, a comment, a doctype)."""
    name = re.match(r"<(/?)([A-Za-z][\w-]*)", tag)
    if name is None:
        return
    closing, tag_name = name.group(1), name.group(2).lower()
    if closing:
        while open_elements and open_elements.pop()[0] != tag_name:
            pass
    elif tag_name not in _VOID and not tag.endswith("/>"):
        classes = re.search(r"""\bclass=["']([^"']*)""", tag)
        kept = tag_name in _KEPT_TAGS or bool(_KEPT_CLASSES & set(classes.group(1).split() if classes else ()))
        open_elements.append((tag_name, kept))


def _wrapped(text: str, match: re.Match[str], glue: str, escaped: bool) -> str:
    """``text`` with ``match`` in a span (from ``glue`` before it, when the glue is there); escaped again."""
    start, kind = match.start(), "nohyphen"
    before = re.search(rf"(?<![^\W_]){re.escape(glue)}[ \u00a0\u202f]+$", text[:start]) if glue else None
    if before is not None:
        start, kind = before.start(), "nohyphen keep-together"

    def quote(part: str) -> str:
        return escape(part, quote=False) if escaped else part

    span = f'<span class="{kind}">{quote(text[start : match.end()])}</span>'
    return quote(text[:start]) + span + quote(text[match.end() :])


def _element_end(html: str, tag: str, position: int) -> int:
    """Where the element of ``tag`` opened just before ``position`` closes (its end tag's start)."""
    depth = 1
    for match in re.compile(rf"<(/?){tag}\b[^>]*?(/?)>").finditer(html, position):
        if match.group(2):
            continue
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return match.start()
    return len(html)
