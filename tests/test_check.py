"""`publish check` and the checks `publish build` runs first: one finding per mistake, located."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from publish.build.pipeline import BuildOptions, build
from publish.build.prepare import check_book, check_templates
from publish.errors import PublishError
from tests.builds import FIXTURES, MANUSCRIPT
from tests.conftest import line_of

MISTAKES = FIXTURES / "mistakes"
REPO = Path(__file__).resolve().parents[1]
FINDING = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+)(?::(?P<column>\d+))?: (?P<level>error|warning): (?P<message>.*)$")


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publish", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def findings_of(folder: Path) -> list[tuple[str, int | None, int | None, str, str]]:
    checked = check_book(folder)
    return [(d.path.name if d.path else "", d.line, d.column, d.level, d.message) for d in checked.diagnostics]


def source_line(name: str, needle: str, start: int = 1) -> int:
    return line_of((MISTAKES / "chapters" / name).read_text(encoding="utf-8"), needle, start)


def column_of(name: str, line: int, needle: str) -> int:
    return (MISTAKES / "chapters" / name).read_text(encoding="utf-8").splitlines()[line - 1].index(needle) + 1


# Each mistake seeded in tests/fixtures/books/mistakes: (file, needle on its line, column needle, level, message).
EXPECTED = [
    ("01-fautes.md", "#### Un titre", "####", "warning", "heading level jumps from 2 to 4"),
    (
        "01-fautes.md",
        "![](../images/exemple.svg)",
        "![]",
        "warning",
        "image `../images/exemple.svg` has no alternative text",
    ),
    ("01-fautes.md", "plan.png", "../images/plan.png", "error", "image `../images/plan.png` not found"),
    (
        "01-fautes.md",
        "03-absent.md",
        "03-absent.md",
        "error",
        "link `03-absent.md` points to a chapter that does not exist",
    ),
    (
        "01-fautes.md",
        "02-suite.md#nulle-part",
        "02-suite.md#nulle-part",
        "error",
        "link `02-suite.md#nulle-part` points to an anchor that does not exist",
    ),
    ("01-fautes.md", "[^oubli]", "[^oubli]", "error", "footnote `[^oubli]` has no definition"),
    ("01-fautes.md", "## Autre doublon", "{#meme}", "error", "anchor `meme` is given to 2 elements"),
    ("01-fautes.md", "[^orpheline]:", "[^orpheline]", "warning", "footnote `[^orpheline]` is defined but never called"),
    ("03-vide.md", "# Un chapitre vide", None, "warning", "chapter is empty: it has a title and no text"),
]


def test_each_seeded_mistake_is_found_once_at_its_line_and_column():
    found = findings_of(MISTAKES)
    expected = []
    for name, needle, column_needle, level, message in EXPECTED:
        line = source_line(name, needle)
        column = column_of(name, line, column_needle) if column_needle else None
        expected.append((name, line, column, level, message))
    assert [(n, li, c, lv) for n, li, c, lv, _ in found] == [(n, li, c, lv) for n, li, c, lv, _ in expected]
    for (*_, message), (*_, wanted) in zip(found, expected):
        assert message.startswith(wanted), (message, wanted)


def test_code_is_not_checked():
    messages = " ".join(m for *_, m in findings_of(MISTAKES))
    assert "pas-une-note" not in messages


@pytest.mark.slow
def test_the_default_manuscript_and_a_new_book_are_clean(tmp_path):
    from publish.commands.new import new_book

    for folder in (MANUSCRIPT, new_book(tmp_path / "nouveau"), new_book(tmp_path / "new", lang="en")):
        checked = check_book(folder)
        assert checked.diagnostics == () and check_templates(checked) == (), folder


@pytest.mark.slow
def test_command_prints_one_parsable_line_per_finding_and_exits_1(tmp_path):
    result = run("check", str(MISTAKES))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(EXPECTED)
    for line in lines:
        match = FINDING.match(line)
        assert match, line
        assert Path(match["path"]).parent == MISTAKES / "chapters"
    assert "5 errors, 4 warnings" in result.stderr


@pytest.mark.slow
def test_warnings_alone_exit_0_and_strict_makes_them_fail(make_book):
    folder = make_book({"01-a.md": "# A\n\n## B\n\n#### C\n\nTexte.\n"})
    relaxed, strict = run("check", str(folder)), run("check", str(folder), "--strict")
    assert relaxed.returncode == 0 and ": warning: heading level jumps from 2 to 4" in relaxed.stdout
    assert strict.returncode == 1 and ": warning: heading level jumps" in strict.stdout


@pytest.mark.slow
def test_a_manuscript_that_cannot_be_read_is_one_finding(make_book):
    folder = make_book(extra_toml='\n[pdf]\npage_sise = "A4"\n')
    result = run("check", str(folder))
    text = (folder / "book.toml").read_text(encoding="utf-8")
    line = line_of(text, "page_sise")
    assert result.returncode == 1
    assert result.stdout.strip() == (
        f"{folder / 'book.toml'}:{line}:1: error: unknown key `page_sise` in [pdf] (did you mean `page_size`?)"
    )


@pytest.mark.slow
def test_build_runs_the_same_checks_and_stops_before_writing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(PublishError) as caught:
        build(MISTAKES, out, BuildOptions(formats=("epub",)))
    assert len([d for d in caught.value.diagnostics if d.is_error]) == 5
    assert not out.exists()


@pytest.mark.slow
def test_build_strict_stops_on_warnings_and_writes_nothing(make_book, tmp_path):
    folder = make_book(
        {"01-a.md": "# A\n\nTexte.\n\n![](../images/a.svg)\n"},
        files={"images/a.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'},
    )
    out = tmp_path / "out"
    report = build(folder, out, BuildOptions(formats=("epub",)))
    assert [w.message for w in report.warnings] == ["image `../images/a.svg` has no alternative text"]
    (out / "carnet-de-test.epub").unlink()
    result = run("build", str(folder), "--out", str(out), "--format", "epub", "--strict")
    assert result.returncode == 1 and "--strict" in result.stderr
    assert not (out / "carnet-de-test.epub").exists()


def test_a_decorative_image_needs_no_alternative_text(make_book):
    folder = make_book(
        {"01-a.md": "# A\n\nTexte.\n\n![](../images/a.svg){.decorative}\n"},
        files={"images/a.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'},
    )
    assert findings_of(folder) == []


@pytest.mark.slow
def test_template_error_of_a_custom_theme_names_the_template_and_line(make_book):
    folder = make_book(extra_toml='theme = "maison"\n')  # appended to [book]
    templates = folder / "styles" / "maison" / "templates"
    templates.mkdir(parents=True)
    (folder / "styles" / "maison" / "theme.toml").write_text('name = "maison"\n', encoding="utf-8")
    (templates / "chapter.html").write_text(
        '<section id="{{ chapter.slug }}">\n<h1>{{ chapter.titre }}</h1>\n{{ chapter.body }}\n</section>\n',
        encoding="utf-8",
    )
    for result in (run("check", str(folder)), run("build", str(folder), "--out", str(folder / "out"))):
        assert result.returncode == 1 and "Traceback" not in result.stderr
        output = result.stdout + result.stderr
        assert f"{templates / 'chapter.html'}:2: error: template error:" in output and "titre" in output
        assert output.count("chapter.html:2:") == 1  # one finding, not one per medium


# --- check --outputs: the last build read back ------------------------------------------------------


@pytest.mark.slow
def test_outputs_of_a_fresh_build_pass_and_a_damaged_or_stale_one_is_reported(make_book, tmp_path):
    folder = make_book()
    out = tmp_path / "out"
    build(folder, out, BuildOptions())
    fine = run("check", str(folder), "--outputs", "--out", str(out))
    assert fine.returncode == 0, fine.stdout
    assert "carnet-de-test.epub: note: EPUBCheck found nothing to report" in fine.stdout
    assert re.search(r"carnet-de-test\.pdf: note: \d+ pages, metadata, fonts embedded, bookmarks checked", fine.stdout)

    (out / "carnet-de-test-handout.pdf").write_bytes(b"%PDF-1.7 truncated")
    (out / "carnet-de-test.epub").unlink()
    chapter = folder / "chapters" / "01-debut.md"
    os.utime(chapter, (time.time() + 5, time.time() + 5))
    damaged = run("check", str(folder), "--outputs", "--out", str(out))
    assert damaged.returncode == 1
    assert f"{out / 'carnet-de-test.epub'}: error: output not found" in damaged.stdout
    assert f"{out / 'carnet-de-test-handout.pdf'}: error: not a readable PDF" in damaged.stdout
    assert f"{out / 'carnet-de-test.pdf'}: warning: older than the manuscript" in damaged.stdout


@pytest.mark.slow
def test_outputs_check_says_when_epubcheck_cannot_run(make_book, tmp_path):
    folder = make_book()
    out = tmp_path / "out"
    build(folder, out, BuildOptions(formats=("pdf", "epub", "handout")))
    result = subprocess.run(
        [sys.executable, "-m", "publish", "check", str(folder), "--outputs", "--out", str(out)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": str(tmp_path)},
    )
    assert result.returncode == 0
    assert "note: EPUBCheck not run: Java is not installed" in result.stdout


def test_a_wrong_value_in_book_toml_does_not_hide_the_chapters_findings(make_book, tmp_path):
    book_toml = '[book]\ntitle = "Carnet"\nauthors = ["Alice Martin"]\nlang = "fr"\ndate = "demain"\n'
    folder = make_book({"01-un.md": "# Un\n\nVoir [la suite](02-absent.md).\n"}, book_toml=book_toml)
    found = findings_of(folder)
    assert [(name, line, level) for name, line, _, level, _ in found] == [
        ("book.toml", 5, "error"),
        ("01-un.md", 3, "error"),
    ]
    assert "`demain` is not a date" in found[0][4]
    with pytest.raises(PublishError) as caught:  # and the build stops on both, writing nothing
        build(folder, tmp_path / "out", BuildOptions(formats=("epub",)))
    assert len(caught.value.diagnostics) == 2
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_book_toml_that_is_not_toml_still_stops_everything(make_book):
    folder = make_book(book_toml='[book]\ntitle = "Carnet\n')
    with pytest.raises(PublishError) as caught:
        check_book(folder)
    assert "invalid TOML" in caught.value.message


@pytest.mark.slow
def test_an_unnumbered_front_matter_chapter_is_a_note_that_strict_does_not_fail(make_book):
    introduction = "# Introduction\n\nTexte.\n"
    folder = make_book(
        {
            "01-introduction.md": introduction,
            "02-un.md": "# Un\n\nTexte.\n",
            "03-conclusion.md": "---\nnumbered: false\n---\n# Conclusion\n\nTexte.\n",  # said: nothing to note
        }
    )
    result = run("check", str(folder), "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    notes = [line for line in result.stdout.splitlines() if ": note: " in line]
    where = f"{folder / 'chapters' / '01-introduction.md'}:{line_of(introduction, '# Introduction')}: note: "
    assert len(notes) == 1 and notes[0].startswith(where), result.stdout
    assert "unnumbered" in notes[0] and "numbered: true" in notes[0]
    assert "0 errors, 0 warnings" in result.stderr
    assert check_book(folder).diagnostics == (), "a note of `publish check` only: the build stays quiet"
