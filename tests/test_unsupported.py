"""convert/unsupported.py: other tools' syntax is a located warning, never silent text; code is never scanned."""

from __future__ import annotations

import pytest

from publish.convert.chapter import render_chapter
from publish.load.manuscript import load_manuscript


def warnings_of(make_book, body: str) -> list[tuple[int | None, int | None, str]]:
    book = load_manuscript(make_book({"01-un.md": "# Chapitre\n\n" + body}))
    rendered = render_chapter(book.chapters[0], book.root)
    return [(d.line, d.column, d.message) for d in rendered.diagnostics if not d.is_error]


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("Voir {{#include ../exemples/main.rs}} ici.", "mdBook directive `{{#include ../exemples/main.rs}}`"),
        ('Une figure {{< figure src="a.png" >}} ici.', 'Hugo shortcode `{{< figure src="a.png" >}}`'),
        ("Un tag {% include note.html %} ici.", "template tag `{% include note.html %}`"),
        ("Voir [[Chapitre deux]] ici.", "wiki link `[[Chapitre deux]]`"),
        ("Comme le montre [@dupont2020, p. 12] ici.", "citation `[@dupont2020, p. 12]`"),
        ("L’aire vaut $\\pi r^2$ ici.", "math `$\\pi r^2$`"),
    ],
)
def test_each_construct_is_a_warning_at_its_line_and_column(make_book, line, what):
    found = warnings_of(make_book, "Un paragraphe.\n\n" + line + "\n")
    column = line.index(what.split("`")[1]) + 1
    assert [(number, col) for number, col, _ in found] == [(5, column)]
    assert found[0][2].startswith(what)


def test_prices_and_e_mail_addresses_are_not_math_nor_citations(make_book):
    assert warnings_of(make_book, "Il coûte 5 $ et 10 $, écrire à claire@exemple.org.\n") == []


def test_nothing_inside_code_is_scanned(make_book):
    body = "Le code `{{#include x.rs}}` et `$x$`.\n\n```rust\n{{#include ../exemples/main.rs}}\n[[x]] $y$\n```\n"
    assert warnings_of(make_book, body) == []


def test_a_fence_left_open_is_a_warning_where_it_opens(make_book):
    found = warnings_of(make_book, "Texte.\n\n```python\nprint(1)\n")
    assert [(line, column) for line, column, _ in found] == [(5, 1)]
    assert "never closed" in found[0][2]


def test_a_div_left_open_is_a_warning_where_it_opens(make_book):
    found = warnings_of(make_book, "::: note\nTexte.\n\n::: tip\nAutre.\n:::\n")
    assert [(line, column) for line, column, _ in found] == [(3, 1)]
    assert "`:::` div is never closed" in found[0][2]


def test_a_social_handle_is_no_citation_but_a_citation_key_is(make_book):
    found = warnings_of(make_book, "Suivez @victorhugo ; comme le dit @dupont2020, tout change.\n")
    assert [message.split("`")[1] for _, _, message in found] == ["@dupont2020"]
