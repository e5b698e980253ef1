"""convert/aliases.py: links written against GitHub-, mdBook- or Pandoc-style heading ids reach the heading."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from publish.convert.aliases import github_slug, pandoc_slug
from publish.convert.chapter import render_chapter
from publish.convert.links import check_links
from publish.load.manuscript import load_manuscript

TARGET = "# Installer\n\n## Gérer les erreurs\n\nTexte.\n\n## Qu’est-ce qu’une erreur ?\n\nTexte.\n\n## 2025 : le bilan\n\nFin.\n"


@pytest.mark.parametrize(
    ("text", "github", "pandoc"),
    [
        ("Gérer les erreurs", "gérer-les-erreurs", "gérer-les-erreurs"),
        ("Qu'est-ce qu'une erreur ?", "quest-ce-quune-erreur-", "quest-ce-quune-erreur"),
        ("2025 : le bilan", "2025--le-bilan", "le-bilan"),
        ("Pourquoi `cargo` ?", "pourquoi-cargo-", "pourquoi-cargo"),
    ],
)
def test_slugs_as_github_and_pandoc_make_them(text, github, pandoc):
    assert github_slug(text) == github
    assert pandoc_slug(text) == pandoc


@pytest.mark.parametrize(
    "fragment", ["gérer-les-erreurs", "g%C3%A9rer-les-erreurs", "quest-ce-quune-erreur-", "2025--le-bilan", "le-bilan"]
)
def test_a_link_to_another_tools_id_resolves(make_book, fragment):
    chapters = {"01-lien.md": f"# Lien\n\nVoir [la section](02-installer.md#{fragment}).\n", "02-installer.md": TARGET}
    book = load_manuscript(make_book(chapters))
    rendered = [render_chapter(chapter, book.root) for chapter in book.chapters]
    assert check_links(rendered) == ()
    href = lxml_html.fragment_fromstring(rendered[0].body, create_parent="div").find(".//a").get("href")
    target = href[1:]
    assert target in rendered[1].ids
    assert target.isascii()  # an href the EPUB's files and WeasyPrint's anchors agree on


def test_aliases_stay_out_of_the_contents(make_book):
    book = load_manuscript(make_book({"01-installer.md": TARGET}))
    rendered = render_chapter(book.chapters[0], book.root)
    assert rendered.headings[0].text == "Gérer les\u00a0erreurs"
    assert all("heading-alias" not in h.html and "id=" not in h.html for h in rendered.headings)


def test_a_link_to_an_unknown_id_is_still_an_error(make_book):
    chapters = {"01-lien.md": "# Lien\n\nVoir [la section](02-installer.md#nulle-part).\n", "02-installer.md": TARGET}
    book = load_manuscript(make_book(chapters))
    rendered = [render_chapter(chapter, book.root) for chapter in book.chapters]
    assert [d.line for d in check_links(rendered)] == [3]
