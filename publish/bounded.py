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
import struct
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NoReturn, TypeVar

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
    if _inside_budget:  # already in a bounded child: no second fork (10 ms each), the deadline by an alarm
        return _in_place_within(seconds, memory, function, args)
    reader, writer = os.pipe()
    parent = os.getpid()
    pid = _fork(function, reader, writer)
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


def _fork(function: Callable[..., object], reader: int, writer: int) -> int:
    try:
        return os.fork()
    except OSError as error:
        os.close(reader)
        os.close(writer)
        name = getattr(function, "__qualname__", repr(function))
        code = errno.errorcode.get(error.errno or 0, str(error.errno))
        raise RuntimeError(
            f"cannot start a process to run {name} ({code}: {error.strerror}):"
            " the machine is out of processes or memory"
        ) from None


# In a bounded child: True. The work it runs may ask for a budget again (a chapter's images are checked
# while the chapter converts); the child's own budget bounds that already, so it runs in place.
_inside_budget = False


def _in_place_within(seconds: float, memory: int, function: Callable[..., T], args: tuple[object, ...]) -> T:
    """``function(*args)`` in this bounded child, stopped at ``seconds`` by an alarm (a child has one
    thread, and nothing else of ours sets one there); its memory is the child's own budget."""

    def late(signum: int, frame: object) -> None:
        raise OverBudget("time", seconds, memory)

    previous = signal.signal(signal.SIGALRM, late)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function(*args)
    except MemoryError:
        raise OverBudget("memory", seconds, memory) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _enter_child(memory: int, parent: int) -> None:
    global _inside_budget
    _inside_budget = True
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    die_with_parent(parent)
    _limit_memory(memory)


def _outcome_of(function: Callable[..., object], args: tuple[object, ...]) -> tuple[bytes, bytes]:
    """``function(*args)`` as the parent will read it: a tag and a pickle."""
    try:
        return b"V", _pickled(function(*args))
    except MemoryError:
        return b"M", pickle.dumps(("memory",))
    except Exception as error:  # it travels to the parent, which raises it there
        return b"E", pickle.dumps(("error", _pickled_or_none(error), _describe(error), traceback.format_exc()))


