"""select_chapters: `2,4-5`, file names, and clear errors."""

from __future__ import annotations

import pytest

from publish.errors import PublishError
from publish.load.manuscript import load_manuscript
from publish.load.selection import select_chapters

CHAPTERS = {
    "00-introduction.md": "---\nnumbered: false\n---\n# Introduction\n",
    "01-debut.md": "# Début\n",
    "02-methode.md": "# Méthode\n",
    "03-mesures.md": "# Mesures\n",
    "04-resultats.md": "# Résultats\n",
    "05-discussion.md": "# Discussion\n",
    "99-annexe.md": "---\nnumbered: false\n---\n# Annexe\n",
}


@pytest.fixture
def chapters(make_book):
    book = load_manuscript(make_book(CHAPTERS))
    # the premise of these tests: numbers follow the unnumbered introduction
    assert [(c.source.name, c.number) for c in book.chapters][:3] == [
        ("00-introduction.md", None),
        ("01-debut.md", 1),
        ("02-methode.md", 2),
    ]
    return book.chapters


def files(selected) -> list[str]:
    return [c.source.name for c in selected]


def test_numbers_and_ranges(chapters):
    assert files(select_chapters(chapters, "2,4-5")) == ["02-methode.md", "04-resultats.md", "05-discussion.md"]


def test_book_order_kept_and_duplicates_merged(chapters):
    assert files(select_chapters(chapters, "5, 2 ,2-3")) == ["02-methode.md", "03-mesures.md", "05-discussion.md"]


def test_single_number_range(chapters):
    assert files(select_chapters(chapters, "3-3")) == ["03-mesures.md"]


def test_name_without_numeric_prefix(chapters):
    assert files(select_chapters(chapters, "introduction")) == ["00-introduction.md"]


def test_full_stem_and_case(chapters):
    assert files(select_chapters(chapters, "99-annexe")) == ["99-annexe.md"]
    assert files(select_chapters(chapters, "Annexe")) == ["99-annexe.md"]


def test_names_and_numbers_mixed(chapters):
    assert files(select_chapters(chapters, "annexe,introduction,3")) == [
        "00-introduction.md",
        "03-mesures.md",
        "99-annexe.md",
    ]


def test_number_refers_to_printed_number_not_position(chapters):
    # position 1 is the unnumbered introduction; chapter 1 is 01-debut.md
    assert files(select_chapters(chapters, "1")) == ["01-debut.md"]


@pytest.mark.parametrize("spec", ["", "  "])
def test_empty_spec_keeps_everything(chapters, spec):
    assert files(select_chapters(chapters, spec)) == list(CHAPTERS)


# Regression: `,` used to select no chapter at all (an empty handout).
def test_comma_only_spec_never_selects_nothing(chapters):
    try:
        selected = select_chapters(chapters, ",")
    except PublishError:
        return
    assert selected


def test_backwards_range(chapters):
    with pytest.raises(PublishError) as caught:
        select_chapters(chapters, "5-3")
    assert "5-3" in caught.value.message


@pytest.mark.parametrize("spec", ["7", "2,7", "4-7", "0"])
def test_unknown_number(chapters, spec):
    with pytest.raises(PublishError) as caught:
        select_chapters(chapters, spec)
    # the hint says what exists
    assert "5" in caught.value.hint and "introduction" in caught.value.hint


@pytest.mark.parametrize("spec", ["conclusion", "3-", "-2", "2-x", "deux"])
def test_unknown_name_or_malformed_range(chapters, spec):
    with pytest.raises(PublishError):
        select_chapters(chapters, spec)
