"""A chapter's Markdown source: maps snippets back to line and column, and collects findings."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from publish.errors import ERROR, WARNING, Diagnostic, PublishError
from publish.model import Chapter

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")  # BCP 47, as far as a typo goes: fr, fr-CA, en-GB


def source_lines(text: str) -> list[str]:
    """``text`` split at \\n (a \\r before it dropped), as editors and TOML number lines.

    ``str.splitlines`` also breaks at U+2028, U+0085, \\x0b, \\x0c and \\x1c-\\x1e, which
    would shift the line of every finding after one of them.
    """
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # a final line break ends the last line, it does not start one
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def outside_code_fences(lines: list[str]) -> Iterator[tuple[int, str]]:
    """(index, line) of each line that is not inside a fenced code block, nor one of its fences.

    A fence closes with the same character, at least as many times (CommonMark's rule).
    """
    fence: str | None = None
    for index, text in enumerate(lines):
        opening = _FENCE.match(text)
        if opening:
            mark = opening.group(1)
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = None
            continue
        if fence is None:
            yield index, text


class SourceText:
    """The lines of one chapter, and the findings the passes over its HTML report.

    Python-Markdown keeps no positions, so a finding is located by searching the
    source for what the author typed (a link target, an image path, a label). The passes
    walk the tree in source order, so the k-th finding with the same message about the same
    text goes to the text's k-th occurrence: the same image without alt text in lines 3 and 9
    gives findings at 3 and 9, not twice at 3.
    """

    def __init__(self, chapter: Chapter) -> None:
        self.chapter = chapter
        self.lines = source_lines(chapter.text)
        self.findings: list[Diagnostic] = []
        self._told: Counter[tuple[str, str]] = Counter()  # (message, needle) -> findings so far
        self._places: dict[str, list[tuple[int, int]]] = {}

    @property
    def path(self) -> Path:
        return self.chapter.source

    def locate(self, needle: str, nth: int = 0) -> tuple[int | None, int | None]:
        """(line, column), both 1-based, of the ``nth`` place ``needle`` is written (the first
        when there are fewer): as a whole link target first, else anywhere."""
        if needle not in self._places:  # each needle searched once: a chapter may have thousands of findings
            exact = re.compile(r"(\]\(|<|\]:\s*|\bsrc=[\"'])(" + re.escape(needle) + r")([)\s>\"']|$)")
            targets = [
                (self.chapter.first_line + index, match.start(2) + 1)
                for index, line in enumerate(self.lines)
                for match in exact.finditer(line)
            ]
            self._places[needle] = targets or self.occurrences(needle)
        found = self._places[needle]
        if not found:
            return None, None
        return found[nth] if nth < len(found) else found[0]

    def occurrences(self, needle: str) -> list[tuple[int, int]]:
        """(line, column) of every place ``needle`` is written, in order."""
        found = []
        for index, line in enumerate(self.lines):
            start = line.find(needle)
            while needle and start >= 0:
                found.append((self.chapter.first_line + index, start + 1))
                start = line.find(needle, start + 1)
        return found

    def line_of(self, needle: str) -> int | None:
        return self.locate(needle)[0]

    def finding(self, level: str, message: str, needle: str, hint: str) -> Diagnostic:
        told = self._told[(message, needle)]
        self._told[(message, needle)] += 1
        line, column = self.locate(needle, told)
        return Diagnostic(level, message, self.path, line, column, hint)

    def error(self, message: str, needle: str, hint: str) -> None:
        """Record an error; the build stops once every chapter has been checked."""
        self.findings.append(self.finding(ERROR, message, needle, hint))

    def warn(self, message: str, needle: str, hint: str, code: str = "") -> None:
        self.findings.append(replace(self.finding(WARNING, message, needle, hint), code=code))

    def report_at(
        self, level: str, message: str, line: int | None, column: int | None, hint: str, code: str = ""
    ) -> None:
        """Record a finding whose place is already known (a heading's line, the title's line)."""
        self.findings.append(Diagnostic(level, message, self.path, line, column, hint, code))

    def fatal(self, message: str, needle: str, hint: str) -> PublishError:
        line, column = self.locate(needle)
        return PublishError(message, path=self.path, line=line, hint=hint, column=column)
