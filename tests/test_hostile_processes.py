"""Hostile conditions for the build's processes: killed builds, a full disk, two builds at once, bugs in writers."""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from publish.errors import PublishError

PARAGRAPH = "Un paragraphe assez long pour remplir quelques lignes de la page. " * 30
CHAPTERS = {
    f"0{i}-chapitre.md": f"# Chapitre {i}\n\n" + "\n\n".join(f"## Partie {j}\n\n{PARAGRAPH}" for j in range(4)) + "\n"
    for i in range(1, 7)
}


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _parents() -> dict[int, int]:
    """Every live process -> its parent (zombies count as gone)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            found[int(entry)] = int(fields[1])
    return found


def _descendants(pid: int) -> set[int]:
    parents = _parents()
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        children = {child for child, of in parents.items() if of == parent}
        todo += children - found
        found |= children
    return found


def _alive(pids: set[int]) -> set[int]:
    return pids & set(_parents())


def _start(folder: Path, out: Path, stderr: Path, *options: str) -> subprocess.Popen[bytes]:
    with stderr.open("wb") as errors:  # a file, not a pipe: a surviving worker would hold a pipe open
        return subprocess.Popen(
            [sys.executable, "-m", "publish", "build", str(folder), "--out", str(out), "--no-cache", *options],
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
        )


def _wait_for_workers(process: subprocess.Popen[bytes], how_many: int) -> set[int]:
    """The build's descendants once there are ``how_many`` of them: group workers and their chapter workers."""
    seen: set[int] = set()
    deadline = time.monotonic() + 180
    while len(_alive(seen)) < how_many:
        assert process.poll() is None, "the build ended before its workers were seen"
        assert time.monotonic() < deadline, f"only {len(_alive(seen))} workers after 180 s"
        seen |= _descendants(process.pid)
        time.sleep(0.05)
    return seen


def _wait_until_gone(pids: set[int]) -> set[int]:
    deadline = time.monotonic() + 30
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _alive(pids)
    for pid in left:  # never leave them to the next test
        os.kill(pid, signal.SIGKILL)
    return left


@pytest.mark.slow
def test_workers_and_their_workers_die_with_a_build_killed_outright(make_book, tmp_path):
    folder = make_book(CHAPTERS)
    process = _start(folder, tmp_path / "out", tmp_path / "stderr")
    workers = _wait_for_workers(process, 3)  # two group workers, and the PDF group's chapter workers
    process.kill()
    process.wait(timeout=60)
    assert _wait_until_gone(workers) == set()


def _built_once(make_book, tmp_path: Path, formats: str) -> tuple[Path, Path, dict[str, str]]:
    """A book built once from the command line: its folder, the output folder and the outputs' digests."""
    folder = make_book(CHAPTERS)
    out = tmp_path / "out"
    first = subprocess.run(
        [sys.executable, "-m", "publish", "build", str(folder), "--out", str(out), "--format", formats],
        capture_output=True,
    )
    assert first.returncode == 0, first.stderr
    return folder, out, _digests(out)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stop", "to_the_group"),
    [(signal.SIGHUP, True), (signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["hangup-of-the-terminal", "kill", "ctrl-c"],
)
def test_a_hung_up_build_cleans_up_like_a_terminated_one(make_book, tmp_path, stop, to_the_group):
    """A terminal's hangup and Ctrl-C reach every process of the build at once; `kill` only the build."""
    folder, out, before = _built_once(make_book, tmp_path, "pdf,epub")
    (folder / "chapters" / "01-chapitre.md").write_text("# Changé\n\n" + PARAGRAPH, encoding="utf-8")
    process = _start(folder, out, tmp_path / "stderr")
    workers = _wait_for_workers(process, 3)
    if to_the_group:  # the build leads its own process group (start_new_session)
        os.killpg(process.pid, stop)
    else:
        process.send_signal(stop)
    assert process.wait(timeout=120) == 130
    stderr = (tmp_path / "stderr").read_text(encoding="utf-8")
    assert "Traceback" not in stderr and "interrupted" in stderr, stderr
    assert _wait_until_gone(workers) == set()
    assert not list(out.glob(".*")), list(out.glob(".*"))
    assert _digests(out) == before


def _run_limited(folder: Path, out: Path, limit: int, *options: str) -> subprocess.CompletedProcess[str]:
    """A build that may write no file larger than ``limit`` bytes: past it, writes fail with EFBIG,
    as they would with ENOSPC on a full disk (SIGXFSZ ignored, or the kernel would kill the build)."""

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "publish", "build", str(folder), "--out", str(out), "--no-cache", *options],
        capture_output=True,
        text=True,
        preexec_fn=limit_file_size,
        timeout=600,
    )


