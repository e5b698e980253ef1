"""load/comments.py: HTML comments blanked before anything reads a chapter, code left alone."""

from __future__ import annotations

import pytest

from publish.convert.chapter import render_chapter
from publish.errors import PublishError
from publish.load.comments import mask_comments
from publish.load.manuscript import load_manuscript


def test_a_comment_keeps_every_line_and_column_after_it():
    text = "avant <!-- caché --> après\n<!--\n# Titre original\n-->\nfin\n"
    masked = mask_comments(text).text
    assert masked.splitlines() == ["avant                après", "", "", "", "fin"]
    assert masked.index("après") == text.index("après")


def test_comments_in_code_are_code():
    text = "`<!-- x -->` et\n```html\n<!-- dans le code -->\n```\n"
    assert mask_comments(text).text == text


def test_a_comment_at_the_end_of_a_line_leaves_no_hard_break():
    # trailing spaces would be a Markdown line break
    assert mask_comments("texte <!-- note -->\nsuite\n").text == "texte\nsuite\n"


def test_an_unclosed_comment_is_found():
    assert mask_comments("a\nb <!-- oubli\nc\n").unclosed_line == 2


def test_a_heading_and_a_link_in_a_comment_reach_nothing(make_book):
    chapter = "# Chapitre\n\n<!--\n# Original title\n\n[lien cassé](absent.md) ![](absent.png)\n-->\n\nLe texte.\n"
    book = load_manuscript(make_book({"01-un.md": chapter}))
    rendered = render_chapter(book.chapters[0], book.root)
    assert book.chapters[0].title == "Chapitre"  # no "second # title" error
    assert rendered.diagnostics == ()
    assert "Original" not in rendered.body and "lien" not in rendered.body and "<!--" not in rendered.body


def test_an_unclosed_comment_stops_the_build_at_its_line(make_book):
    folder = make_book({"01-un.md": "# Chapitre\n\nTexte.\n\n<!-- brouillon\n\nla suite\n"})
    with pytest.raises(PublishError) as caught:
        load_manuscript(folder)
    assert (caught.value.path.name, caught.value.line) == ("01-un.md", 5)
    assert "never closed" in caught.value.message and "-->" in caught.value.hint
