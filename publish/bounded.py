"""Work run in a forked child under a time and memory budget: a pathological input ends as an error, never a hang.

A chapter whose brackets make a regex backtrack, an image that decodes to gigabytes: each is
converted or checked in a child the build can kill at a deadline, whose address space is
capped, so it ends as ``OverBudget`` naming what was being done. Children die with the build
(processes.die_with_parent), and results come back pickled through a pipe.
"""

from __future__ import annotations

import errno
import os
import pickle
import resource
import selectors
import signal
import time
import traceback
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from publish.processes import die_with_parent

T = TypeVar("T")


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
    holds now plus ``memory`` (within any hard limit the build runs under), so a pathological
    input (a regex that backtracks, an image bomb) ends as ``OverBudget`` instead of a hang or
    an exhausted machine. The child is killed too when the wait is interrupted (Ctrl-C, a
    SIGTERM whose handler raises). The result, or the exception the function raised, comes
    back pickled, the exception with the child's traceback as a note; a child that dies
    otherwise, or an exception that cannot travel back, is a RuntimeError (a bug of ours).
    """
    reader, writer = os.pipe()
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError as error:
        os.close(reader)
        os.close(writer)
        name = getattr(function, "__qualname__", repr(function))
        code = errno.errorcode.get(error.errno or 0, str(error.errno))
        raise RuntimeError(
            f"cannot start a process to run {name} ({code}: {error.strerror}):"
            " the machine is out of processes or memory"
        ) from None
    if pid == 0:  # the child: never returns
        os.close(reader)
        _run_child(writer, function, args, memory, parent)
    os.close(writer)
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    ended = False  # the child closed its end: it is exiting by itself
    try:
        with selectors.DefaultSelector() as selector:  # not select(): descriptors may be past 1024
            selector.register(reader, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise OverBudget("time", seconds, memory)
                chunk = os.read(reader, 1 << 20)
                if not chunk:
                    ended = True
                    break
                chunks.append(chunk)
    finally:
        os.close(reader)
        if not ended:  # past the deadline, or the wait interrupted: the child must not live on
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)
    return _received(b"".join(chunks), status, seconds, memory)


def _received(data: bytes, status: int, seconds: float, memory: int) -> Any:
    """What the child sent: its value, else raised here as it was there."""
    if not data:
        raise RuntimeError(f"a bounded worker died (wait status {status})")
    if data[:1] == b"V":  # the value, pickled alone (a large image is not copied once more)
        try:
            return pickle.loads(memoryview(data)[1:])
        except Exception as error:
            raise RuntimeError(f"a bounded worker's result could not be brought back: {_describe(error)}") from None
    message = pickle.loads(memoryview(data)[1:])  # a tuple of str and bytes: it always comes back
    if message[0] == "memory":
        raise OverBudget("memory", seconds, memory)
    _, pickled, described, child_traceback = message
    note = "in the bounded child:\n" + child_traceback
    if pickled is None:  # pickling failed in the child
        failure = RuntimeError(f"a bounded worker's error could not be brought back: {described}")
        failure.add_note(note)
        raise failure
    try:
        brought = pickle.loads(pickled)
    except Exception as unpickling:
        failure = RuntimeError(
            f"a bounded worker's error could not be brought back: {described} ({_describe(unpickling)})"
        )
        failure.add_note(note)
        raise failure from None
    if isinstance(brought, BaseException):
        brought.add_note(note)
        raise brought
    raise RuntimeError(f"a bounded worker sent no exception: {brought!r}")


def _describe(error: BaseException) -> str:
    try:
        return f"{type(error).__qualname__}: {error}"
    except Exception:  # its __str__ fails too
        return type(error).__qualname__


def _run_child(
    writer: int, function: Callable[..., object], args: tuple[object, ...], memory: int, parent: int
) -> NoReturn:
    code = 0
    try:
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
            die_with_parent(parent)
            _limit_memory(memory)
            kind, data = b"V", _pickled(function(*args))
        except MemoryError:
            kind, data = b"M", pickle.dumps(("memory",))
        except Exception as error:  # it travels to the parent, which raises it there
            kind, data = (
                b"E",
                pickle.dumps(("error", _pickled_or_none(error), _describe(error), traceback.format_exc())),
            )
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(kind)
            pipe.write(data)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _pickled(value: object) -> bytes:
    """``value`` pickled, or an error (raised in the child, it travels as any other)."""
    try:
        return pickle.dumps(value)
    except MemoryError:
        raise
    except Exception as error:
        raise RuntimeError(f"a bounded worker's result cannot be pickled: {_describe(error)}") from None


def _pickled_or_none(error: BaseException) -> bytes | None:
    try:
        return pickle.dumps(error)
    except Exception:  # some exceptions refuse (lxml's XMLSyntaxError at times): described instead
        return None


def _limit_memory(memory: int) -> None:
    """Cap this process's address space at what it uses now plus ``memory``, never above a limit
    it already runs under (``ulimit -v``: the hard one cannot be raised, the soft one was chosen)."""
    used = _address_space()
    if not used:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = used + memory
    for given in (soft, hard):
        if given != resource.RLIM_INFINITY:
            limit = min(limit, given)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 when it cannot be read)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0
