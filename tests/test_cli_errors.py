"""`python -m publish build` on broken manuscripts: exit 1, one located message, outputs untouched."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SLUG = "carnet-de-test"  # the default title in conftest, "Carnet de test", as a file name
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>\n'


def run_build(folder: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-m", "publish", "build", str(folder), "--out", str(out), *extra],
        capture_output=True,
        text=True,
        cwd=out.parent,
        env=env,
        timeout=120,
    )


def prepare_out(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """An output folder holding the results of an earlier, good build."""
    out = tmp_path / "out"
    out.mkdir()
    previous = {
        f"{SLUG}.pdf": b"%PDF-old",
        f"{SLUG}.epub": b"PK-old-epub",
        f"{SLUG}-handout.pdf": b"%PDF-old-handout",
        "notes.txt": "à garder\n".encode(),
    }
    for name, content in previous.items():
        (out / name).write_bytes(content)
    return out, previous


def snapshot(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in os.listdir(out)}  # hidden files included


def assert_clean_failure(result, out: Path, previous: dict[str, bytes], path: Path | None, line: int | None):
    assert result.returncode == 1, result.stderr
    stderr = result.stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.strip().splitlines() if ": warning: " not in line]  # e.g. an empty chapter
    if len(lines) > 1 and lines[-1].startswith("error: stopped with"):
        lines.pop()  # the count that follows findings when there are several
    assert 1 <= len(lines) <= 2, stderr
    assert re.match(r"^(\S.*?: )?error: ", lines[0]), stderr  # path:line:column: error: message
    if path is not None:
        assert str(path) in stderr
        if line is not None:
            assert f"{path}:{line}:" in stderr
    assert "wrote" not in result.stdout
    after = snapshot(out)
    assert not [name for name in after if name.endswith(".tmp")]
    assert after == previous


# Each case: make a broken manuscript, return (folder, path the message must name, line or None).


def missing_book_toml(make_book, find_line):
    folder = make_book()
    (folder / "book.toml").unlink()
    return folder, folder / "book.toml", None


def invalid_toml(make_book, find_line):
    text = '[book]\ntitle = "Carnet de test\nauthors = ["Alice Martin"]\nlang = "fr"\ndate = 2026-01-15\n'
    folder = make_book(book_toml=text)
    return folder, folder / "book.toml", find_line(text, "title")  # the unclosed string


def unknown_key(make_book, find_line):
    extra = '\n[pdf]\npage_sise = "A4"\n'
    folder = make_book(extra_toml=extra)
    text = (folder / "book.toml").read_text(encoding="utf-8")
    return folder, folder / "book.toml", find_line(text, "page_sise")


def no_chapters(make_book, find_line):
    folder = make_book({})
    return folder, folder / "chapters", None


def missing_image(make_book, find_line):
    text = "# Titre\n\nUn paragraphe.\n\n![Le schéma](../images/schema.png)\n"
    folder = make_book({"01-a.md": "# A\n", "02-b.md": text}, files={"images/autre.svg": SVG})
    return folder, folder / "chapters" / "02-b.md", find_line(text, "schema.png")


def chapter_without_title(make_book, find_line):
    folder = make_book({"01-a.md": "# A\n", "02-b.md": "Pas de titre ici.\n\n## Section\n"})
    return folder, folder / "chapters" / "02-b.md", 1


def broken_cross_link(make_book, find_line):
    text = "# A\n\nTexte.\n\nVoir [plus loin](02-b.md#absent).\n"
    folder = make_book({"01-a.md": text, "02-b.md": "# B\n\n## Présent\n"})
    return folder, folder / "chapters" / "01-a.md", find_line(text, "02-b.md#absent")


CASES = [
    missing_book_toml,
    invalid_toml,
    unknown_key,
    no_chapters,
    missing_image,
    chapter_without_title,
    broken_cross_link,
]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[case.__name__ for case in CASES])
def test_bad_input_fails_cleanly(make_book, find_line, tmp_path, case):
    folder, path, line = case(make_book, find_line)
    out, previous = prepare_out(tmp_path)
    result = run_build(folder, out, "--format", "pdf,epub")
    assert_clean_failure(result, out, previous, path, line)


@pytest.mark.slow
def test_error_does_not_create_the_output_folder(make_book, tmp_path):
    folder = make_book({"01-a.md": "Sans titre.\n"})
    out = tmp_path / "jamais"
    result = run_build(folder, out, "--format", "epub")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.slow
def test_missing_manuscript_folder(tmp_path):
    out, previous = prepare_out(tmp_path)
    result = run_build(tmp_path / "absent", out, "--format", "epub")
    assert_clean_failure(result, out, previous, tmp_path / "absent", None)


@pytest.mark.slow
def test_unknown_format(make_book, tmp_path):
    out, previous = prepare_out(tmp_path)
    result = run_build(make_book(), out, "--format", "mobi")
    assert_clean_failure(result, out, previous, None, None)
    assert "mobi" in result.stderr


@pytest.mark.slow
def test_failure_inside_a_writer_leaves_old_file_and_no_temporary(make_book, tmp_path):
    # The handout writer selects its chapters after the temporary file is made: chapter 9 does not exist.
    out, previous = prepare_out(tmp_path)
    result = run_build(make_book(), out, "--format", "handout", "--chapters", "9")
    assert_clean_failure(result, out, previous, None, None)
    assert "9" in result.stderr


# Regression: a non-UTF-8 book.toml used to end in a Traceback.
@pytest.mark.slow
def test_book_toml_not_utf8(make_book, tmp_path, default_book_toml):
    folder = make_book()
    (folder / "book.toml").write_bytes(default_book_toml.encode("latin-1"))  # "Léger" in Latin-1
    out, previous = prepare_out(tmp_path)
    result = run_build(folder, out, "--format", "epub")
    assert_clean_failure(result, out, previous, folder / "book.toml", None)


# Regression: a bad `[handout] chapters` used to fail in the writer without naming book.toml.
@pytest.mark.slow
def test_bad_handout_chapters_in_book_toml_names_book_toml(make_book, tmp_path, find_line):
    folder = make_book(extra_toml='\n[handout]\nchapters = "9"\n')
    out, previous = prepare_out(tmp_path)
    result = run_build(folder, out, "--format", "handout")
    text = (folder / "book.toml").read_text(encoding="utf-8")
    assert_clean_failure(result, out, previous, folder / "book.toml", find_line(text, "chapters"))
