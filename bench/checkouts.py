"""`python -m bench.checkouts BEFORE AFTER [--runs 5] -- publish-arguments`: one command, two checkouts.

Runs ``python -m publish <arguments>`` from the checkout BEFORE (a `git worktree` of an older
commit) and from AFTER, alternately, --runs times each, with the manuscript's store removed before
every run (a fresh build), and prints the median wall time, the median CPU time of the build and the
children it waited for, and the peak RSS of the build's own process (`wait4`). Alternating spreads
the machine's drift over both.

    git worktree add /tmp/before 9423147
    python -m bench.generate /tmp/book30 --chapters 30
    python -m bench.checkouts /tmp/before . --runs 5 -- build /tmp/book30 --out /tmp/out --format epub
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rss_mb: float


def _run(checkout: Path, arguments: list[str]) -> Run:
    env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "publish", *arguments], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{checkout}: publish {' '.join(arguments)} failed")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def _manuscript(arguments: list[str]) -> Path | None:
    """The manuscript folder among the arguments (the first that holds book.toml)."""
    return next((Path(a) for a in arguments if (Path(a) / "book.toml").is_file()), None)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.checkouts", description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    arguments = argv[split + 1 :]  # what to give `publish`, after --
    manuscript = _manuscript(arguments)
    runs: dict[str, list[Run]] = {"before": [], "after": []}
    for _ in range(args.runs):
        for name, checkout in (("before", args.before), ("after", args.after)):
            if manuscript is not None:
                shutil.rmtree(manuscript / ".publish", ignore_errors=True)
            runs[name].append(_run(checkout, arguments))
    print(f"publish {' '.join(arguments)}: medians of {args.runs} runs")
    for name, found in runs.items():
        walls = [r.wall for r in found]
        print(
            f"{name}: {statistics.median(walls):.2f} s ({min(walls):.2f}-{max(walls):.2f}), "
            f"CPU {statistics.median(r.cpu for r in found):.2f} s, peak RSS {max(r.rss_mb for r in found):.0f} MB"
        )


if __name__ == "__main__":
    main()
