"""Which outputs are made together, and in how many processes.

The outputs fall into independent groups: the book PDF, then the EPUB (which takes the
PDF's page starts); the handout; the print PDF, then the booklet (which imposes it).
With more than one core, each group runs in its own process, forked from the build
with the book already read and converted, so nothing is parsed twice.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import FrameType

from publish.build.atomic import write_atomically
from publish.build.outputs import WRITERS, Job, Made
from publish.build.plan import FORMATS, file_name
from publish.errors import InternalError, PublishError
from publish.processes import process_pool

GROUPS = (("pdf", "epub"), ("handout",), ("print", "booklet"))


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
    """Each group in a worker; a worker that dies (a crash in a library, the kernel's OOM killer)
    takes the whole pool down, so the groups it left unmade are made again, each in a pool of its
    own: the others are made, and the one that dies again is reported as a bug of ours."""
    made: dict[tuple[str, ...], list[Made]] = {}
    with process_pool(min(len(groups), os.cpu_count() or 1)) as pool:
        futures = {group: pool.submit(_make_group, job, group, out) for group in groups}
        for group, future in futures.items():
            try:
                made[group] = future.result()
            except BrokenProcessPool:
                continue
            except Exception as error:  # _make_group itself failed, or its result did not come back
                made[group] = _bugs(job, group, out, error)
            for item in made[group]:
                finished(item.format)
    for group in groups:
        if group not in made:
            made[group] = _alone(job, group, out)
            for item in made[group]:
                finished(item.format)
    return [item for group in groups for item in made[group]]


def _alone(job: Job, group: tuple[str, ...], out: Path) -> list[Made]:
    _clear_leftovers(job, group, out)
    with process_pool(1) as pool:
        try:
            return pool.submit(_make_group, job, group, out).result()
        except Exception as error:
            _clear_leftovers(job, group, out)
            return _bugs(job, group, out, error)


def _clear_leftovers(job: Job, group: tuple[str, ...], out: Path) -> None:
    """The temporary files of a worker that died: it could not remove them itself."""
    for name in group:
        for leftover in out.glob(f".{file_name(job.book.slug, name)}.*.tmp"):
            leftover.unlink(missing_ok=True)


def _bugs(job: Job, group: tuple[str, ...], out: Path, error: Exception) -> list[Made]:
    """Every output of ``group`` stopped by a bug of ours (or by its worker's death)."""
    if isinstance(error, BrokenProcessPool):
        what = "the process making it died (a crash, or killed by the system: out of memory?)"
    else:
        what = f"{type(error).__name__}: {error}"
    details = "".join(traceback.format_exception(error))
    made = []
    for name in group:
        path = out / file_name(job.book.slug, name)
        made.append(Made(name, path, None, 0.0, bug=InternalError(f"{path.name}: {what}", details)))
    return made


@contextmanager
def _deadline(seconds: int, path: Path) -> Iterator[None]:
    """Stop making ``path`` after ``seconds``: a theme's template that loops without end, or a drawing
    WeasyPrint takes hours over, ends as the author's error instead of a hang. The alarm needs the
    main thread, where every build's writers run (a worker's, or the command's); elsewhere
    (the preview's PDF thread) the output is made without one."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        if _importing(frame):  # a module cut off halfway would break every later output: a moment more
            signal.setitimer(signal.ITIMER_REAL, 0.1)
            return
        raise PublishError(
            f"making {path.name} took more than {seconds:,} s",
            path=path,
            hint="something in the theme or the manuscript makes the layout work without end; "
            f"if the book is just that large, allow more with --limit output_seconds={seconds * 4}",
        )

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _importing(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _make_group(
    job: Job, names: tuple[str, ...], out: Path, finished: Callable[[str], None] = lambda name: None
) -> list[Made]:
    made: dict[str, Made] = {}
    for name in names:
        path = out / file_name(job.book.slug, name)
        begin = time.perf_counter()
        done = dict(made)  # the outputs before this one: the EPUB takes the PDF's page starts, the booklet its file
        try:
            with _deadline(job.book.limits.output_seconds, path):
                written = write_atomically(path, partial(WRITERS[name], job, done), job.options.strict)
        except PublishError as error:
            made[name] = Made(name, path, None, 0.0, error.diagnostics)
        except InternalError as error:
            made[name] = Made(name, path, None, 0.0, bug=error)
        else:
            made[name] = Made(name, path, written, time.perf_counter() - begin)
        finished(name)
    return list(made.values())
