"""`python -m bench.profile [--chapters 30] [--format epub]`: where one build spends its time (cProfile).

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
from publish.pipeline import BuildOptions, build


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--chapters", type=int, default=30)
    parser.add_argument("--format", default="epub")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        book = generate(Path(scratch) / "book", args.chapters)
        options = BuildOptions(formats=(args.format,), cache=False, parallel=False)
        profiler = cProfile.Profile()
        profiler.enable()
        build(book, Path(scratch) / "out", options)
        profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(args.top)
    print(text.getvalue())


if __name__ == "__main__":
    main()
