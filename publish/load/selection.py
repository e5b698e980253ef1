"""`--chapters 2,4-5`: which chapters a handout prints."""

from __future__ import annotations

from collections.abc import Sequence

from publish.errors import PublishError
from publish.model import Chapter, slugify


def select_chapters(chapters: Sequence[Chapter], spec: str) -> list[Chapter]:
    """Numbers and ranges are the printed chapter numbers; other words match a file name.

    "2,4-5" keeps chapters 2, 4 and 5; "introduction,3" keeps the file named
    01-introduction.md (its name without the numeric prefix) and chapter 3.
    Order stays the book's order. An empty spec keeps everything.
    """
    if not spec.strip():
        return list(chapters)
    wanted: set[str] = set()
    for token in (t.strip() for t in spec.split(",")):
        if not token:
            continue
        if "-" in token and all(part.strip().isdigit() for part in token.split("-", 1)):
            first, last = (int(part) for part in token.split("-", 1))
            if first > last:
                raise PublishError(f"chapter range `{token}` runs backwards", hint="write it low-high, e.g. 2-4")
            numbers = range(first, last + 1)
        elif token.isdigit():
            numbers = range(int(token), int(token) + 1)
        else:
            match = [c for c in chapters if token.lower() in (c.file_stem.lower(), _bare(c.file_stem))]
            if not match:
                raise PublishError(f"no chapter file called `{token}`", hint=_choices(chapters))
            wanted.update(c.slug for c in match)
            continue
        for number in numbers:
            match = [c for c in chapters if c.number == number]
            if not match:
                raise PublishError(f"there is no chapter {number}", hint=_choices(chapters))
            wanted.update(c.slug for c in match)
    if not wanted:
        raise PublishError(f"`{spec}` selects no chapter", hint=_choices(chapters))
    return [c for c in chapters if c.slug in wanted]


def _bare(stem: str) -> str:
    return slugify(stem.lstrip("0123456789-_ ")) or stem.lower()


def _choices(chapters: Sequence[Chapter]) -> str:
    numbers = [str(c.number) for c in chapters if c.number]
    names = [_bare(c.file_stem) for c in chapters if not c.number]
    return "chapters are " + ", ".join(numbers + names)
