"""Faults: a build killed at any moment, an output that cannot be written, one format failing."""

from __future__ import annotations

import hashlib
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from publish.build.pipeline import BuildOptions, build
from publish.errors import PublishError
from tests.builds import FIXTURES, MANUSCRIPT


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def previous(tmp_path):
    """A manuscript copy with outputs of an earlier build already in its output folder."""
    manuscript = tmp_path / "manuscript"
    shutil.copytree(MANUSCRIPT, manuscript)
    out = tmp_path / "output"
    build(manuscript, out, BuildOptions(formats=("pdf", "epub")))
    return manuscript, out, _digests(out)


def _start_and_wait_for_a_temporary_file(manuscript: Path, out: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "publish", "build", str(manuscript), "--out", str(out), "--format", "pdf,epub"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(out.glob(".*.tmp")):
        assert process.poll() is None, "the build ended before it wrote anything"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return process


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["kill", "term", "int"])
def test_a_build_killed_mid_way_leaves_the_previous_outputs_intact(previous, sig):
    manuscript, out, before = previous
    (manuscript / "chapters" / "02-geants.md").write_text("# Changé\n\nUn autre texte.\n", encoding="utf-8")
    process = _start_and_wait_for_a_temporary_file(manuscript, out)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert {k: v for k, v in _digests(out).items() if not k.endswith(".tmp")} == before
    if sig != signal.SIGKILL:  # a signal we can catch: nothing half-written is left, no traceback
        assert not list(out.glob(".*")), list(out.glob(".*"))
        assert "Traceback" not in stderr and "interrupted" in stderr
        assert process.returncode == 130
    # whatever a SIGKILL left behind, the next build clears it and succeeds
    build(manuscript, out, BuildOptions(formats=("pdf", "epub")))
    assert not list(out.glob(".*"))
    assert _digests(out) != before


@pytest.mark.slow
def test_an_output_folder_that_cannot_be_created_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "publish", "build", str(FIXTURES / "two-authors"), "--out", str(blocker / "output")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{blocker / 'output'}: error: cannot write to the output folder" in result.stderr


@pytest.mark.slow
def test_one_format_failing_leaves_the_others_made_and_lists_every_error(tmp_path):
    out = tmp_path / "output"
    out.mkdir()
    (out / "carnet-d-essai.epub").mkdir()  # a folder where the EPUB should go: renaming onto it fails
    (out / "carnet-d-essai-handout.pdf").mkdir()
    with pytest.raises(PublishError) as error:
        build(FIXTURES / "two-authors", out, BuildOptions())
    message = str(error.value)
    assert "error: 2 of 3 outputs failed: epub, handout (made: carnet-d-essai.pdf)" in message
    assert "carnet-d-essai.epub: error: could not write" in message
    assert "carnet-d-essai-handout.pdf: error: could not write" in message
    assert (out / "carnet-d-essai.pdf").read_bytes().startswith(b"%PDF")
    assert not list(out.glob(".*.tmp"))


@pytest.mark.slow
def test_the_command_line_lists_every_failed_output(tmp_path):
    out = tmp_path / "output"
    out.mkdir()
    (out / "carnet-d-essai.epub").mkdir()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "publish",
            "build",
            str(FIXTURES / "two-authors"),
            "--out",
            str(out),
            "--format",
            "epub,pdf",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "1 of 2 outputs failed: epub" in result.stderr and "carnet-d-essai.epub: error: " in result.stderr
    assert (out / "carnet-d-essai.pdf").is_file()


@pytest.mark.slow
def test_a_bug_in_one_writer_is_ours_and_the_other_outputs_are_made(make_book, tmp_path, monkeypatch):
    from publish.build import outputs
    from publish.errors import InternalError

    def broken(job, earlier, target):
        target.write_bytes(b"half")
        raise ZeroDivisionError("oops")

    monkeypatch.setitem(outputs.WRITERS, "handout", broken)
    out = tmp_path / "output"
    with pytest.raises(InternalError) as error:
        build(make_book(), out, BuildOptions(formats=("pdf", "handout"), parallel=False))
    assert str(error.value).endswith("-handout.pdf: ZeroDivisionError: oops")
    assert "ZeroDivisionError" in error.value.details and "broken" in error.value.details, "the traceback is kept"
    assert not isinstance(error.value, PublishError), "not reported as the author's mistake"
    assert [p.name for p in out.iterdir()] == ["carnet-de-test.pdf"], "the PDF is made, nothing half-written is left"


def test_an_internal_error_crosses_processes_whole():
    import pickle

    from publish.errors import InternalError

    error = pickle.loads(pickle.dumps(InternalError("book.pdf: KeyError: 'x'", "Traceback (most recent call last):\n")))
    assert (str(error), error.details) == ("book.pdf: KeyError: 'x'", "Traceback (most recent call last):\n")
