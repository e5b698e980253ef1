"""One build of a book, and into an output folder, at a time: the next one waits for its turn.

Two builds of the same book share its store and its output files: one would clear the
other's temporary files, or join chapters the other is writing. Each takes an exclusive
``flock`` on ``<manuscript>/.publish/lock`` for the whole build, then, once the output
folder is made, on that folder itself (a lock file there would be one more file among the
author's outputs). The kernel drops a lock when its holder dies, however it dies: a killed
build never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

LOCK_FILE = Path(".publish") / "lock"


class BuildLock:
    """The locks a build holds; released together when it ends."""

    def __init__(self, stack: ExitStack, waiting: Callable[[str], None]) -> None:
        self._stack = stack
        self._waiting = waiting

    def output_folder(self, out: Path) -> None:
        """Also hold ``out`` (which exists by now), waiting for any other build writing into it."""
        descriptor = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
        self._stack.callback(os.close, descriptor)
        _hold(descriptor, "into this output folder", self._waiting)


@contextmanager
def lock_book(manuscript: Path, waiting: Callable[[str], None]) -> Iterator[BuildLock]:
    """Hold the manuscript's lock for the whole build; ``waiting`` hears, once, that another has it."""
    with ExitStack() as stack:
        descriptor = _open_book_lock(manuscript)
        if descriptor is not None:
            stack.callback(os.close, descriptor)
            _hold(descriptor, "of this book", waiting)
            _record_holder(descriptor)
        yield BuildLock(stack, waiting)


def _open_book_lock(manuscript: Path) -> int | None:
    """The lock file, or the manuscript folder itself where no file can be made (a read-only
    checkout); None when there is no folder (the check says so)."""
    if not manuscript.is_dir():
        return None
    try:
        (manuscript / LOCK_FILE.parent).mkdir(exist_ok=True)
        return os.open(manuscript / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError:
        return os.open(manuscript, os.O_RDONLY | os.O_DIRECTORY)


def _hold(descriptor: int, what: str, waiting: Callable[[str], None]) -> None:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(descriptor)
        waiting(f"waiting for another build {what}{f' (pid {holder})' if holder else ''} to finish")
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # Ctrl-C and SIGTERM still interrupt the wait


def _holder(descriptor: int) -> int | None:
    """The pid holding the lock: from the kernel's list of locks, else from the lock file."""
    status = os.fstat(descriptor)
    place = f"{os.major(status.st_dev):02x}:{os.minor(status.st_dev):02x}:{status.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii") as locks:
            for line in locks:
                fields = line.split()
                if "FLOCK" in fields and place in fields and "->" not in fields:  # "->": a waiter
                    return int(fields[fields.index(place) - 1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.pread(descriptor, 32, 0).decode("ascii").strip() or "x")
    except (OSError, ValueError):
        return None


def _record_holder(descriptor: int) -> None:
    """Our pid in the lock file, for a waiting build where /proc/locks cannot be read."""
    try:
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
    except OSError:
        pass  # the folder itself is the lock (read-only manuscript): nowhere to write
