"""Checks of a chapter that no conversion step needs but every author wants: they only report.

Each check records its findings in the chapter's ``SourceText``; the passes
that reshape the HTML (figures.py, links.py…) report what stops them there too.
"""

from __future__ import annotations

import re
from collections import Counter

from lxml import etree

from publish.convert.ids import fold_accents
from publish.errors import ERROR, NOTE, WARNING, Diagnostic
from publish.load.source import SourceText, outside_code_fences
from publish.model import Book

HEADING_JUMP = "heading-jump"
MISSING_ALT = "missing-alt"
ACCESSIBILITY = (HEADING_JUMP, MISSING_ALT)  # findings that break WCAG 2.1 AA for an EPUB
_ATX = re.compile(r"^\s{0,3}(#{1,6})(?:[ \t]+|$)")
_UNDEFINED_CALL = re.compile(r"\[\^([^\]\s]+)\]")
_OPAQUE = {"code", "pre", "kbd", "samp", "script", "style"}


class Places:
    """Where each of a run of findings about the same written text is: the k-th at the text's
    k-th occurrence outside code, in source order, as the tree's elements are. So the same
    `<script>` in lines 3 and 9 gives findings at 3 and 9, not twice at 3."""

    def __init__(self, source: SourceText) -> None:
        self.source = source
        self.used: Counter[str] = Counter()

    def next(self, needle: str) -> tuple[int | None, int | None]:
        """(line, column) of the next occurrence of ``needle``; the first one's when they run out."""
        found = self.occurrences(needle)
        index = self.used[needle]
        self.used[needle] += 1
        return found[index] if index < len(found) else self.source.locate(needle)

    def occurrences(self, needle: str) -> list[tuple[int, int]]:
        first = self.source.chapter.first_line
        found = []
        for index, line in outside_code_fences(self.source.lines):
            start = line.find(needle) if needle else -1
            while start >= 0:
                found.append((first + index, start + 1))
                start = line.find(needle, start + len(needle))
        return found


def headings(source: SourceText) -> list[tuple[int, int, int]]:
    """(level, line, column) of each `#` heading of the source, outside fenced code."""
    found = []
    for index, text in outside_code_fences(source.lines):
        heading = _ATX.match(text)
        if heading:
            found.append((len(heading.group(1)), source.chapter.first_line + index, heading.start(1) + 1))
    return found


def check_heading_levels(source: SourceText) -> None:
    """A heading may go down one level at a time (## then ###), never skip one (## then ####).

    Skipped levels break the outline a screen reader and the EPUB's navigation show.
    The chapter title counts as level 1, whether written as `#` or in front matter.
    """
    previous = 1
    for level, line, column in headings(source):
        if level > previous + 1:
            source.report_at(
                WARNING,
                f"heading level jumps from {previous} to {level}",
                line,
                column,
                f"use {'#' * (previous + 1)} here, or add the missing level above it",
                code=HEADING_JUMP,
            )
        previous = level


def check_note_calls(root: etree._Element, source: SourceText) -> None:
    """A call such as [^3] with no `[^3]: …` definition is left by Python-Markdown as text."""
    places = Places(source)
    for text in root.xpath("//text()"):
        owner = text.getparent()
        if text.is_tail:
            owner = owner.getparent()
        if owner is None or any(e.tag in _OPAQUE for e in (owner, *owner.iterancestors())):
            continue
        for match in _UNDEFINED_CALL.finditer(str(text)):
            line, column = places.next(match.group())
            source.report_at(
                ERROR,
                f"footnote `{match.group()}` has no definition",
                line,
                column,
                f"add a line `{match.group()}: the note's text` at the end of the chapter",
            )


def check_duplicate_ids(root: etree._Element, source: SourceText) -> None:
    """Two elements of a chapter with the same id: links would reach only the first, and EPUB rejects it."""
    # Compared as they will be written: `{#été}` and `{#ete}` both become `ete` (ids.fold_accents)
    counts = Counter(fold_accents(e.get("id")) for e in root.iter() if isinstance(e.tag, str) and e.get("id"))
    for anchor, count in counts.items():
        if count > 1:  # point at the second one: the first is where the anchor belongs
            places = source.occurrences("{#" + anchor + "}") + source.occurrences(f'id="{anchor}"')
            line, column = sorted(places)[1] if len(places) > 1 else source.locate(anchor)
            source.report_at(
                ERROR,
                f"anchor `{anchor}` is given to {count} elements",
                line,
                column,
                "give each heading or element its own id, e.g. {#" + anchor + "-2}",
            )


def check_not_empty(root: etree._Element, source: SourceText) -> None:
    """A chapter with a title and nothing else (called once the title is taken out)."""
    if "".join(root.itertext()).strip() or any(True for _ in root.iter("img", "svg", "table", "hr")):
        return
    line = source.chapter.title_line or source.chapter.first_line
    source.report_at(
        WARNING,
        "chapter is empty: it has a title and no text",
        line,
        None,
        "write its text, or remove the file and its entry in [book] chapters",
    )


UNNUMBERED_MATTER = "unnumbered-matter"


def note_unnumbered_matter(book: Book) -> tuple[Diagnostic, ...]:
    """A note (never a warning) for each chapter left unnumbered only because its title names
    front or back matter, so that an author who wanted "Chapitre 1" knows why and how."""
    return tuple(
        Diagnostic(
            NOTE,
            f"chapter `{chapter.title}` is unnumbered: its title names front or back matter",
            chapter.source,
            chapter.title_line or chapter.first_line,
            hint="to number it, write `numbered: true` in its front matter, between `---` lines at the top of the file",
            code=UNNUMBERED_MATTER,
        )
        for chapter in book.chapters
        if chapter.unnumbered_as_matter
    )
