"""Chapter-by-chapter layout: the joined PDF against a one-document layout of the same book,
and the cache that makes an edit to one chapter lay out that chapter only."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from bench.generate import generate
from publish.build.prepare import check_book
from publish.convert.remote_images import RemotePolicy
from publish.load.manuscript import load_manuscript
from publish.store import Store
from publish.writers.paged.chapterwise import Joined, write_by_chapter
from publish.writers.paged.finish import finish_download
from publish.writers.paged.writer import PAGED_OUTPUTS, layout_setup, render_html, write_paged
from tests.builds import FIXTURES, MANUSCRIPT, squash

BOOKS = [MANUSCRIPT, FIXTURES / "two-authors", FIXTURES / "typographie", FIXTURES / "edge-cases", "benchmark"]


def _lay_out_both(folder: Path, out: Path) -> tuple[Path, Path]:
    checked = check_book(folder, RemotePolicy(allowed=False))
    whole, joined = out / "whole.pdf", out / "joined.pdf"
    one_document = replace(PAGED_OUTPUTS["pdf"], by_chapter=False)
    assert not write_paged(checked.prepared, checked.theme, one_document, whole).by_chapter
    result = write_paged(checked.prepared, checked.theme, PAGED_OUTPUTS["pdf"], joined, workers=2)
    assert result.by_chapter, "the default theme's book PDF is laid out chapter by chapter"
    return whole, joined


@pytest.fixture(scope="module", params=BOOKS, ids=lambda p: getattr(p, "name", p))
def pair(request, tmp_path_factory) -> tuple[Path, Path]:
    if request.param == "benchmark":  # the synthetic book of bench/, four chapters of it
        folder = generate(tmp_path_factory.mktemp("generated") / "book", 4)
    else:
        folder = request.param
    return _lay_out_both(folder, tmp_path_factory.mktemp(folder.name))


def _texts(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")[: len(PdfReader(path).pages)]]


@pytest.mark.slow
def test_same_pages_and_text_as_one_document(pair):
    whole, joined = pair
    assert len(PdfReader(joined).pages) == len(PdfReader(whole).pages)
    assert _texts(joined) == _texts(whole)  # folios and running heads included


@pytest.mark.slow
def test_pages_look_the_same(pair, tmp_path):
    whole, joined = pair
    for name, pdf in (("a", whole), ("b", joined)):
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / name)], check=True)
    images = sorted(tmp_path.glob("a-*.png"))
    assert images
    differing = [
        p.name
        for p in images
        if ImageChops.difference(
            Image.open(p).convert("RGB"), Image.open(tmp_path / ("b" + p.name[1:])).convert("RGB")
        ).getbbox()
    ]
    assert differing == []


def _outline(path: Path) -> list[tuple[int, str, int]]:
    reader = PdfReader(path)

    def walk(items, depth=0):
        for item in items:
            if isinstance(item, list):
                yield from walk(item, depth + 1)
            else:
                yield depth, item.title, reader.get_destination_page_number(item)

    return list(walk(reader.outline))


def _destinations(path: Path) -> dict[str, tuple[int, int]]:
    reader = PdfReader(path)
    return {
        name: (reader.get_destination_page_number(d), round(float(d.top or 0)))
        for name, d in reader.named_destinations.items()
    }


def _links(path: Path) -> list[tuple[int, list[int], str | None, str | None, bool]]:
    found = []
    for number, page in enumerate(PdfReader(path).pages):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            found.append(
                (
                    number,
                    [round(float(v)) for v in annotation["/Rect"]],
                    str(annotation["/Dest"]) if "/Dest" in annotation else None,
                    str(action["/URI"]) if action else None,
                    "/StructParent" in annotation,
                )
            )
    return found


@pytest.mark.slow
def test_same_bookmarks_destinations_and_links(pair):
    whole, joined = pair
    assert _outline(joined) == _outline(whole)
    assert _destinations(joined) == _destinations(whole)
    links = _links(joined)
    assert links == _links(whole)
    assert not [link for link in links if link[3] and link[3].startswith("publish-link:")]


@pytest.mark.slow
def test_cross_chapter_links_land_on_their_target(pair):
    _, joined = pair
    destinations = _destinations(joined)
    for page, _, name, _, _ in _links(joined):
        if name:
            assert name in destinations, f"link on page {page + 1} to {name}: no such destination"


def _structure(path: Path) -> tuple[Counter, int, list[int]]:
    with pikepdf.open(path) as pdf:
        kinds: Counter = Counter()

        def walk(element):
            if isinstance(element, pikepdf.Dictionary) and "/S" in element:
                kinds[str(element.S)] += 1
                kids = element.get("/K")
                for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
                    walk(kid)

        root = pdf.Root.StructTreeRoot
        walk(root.K[0])
        keys = [int(page.StructParents) for page in pdf.pages]
        return kinds, len(root.ParentTree.Nums) // 2, keys


@pytest.mark.slow
def test_structure_tree_is_whole(pair):
    whole, joined = pair
    kinds, entries, keys = _structure(joined)
    assert (kinds, entries) == _structure(whole)[:2]
    assert keys == list(range(len(keys)))  # each page its own parent-tree entry


@pytest.mark.slow
def test_each_font_is_embedded_once(pair):
    whole, joined = pair
    fonts = subprocess.run(["pdffonts", str(joined)], check=True, capture_output=True, text=True).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert len(names) == len(set(names)), fonts
    assert {n.split("+")[1] for n in names} == {
        line.split()[0].split("+")[1]
        for line in subprocess.run(
            ["pdffonts", str(whole)], check=True, capture_output=True, text=True
        ).stdout.splitlines()[2:]
    }
    assert joined.stat().st_size < 1.25 * whole.stat().st_size


# The cache: what is laid out again after an edit.


def _lay_out(folder: Path, target: Path, cache: Path) -> Joined:
    checked = check_book(folder, RemotePolicy(allowed=False))
    output = PAGED_OUTPUTS["pdf"]
    html = render_html(checked.prepared, checked.theme, output)
    setup = layout_setup(checked.book, checked.theme, output, None, "")
    store = Store(cache, b"a test store key, 32 bytes long!")
    joined = write_by_chapter(html, [r.chapter.slug for r in checked.rendered], setup, target, store, workers=1)
    assert joined is not None
    finish_download(target)  # as write_paged does: the file is a download like any book PDF
    return joined


def _toc_number(pdf: Path, title: str) -> int:
    """The page the table of contents gives for ``title``."""
    toc = squash(" ".join(t for t in _texts(pdf)[:8] if re.search(r"(\.\s?){5,}\s*\d+", t)))
    match = re.search(re.escape(squash(title)) + r"[ .]*?(\d+)", toc)
    assert match, f"{title!r} not in the table of contents"
    return int(match.group(1))


@pytest.mark.slow
def test_an_edit_lays_out_that_chapter_only(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(MANUSCRIPT, book, ignore=shutil.ignore_patterns(".publish", "output"))
    cache = tmp_path / "cache"
    first = _lay_out(book, tmp_path / "1.pdf", cache)
    assert (first.laid_out, first.made_skeleton) == (7, True)

    again = _lay_out(book, tmp_path / "2.pdf", cache)
    assert (again.laid_out, again.made_skeleton) == (0, False)
    assert _texts(tmp_path / "2.pdf") == _texts(tmp_path / "1.pdf")

    chapter = book / "chapters" / "03-modeles-ouverts.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("Mistral", "Mistral AI", 1), encoding="utf-8")
    edited = _lay_out(book, tmp_path / "3.pdf", cache)
    assert (edited.laid_out, edited.made_skeleton) == (1, False)  # same length: the skeleton is kept
    assert "Mistral AI" in " ".join(_texts(tmp_path / "3.pdf"))
    assert len(list((cache / "layout-pdf").iterdir())) == 9  # the old layout is kept a while: another build may use it
    _age(cache / "layout-pdf")
    _age(cache / "layout-pdf-record")

    # Three more pages of text: the chapters after it move, and the table of contents says so.
    title = load_manuscript(book).chapters[4].title
    start = _toc_number(tmp_path / "3.pdf", title)
    addition = "\n\n" + "\n\n".join(["Un paragraphe de plus pour allonger ce chapitre d’une page ou deux. " * 12] * 6)
    chapter.write_text(chapter.read_text(encoding="utf-8") + addition, encoding="utf-8")
    longer = _lay_out(book, tmp_path / "4.pdf", cache)
    assert (longer.laid_out, longer.made_skeleton) == (1, True)
    moved = _toc_number(tmp_path / "4.pdf", title)
    assert moved > start
    opening = _texts(tmp_path / "4.pdf")[moved - 1]
    assert squash(title)[:30] in squash(opening)  # the chapter really opens on the page the contents give
    assert opening.endswith(f" {moved}")  # and the folio at its foot is the new page number
    assert len(list((cache / "layout-pdf").iterdir())) == 8  # 7 chapters and the skeleton: the unused ones are pruned
    assert len(list((cache / "layout-pdf-record").iterdir())) == 8


def _age(folder: Path) -> None:
    """Make every entry look unused for two hours."""
    old = time.time() - 7200
    for path in folder.iterdir():
        os.utime(path, (old, old))


@pytest.mark.slow
def test_a_damaged_cache_entry_is_laid_out_again(tmp_path):
    cache = tmp_path / "cache"
    _lay_out(MANUSCRIPT, tmp_path / "1.pdf", cache)
    victim = sorted(p for p in (cache / "layout-pdf").iterdir() if not p.name.startswith("skeleton"))[0]
    victim.write_bytes(victim.read_bytes()[:1000])
    again = _lay_out(MANUSCRIPT, tmp_path / "2.pdf", cache)
    assert again.laid_out == 1
    assert _texts(tmp_path / "2.pdf") == _texts(tmp_path / "1.pdf")
    (cache / "layout-pdf-record" / victim.name).write_text("{not json", encoding="utf-8")
    assert _lay_out(MANUSCRIPT, tmp_path / "3.pdf", cache).laid_out == 1


@pytest.mark.slow
def test_a_theme_with_left_and_right_pages_gets_one_document(make_book, tmp_path):
    folder = make_book(
        extra_toml='theme = "miroir"\n',
        files={
            "styles/miroir/theme.toml": 'name = "miroir"\n[append-stylesheets]\npdf = ["css/miroir.css"]\n',
            "styles/miroir/css/miroir.css": "@page :left { margin-left: 25mm; }\n",
        },
    )
    checked = check_book(folder, RemotePolicy(allowed=False))
    assert [p.name for p in checked.theme.stylesheets["pdf"]] == ["base.css", "code.css", "paged.css", "miroir.css"]
    assert not checked.theme.chapter_by_chapter
    (warning,) = checked.theme.warnings
    assert warning.path.name == "miroir.css" and "chapter_by_chapter = false" in (warning.hint or "")
    result = write_paged(checked.prepared, checked.theme, PAGED_OUTPUTS["pdf"], tmp_path / "m.pdf")
    assert not result.by_chapter
    assert len(PdfReader(tmp_path / "m.pdf").pages) == result.pages
