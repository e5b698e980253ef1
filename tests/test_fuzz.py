"""Fuzzing: generated Markdown never makes the build fail with anything but our own clear error.

The EPUB of a sample of cases must also stay valid for EPUBCheck; the sizes are kept
small enough for CI (about half a minute in all). CI draws the same examples on every run
(conftest.py's "repeatable" profile); `HYPOTHESIS_PROFILE=explore` draws new ones, and
`HYPOTHESIS_PROFILE=explore FUZZ_EXAMPLES=2000` many more, to look for new failures by hand.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from publish.build.pipeline import BuildOptions, build
from publish.errors import PublishError
from tests.builds import epubcheck_messages
from tests.conftest import DEFAULT_BOOK_TOML

SCALE = max(1, int(os.environ.get("FUZZ_EXAMPLES", "0")) // 120)  # a longer run, by hand; 1 in CI

pytestmark = [pytest.mark.slow, pytest.mark.fuzz]

ODD_TEXT = [
    "مرحبا بالعالم",
    "שלום",
    "\u202edessrever\u202c",
    "e\u0301te\u0301",
    "👩\u200d👩\u200d👧 🇫🇷",
    "zéro\u200blargeur",
    "\ufeffbom",
    "\x07cloche",
    "\x00nul",
    "\x1b[31m",
    "tab\tulation",
    "x" * 300,
    "mot " * 80,
    "&amp; &lt; &#0; &#xD800;",
    "{{ x }} {% if %}",
    "\\*échappé\\*",
    "«guillemets»",
    "'\"'\"",
    "`code",
    "[^orpheline]",
    "[lien](nulle-part.md)",
    "[ancre](#inconnue)",
    "![image](absente.png)",
    "<https://example.org>",
    "http://example.org/?a=1&b=2",
]
MARKUP = [
    "*",
    "**",
    "_",
    "__",
    "~~",
    "<b>",
    "</span>",
    "<div>",
    "<!--",
    "-->",
    "<script>",
    "<img onerror=alert(1)>",
    "[",
    "]",
    "(",
    ")",
    "|",
    "\\",
    "#",
    "texte",
]
# What the author cannot publish as is (each gives our error): control characters, missing targets,
# a lone "#" that starts a second chapter title, a note call with no definition.
REFUSED = {
    "\x07cloche",
    "\x00nul",
    "\x1b[31m",
    "[lien](nulle-part.md)",
    "[ancre](#inconnue)",
    "![image](absente.png)",
    "#",
    "[^orpheline]",
}


def chapters(inline: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    line = st.lists(inline, min_size=1, max_size=6).map(" ".join)
    block = st.one_of(
        line,
        line.map(lambda s: "## " + s),
        line.map(lambda s: "#### " + s),
        st.lists(line, min_size=1, max_size=4).map(
            lambda items: "\n".join(f"{'  ' * (i % 3)}- {t}" for i, t in enumerate(items))
        ),
        st.lists(line, min_size=1, max_size=3).map(
            lambda items: "\n".join(f"{i + 1}. {t}" for i, t in enumerate(items))
        ),
        st.lists(st.lists(inline, min_size=1, max_size=4), min_size=1, max_size=4).map(
            lambda rows: "| a | b |\n|---|---|\n" + "\n".join("| " + " | ".join(r) + " |" for r in rows)
        ),  # ragged rows
        line.map(lambda s: "> " + s),
        line.map(lambda s: "```\n" + s + "\n```"),
        line.map(lambda s: "[^1]: " + s),
    )
    return st.lists(block, min_size=1, max_size=8).map(lambda blocks: "# Chapitre\n\n" + "\n\n".join(blocks) + "\n")


CHAPTER = chapters(st.sampled_from(ODD_TEXT + MARKUP))
PUBLISHABLE = chapters(st.sampled_from([t for t in ODD_TEXT + MARKUP if t not in REFUSED]))


def _build(chapter: str, formats: tuple[str, ...], epubcheck: bool = False) -> list | None:
    """Build one generated chapter; None when our own error stopped it (naming the file)."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "livre"
        (folder / "chapters").mkdir(parents=True)
        (folder / "book.toml").write_text(DEFAULT_BOOK_TOML, encoding="utf-8")
        (folder / "chapters" / "01-fuzz.md").write_text(chapter, encoding="utf-8")
        try:
            report = build(folder, Path(scratch) / "out", BuildOptions(formats=formats))
        except PublishError as error:
            assert str(error).startswith(str(folder)), f"the error names the file: {error}"
            return None
        return [epubcheck_messages(o.path) if epubcheck else o.path.stat().st_size for o in report.outputs]


@settings(max_examples=120 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CHAPTER)
def test_epub_build_never_fails_with_anything_but_our_error(chapter):
    result = _build(chapter, ("epub",))
    assert result is None or result[0] > 0


@settings(max_examples=4 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PUBLISHABLE)
# Cases the fuzzer found (each once gave an invalid EPUB), kept as regressions:
@example(
    "# Chapitre\n\nمرحبا بالعالم _ مرحبا بالعالم --> [\n\n1. * __ <b> texte \ufeffbom <div>\n"
    "2. שלום http://example.org/?a=1&b=2\n\n- \\*échappé\\* مرحبا بالعالم\n\n- | [ ~~ {{ x }} {% if %} *\n\n"
    "> `code\n\n## <https://example.org> [ \u202edessrever\u202c\n"
)  # a list unwrapped out of <b>
@example("# Chapitre\n\nمرحبا\n\n## <script>\n\n#### مرحبا <div>\n\ntexte\n\n[^1]: مرحبا\n")  # empty heading,
# a block in a heading, a note never called; then note calls where no note can go (RSC-012, RSC-005):
@example("# Chapitre[^1]\n\ntexte\n\n[^1]: مرحبا\n")  # in the title, taken out before the notes pass
@example("# Chapitre\n\ntexte[^1]\n\n[^1]: note[^2]\n[^2]: autre\n")  # in a note: a back link to no call
@example("# Chapitre\n\ntexte\n\n## [^1]\n\n[^1]: note\n")  # alone in a heading: an empty contents entry
def test_a_sample_of_generated_epubs_passes_epubcheck(chapter):
    result = _build(chapter, ("epub",), epubcheck=True)
    assert result == [[]], "nothing refused here: the book builds, and EPUBCheck has nothing to say"


@settings(max_examples=12 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CHAPTER)
def test_pdf_build_never_fails_with_anything_but_our_error(chapter):
    result = _build(chapter, ("pdf",))
    assert result is None or result[0] > 0
