"""Worker processes: forked from the build (nothing is imported or parsed twice), killed with it."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of forked workers; leaving it on an error or Ctrl-C stops the workers at once,
    and each cleans up its temporary files on SIGTERM or SIGHUP, then exits without a word."""
    pool = _Pool(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )
    try:
        yield pool
    except BaseException:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _Pool(ProcessPoolExecutor):
    """Every task runs through ``_run_task``, so that a stopped worker exits quietly."""

    def submit(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> Future[T]:
        return super().submit(_run_task, fn, *args, **kwargs)


_busy = False  # in a worker: whether a task is running (a stop then unwinds it, to clean up)


def _start_worker(parent: int) -> None:
    """Die with the build, and stop quietly when told to."""
    global _busy
    _busy = False  # forked from a busy worker (a group's own chapter pool): this one is idle
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the build stops us
    signal.signal(signal.SIGTERM, _stop_worker)
    signal.signal(signal.SIGHUP, _stop_worker)


def _stop_worker(signum: int, frame: object) -> None:
    # Idle, there is nothing to clean up (and the pool's own loop would print a traceback);
    # busy, the task unwinds through its finally blocks, and _run_task exits.
    if not _busy:
        os._exit(128 + signum)
    raise KeyboardInterrupt


def _run_task(fn: Callable[..., T], /, *args: object, **kwargs: object) -> T:
    global _busy
    _busy = True
    try:
        return fn(*args, **kwargs)
    except KeyboardInterrupt:
        os._exit(130)  # stopped, temporary files removed: nobody is waiting for a result
    finally:
        _busy = False


def die_with_parent(parent: int) -> None:
    """The kernel kills this process when the process that forked it dies, however it dies.

    SIGKILL, not SIGTERM: a worker must not outlive the build, whatever its signal handlers
    do. The signal is tied to the forking thread; in ProcessPoolExecutor (fork) and in
    run_bounded that is the thread that stays to collect the results. The parent may have
    died between the fork and now: then nobody sent the signal, and we go at once.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


_PR_SET_PDEATHSIG = 1
