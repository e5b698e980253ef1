"""The build cache and the parallel outputs: what is kept, what is remade, and the same bytes either way."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from publish.build.cache import KIND
from publish.build.pipeline import BuildOptions, build
from publish.store import CACHE_DIR
from tests.builds import FIXTURES

REPO = Path(__file__).resolve().parents[1]
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'


@pytest.fixture
def book(make_book):
    return make_book(
        {
            "01-a.md": "# A\n\nTexte du premier chapitre.\n\n![](../images/a.svg)\n",
            "02-b.md": "# B\n\nTexte du second.\n",
        },
        files={"images/a.svg": SVG},
    )


def _stamps(report) -> dict[str, int]:
    return {o.format: o.path.stat().st_mtime_ns for o in report.outputs}


@pytest.mark.slow
def test_an_unchanged_manuscript_keeps_its_outputs_and_replays_its_warnings(book, tmp_path):
    first = build(book, tmp_path / "out")
    second = build(book, tmp_path / "out")
    assert _stamps(second) == _stamps(first)
    assert [s.stage for s in second.stages] == ["cache"]
    assert [(o.format, o.pages) for o in second.outputs] == [(o.format, o.pages) for o in first.outputs]
    assert second.warnings == first.warnings and len(first.warnings) == 1  # the image without alt text


@pytest.mark.slow
@pytest.mark.parametrize("change", ["chapter", "image", "book.toml", "output", "record", "options", "no-cache"])
def test_any_change_makes_the_outputs_again(book, tmp_path, change):
    out = tmp_path / "out"
    first = build(book, out, BuildOptions(formats=("epub", "handout")))
    before = _stamps(first)
    options = BuildOptions(formats=("epub", "handout"))
    if change == "chapter":
        (book / "chapters" / "02-b.md").write_text("# B\n\nTexte changé.\n", encoding="utf-8")
    elif change == "image":
        (book / "images" / "a.svg").write_text(SVG.replace('"4"', '"5"'), encoding="utf-8")
    elif change == "book.toml":
        with (book / "book.toml").open("a", encoding="utf-8") as toml:
            toml.write('publisher = "Éditions du Test"\n')
    elif change == "output":  # someone edited an output by hand: it is not trusted
        first.outputs[0].path.write_bytes(first.outputs[0].path.read_bytes() + b" ")
        before = _stamps(first)
    elif change == "record":  # a corrupt record is ignored, never trusted
        for entry in (book / CACHE_DIR / KIND).iterdir():
            entry.write_text("{not json", encoding="utf-8")
    elif change == "options":
        options = BuildOptions(formats=("epub", "handout"), handout_paper="Letter")
    else:
        options = BuildOptions(formats=("epub", "handout"), cache=False)
    second = build(book, out, options)
    assert next(s.stage for s in second.stages) == "check"
    assert all(stamp > before[name] for name, stamp in _stamps(second).items())


@pytest.mark.slow
def test_an_edited_record_is_not_trusted(book, tmp_path):
    build(book, tmp_path / "out", BuildOptions(formats=("epub",)))
    (record_path,) = (book / CACHE_DIR / KIND).iterdir()
    header, _, body = record_path.read_bytes().partition(b"\n")
    record = json.loads(body)
    record["warnings"] = [{"level": "warning", "message": "forged"}]
    record_path.write_bytes(header + b"\n" + json.dumps(record).encode())  # the seal no longer matches
    again = build(book, tmp_path / "out", BuildOptions(formats=("epub",)))
    assert again.stages[0].stage == "check"


@pytest.mark.slow
def test_the_command_line_shows_the_kept_outputs(book, tmp_path):
    command = [sys.executable, "-m", "publish", "build", str(book), "--out", str(tmp_path / "out"), "--verbose"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run(command, check=True, capture_output=True, env=env)
    again = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    assert "carnet-de-test.pdf" in again.stdout and "cache" in again.stdout
    assert "has no alternative text" in again.stderr  # warnings are not forgotten


@pytest.mark.slow
def test_parallel_and_sequential_builds_give_the_same_bytes(tmp_path):
    folder = tmp_path / "book"
    shutil.copytree(FIXTURES / "two-authors", folder)
    parallel = build(
        folder, tmp_path / "parallel", BuildOptions(formats=("pdf", "epub", "handout", "print"), cache=False)
    )
    sequential = build(
        folder,
        tmp_path / "sequential",
        BuildOptions(formats=("pdf", "epub", "handout", "print"), cache=False, parallel=False),
    )
    assert [o.format for o in parallel.outputs] == ["pdf", "epub", "handout", "print"]
    for a, b in zip(parallel.outputs, sequential.outputs, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes(), a.format
        assert a.pages == b.pages
