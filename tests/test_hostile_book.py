"""Hostile manuscripts (issue 16): names that collide with ours, nesting and sizes no book has,
an old date, footnote calls where notes cannot go. Each ends as a valid book or our located error."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from publish.build.pipeline import BuildOptions, build
from publish.convert.book import Budget, prepare_book
from publish.convert.chapter import render_chapter
from publish.errors import PublishError
from publish.load.manuscript import load_manuscript
from publish.model import RenderedChapter
from tests.builds import ROOT, epubcheck_messages

STYLES = ROOT / "styles"

MakeBook = Callable[..., Path]


def _jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), color).save(out, "JPEG")
    return out.getvalue()


def _epub(folder: Path) -> Path:
    report = build(folder, folder.parent / (folder.name + "-out"), BuildOptions(formats=("epub",)))
    return next(o.path for o in report.outputs if o.format == "epub")


def _render(folder: Path, index: int = 0) -> RenderedChapter:
    book = load_manuscript(folder)
    return render_chapter(book.chapters[index], book.root, book.limits)


# 1. Names: the author's files never replace the pages and the cover we generate.


@pytest.mark.slow
@pytest.mark.epubcheck
def test_chapters_and_images_named_like_generated_files_keep_their_own_entries(make_book: MakeBook) -> None:
    names = ("title", "copyright", "nav", "cover")
    chapters = {f"{name}.md": f"# Chapitre {name}\n\nTexte propre au chapitre {name}.\n" for name in names}
    chapters["cover.md"] += "\n![Ma photo de couverture](../images/cover.jpg)\n"
    folder = make_book(chapters, files={"images/cover.jpg": _jpeg((200, 0, 0))})
    path = _epub(folder)
    with zipfile.ZipFile(path) as archive:
        entries = archive.namelist()
        assert len(entries) == len(set(entries)), "no entry twice"
        text = " ".join(archive.read(n).decode("utf-8") for n in entries if n.endswith(".xhtml"))
        author_image = archive.read("EPUB/images/cover.jpg")
        drawn_cover = [n for n in entries if n.startswith("EPUB/cover.") and not n.endswith(".xhtml")]
        assert len(drawn_cover) == 1 and archive.read(drawn_cover[0]) != author_image
    for name in names:
        assert f"Texte propre au chapitre {name}" in text
    assert Image.open(io.BytesIO(author_image)).getpixel((20, 20))[0] > 150  # the author's red photo
    assert epubcheck_messages(path) == []


# 3. A reissue dated before 1980, ZIP's first year.


@pytest.mark.slow
@pytest.mark.epubcheck
def test_a_book_dated_1950_makes_an_epub_with_its_date(make_book: MakeBook, default_book_toml: str) -> None:
    folder = make_book(None, default_book_toml.replace("2026-01-15", "1950-03-01"))
    path = _epub(folder)
    with zipfile.ZipFile(path) as archive:
        assert {info.date_time[:3] for info in archive.infolist()} == {(1980, 1, 1)}
        assert "<dc:date>1950-03-01</dc:date>" in archive.read("EPUB/content.opf").decode("utf-8")
    assert epubcheck_messages(path) == []


# 2. Nesting deeper than a tree holds: refused where it happens, never cut silently.


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (">" * 300 + " mot profond\n", 3),
        ("<div>" * 300 + "mot profond" + "</div>" * 300 + "\n", 3),
        ("".join("  " * level + f"- niveau {level}\n" for level in range(300)), 103),
    ],
    ids=["quotes", "raw-divs", "lists"],
)
def test_nesting_deeper_than_100_levels_is_a_located_error(make_book: MakeBook, text: str, line: int) -> None:
    folder = make_book({"01-profond.md": "# Profond\n\n" + text})
    with pytest.raises(PublishError) as caught:
        _render(folder)
    assert caught.value.path == folder / "chapters" / "01-profond.md"
    assert caught.value.line == line
    assert "100 levels" in str(caught.value)


def test_nesting_of_100_levels_keeps_every_word(make_book: MakeBook) -> None:
    folder = make_book({"01-profond.md": "# Profond\n\n" + ">" * 90 + " mot profond\n"})
    assert "mot profond" in _render(folder).body


# 4. Ten thousand footnotes.


@pytest.mark.slow
@pytest.mark.epubcheck
def test_ten_thousand_footnotes_make_an_epub(make_book: MakeBook) -> None:
    count = 10_000
    calls = " ".join(f"mot{n}[^{n}]" for n in range(1, count + 1))
    definitions = "".join(f"[^{n}]: note {n}\n" for n in range(1, count + 1))
    path = _epub(make_book({"01-notes.md": f"# Notes\n\n{calls}\n\n{definitions}"}))
    with zipfile.ZipFile(path) as archive:
        chapter = archive.read("EPUB/01-notes.xhtml").decode("utf-8")
    assert chapter.count('epub:type="noteref"') == count and "note 10000" in chapter
    assert epubcheck_messages(path) == []


# 5. The same construct twice: two findings, each at its own line.


def test_the_same_removed_html_twice_is_reported_at_both_lines(make_book: MakeBook, find_line) -> None:
    text = "# Titre\n\n<script>alert(1)</script>\n\nUn paragraphe.\n\nUn autre.\n\n<script>alert(1)</script>\n"
    rendered = _render(make_book({"01-html.md": text}))
    lines = [d.line for d in rendered.diagnostics if "<script>" in d.message]
    assert lines == [find_line(text, "<script>"), find_line(text, "<script>", 4)] == [3, 9]


def test_the_same_undefined_note_call_twice_is_reported_at_both_lines(make_book: MakeBook) -> None:
    text = "# Titre\n\nPremier appel[^x].\n\nTexte.\n\nSecond appel[^x].\n"
    rendered = _render(make_book({"01-notes.md": text}))
    assert [d.line for d in rendered.diagnostics if "[^x]" in d.message] == [3, 7]


def test_a_call_shown_in_a_code_block_is_not_where_the_finding_is(make_book: MakeBook) -> None:
    text = "# Titre\n\n```\n<script>\n```\n\nTexte.\n\n<script>x</script>\n"
    rendered = _render(make_book({"01-html.md": text}))
    assert [d.line for d in rendered.diagnostics if "<script>" in d.message] == [9]


# 6. Bounded conversion: pathological text converts in linear time, and any chapter stops at its budget.


@pytest.mark.parametrize(
    "text",
    ["[" * 50_000, "a" * 500_000, "[a](" * 20_000, "[a][" * 20_000, "[^" * 20_000, "{%" * 20_000, "[[a" * 20_000],
    ids=["brackets", "long-word", "link-openings", "reference-openings", "note-openings", "template-tags", "wiki"],
)
def test_pathological_text_converts_within_the_default_budget(make_book: MakeBook, text: str) -> None:
    folder = make_book({"01-pire.md": "# Pire\n\n" + text + "\n\nFin du chapitre.\n"})
    prepared = prepare_book(load_manuscript(folder))  # the default budget: 60 s, 2 GiB
    assert "Fin du chapitre." in prepared.chapters[0].body


def test_a_chapter_over_its_time_budget_is_a_located_error(make_book: MakeBook) -> None:
    folder = make_book({"01-lent.md": "# Lent\n\nTexte.\n"})
    with pytest.raises(PublishError) as caught:
        prepare_book(load_manuscript(folder), budget=Budget(seconds=0.000_001))
    assert caught.value.path == folder / "chapters" / "01-lent.md"
    assert "converting this chapter took more than" in caught.value.message


def test_a_chapter_over_its_memory_budget_is_a_located_error(make_book: MakeBook, monkeypatch) -> None:
    """The converter made greedy (4 GiB for one chapter): a budget in bytes cannot rest on what a
    real chapter happens to need, since the child may reuse memory its parent freed."""
    import publish.convert.book

    def greedy(chapter, *args, **kwargs):
        if chapter.source.name == "02-gros.md":
            return bytearray(4 << 30)
        return render_chapter(chapter, *args, **kwargs)

    monkeypatch.setattr(publish.convert.book, "render_chapter", greedy)
    folder = make_book({"01-court.md": "# Court\n\nTexte.\n", "02-gros.md": "# Gros\n\nTexte.\n"})
    with pytest.raises(PublishError) as caught:
        prepare_book(load_manuscript(folder), budget=Budget(memory=256 << 20))
    assert caught.value.path == folder / "chapters" / "02-gros.md"
    assert "needed more than 256 MiB of memory" in caught.value.message


# 7. Footnote calls where a note cannot go (found by tests/test_fuzz.py): a valid EPUB, and a warning.

MISPLACED_CALLS = {
    "in-title": "# Chapitre[^1]\n\nTexte.\n\n[^1]: Une note.\n",
    "in-a-note": "# Chapitre\n\nTexte[^1].\n\n[^1]: Une note[^2].\n[^2]: Une autre.\n",
    "alone-in-a-heading": "# Chapitre\n\nTexte.\n\n## [^1]\n\n[^1]: Une note.\n",
}


@pytest.mark.slow
@pytest.mark.epubcheck
@pytest.mark.parametrize("text", MISPLACED_CALLS.values(), ids=MISPLACED_CALLS.keys())
def test_note_calls_where_notes_cannot_go_give_a_valid_epub(make_book: MakeBook, text: str) -> None:
    folder = make_book({"01-notes.md": text})
    assert any("footnote" in d.message for d in _render(folder).diagnostics)
    assert epubcheck_messages(_epub(folder)) == []


def test_the_same_image_without_alt_text_twice_is_reported_at_both_lines(make_book: MakeBook) -> None:
    text = "# Titre\n\n![](../images/carte.jpg)\n\nUn paragraphe.\n\n![](../images/carte.jpg)\n"
    folder = make_book({"01-images.md": text}, files={"images/carte.jpg": _jpeg((200, 30, 30))})
    rendered = _render(folder)
    lines = [d.line for d in rendered.diagnostics if "alternative text" in d.message]
    assert lines == [3, 7]


@pytest.mark.slow
@pytest.mark.epubcheck
def test_images_whose_names_slug_alike_keep_distinct_entries_and_ids(make_book: MakeBook) -> None:
    text = "# Images\n\n![Rouge](../images/a-b.jpg)\n\n![Bleu](../images/a/b.jpg)\n"
    folder = make_book(
        {"01-images.md": text}, files={"images/a-b.jpg": _jpeg((200, 0, 0)), "images/a/b.jpg": _jpeg((0, 0, 200))}
    )
    path = _epub(folder)
    with zipfile.ZipFile(path) as archive:
        images = sorted(n for n in archive.namelist() if n.endswith(".jpg") and "/images/" in n)
        assert len(images) == 2 and archive.read(images[0]) != archive.read(images[1])
    assert epubcheck_messages(path) == []


LOOPING = "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}\n"


@pytest.mark.slow
@pytest.mark.parametrize("parallel", [False, True], ids=["sequential", "parallel"])
def test_an_output_past_its_time_budget_is_the_authors_error_and_the_others_are_made(
    make_book: MakeBook, tmp_path: Path, parallel: bool
) -> None:
    """A theme template that loops 10^10 times: the PDF stops at [limits] output_seconds, the handout is made."""
    copyright = (STYLES / "default" / "templates" / "copyright.html").read_text(encoding="utf-8")
    theme = {
        "styles/boucle/theme.toml": 'name = "boucle"\n',
        "styles/boucle/templates/copyright.html": LOOPING + copyright,  # the book PDF's, not the handout's
    }
    folder = make_book(None, extra_toml='theme = "boucle"\n\n[limits]\noutput_seconds = 2\n', files=theme)
    out = tmp_path / "sortie"
    with pytest.raises(PublishError) as caught:
        build(folder, out, BuildOptions(formats=("pdf", "handout"), parallel=parallel))
    (finding,) = [d for d in caught.value.diagnostics if "took more than" in d.message]
    assert "making carnet-de-test.pdf took more than 2 s" in finding.message
    assert finding.path.name == "copyright.html" and finding.line == 1  # where the theme loops
    assert [p.suffix for p in out.iterdir()] == [".pdf"]  # the handout, whose name ends in -handout.pdf
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