@pytest.mark.slow
@pytest.mark.parametrize("mode", [(), ("--sequential",)], ids=["parallel", "sequential"])
def test_a_full_disk_is_a_clear_error_and_leaves_the_previous_outputs(make_book, tmp_path, mode):
    folder, out, before = _built_once(make_book, tmp_path, "pdf,epub,handout")
    files = {
        "pdf": out / "carnet-de-test.pdf",
        "epub": out / "carnet-de-test.epub",
        "handout": out / "carnet-de-test-handout.pdf",
    }
    (folder / "chapters" / "01-chapitre.md").write_text("# Changé\n\n" + PARAGRAPH * 3, encoding="utf-8")
    # The edited book's sizes, from a build elsewhere: a file-size limit between the smallest output and
    # the next lets the smallest be made and makes the two others fail.
    probe = tmp_path / "probe"
    command = [
        sys.executable,
        "-m",
        "publish",
        "build",
        str(folder),
        "--out",
        str(probe),
        "--format",
        "pdf,epub,handout",
    ]
    assert subprocess.run(command, capture_output=True).returncode == 0
    size = {name: (probe / path.name).stat().st_size for name, path in files.items()}
    smallest, middle, _ = sorted(files, key=size.__getitem__)
    assert size[smallest] < size[middle], "the limit below needs two sizes"
    failing = [name for name in files if name != smallest]  # in the order of the build's report
    result = _run_limited(folder, out, (size[smallest] + size[middle]) // 2, *mode)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    pdf_failing = next(name for name in failing if name != "epub")  # a PDF written through QPDF
    assert f"{files[pdf_failing]}: error: the file is larger than the disk" in result.stderr
    assert f"could not write {files[pdf_failing].name} (" in result.stderr and "of it written" in result.stderr
    for name in failing:
        assert f"{files[name]}: error: " in result.stderr
    made = files[smallest].name
    assert f"2 of 3 outputs failed: {', '.join(failing)} (made: {made})" in result.stderr
    after = _digests(out)
    assert all(after[files[name].name] == before[files[name].name] for name in failing)
    assert files[smallest].read_bytes()[:4] in (b"%PDF", b"PK\x03\x04")
    assert sorted(p.name for p in out.iterdir()) == sorted(before), "no temporary file left, QPDF's included"


def test_a_disk_full_error_names_the_output_and_how_much_was_written(tmp_path):
    from publish.build.atomic import write_atomically
    from publish.build.outputs import Written

    target = tmp_path / "livre.pdf"
    target.write_bytes(b"%PDF old")

    def fill(path: Path) -> Written:
        path.write_bytes(b"x" * 5000)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    with pytest.raises(PublishError) as caught:
        write_atomically(target, fill)
    message = str(caught.value)
    assert (
        "the disk is full: could not write livre.pdf (4.9 KiB of it written; the last one made was 8 bytes;" in message
    )
    assert f"free in {tmp_path})" in message
    assert target.read_bytes() == b"%PDF old" and [p.name for p in tmp_path.iterdir()] == ["livre.pdf"]


@pytest.mark.slow
def test_two_builds_of_the_same_book_at_once_take_turns(make_book, tmp_path):
    folder = make_book(CHAPTERS)
    out = tmp_path / "out"
    builds = [_start(folder, out, tmp_path / f"stderr{i}", "--format", "pdf,epub") for i in (1, 2)]
    assert [b.wait(timeout=600) for b in builds] == [0, 0]
    said = [(tmp_path / f"stderr{i}").read_text(encoding="utf-8") for i in (1, 2)]
    first, second = (0, 1) if "waiting" in said[1] else (1, 0)
    assert said[second].count(f"waiting for another build of this book (pid {builds[first].pid}) to finish") == 1
    assert "waiting" not in said[first]
    assert len(PdfReader(out / "carnet-de-test.pdf").pages) > 6
    with zipfile.ZipFile(out / "carnet-de-test.epub") as epub:
        assert epub.testzip() is None
        assert epub.infolist()[0].filename == "mimetype"
        assert epub.read("mimetype") == b"application/epub+zip"
    assert sorted(p.name for p in out.iterdir()) == ["carnet-de-test.epub", "carnet-de-test.pdf"]


def test_a_build_waits_for_another_writing_into_the_same_folder(tmp_path):
    from publish.build.lock import lock_book

    heard: list[str] = []
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_FOLDER, str(out)], stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    with lock_book(tmp_path / "absent", heard.append) as lock:
        waiter = threading.Timer(0.5, lambda: holder.communicate("go\n"))
        waiter.start()
        lock.output_folder(out)  # returns once the holder lets go
        waiter.join()
    assert heard == [f"waiting for another build into this output folder (pid {holder.pid}) to finish"]


_HOLD_FOLDER = """
import fcntl, os, sys
descriptor = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.readline()
"""


@pytest.mark.slow
@pytest.mark.parametrize("sequential", [False, True], ids=["parallel", "sequential"])
def test_a_bug_in_a_writer_is_ours_and_the_other_outputs_are_made(make_book, tmp_path, monkeypatch, sequential):
    from publish.build import outputs
    from publish.commands.cli import main

    def broken(*args: object) -> None:
        raise RuntimeError("a writer's bug")

    monkeypatch.setitem(outputs.WRITERS, "epub", broken)
    out = tmp_path / "out"
    options = ["--sequential"] if sequential else []
    assert main(["build", str(make_book()), "--out", str(out), "--no-cache", "-q", *options]) == 2
    assert sorted(p.name for p in out.iterdir()) == ["carnet-de-test-handout.pdf", "carnet-de-test.pdf"]


