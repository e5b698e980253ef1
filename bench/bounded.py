"""`python -m bench.bounded [--chapters 30] [--runs 7]`: what the budgets of issue 16 cost.

The chapters convert in one bounded child per core (publish/bounded.py `map_bounded`), where the
images are checked in place; an image checked outside a budget (the cover) decodes in a child of
its own (`run_bounded`). This times, on the synthetic book of `bench.generate`, in one warm
process, every chapter's conversion both ways, and 50 image checks with and without a child,
alternately, in CPU seconds of the process and its children (`os.times`): the median of --runs
runs after one warm-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.generate import generate
from publish.convert.book import prepare_book
from publish.convert.chapter import render_chapter
from publish.convert.images import _decode, check_image
from publish.load.manuscript import load_manuscript
from publish.model import Limits


def _cpu() -> float:
    """CPU seconds of this process and of its children that ended (the forks are waited for)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _compare(runs: int, stages: dict[str, Callable[[], object]]) -> dict[str, list[float]]:
    """Each stage once to warm up, then the stages in turn, ``runs`` times: the machine's drift falls on all."""
    for work in stages.values():
        work()
    seconds: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(runs):
        for name, work in stages.items():
            started = _cpu()
            work()
            seconds[name].append(_cpu() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bounded")
    parser.add_argument("--chapters", type=int, default=30)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        book = load_manuscript(generate(Path(scratch) / "book", args.chapters))
        figure = book.root / "images" / "figure.svg"
        chapters = _compare(
            args.runs,
            {
                "chapters, in one bounded child per core (images checked in place)": lambda: prepare_book(book),
                "chapters, in this process (each image checked in a child of its own)": lambda: [
                    render_chapter(c, book.root) for c in book.chapters
                ],
            },
        )
        images = _compare(  # 50 checks a run: os.times counts in hundredths of a second
            args.runs,
            {
                "50 image checks, each in a bounded child": lambda: [
                    check_image(figure, "image/svg+xml", Limits()) for _ in range(50)
                ],
                "50 image checks, in this process": lambda: [
                    _decode(figure, "image/svg+xml", Limits()) for _ in range(50)
                ],
            },
        )
    print(f"{args.chapters} chapters; CPU seconds of the process and its children, median of the runs")
    for results, per in ((chapters, args.chapters), (images, 50)):
        (bounded, bounded_s), (alone, alone_s) = ((n, statistics.median(s)) for n, s in results.items())
        print(f"{bounded}: {bounded_s:.4f} s; {alone}: {alone_s:.4f} s")
        print(f"  difference: {(bounded_s - alone_s) / per * 1000:+.1f} ms per item, {bounded_s / alone_s - 1:+.1%}")


if __name__ == "__main__":
    main()
