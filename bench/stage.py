"""`python -m bench.stage once|twice`: convert the 30-chapter synthetic book once or twice, for Valgrind.

`valgrind --tool=callgrind python -m bench.stage twice` less the same with `once` counts the
instructions of one warm Markdown stage (reader + HTML passes): a figure that does not move
with the load of the machine, unlike a time (bench/RESULTS.md).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.generate import generate
from publish.convert.chapter import render_chapter
from publish.load.manuscript import load_manuscript


def main() -> None:
    times = {"once": 1, "twice": 2}[sys.argv[1] if len(sys.argv) > 1 else "once"]
    with tempfile.TemporaryDirectory() as scratch:
        book = load_manuscript(generate(Path(scratch) / "book", 30))
        for _ in range(times):
            for chapter in book.chapters:
                render_chapter(chapter, book.root)


if __name__ == "__main__":
    main()
