"""What the command line shows: progress bars, the summary table, findings. Only the commands use it."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import TextIO

from rich.console import Console, JustifyMethod
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from publish.build.pipeline import BuildReport, Output
from publish.build.pipeline import Progress as BuildProgress
from publish.errors import ERROR, WARNING, Diagnostic

_LABELS = {
    "chapters": "Reading and checking chapters",
    "pdf": "Laying out the PDF",
    "epub": "Packing the EPUB",
    "handout": "Laying out the handout",
    "print": "Laying out the print-ready PDF",
    "booklet": "Imposing the booklet",
}


class Bars(BuildProgress):
    """One rich progress bar per stage, on stderr, only when stderr is a terminal."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.console = Console(file=stream)
        self.bars = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}

    @property
    def active(self) -> bool:
        return self.console.is_terminal

    def __enter__(self) -> Bars:
        if self.active:
            self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.active:
            self.bars.stop()

    def begin(self, stage: str, total: int | None = None) -> None:
        if self.active:
            self.tasks[stage] = self.bars.add_task(_LABELS.get(stage, stage), total=total)

    def step(self, stage: str) -> None:
        if self.active and stage in self.tasks:
            self.bars.advance(self.tasks[stage])

    def end(self, stage: str) -> None:
        if self.active and stage in self.tasks:
            task = self.tasks[stage]
            total = self.bars.tasks[task].total or self.bars.tasks[task].completed or 1
            self.bars.update(task, total=total, completed=total)


def print_findings(findings: Iterable[Diagnostic], stream: TextIO | None = None) -> None:
    """One finding per line, `path:line:column: level: message (hint)`: no colour, no wrapping,
    so that editors and CI annotators parse it. Standard error by default, looked up at each
    call (a default bound at import would outlive a redirected stream)."""
    for finding in findings:
        print(finding, file=stream or sys.stderr)


def count(findings: Sequence[Diagnostic]) -> str:
    errors = sum(d.level == ERROR for d in findings)
    warnings = sum(d.level == WARNING for d in findings)
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def print_summary(report: BuildReport, stream: TextIO = sys.stdout, verbose: bool = False) -> None:
    """The table of what was written: output, pages, size, time; stage timings with --verbose."""
    console = Console(file=stream, soft_wrap=True, width=None if stream.isatty() else 120)
    table = Table(title=None, show_edge=False, box=None, pad_edge=False)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("output", "left"),
        ("pages", "right"),
        ("size", "right"),
        ("time", "right"),
    )
    for column, justify in columns:
        table.add_column(column, justify=justify)
    for output in report.outputs:
        table.add_row(*_row(output))
    console.print(table)
    if verbose:
        timings = Table(show_edge=False, box=None, pad_edge=False)
        timings.add_column("stage")
        timings.add_column("time", justify="right")
        for stage in report.stages:
            timings.add_row(stage.stage, f"{stage.seconds:.2f} s")
        timings.add_row("total", f"{sum(s.seconds for s in report.stages):.2f} s")
        console.print(timings)


def _row(output: Output) -> tuple[str, str, str, str]:
    pages = str(output.pages) if output.pages is not None else ""
    return str(output.path), pages, size_text(output.size), f"{output.seconds:.1f} s"


def size_text(size: int) -> str:
    return f"{size / 1024:.0f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"
