"""build(): load -> render -> each writer -> atomic write. Reads like the flow diagram."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from publish.check import check_book, stop_if_needed
from publish.errors import ERROR, WARNING, Diagnostic, PublishError
from publish.outputs import (DEFAULT_FORMATS, FORMATS, WRITERS, BuildOptions, Job, build_timestamp, file_name,
                             formats_for, write_atomically)
from publish.remote import RemotePolicy

__all__ = ["DEFAULT_FORMATS", "FORMATS", "BuildOptions", "BuildReport", "Output", "Progress", "StageTime", "build",
           "build_timestamp"]


@dataclass(frozen=True)
class Output:
    format: str
    path: Path
    size: int  # bytes
    pages: int | None  # PDFs only
    seconds: float


@dataclass(frozen=True)
class StageTime:
    stage: str  # "check", then one per format
    seconds: float


@dataclass(frozen=True)
class BuildReport:
    outputs: tuple[Output, ...]
    warnings: tuple[Diagnostic, ...] = field(default=())
    stages: tuple[StageTime, ...] = field(default=())


class Progress:
    """What a build tells its onlooker; the command line draws bars, the API stays silent.

    ``begin`` opens a stage ("chapters" with a count, or a format with none),
    ``step`` advances a counted stage, ``end`` closes it.
    """

    def begin(self, stage: str, total: int | None = None) -> None:
        pass

    def step(self, stage: str) -> None:
        pass

    def end(self, stage: str) -> None:
        pass


def build(folder: Path, out: Path, options: BuildOptions = BuildOptions(),
          progress: Progress = Progress()) -> BuildReport:
    """Check the manuscript in ``folder``, then build every requested format into ``out``."""
    for name in options.formats or ():
        if name not in FORMATS:
            raise PublishError(f"unknown format `{name}`", hint="formats are " + ", ".join(FORMATS))
    started = time.perf_counter()
    progress.begin("chapters", None)
    try:
        checked = check_book(folder, RemotePolicy(allowed=options.allow_remote),
                             chapter_done=lambda: progress.step("chapters"))
    finally:
        progress.end("chapters")
    stop_if_needed(checked, options.strict)
    stages = [StageTime("check", time.perf_counter() - started)]
    book = checked.book
    formats = formats_for(book.pdf, options)
    _prepare_folder(out, [file_name(book.slug, name) for name in formats])
    job = Job(book, checked.rendered, checked.theme, options)
    outputs: list[Output] = []
    warnings = list(checked.warnings)
    failures: dict[str, PublishError] = {}
    for name in formats:  # one format failing leaves the others to be made, and its old file intact
        path = out / file_name(book.slug, name)
        started = time.perf_counter()
        progress.begin(name)
        try:
            pages, more = write_atomically(path, lambda target: WRITERS[name](job, target), options.strict)
        except PublishError as error:
            failures[name] = error
            continue
        finally:
            progress.end(name)
        seconds = time.perf_counter() - started
        stages.append(StageTime(name, seconds))
        job.done[name] = path
        warnings += (Diagnostic(WARNING, message, path) for message in more)
        outputs.append(Output(name, path, path.stat().st_size, pages, seconds))
    if failures:
        raise _failed(failures, formats, outputs)
    return BuildReport(tuple(outputs), tuple(warnings), tuple(stages))


def _failed(failures: dict[str, PublishError], formats: tuple[str, ...], outputs: list[Output]) -> PublishError:
    """One error for the formats that failed: each distinct finding once (a template error
    breaks every medium alike), then which outputs were made all the same."""
    findings = list(dict.fromkeys(d for error in failures.values() for d in error.diagnostics))
    made = ", ".join(o.path.name for o in outputs) or "nothing"
    findings.append(Diagnostic(ERROR, f"{len(failures)} of {len(formats)} outputs failed: "
                               f"{', '.join(failures)} (made: {made})"))
    return PublishError.of(findings)


def _prepare_folder(out: Path, names: list[str]) -> None:
    """Create the output folder and clear what a killed build left: temporary files of our outputs."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in names:
            for leftover in out.glob(f".{name}.*.tmp"):
                leftover.unlink()
        for leftover in out.glob(".booklet-*"):
            shutil.rmtree(leftover, ignore_errors=True)
    except OSError as error:
        raise PublishError(f"cannot write to the output folder: {error.strerror}", path=out,
                           hint="choose another --out folder, or make this one writable") from None