def _run_child(
    writer: int, function: Callable[..., object], args: tuple[object, ...], memory: int, parent: int
) -> NoReturn:
    code = 0
    try:
        _enter_child(memory, parent)
        kind, data = _outcome_of(function, args)
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


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What one item of ``map_bounded`` gave: its value, or the error it ended in."""

    value: T | None = None
    error: BaseException | None = None


def map_bounded(
    function: Callable[[Any], T],
    items: Sequence[Any],
    *,
    seconds: float,
    memory: int,
    workers: int,
    done: Callable[[int], None] = lambda index: None,
) -> list[Outcome[T]]:
    """``function(item)`` for every item, in up to ``workers`` forked children, each item within
    ``seconds`` and ``memory`` (as ``run_bounded``): a book's chapters converted two at a time on two
    cores, at the cost of one fork per child, not one per chapter (10 ms each for a build that
    holds WeasyPrint).

    A child past an item's deadline is killed, that item ends as ``OverBudget``, and a new child
    takes the items after it; so does a child out of memory, or one that died. ``done(index)`` is
    called in this process as each item ends. Outcomes come back in the order of ``items``.
    """
    if _inside_budget:
        return [_in_place(function, item, index, done) for index, item in enumerate(items)]
    outcomes: dict[int, Outcome[T]] = {}
    queues = [list(range(start, len(items), workers)) for start in range(min(workers, len(items)))]
    children = [_Child.start(function, items, queue, memory) for queue in queues if queue]
    try:
        with selectors.DefaultSelector() as selector:
            for child in children:
                selector.register(child.reader, selectors.EVENT_READ, child)
            while children:
                busy = [child.started + seconds - time.monotonic() for child in children if child.current is not None]
                for key, _ in selector.select(max(0.0, min(busy, default=seconds))):
                    for index, outcome in key.data.receive(seconds, memory):
                        outcomes[index] = outcome
                        done(index)
                for child in [c for c in children if c.ended or c.late(seconds)]:
                    selector.unregister(child.reader)
                    children.remove(child)
                    successor = _replace(child, function, items, outcomes, seconds, memory, done)
                    if successor is not None:
                        selector.register(successor.reader, selectors.EVENT_READ, successor)
                        children.append(successor)
    finally:
        for child in children:
            child.stop()
    return [outcomes[index] for index in range(len(items))]


def _replace(
    child: _Child,
    function: Callable[[Any], T],
    items: Sequence[Any],
    outcomes: dict[int, Outcome[T]],
    seconds: float,
    memory: int,
    done: Callable[[int], None],
) -> _Child | None:
    """Stop a child that ended or is late; its item in hand fails; a new child takes what is left."""
    index, late = child.current, child.late(seconds)
    child.stop()
    if index is not None:
        died = RuntimeError(f"the process working on it died (wait status {child.status})")
        outcomes[index] = Outcome(error=OverBudget("time", seconds, memory) if late else died)
        done(index)
    rest = [i for i in child.queue if i not in outcomes]
    return _Child.start(function, items, rest, memory) if rest else None


def _in_place(function: Callable[[Any], T], item: object, index: int, done: Callable[[int], None]) -> Outcome[T]:
    try:
        outcome: Outcome[T] = Outcome(value=function(item))
    except Exception as error:
        outcome = Outcome(error=error)
    done(index)
    return outcome


class _Child:
    """One child of ``map_bounded``, working through its ``queue`` of item indices."""

    def __init__(self, pid: int, reader: int, queue: list[int]) -> None:
        self.pid = pid
        self.reader = reader
        self.queue = queue
        self.buffer = b""
        self.current: int | None = queue[0]  # from its fork: a child that hangs before its first item is late too
        self.started = time.monotonic()
        self.ended = False
        self.status = 0

    @classmethod
    def start(cls, function: Callable[[Any], object], items: Sequence[Any], queue: list[int], memory: int) -> _Child:
        reader, writer = os.pipe()
        parent = os.getpid()
        pid = _fork(function, reader, writer)
        if pid == 0:
            os.close(reader)
            _serve_items(writer, function, items, queue, memory, parent)
        os.close(writer)
        return cls(pid, reader, queue)

    def receive(self, seconds: float, memory: int) -> list[tuple[int, Outcome[Any]]]:
        """The items this child finished since the last call; marks its start of the next one."""
        chunk = os.read(self.reader, 1 << 20)
        if not chunk:
            self.ended = True
            return []
        self.buffer += chunk
        finished = []
        while len(self.buffer) >= _FRAME.size:
            tag, index, length = _FRAME.unpack_from(self.buffer)
            if len(self.buffer) < _FRAME.size + length:
                break
            payload = self.buffer[_FRAME.size : _FRAME.size + length]
            self.buffer = self.buffer[_FRAME.size + length :]
            if tag == b"S":
                self.current, self.started = index, time.monotonic()
                continue
            self.current = None
            try:
                outcome: Outcome[Any] = Outcome(value=_received(tag + payload, 0, seconds, memory))
            except Exception as error:
                outcome = Outcome(error=error)
            finished.append((index, outcome))
        return finished

    def late(self, seconds: float) -> bool:
        return self.current is not None and time.monotonic() - self.started > seconds

    def stop(self) -> None:
        """Kill the child if it still runs, and reap it."""
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, self.status = os.waitpid(self.pid, 0)
            self.pid = 0
            os.close(self.reader)


_FRAME = struct.Struct(">cIQ")  # tag (S start, V value, E error, M memory), item index, payload length


def _serve_items(
    writer: int, function: Callable[[Any], object], items: Sequence[Any], queue: list[int], memory: int, parent: int
) -> NoReturn:
    code = 0
    try:
        _enter_child(memory, parent)
        with os.fdopen(writer, "wb", buffering=0) as pipe:
            for index in queue:
                pipe.write(_FRAME.pack(b"S", index, 0))
                kind, data = _outcome_of(function, (items[index],))
                pipe.write(_FRAME.pack(kind, index, len(data)) + data)
                if kind == b"M":  # after a MemoryError nothing is sure: a new child takes the rest
                    break
    except BaseException:
        code = 1
    finally:
        os._exit(code)