@pytest.mark.slow
def test_a_writer_opening_a_file_that_is_not_there_is_our_bug_not_the_authors(make_book, tmp_path, monkeypatch, capsys):
    from publish.build import outputs
    from publish.commands.cli import main

    def lost(*args: object) -> None:
        (tmp_path / "nowhere" / "theme.css").read_text(encoding="utf-8")

    monkeypatch.setitem(outputs.WRITERS, "epub", lost)
    out = tmp_path / "out"
    assert main(["build", str(make_book()), "--out", str(out), "--no-cache", "-q", "--format", "pdf,epub"]) == 2
    assert "internal error: InternalError: carnet-de-test.epub: FileNotFoundError" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["carnet-de-test.pdf"]


@pytest.mark.slow
def test_a_worker_that_dies_is_our_bug_naming_its_output_and_the_others_are_made(make_book, tmp_path, monkeypatch):
    from publish.build import outputs
    from publish.commands.cli import main

    def crash(*args: object) -> None:
        os._exit(3)  # as a segfault in a library would end it: no exception, no result

    monkeypatch.setitem(outputs.WRITERS, "handout", crash)
    out = tmp_path / "out"
    assert main(["build", str(make_book()), "--out", str(out), "--no-cache", "-q"]) == 2
    assert sorted(p.name for p in out.iterdir()) == ["carnet-de-test.epub", "carnet-de-test.pdf"]


def _build_once(folder: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """A build that must end: a build waiting for itself would be killed by the timeout, failing the test."""
    return subprocess.run(
        [sys.executable, "-m", "publish", "build", str(folder), "--out", str(out), "--no-cache", "--format", "epub"],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
@pytest.mark.parametrize("into", ["itself", "elsewhere"])
def test_a_lock_file_that_is_a_symbolic_link_is_refused_not_followed(make_book, tmp_path, into):
    folder = make_book()
    (folder / ".publish").mkdir()
    (folder / ".publish" / "lock").symlink_to(tmp_path / "nonexistent")
    out = folder if into == "itself" else tmp_path / "out"
    result = _build_once(folder, out)
    assert result.returncode == 1, result.stderr
    assert (
        f"{folder / '.publish' / 'lock'}: error: the build's lock file is a symbolic link, "
        "where publish makes a plain file of its own (remove it: the next build makes it again)"
    ) in result.stderr
    assert "waiting" not in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "nonexistent").exists()


def test_a_lock_file_that_is_a_folder_is_refused(tmp_path):
    from publish.build.lock import lock_book

    (tmp_path / ".publish" / "lock").mkdir(parents=True)
    with (
        pytest.raises(PublishError, match="the build's lock file is not a plain file") as caught,
        lock_book(tmp_path, print),
    ):
        pass
    assert caught.value.path == tmp_path / ".publish" / "lock" and caught.value.hint
    assert caught.value.hint.startswith("remove it")


@pytest.mark.slow
def test_a_book_built_into_its_own_folder_where_no_lock_file_can_be_made_does_not_wait_for_itself(make_book):
    folder = make_book()
    (folder / ".publish").write_text("not a folder", encoding="utf-8")  # the manuscript folder is the lock
    result = _build_once(folder, folder)
    assert result.returncode == 0, result.stderr
    assert "waiting" not in result.stderr
    assert (folder / "carnet-de-test.epub").is_file()


def test_two_books_built_into_each_others_folders_do_not_wait_for_each_other(tmp_path):
    """Each book's lock is its folder (no lock file can be made); each build holds its own and
    then wants the other's, as its output folder: they must not wait for each other forever."""
    books = [tmp_path / "a", tmp_path / "b"]
    for book in books:
        book.mkdir()
        (book / ".publish").write_text("", encoding="utf-8")
    holders = [
        subprocess.Popen(
            [sys.executable, "-c", _BUILD_INTO, str(book), str(other)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for book, other in (books, books[::-1])
    ]
    try:
        for holder in holders:  # both hold their book's lock
            assert holder.stdout is not None and holder.stdout.readline().strip() == "book locked"
        for holder in holders:  # then both want the other's
            assert holder.stdin is not None
            holder.stdin.write("go\n")
            holder.stdin.flush()
        outputs = [holder.communicate(timeout=120)[0] for holder in holders]
    finally:
        for holder in holders:
            if holder.poll() is None:
                holder.kill()
                holder.wait()
    assert [holder.returncode for holder in holders] == [0, 0]
    assert all(output.endswith("both locked\n") for output in outputs), outputs


_BUILD_INTO = """
import sys
from pathlib import Path
from publish.build.lock import lock_book
with lock_book(Path(sys.argv[1]), print) as lock:
    print("book locked", flush=True)
    sys.stdin.readline()
    lock.output_folder(Path(sys.argv[2]))
    print("both locked", flush=True)
"""
