"""`python -m bench.reader [--chapters 30] [--runs 7]`: the Markdown stage alone, per word.

Times, on the synthetic book of `bench.generate`, the reader (Markdown -> HTML) and the whole
chapter conversion (reader, then every HTML pass: figures, links, typography, ids, notes), in
one warm process: medians of --runs runs after one warm-up, with min and max, and the cost
per word. Run it before and after a change to the reader to compare.
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
    work()  # warm-up: imports, Pygments lexers, hyphenation dictionaries
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
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
        print(f"{args.chapters} chapters, {words:,} words, median of {args.runs} runs (min–max)")
        for name, work in stages.items():
            seconds = _timed(args.runs, work)
            median = statistics.median(seconds)
            print(
                f"{name}: {median:.3f} s ({min(seconds):.3f}–{max(seconds):.3f}), {median / words * 1e6:.2f} µs a word"
            )


if __name__ == "__main__":
    main()
