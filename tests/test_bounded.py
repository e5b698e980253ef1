"""run_bounded: work in a forked child under a time and memory budget, against hostile conditions."""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import pytest

from publish.bounded import OverBudget, run_bounded

MiB = 2**20


def _sleep_then_mark(seconds: float, mark: str) -> str:
    time.sleep(seconds)
    Path(mark).write_text("finished", encoding="ascii")
    return "finished"


def test_the_child_is_killed_when_the_wait_is_interrupted(tmp_path, monkeypatch):
    """A SIGTERM handler raising KeyboardInterrupt (the CLI's) must not leave the parent waiting
    for the child's natural end: the child is killed and reaped before the interrupt goes on."""
    forked: list[int] = []
    real_fork = os.fork

    def recording_fork() -> int:
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fork", recording_fork)
    mark = tmp_path / "mark"
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(KeyboardInterrupt):
            run_bounded(_sleep_then_mark, 30, str(mark), seconds=60, memory=256 * MiB)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    [pid] = forked
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped already
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not mark.exists(), "the child ran to its end"


def test_a_child_past_its_deadline_is_killed(tmp_path):
    mark = tmp_path / "mark"
    with pytest.raises(OverBudget) as caught:
        run_bounded(_sleep_then_mark, 30, str(mark), seconds=0.5, memory=256 * MiB)
    assert caught.value.what == "time"
    assert not mark.exists()


def _run_python(code: str, preexec_fn: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=preexec_fn,
    )


def test_a_build_under_ulimit_v_still_runs_bounded_work():
    """`ulimit -v`: the child's cap stays under the hard limit instead of failing to be set."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[0])
    limit = pages * resource.getpagesize() + 300 * MiB

    def limit_address_space() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    result = _run_python(
        """
        from publish.bounded import OverBudget, run_bounded
        print(run_bounded(pow, 2, 10, seconds=60, memory=2**40))  # a budget far past the hard limit
        try:
            run_bounded(bytearray, 2**40, seconds=60, memory=2**40)
        except OverBudget as error:
            print(error.what)
        """,
        limit_address_space,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1024", "memory"]


def _fails() -> None:
    raise ValueError("a bug deep in a worker")


def test_an_error_comes_back_with_the_childs_traceback():
    with pytest.raises(ValueError, match="a bug deep in a worker") as caught:
        run_bounded(_fails, seconds=60, memory=256 * MiB)
    notes = "".join(getattr(caught.value, "__notes__", []))
    assert notes.startswith("in the bounded child:\nTraceback")
    assert "in _fails" in notes and 'raise ValueError("a bug deep in a worker")' in notes


class NeedsTwoArguments(Exception):
    """Pickles, but does not unpickle: its args hold one message, its __init__ wants two."""

    def __init__(self, what: str, where: str) -> None:
        super().__init__(f"{what} at {where}")


def _fails_unpicklably() -> None:
    raise NeedsTwoArguments("a broken tag", "line 3")


def test_an_error_that_cannot_be_unpickled_is_a_runtime_error_with_its_traceback():
    with pytest.raises(RuntimeError) as caught:
        run_bounded(_fails_unpicklably, seconds=60, memory=256 * MiB)
    message = str(caught.value)
    assert message.startswith("a bounded worker's error could not be brought back: ")
    assert "NeedsTwoArguments: a broken tag at line 3" in message
    notes = "".join(getattr(caught.value, "__notes__", []))
    assert "in _fails_unpicklably" in notes and "NeedsTwoArguments" in notes


class HoldsALock(Exception):
    """Refuses to be pickled, as lxml's XMLSyntaxError does at times."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


def _fails_unpicklingly() -> None:
    raise HoldsALock("malformed XHTML")


def test_an_error_that_cannot_be_pickled_is_a_runtime_error_with_its_type_message_and_traceback():
    with pytest.raises(RuntimeError) as caught:
        run_bounded(_fails_unpicklingly, seconds=60, memory=256 * MiB)
    assert str(caught.value) == "a bounded worker's error could not be brought back: HoldsALock: malformed XHTML"
    notes = "".join(getattr(caught.value, "__notes__", []))
    assert "in _fails_unpicklingly" in notes and 'raise HoldsALock("malformed XHTML")' in notes


