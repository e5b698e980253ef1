"""The command line as an author meets it: `publish new`, the build's summary and switches,
and every mistake an author can make ending in a located message, never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.builds import epubcheck_messages

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "publish", *args], capture_output=True, text=True, cwd=cwd, env=environment, timeout=180
    )


# --- publish new ------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.epubcheck
def test_new_book_builds_at_once_into_its_own_output_folder(tmp_path):
    result = run("new", "mon-livre", "--title", "Le « vrai » livre", "--author", "Zoé Durand", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    book = tmp_path / "mon-livre"
    assert sorted(p.name for p in book.iterdir()) == [".gitignore", "book.toml", "chapters", "images"]
    assert "output/" in (book / ".gitignore").read_text(encoding="utf-8").split()
    built = run("build", "--format", "pdf,epub", cwd=book)  # no folder given: the current one holds book.toml
    assert built.returncode == 0, built.stderr
    assert built.stderr == ""  # the sample book has nothing to warn about
    pdf, epub = book / "output" / "le-vrai-livre.pdf", book / "output" / "le-vrai-livre.epub"
    meta = PdfReader(pdf).metadata
    assert meta.title == "Le «\u202fvrai\u202f» livre" and meta.author == "Zoé Durand"
    assert epubcheck_messages(epub) == []


@pytest.mark.slow
def test_new_book_in_english_has_english_text(tmp_path):
    assert run("new", "book", "--lang", "en", cwd=tmp_path).returncode == 0
    chapters = sorted((tmp_path / "book" / "chapters").glob("*.md"))
    assert "Welcome to your book" in chapters[0].read_text(encoding="utf-8")
    assert 'lang = "en"' in (tmp_path / "book" / "book.toml").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("existing", ["file", "folder"])
def test_new_never_overwrites(tmp_path, existing):
    target = tmp_path / "pris"
    if existing == "file":
        target.write_text("à moi\n", encoding="utf-8")
    else:
        target.mkdir()
        (target / "notes.md").write_text("à moi\n", encoding="utf-8")
    result = run("new", str(target))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{target}: error: folder is not empty")
    assert (target if existing == "file" else target / "notes.md").read_text(encoding="utf-8") == "à moi\n"


@pytest.mark.slow
def test_new_refuses_a_bad_language_tag(tmp_path):
    result = run("new", "livre", "--lang", "fr_FR", cwd=tmp_path)
    assert result.returncode == 1 and "not a language tag" in result.stderr and not (tmp_path / "livre").exists()


# --- publish build: what it shows -------------------------------------------------------------------


@pytest.mark.slow
def test_summary_table_names_each_output_with_pages_size_and_time(make_book, tmp_path):
    result = run("build", str(make_book()), "--out", str(tmp_path / "out"), "--format", "pdf,epub")
    assert result.returncode == 0
    rows = [line.split() for line in result.stdout.splitlines()[1:] if line.strip()]
    pdf = next(r for r in rows if r[0].endswith(".pdf"))
    epub = next(r for r in rows if r[0].endswith(".epub"))
    assert int(pdf[1]) == len(PdfReader(pdf[0]).pages)
    assert re.fullmatch(r"\d+ KiB \d+\.\d s", " ".join(pdf[2:]))
    assert re.fullmatch(r"\d+ KiB \d+\.\d s", " ".join(epub[1:]))  # no page count for an EPUB


@pytest.mark.slow
def test_quiet_prints_nothing_and_verbose_adds_stage_timings(make_book, tmp_path):
    folder = make_book()
    quiet = run("build", str(folder), "--out", str(tmp_path / "a"), "--format", "epub", "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    verbose = run("build", str(folder), "--out", str(tmp_path / "b"), "--format", "epub", "--verbose")
    stages = dict(re.findall(r"^(check|epub|total)\s+(\d+\.\d\d) s$", verbose.stdout, re.M))
    assert set(stages) == {"check", "epub", "total"}
    assert float(stages["total"]) >= float(stages["epub"])


@pytest.mark.slow
def test_no_progress_bar_when_not_on_a_terminal(make_book, tmp_path):
    result = run("build", str(make_book()), "--out", str(tmp_path / "out"), "--format", "epub")
    assert "\x1b[" not in result.stdout + result.stderr and "━" not in result.stderr


@pytest.mark.slow
def test_open_hands_the_first_output_to_the_browser(make_book, tmp_path):
    opened = tmp_path / "opened.txt"
    opener = tmp_path / "opener.sh"
    opener.write_text(f'#!/bin/sh\necho "$1" > {opened}\n', encoding="utf-8")
    opener.chmod(0o755)
    result = run(
        "build",
        str(make_book()),
        "--out",
        str(tmp_path / "out"),
        "--format",
        "epub",
        "--open",
        env={"BROWSER": str(opener)},
    )
    assert result.returncode == 0
    assert opened.read_text(encoding="utf-8").strip() == (tmp_path / "out" / "carnet-de-test.epub").as_uri()


# --- mistakes an author can make: a located line, exit 1, no traceback; --debug shows one ------------


def _bad_date(make_book):
    folder = make_book(book_toml='[book]\ntitle = "T"\nauthors = ["A"]\nlang = "fr"\ndate = "le 3 mai"\n')
    return folder, folder / "book.toml", 5


def _unknown_theme(make_book):
    folder = make_book(extra_toml='theme = "inexistant"\n')
    return folder, folder / "book.toml", None


def _missing_chapter_listed(make_book):
    folder = make_book(extra_toml='chapters = ["01-debut.md", "02-absent.md"]\n')
    return folder, folder / "book.toml", 6


def _undecodable_image(make_book):
    text = "# Photos\n\nTexte.\n\n![Une photo](../images/photo.jpg)\n"
    folder = make_book({"01-photos.md": text}, files={"images/photo.jpg": b"\xff\xd8\xff not a jpeg"})
    return folder, folder / "chapters" / "01-photos.md", 5


def _bad_toml(make_book):
    folder = make_book(book_toml='[book]\ntitle = "T\n')
    return folder, folder / "book.toml", 2


MISTAKES = [_bad_date, _unknown_theme, _missing_chapter_listed, _undecodable_image, _bad_toml]


@pytest.mark.slow
@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.__name__.strip("_") for m in MISTAKES])
def test_each_mistake_is_a_located_error_without_traceback(make_book, tmp_path, mistake):
    folder, path, line = mistake(make_book)
    result = run("build", str(folder), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:{line}:" if line else f"{path}: "), result.stderr
    assert ": error: " in first
    assert not (tmp_path / "out").exists()
    debug = run("build", str(folder), "--out", str(tmp_path / "out"), "--debug")
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "PublishError" in debug.stderr


@pytest.mark.slow
def test_undecodable_image_names_the_image_and_the_chapter(make_book, tmp_path):
    folder, _path, line = _undecodable_image(make_book)
    result = run("check", str(folder))
    assert re.search(rf"01-photos\.md:{line}:\d+: error: image `\.\./images/photo\.jpg` ", result.stdout)


@pytest.mark.slow
def test_a_bug_of_ours_is_reported_as_such_and_debug_shows_the_traceback(make_book, tmp_path):
    # A sitecustomize that breaks the check stage stands for a bug in publish.
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import publish.build.prepare as p\n"
        "def broken(*args, **kwargs):\n    raise ZeroDivisionError('oops')\n"
        "p.check_book = broken\n",
        encoding="utf-8",
    )
    env = {"PYTHONPATH": f"{hook}{os.pathsep}{REPO}"}
    result = run("build", str(make_book()), "--out", str(tmp_path / "out"), env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "internal error: ZeroDivisionError: oops" in result.stderr and "--debug" in result.stderr
    debug = run("build", str(make_book()), "--out", str(tmp_path / "out"), "--debug", env=env)
    assert debug.returncode == 2 and "Traceback" in debug.stderr
