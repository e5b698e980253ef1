"""Which outputs are made together, and in how many processes.

The outputs fall into independent groups: the book PDF, then the EPUB (which takes the
PDF's page starts) and the booklet (which imposes the PDF); the handout; the print PDF.
With more than one core, each group runs in its own process, forked from the build
with the book already read and converted, so nothing is parsed twice.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from publish.build.atomic import write_atomically
from publish.build.outputs import WRITERS, Job, Made
from publish.build.plan import FORMATS, file_name
from publish.errors import InternalError, PublishError
from publish.processes import process_pool

GROUPS = (("pdf", "epub", "booklet"), ("handout",), ("print",))


def make_outputs(
    job: Job,
    formats: tuple[str, ...],
    out: Path,
    parallel: bool,
    started: Callable[[str], None],
    finished: Callable[[str], None],
) -> list[Made]:
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
    with process_pool(min(len(groups), os.cpu_count() or 1)) as pool:
        futures = [pool.submit(_make_group, job, group, out) for group in groups]
        made = []
        for future in futures:
            group_made = future.result()
            for item in group_made:
                finished(item.format)
            made += group_made
        return made


def _make_group(
    job: Job, names: tuple[str, ...], out: Path, finished: Callable[[str], None] = lambda name: None
) -> list[Made]:
    made: dict[str, Made] = {}
    for name in names:
        path = out / file_name(job.book.slug, name)
        begin = time.perf_counter()
        done = dict(made)  # the outputs before this one: the EPUB takes the PDF's page starts, the booklet its file
        try:
            written = write_atomically(path, partial(WRITERS[name], job, done), job.options.strict)
        except PublishError as error:
            made[name] = Made(name, path, None, 0.0, error.diagnostics)
        except InternalError as error:
            made[name] = Made(name, path, None, 0.0, bug=error)
        else:
            made[name] = Made(name, path, written, time.perf_counter() - begin)
        finished(name)
    return list(made.values())
