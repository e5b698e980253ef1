"""Shared fixtures: a factory that writes small manuscripts into a temporary folder."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import settings

# Generated examples are the same on every run (CI must be deterministic); HYPOTHESIS_PROFILE=explore
# draws new ones, to look for new failures by hand. No example database is written either way.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(scope="session")
def _store_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache-home")


@pytest.fixture(autouse=True)
def _isolated_store(monkeypatch: pytest.MonkeyPatch, _store_home: Path) -> None:
    """Every test's builds keep their store key in a folder of the test session's, never in the
    developer's ~/.cache, and never use a shared store the developer's shell may name."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(_store_home))
    monkeypatch.delenv("PUBLISH_STORE", raising=False)
    monkeypatch.delenv("PUBLISH_STORE_KEY", raising=False)


@dataclass
class _OutputRules:
    """The typesetting rules of tests/rules/, run once on every PDF and EPUB a test leaves behind."""

    checked: set[tuple[str, int, int]] = field(default_factory=set)

    def violations(self, *folders: Path) -> list[str]:
        from tests.rules import check_output

        found = []
        for folder in folders:
            if not folder.is_dir():
                continue
            for path in sorted(p for p in folder.rglob("*") if p.suffix in {".pdf", ".epub"} and p.is_file()):
                stat = path.stat()
                key = (str(path), stat.st_mtime_ns, stat.st_size)
                if key not in self.checked:
                    self.checked.add(key)
                    found += [f"{path.name}: {v}" for v in check_output(path)]
        return found


@pytest.fixture(scope="session")
def _output_rules() -> _OutputRules:
    return _OutputRules()


@pytest.fixture(scope="module", autouse=True)
def _rules_on_module_outputs(_output_rules: _OutputRules, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Outputs of builds a module shares (module-scoped folders, tests/builds.py) are checked when it ends."""
    yield
    import sys

    builds = sys.modules.get("tests.builds")
    scratch = (builds.SCRATCH,) if builds is not None else ()
    found = _output_rules.violations(tmp_path_factory.getbasetemp(), *scratch)
    assert not found, "outputs break typesetting rules:\n" + "\n".join(found)


@pytest.fixture(autouse=True)
def _rules_on_outputs(_output_rules: _OutputRules, tmp_path: Path) -> Iterator[None]:
    """Every PDF and EPUB a test builds in its own folder keeps the rules of tests/rules/."""
    yield
    found = _output_rules.violations(tmp_path)
    assert not found, "outputs break typesetting rules:\n" + "\n".join(found)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Remove the output folders of the builds shared across tests (tests/builds.py)."""
    import sys

    builds = sys.modules.get("tests.builds")
    if builds is not None:
        shutil.rmtree(builds.SCRATCH, ignore_errors=True)


# Line 1: [book], 2: title, 3: authors, 4: lang, 5: date. Tests that check line
# numbers compute them from the text they write, not from this comment.
DEFAULT_BOOK_TOML = """\
[book]
title = "Carnet de test"
authors = ["Alice Martin", "Bruno Léger"]
lang = "fr"
date = 2026-01-15
"""

DEFAULT_CHAPTERS = {"01-debut.md": "# Début\n\nUn premier paragraphe.\n"}


@pytest.fixture
def default_book_toml() -> str:
    return DEFAULT_BOOK_TOML


@pytest.fixture
def make_book(tmp_path: Path) -> Callable[..., Path]:
    """``make_book(chapters, book_toml=None, *, extra_toml="", files=None, name=None) -> Path``.

    ``chapters`` maps a file name (relative to ``chapters/``) to its text (str,
    written as UTF-8) or raw bytes; ``None`` gives one small chapter, ``{}`` an
    empty ``chapters/`` folder. ``book_toml`` replaces the default book.toml
    (``[book]`` with title, authors, lang = "fr", date = 2026-01-15);
    ``extra_toml`` is appended to whichever is used. ``files`` maps paths
    relative to the manuscript folder (e.g. ``images/a.png``) to content.
    Returns the manuscript folder, already resolved.
    """
    counter = itertools.count(1)

    def make(
        chapters: Mapping[str, str | bytes] | None = None,
        book_toml: str | None = None,
        *,
        extra_toml: str = "",
        files: Mapping[str, str | bytes] | None = None,
        name: str | None = None,
    ) -> Path:
        folder = (tmp_path / (name or f"book{next(counter)}")).resolve()
        folder.mkdir(parents=True)
        toml = (DEFAULT_BOOK_TOML if book_toml is None else book_toml) + extra_toml
        (folder / "book.toml").write_text(toml, encoding="utf-8")
        chapter_dir = folder / "chapters"
        chapter_dir.mkdir()
        for relative, content in (DEFAULT_CHAPTERS if chapters is None else chapters).items():
            _write(chapter_dir / relative, content)
        for relative, content in (files or {}).items():
            _write(folder / relative, content)
        return folder

    return make


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def line_of(text: str, needle: str, start: int = 1) -> int:
    """1-based number of the first line at or after ``start`` that contains ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number >= start and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the text")


@pytest.fixture
def find_line() -> Callable[..., int]:
    """The test's own line finder, used to state expected line numbers from the input text."""
    return line_of
