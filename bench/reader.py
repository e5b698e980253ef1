"""`python -m bench.reader [--chapters 30] [--runs 7]`: the Markdown stage alone, per word.

Times, on the synthetic book of `bench.generate`, the reader (Markdown -> HTML) and the whole
chapter conversion (reader, then every HTML pass: figures, links, typography, ids, notes), in
one warm process: the best of --runs runs after one warm-up (what the code costs; the median
and the maximum show how much the machine disturbed it), per word, in CPU seconds. Run it
before and after a change to the reader, alternately, to compare.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.generate import generate
from publish.convert.chapter import render_chapter
from publish.convert.reader import read_markdown
from publish.load.manuscript import load_manuscript


def _timed(runs: int, work: Callable[[], object]) -> list[float]:
    """CPU seconds of each run: on a shared machine wall time varies by a fifth from run to run."""
    work()  # warm-up: imports, Pygments lexers, hyphenation dictionaries
    seconds = []
    for _ in range(runs):
        started = time.process_time()
        work()
        seconds.append(time.process_time() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reader")
    parser.add_argument("--chapters", type=int, default=30)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        book = load_manuscript(generate(Path(scratch) / "book", args.chapters))
        words = sum(len(chapter.text.split()) for chapter in book.chapters)
        stages = {
            "reader (Markdown -> HTML)": lambda: [read_markdown(c.text) for c in book.chapters],
            "chapter conversion (reader + HTML passes)": lambda: [render_chapter(c, book.root) for c in book.chapters],
        }
        print(f"{args.chapters} chapters, {words:,} words, CPU seconds, {args.runs} runs")
        for name, work in stages.items():
            seconds = _timed(args.runs, work)
            best = min(seconds)  # the run the rest of the machine disturbed least
            print(
                f"{name}: best {best:.3f} s, {best / words * 1e6:.2f} µs a word "
                f"(median {statistics.median(seconds):.3f}, max {max(seconds):.3f})"
            )


if __name__ == "__main__":
    main()
