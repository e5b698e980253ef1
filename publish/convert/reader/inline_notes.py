"""Pandoc's inline notes, `texte^[la note]`: written as ordinary footnotes before the footnotes extension reads them.

Each `^[…]` (brackets may nest; code spans and indented code are skipped; a note may run over
several lines of its paragraph, in a block quote too) becomes a call `[^publish-inline-N]` and
a definition at the end of the chapter, so inline and labelled notes are numbered together
in the order of their calls, and become the same Note objects downstream.
"""

from __future__ import annotations

import re

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

LABEL = "publish-inline-{}"


TOKEN = re.compile(r"`+|(?<!\\)\^\[(?!\^)")
QUOTE_MARKS = re.compile(r"\n[ ]{0,3}(?:>[ ]?)+")
LIST_ITEM = re.compile(r"^[ ]*(?:[-*+]|\d{1,9}[.)])(?:[ ]|$)")


class InlineNotePreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "^[" not in text:
            return lines
        notes: list[str] = []
        paragraphs = []
        in_list = False
        for paragraph in text.split("\n\n"):
            first = paragraph.lstrip("\n")
            if LIST_ITEM.match(first):
                in_list = True
            elif first[:1] not in ("", " "):
                in_list = False
            if first.startswith("    ") and not in_list:  # indented code
                paragraphs.append(paragraph)
            else:
                paragraphs.append(_lift_notes(paragraph, notes))
        definitions = [f"[^{LABEL.format(n)}]: {note}" for n, note in enumerate(notes, start=1)]
        return "\n\n".join(paragraphs).split("\n") + [""] + definitions


def _lift_notes(paragraph: str, notes: list[str]) -> str:
    """The paragraph with each `^[…]` replaced by a call; the notes' texts appended to ``notes``."""
    out: list[str] = []
    position = 0
    while (token := TOKEN.search(paragraph, position)) is not None:
        if token.group().startswith("`"):
            end = _code_span_end(paragraph, token.start(), len(token.group()))
            out.append(paragraph[position:end])
            position = end
            continue
        closing = _closing_bracket(paragraph, token.start() + 1)
        if closing is None:
            out.append(paragraph[position : token.end()])
            position = token.end()
            continue
        note = QUOTE_MARKS.sub(" ", paragraph[token.start() + 2 : closing])
        notes.append(" ".join(note.split()))
        out.append(paragraph[position : token.start()] + f"[^{LABEL.format(len(notes))}]")
        position = closing + 1
    out.append(paragraph[position:])
    return "".join(out)


def _code_span_end(text: str, start: int, run: int) -> int:
    """The end of the code span opened by ``run`` backticks at ``start``; just the backticks if none closes it."""
    closing = re.compile(r"(?<!`)" + "`" * run + r"(?!`)").search(text, start + run)
    return closing.end() if closing else start + run


def _closing_bracket(text: str, start: int) -> int | None:
    """Index of the `]` closing the `[` at ``start``; brackets in code spans do not count."""
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "`":
            run = len(text[index:]) - len(text[index:].lstrip("`"))
            index = _code_span_end(text, index, run)
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


class InlineNoteExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(InlineNotePreprocessor(md), "publish_inline_notes", 24)
