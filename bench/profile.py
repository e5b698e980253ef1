"""`python -m bench.profile [--chapters 30] [--format epub] [--edit]`: where one build spends its time (cProfile).

With --edit, the book is built once with the caches, a sentence is added to chapter 3, and
the rebuild is profiled: what an author waits for after saving a chapter.

Prints the functions with the most cumulative time, ours and the libraries', for RESULTS.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
from pathlib import Path

from bench.generate import generate
from publish.build.pipeline import BuildOptions, build


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--chapters", type=int, default=30)
    parser.add_argument("--format", default="epub")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--edit", action="store_true", help="profile the rebuild after an edit to chapter 3")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        book = generate(Path(scratch) / "book", args.chapters)
        options = BuildOptions(formats=(args.format,), cache=args.edit, parallel=False)
        if args.edit:
            build(book, Path(scratch) / "out", options)
            chapter = book / "chapters" / "03-chapitre.md"
            chapter.write_text(chapter.read_text(encoding="utf-8") + "\nUne phrase ajoutée.\n", encoding="utf-8")
        profiler = cProfile.Profile()
        profiler.enable()
        build(book, Path(scratch) / "out", options)
        profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(args.top)
    print(text.getvalue())


if __name__ == "__main__":
    main()
