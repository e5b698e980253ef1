"""One build of a book, and into an output folder, at a time: the next one waits for its turn.

Two builds of the same book share its store and its output files: one would clear the
other's temporary files, or join chapters the other is writing. Each takes an exclusive
``flock`` on ``<manuscript>/.publish/lock`` for the whole build, then, once the output
folder is made, on that folder itself (a lock file there would be one more file among the
author's outputs). The kernel drops a lock when its holder dies, however it dies: a killed
build never leaves a stale lock behind.

Where no lock file can be made (a read-only checkout, a ``.publish`` that is a file), the
manuscript folder itself is the book's lock; when it is also the output folder, it is
held once (a second ``flock`` of it by the same build would wait for itself forever). Two
builds never wait for each other in a circle (a book building into the other's folder):
a build only ever waits for a lock ordered after the one it holds; when the output folder
comes first, it lets go of the book's lock while it waits, then takes both in order.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from publish.errors import PublishError

LOCK_FILE = Path(".publish") / "lock"


class BuildLock:
    """The locks a build holds; released together when it ends."""

    def __init__(self, stack: ExitStack, waiting: Callable[[str], None], book: int | None) -> None:
        self._stack = stack
        self._waiting = waiting
        self._book = book  # the book's lock, held (None: no manuscript folder)

    def output_folder(self, out: Path) -> None:
        """Also hold ``out`` (which exists by now), waiting for any other build writing into it."""
        descriptor = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self._stack.callback(os.close, descriptor)
        book = self._book
        if book is not None and os.path.samestat(os.fstat(book), os.fstat(descriptor)):
            return  # the manuscript folder is the book's lock, and the output folder too: held already
        if _try(descriptor):
            return
        if book is None or _order(book) < _order(descriptor):
            _hold(descriptor, "into this output folder", self._waiting)
            return
        # The output folder comes first: waiting for it while holding the book's lock could
        # close a circle (another build holding it and waiting for our book); take both in order.
        fcntl.flock(book, fcntl.LOCK_UN)
        _hold(descriptor, "into this output folder", self._waiting)
        _hold(book, "of this book", self._waiting)
        _record_holder(book)


@contextmanager
def lock_book(manuscript: Path, waiting: Callable[[str], None]) -> Iterator[BuildLock]:
    """Hold the manuscript's lock for the whole build; ``waiting`` hears when another build has a lock we need."""
    with ExitStack() as stack:
        descriptor = _open_book_lock(manuscript)
        if descriptor is not None:
            stack.callback(os.close, descriptor)
            _hold(descriptor, "of this book", waiting)
            _record_holder(descriptor)
        yield BuildLock(stack, waiting, descriptor)


def _open_book_lock(manuscript: Path) -> int | None:
    """The lock file, or the manuscript folder itself where no file can be made (a read-only
    checkout, a ``.publish`` that is no folder); None when there is no folder (the check says so).

    The lock file is ours: one that is a symbolic link, or no regular file, was put there by
    someone else, and is refused rather than followed or written to.
    """
    if not manuscript.is_dir():
        return None
    path = manuscript / LOCK_FILE
    try:
        (manuscript / LOCK_FILE.parent).mkdir(exist_ok=True)
    except OSError:
        pass  # the open below fails too, and says whether the folder must be the lock
    _refuse_foreign(path)
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):  # replaced since the look above
            _refuse_foreign(path)
            raise _foreign(path, "is not a plain file") from None
        return os.open(manuscript, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise _foreign(path, "is not a plain file")
    return descriptor


def _refuse_foreign(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
    except OSError:
        return  # absent (made by the open), or out of reach (the folder is the lock)
    if stat.S_ISLNK(mode):
        raise _foreign(path, "is a symbolic link")
    if not stat.S_ISREG(mode):
        raise _foreign(path, "is not a plain file")


def _foreign(path: Path, what: str) -> PublishError:
    return PublishError(
        f"the build's lock file {what}, where publish makes a plain file of its own",
        path=path,
        hint="remove it: the next build makes it again",
    )


def _order(descriptor: int) -> tuple[int, int]:
    """Where the locked file is: every build takes its locks in this one order."""
    status = os.fstat(descriptor)
    return status.st_dev, status.st_ino


def _try(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _hold(descriptor: int, what: str, waiting: Callable[[str], None]) -> None:
    if not _try(descriptor):
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
