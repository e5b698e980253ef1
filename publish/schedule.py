"""Which outputs are made together, and in how many processes.

The outputs fall into independent groups: the book PDF, then the EPUB (which takes the
PDF's page starts) and the booklet (which imposes the PDF); the handout; the print PDF.
With more than one core, each group runs in its own process, forked from the build
with the book already read and converted, so nothing is parsed twice.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from publish.errors import Diagnostic, PublishError
from publish.outputs import FORMATS, WRITERS, Job, file_name, write_atomically

GROUPS = (("pdf", "epub", "booklet"), ("handout",), ("print",))


@dataclass(frozen=True)
class Made:
    """One output: made (``errors`` empty) or failed, its old file left in place."""

    format: str
    path: Path
    pages: int | None
    warnings: tuple[str, ...]
    seconds: float
    errors: tuple[Diagnostic, ...] = ()


def make_outputs(job: Job, formats: tuple[str, ...], out: Path, parallel: bool,
                 started: Callable[[str], None], finished: Callable[[str], None]) -> list[Made]:
    """Make ``formats`` into ``out``; the result is in FORMATS order whatever ran first."""
    groups = [g for g in (tuple(n for n in group if n in formats) for group in GROUPS) if g]
    for name in formats:
        started(name)
    if not parallel or len(groups) < 2 or (os.cpu_count() or 1) < 2:
        made = [m for group in groups for m in _make_group(job, group, out, finished)]
    else:
        made = _in_processes(job, groups, out, finished)
    return sorted(made, key=lambda m: FORMATS.index(m.format))


def _in_processes(job: Job, groups: list[tuple[str, ...]], out: Path, finished: Callable[[str], None]) -> list[Made]:
    workers = min(len(groups), os.cpu_count() or 1)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_die_with_parent)
    try:
        futures = [pool.submit(_make_group, job, group, out) for group in groups]
        made = []
        for future in futures:
            group_made = future.result()
            for item in group_made:
                finished(item.format)
            made += group_made
        return made
    except BaseException:  # interrupted, or a worker died: stop the others, which clean up their files
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _die_with_parent() -> None:
    """A worker gets SIGTERM (and cleans its temporary file) if the build is killed outright."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _make_group(job: Job, names: tuple[str, ...], out: Path,
                finished: Callable[[str], None] = lambda name: None) -> list[Made]:
    made = []
    for name in names:
        path = out / file_name(job.book.slug, name)
        begin = time.perf_counter()
        try:
            pages, warnings = write_atomically(path, lambda target: WRITERS[name](job, target), job.options.strict)
        except PublishError as error:
            made.append(Made(name, path, None, (), 0.0, error.diagnostics))
        else:
            job.done[name] = path
            made.append(Made(name, path, pages, tuple(warnings), time.perf_counter() - begin))
        finished(name)
    return made