def _returns_a_lock() -> object:
    return threading.Lock()


def test_a_result_that_cannot_be_pickled_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="a bounded worker's result cannot be pickled: TypeError"):
        run_bounded(_returns_a_lock, seconds=60, memory=256 * MiB)


def test_a_large_result_comes_back_whole():
    data = run_bounded(os.urandom, 8 * MiB, seconds=60, memory=256 * MiB)
    assert len(data) == 8 * MiB


def test_descriptors_past_1024_do_not_stop_bounded_work():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"at most {hard} open files here")
    result = _run_python(
        """
        import os, resource
        from publish.bounded import run_bounded
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = 2048 if hard == resource.RLIM_INFINITY else min(hard, 2048)
        if soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        opened = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
        assert max(opened) >= 1100
        print(run_bounded(pow, 3, 4, seconds=60, memory=2**28))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["81"]


def test_a_fork_that_fails_is_a_clear_error(monkeypatch):
    def no_more_processes() -> int:
        raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN))

    before = sorted(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(os, "fork", no_more_processes)
    with pytest.raises(RuntimeError) as caught:
        run_bounded(pow, 2, 3, seconds=60, memory=256 * MiB)
    assert str(caught.value) == (
        "cannot start a process to run pow (EAGAIN: Resource temporarily unavailable):"
        " the machine is out of processes or memory"
    )
    assert sorted(os.listdir("/proc/self/fd")) == before, "the pipe is closed"


def _work(item: object) -> object:
    """What the map_bounded tests ask of a child, by item."""
    if item == "sleep":
        time.sleep(60)
    if item == "eat":
        return bytearray(1 << 30)
    if item == "die":
        os._exit(3)
    if item == "fail":
        raise ValueError("raté")
    if item == "nested":
        return run_bounded(os.getpid, seconds=5, memory=1 << 20), os.getpid()
    return (item, os.getpid())


def test_map_bounded_gives_every_value_in_order_from_few_children():
    from publish.bounded import map_bounded

    finished: list[int] = []
    outcomes = map_bounded(_work, list(range(12)), seconds=30, memory=256 << 20, workers=2, done=finished.append)
    assert [o.value[0] for o in outcomes] == list(range(12)) and not any(o.error for o in outcomes)
    assert len({o.value[1] for o in outcomes}) == 2  # two children, not twelve
    assert sorted(finished) == list(range(12))


def test_map_bounded_ends_a_late_a_greedy_a_dying_and_a_failing_item_and_does_the_rest():
    from publish.bounded import OverBudget, map_bounded

    items = ["a", "sleep", "b", "eat", "c", "die", "d", "fail", "e"]
    outcomes = map_bounded(_work, items, seconds=1, memory=128 << 20, workers=2)
    errors = {items[i]: o.error for i, o in enumerate(outcomes) if o.error is not None}
    assert isinstance(errors["sleep"], OverBudget) and errors["sleep"].what == "time"
    assert isinstance(errors["eat"], OverBudget) and errors["eat"].what == "memory"
    assert isinstance(errors["die"], RuntimeError) and "died" in str(errors["die"])
    assert isinstance(errors["fail"], ValueError) and str(errors["fail"]) == "raté"
    assert [o.value[0] for o in outcomes if o.error is None] == ["a", "b", "c", "d", "e"]


def test_a_budget_asked_for_inside_a_bounded_child_runs_in_place():
    from publish.bounded import map_bounded

    (outcome,) = map_bounded(_work, ["nested"], seconds=30, memory=256 << 20, workers=1)
    inner, outer = outcome.value
    assert inner == outer != os.getpid()  # the inner budget ran in the child itself: no second fork


def _nested_late(seconds: float) -> object:
    try:
        run_bounded(time.sleep, 30, seconds=seconds, memory=1 << 20)
    except OverBudget as over:
        return over.what, os.getpid()
    return "finished"


def test_a_budget_inside_a_bounded_child_keeps_its_own_deadline():
    """A remote image's 10 s inside a chapter's 60 s: the inner deadline still holds, without a fork."""
    from publish.bounded import map_bounded

    (outcome,) = map_bounded(_nested_late, [0.5], seconds=60, memory=256 << 20, workers=1)
    assert outcome.error is None and outcome.value[0] == "time" and outcome.value[1] != os.getpid()
