"""Worker processes: forked from the build (nothing is imported or parsed twice), killed with it;
and work run in a forked child under a time and memory budget."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import NoReturn, TypeVar

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
    _die_with_parent(parent)
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


def _die_with_parent(parent: int) -> None:
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


class OverBudget(Exception):
    """Work that ran past its budget: ``what`` is "time" or "memory"."""

    def __init__(self, what: str, seconds: float, memory: int) -> None:
        super().__init__(what, seconds, memory)
        self.what = what
        self.seconds = seconds
        self.memory = memory

    def __str__(self) -> str:
        if self.what == "time":
            return f"took more than {self.seconds:g} s"
        return f"needed more than {self.memory // 2**20:,} MiB of memory"


def run_bounded(function: Callable[..., T], *args: object, seconds: float, memory: int) -> T:
    """``function(*args)`` in a forked child that may take ``seconds`` and ``memory`` more bytes.

    The child is killed at the deadline, and its address space is capped at what the build
    holds now plus ``memory``, so a pathological input (a regex that backtracks, an image
    bomb) ends as ``OverBudget`` instead of a hang or an exhausted machine. The result, or
    the exception the function raised, comes back pickled; a child that dies otherwise is
    a RuntimeError (a bug of ours).
    """
    reader, writer = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(reader)
        _run_child(writer, function, args, memory, parent)
    os.close(writer)
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([reader], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                raise OverBudget("time", seconds, memory)
            chunk = os.read(reader, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(reader)
        _, status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    if not data:
        raise RuntimeError(f"a bounded worker died (wait status {status})")
    kind, value = pickle.loads(data)
    if kind == "memory":
        raise OverBudget("memory", seconds, memory)
    if kind == "error":
        raise value
    return value


def _run_child(
    writer: int, function: Callable[..., object], args: tuple[object, ...], memory: int, parent: int
) -> NoReturn:
    code = 0
    try:
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
            _die_with_parent(parent)
            used = _address_space()
            if used:
                resource.setrlimit(resource.RLIMIT_AS, (used + memory, resource.getrlimit(resource.RLIMIT_AS)[1]))
            result: tuple[str, object] = ("value", function(*args))
        except MemoryError:
            result = ("memory", None)
        except Exception as error:  # it travels to the parent, which raises it there
            result = ("error", error)
        try:
            data = pickle.dumps(result)
        except Exception as error:
            data = pickle.dumps(("error", RuntimeError(f"unpicklable result: {error}")))
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(data)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 when it cannot be read)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0
