"""Chapters converted once: the cache gives back what a conversion gives, and nothing stale."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

import publish.convert.book
from publish.build.pipeline import BuildOptions, build
from publish.build.prepare import check_book
from publish.convert.cache import decode, encode
from publish.convert.chapter import render_chapter
from publish.load.manuscript import load_manuscript
from publish.model import RenderedChapter
from tests.builds import FIXTURES, MANUSCRIPT


@pytest.mark.slow
@pytest.mark.parametrize("folder", [MANUSCRIPT, *sorted(FIXTURES.iterdir())], ids=lambda p: p.name)
def test_a_kept_chapter_is_the_chapter_converted(folder):
    book = load_manuscript(folder)
    for chapter in book.chapters:
        rendered = render_chapter(chapter, book.root, book.limits)
        data = encode(rendered)
        assert decode(RenderedChapter, {**data, "chapter": None}, chapter=chapter) == rendered


@pytest.fixture
def counted(monkeypatch) -> list[str]:
    converted: list[str] = []

    bounded = publish.convert.book._render_bounded  # the parent's side: conversion itself runs in a child

    def counting(chapters, *args, **kwargs):
        converted.extend(chapter.source.name for chapter in chapters)
        return bounded(chapters, *args, **kwargs)

    monkeypatch.setattr(publish.convert.book, "_render_bounded", counting)
    return converted


@pytest.fixture
def book(tmp_path) -> Path:
    folder = tmp_path / "book"
    shutil.copytree(MANUSCRIPT, folder, ignore=shutil.ignore_patterns(".publish", "output"))
    return folder


@pytest.mark.slow
def test_an_edit_converts_that_chapter_only(book, counted):
    first = check_book(book, cached=True)
    assert len(counted) == 7
    counted.clear()
    assert check_book(book, cached=True) == first
    assert counted == []
    chapter = book / "chapters" / "02-geants.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nUne phrase de plus.\n", encoding="utf-8")
    entries = book / ".publish" / "cache" / "chapter"
    edited = check_book(book, cached=True)
    assert counted == ["02-geants.md"]
    assert "Une phrase de plus" in edited.rendered[1].body
    assert len(list(entries.iterdir())) == 8  # the old entry is kept a while: another build may read it
    old = time.time() - 7200
    for entry in entries.iterdir():
        os.utime(entry, (old, old))
    check_book(book, cached=True)  # uses (and so refreshes) the 7 current entries
    assert len(list(entries.iterdir())) == 7  # the one unused for two hours is gone


@pytest.mark.slow
def test_a_removed_image_is_reported_though_no_chapter_changed(book, counted):
    assert not check_book(book, cached=True).errors
    image = next(p for p in (book / "images").iterdir() if p.suffix in (".svg", ".png", ".jpg"))
    used = [c for c in check_book(book, cached=True).rendered if any(a.source == image for a in c.assets)]
    assert used, "the manuscript shows this image"
    image.unlink()
    counted.clear()
    checked = check_book(book, cached=True)
    assert len(counted) == 7  # every chapter is converted again: any of them may show it
    assert any(image.name in d.message and d.is_error for d in checked.errors)


@pytest.mark.slow
def test_book_toml_changes_convert_again(book, counted):
    check_book(book, cached=True)
    counted.clear()
    toml = book / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('lang = "fr"', 'lang = "en"'), encoding="utf-8")
    checked = check_book(book, cached=True)
    assert len(counted) == 7
    assert {r.chapter.lang for r in checked.rendered} == {"en"}


@pytest.mark.slow
def test_a_damaged_entry_is_converted_again(book, counted):
    first = check_book(book, cached=True)
    for entry in (book / ".publish" / "cache" / "chapter").iterdir():
        entry.write_text('{"body": 3}', encoding="utf-8")
        break
    counted.clear()
    assert check_book(book, cached=True) == first
    assert len(counted) == 1


@pytest.mark.slow
def test_outputs_are_the_same_bytes_with_and_without_the_caches(book, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    options = BuildOptions(formats=("pdf", "epub"))
    build(book, tmp_path / "warm", options)
    chapter = book / "chapters" / "03-modeles-ouverts.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("Mistral", "Mistral AI", 1), encoding="utf-8")
    cached = build(book, tmp_path / "cached", options)
    fresh = build(book, tmp_path / "fresh", BuildOptions(formats=("pdf", "epub"), cache=False))
    for a, b in zip(cached.outputs, fresh.outputs):
        assert a.path.read_bytes() == b.path.read_bytes(), a.format
