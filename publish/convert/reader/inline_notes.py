"""Pandoc's inline notes, `texte^[la note]`: written as ordinary footnotes before the footnotes extension reads them.

Each `^[…]` (brackets may nest; code spans inside are skipped) becomes a call `[^publish-inline-N]`
and a definition at the end of the chapter, so inline and labelled notes are numbered together
in the order of their calls, and become the same Note objects downstream.
"""

from __future__ import annotations

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

LABEL = "publish-inline-{}"


class InlineNotePreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "^[" not in text:
            return lines
        notes: list[str] = []
        out: list[str] = []
        index = 0
        while index < len(text):
            char = text[index]
            if char == "`":
                end = _code_span_end(text, index)
                out.append(text[index:end])
                index = end
                continue
            if (
                text.startswith("^[", index)
                and text[index + 2 : index + 3] != "^"
                and (index == 0 or text[index - 1] != "\\")
            ):
                closing = _closing_bracket(text, index + 1)
                if closing is not None:
                    notes.append(" ".join(text[index + 2 : closing].split()))
                    out.append(f"[^{LABEL.format(len(notes))}]")
                    index = closing + 1
                    continue
            out.append(char)
            index += 1
        definitions = [f"[^{LABEL.format(n)}]: {note}" for n, note in enumerate(notes, start=1)]
        return "".join(out).split("\n") + [""] + definitions


def _code_span_end(text: str, start: int) -> int:
    run = len(text[start:]) - len(text[start:].lstrip("`"))
    closing = text.find("`" * run, start + run)
    while closing >= 0 and text.startswith("`", closing + run):
        closing = text.find("`" * run, closing + run + 1)
    return start + run if closing < 0 else closing + run


def _closing_bracket(text: str, start: int) -> int | None:
    """Index of the `]` closing the `[` at ``start``, within one paragraph."""
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if text.startswith("\n\n", index):
            return None
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
