"""load_config: every key of book.toml checked, every error located."""

from __future__ import annotations

import datetime
import os
import re
import tomllib
import uuid
from pathlib import Path

import pytest

from publish.errors import PublishError
from publish.load.config import load_config
from publish.model import css_length_points


def toml(*lines: str) -> str:
    return "\n".join(lines) + "\n"


BOOK = (
    "[book]",
    'title = "Carnet de test"',
    'authors = ["Alice Martin", "Bruno Léger"]',
    'lang = "fr"',
    "date = 2026-01-15",
)


def config_error(make_book, text: str) -> PublishError:
    folder = make_book(book_toml=text)
    with pytest.raises(PublishError) as caught:
        load_config(folder)
    error = caught.value
    assert error.path == folder / "book.toml", "the error must name book.toml"
    return error


# --- valid books ---------------------------------------------------------------------------------


def test_valid_default_book(make_book):
    config = load_config(make_book())
    meta = config.metadata
    assert meta.title == "Carnet de test"
    assert meta.authors == ("Alice Martin", "Bruno Léger")
    assert meta.lang == "fr"
    assert meta.date == datetime.date(2026, 1, 15)
    assert config.chapter_files is None
    assert config.theme == "default"


def test_fixture_book_loads():
    config = load_config(Path(__file__).parent / "fixtures" / "books" / "two-authors")
    assert config.metadata.authors == ("Alice Martin", "Bruno Léger")
    assert config.metadata.publisher == "Éditions du Banc d'essai"
    assert config.pdf.page_size == "A5"


def test_authors_as_a_single_string(make_book, default_book_toml):
    text = default_book_toml.replace('authors = ["Alice Martin", "Bruno Léger"]', 'authors = "Camille Durand"')
    assert "Camille Durand" in text
    config = load_config(make_book(book_toml=text))
    assert config.metadata.authors == ("Camille Durand",)


def test_date_as_a_quoted_iso_string(make_book, default_book_toml):
    text = default_book_toml.replace("date = 2026-01-15", 'date = "2026-03-14"')
    assert load_config(make_book(book_toml=text)).metadata.date == datetime.date(2026, 3, 14)


def test_date_as_a_datetime_keeps_the_day(make_book, default_book_toml):
    text = default_book_toml.replace("date = 2026-01-15", "date = 2026-03-14T23:30:00")
    assert load_config(make_book(book_toml=text)).metadata.date == datetime.date(2026, 3, 14)


def test_page_size_is_case_insensitive_and_normalised(make_book):
    config = load_config(make_book(extra_toml='\n[pdf]\npage_size = "letter"\nmargins = "1in 0.75in"\n'))
    assert config.pdf.page_size == "Letter"
    assert config.pdf.margins == "1in 0.75in"


@pytest.mark.parametrize("margins", ["20mm", "0", "20mm 18mm", "2cm 1.5cm 2cm", "20mm 18mm 22mm 18mm", "12pt 0 12pt 0"])
def test_good_margins_accepted(make_book, margins):
    config = load_config(make_book(extra_toml=f'\n[pdf]\nmargins = "{margins}"\n'))
    assert config.pdf.margins == margins


def test_print_and_handout_options(make_book):
    config = load_config(
        make_book(
            extra_toml='\n[pdf]\nprint = true\nbleed = "0.125in"\nbooklet = true\n'
            'inner_margin = "22mm"\n[handout]\nqr = true\nnotes_margin = true\n'
        )
    )
    assert (config.pdf.print, config.pdf.bleed, config.pdf.booklet, config.pdf.inner_margin) == (
        True,
        "0.125in",
        True,
        "22mm",
    )
    assert config.handout.qr and config.handout.notes_margin
    assert css_length_points(config.pdf.bleed) == pytest.approx(9.0)


@pytest.mark.parametrize(
    "key, value", [("bleed", '"3 millimètres"'), ("inner_margin", '"20mm 10mm"'), ("outer_margin", '"large"')]
)
def test_bad_print_lengths_are_located(make_book, find_line, key, value):
    folder = make_book(extra_toml=f"\n[pdf]\n{key} = {value}\n")
    with pytest.raises(PublishError) as error:
        load_config(folder)
    assert error.value.line == find_line((folder / "book.toml").read_text(encoding="utf-8"), f"{key} =")
    assert "is not a length" in str(error.value) and key in str(error.value)


def test_print_flag_must_be_a_boolean(make_book):
    with pytest.raises(PublishError, match="print: must be a bool"):
        load_config(make_book(extra_toml='\n[pdf]\nprint = "oui"\n'))


# --- identifier ----------------------------------------------------------------------------------


def test_identifier_defaults_to_a_stable_urn_uuid(make_book, default_book_toml):
    first = load_config(make_book(book_toml=default_book_toml)).metadata.identifier
    again = load_config(make_book(book_toml=default_book_toml)).metadata.identifier  # another folder
    assert first == again
    assert first.startswith("urn:uuid:")
    uuid.UUID(first.removeprefix("urn:uuid:"))  # a well-formed UUID


def test_identifier_changes_with_title_and_authors(make_book, default_book_toml):
    base = load_config(make_book(book_toml=default_book_toml)).metadata.identifier
    retitled = default_book_toml.replace('title = "Carnet de test"', 'title = "Autre carnet"')
    reauthored = default_book_toml.replace('"Bruno Léger"', '"Chloé Petit"')
    assert retitled != default_book_toml and reauthored != default_book_toml
    assert load_config(make_book(book_toml=retitled)).metadata.identifier != base
    assert load_config(make_book(book_toml=reauthored)).metadata.identifier != base


def test_explicit_identifier_is_kept(make_book):
    config = load_config(make_book(extra_toml='identifier = "isbn:9782000000001"\n'))
    assert config.metadata.identifier == "isbn:9782000000001"


# --- unknown keys --------------------------------------------------------------------------------


def test_unknown_key_in_book_names_key_file_line_and_suggestion(make_book):
    text = toml(*BOOK[:2], 'titel = "Oups"', *BOOK[2:])
    error = config_error(make_book, text)
    assert "titel" in error.message
    assert error.line == 3
    assert error.hint is not None and "`title`" in error.hint
    assert re.match(r".*book\.toml:3: .*titel", str(error))


def test_unknown_key_in_pdf_suggests_page_size(make_book):
    text = toml(*BOOK, "", "[pdf]", 'margins = "20mm"', 'page_sise = "A4"')
    error = config_error(make_book, text)
    assert "page_sise" in error.message
    assert error.line == 9
    assert "`page_size`" in error.hint


def test_unknown_key_in_epub_and_handout(make_book):
    error = config_error(make_book, toml(*BOOK, "[epub]", "embed_font = false"))
    assert ("embed_font" in error.message, error.line) == (True, 7)
    assert "`embed_fonts`" in error.hint
    error = config_error(make_book, toml(*BOOK, "[handout]", 'chapter = "1"'))
    assert ("chapter" in error.message, error.line) == (True, 7)
    assert "`chapters`" in error.hint


def test_same_key_name_elsewhere_does_not_confuse_the_line(make_book):
    # `margins` is valid in [pdf]; the bad one is in [handout], on line 10.
    text = toml(*BOOK, "[pdf]", 'margins = "20mm"', "", "[handout]", 'margin = "20mm"')
    error = config_error(make_book, text)
    assert error.line == 10
    assert "`margins`" in error.hint


def test_unknown_top_level_table(make_book):
    text = toml(*BOOK, "", "[pfd]", 'page_size = "A4"')
    error = config_error(make_book, text)
    assert "pfd" in error.message
    assert error.line == 7
    assert "`pdf`" in error.hint


def test_unknown_top_level_key_before_book(make_book):
    text = toml("# mon livre", 'titre = "x"', *BOOK)
    error = config_error(make_book, text)
    assert "titre" in error.message
    assert error.line == 2


def test_unknown_key_without_close_match_lists_valid_keys(make_book):
    error = config_error(make_book, toml(*BOOK, 'zzzzzz = "x"'))
    assert error.line == 6
    assert "title" in error.hint and "authors" in error.hint


# --- syntax and required keys --------------------------------------------------------------------


def test_invalid_toml_reports_its_line(make_book):
    text = toml(*BOOK, "", "[pdf]", 'page_size = "A4')  # unterminated string on line 8
    error = config_error(make_book, text)
    assert "TOML" in error.message
    assert error.line == 8


def test_invalid_toml_missing_equals(make_book):
    text = toml("[book]", 'title = "x"', "authors ['A']", 'lang = "fr"')
    error = config_error(make_book, text)
    assert error.line == 3


def test_missing_book_toml(make_book):
    folder = make_book()
    (folder / "book.toml").unlink()
    with pytest.raises(PublishError) as caught:
        load_config(folder)
    assert caught.value.path == folder / "book.toml"


def test_missing_book_table(make_book):
    error = config_error(make_book, toml("[pdf]", 'page_size = "A4"'))
    assert "[book]" in error.message


@pytest.mark.parametrize("missing", ["title", "authors", "lang"])
def test_missing_required_key(make_book, missing):
    lines = [line for line in BOOK if not line.startswith(missing + " ")]
    assert len(lines) == len(BOOK) - 1
    error = config_error(make_book, toml("# un commentaire", *lines))
    assert f"`{missing}`" in error.message
    assert error.line == 2  # the [book] header


def test_without_a_date_the_book_is_dated_by_source_date_epoch(make_book, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")  # 2025-12-01 00:00 UTC
    folder = make_book(book_toml=toml(*[line for line in BOOK if not line.startswith("date ")]))
    assert load_config(folder).metadata.date == datetime.date(2025, 12, 1)


def test_without_a_date_the_book_is_dated_by_its_newest_chapter(make_book, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    folder = make_book(book_toml=toml(*[line for line in BOOK if not line.startswith("date ")]))
    chapters = sorted((folder / "chapters").glob("*.md"))
    for number, chapter in enumerate(chapters):  # the newest: 2024-05-17, whatever the order of the files
        day = datetime.datetime(2024, 5, 17 - number, 12, tzinfo=datetime.UTC).timestamp()
        os.utime(chapter, (day, day))
    assert load_config(folder).metadata.date == datetime.date(2024, 5, 17)


# --- bad values ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ['"15/01/2026"', '"2026-02-30"', "2026", '"demain"', "12:00:00"])
def test_bad_date(make_book, value):
    text = toml(*BOOK[:4], f"date = {value}")
    error = config_error(make_book, text)
    assert "date" in error.message
    assert error.line == 5


@pytest.mark.parametrize("value", ['"french"', '"f"', '"fr_FR"', '""', '"fr-"'])
def test_bad_lang(make_book, value):
    text = toml(*BOOK[:3], f"lang = {value}", BOOK[4])
    error = config_error(make_book, text)
    assert "lang" in error.message
    assert error.line == 4


@pytest.mark.parametrize("lang", ["fr", "fr-CA", "en-GB", "de"])
def test_good_lang(make_book, lang):
    text = toml(*BOOK[:3], f'lang = "{lang}"', BOOK[4])
    assert load_config(make_book(book_toml=text)).metadata.lang == lang


@pytest.mark.parametrize("authors", ["[]", '[""]', '["  "]', "[1, 2]", "42"])
def test_bad_authors(make_book, authors):
    text = toml(BOOK[0], BOOK[1], f"authors = {authors}", *BOOK[3:])
    error = config_error(make_book, text)
    assert "authors" in error.message
    assert error.line == 3


def test_title_must_be_a_string(make_book):
    error = config_error(make_book, toml(BOOK[0], "title = 12", *BOOK[2:]))
    assert "title" in error.message and error.line == 2


def test_bad_page_size(make_book):
    error = config_error(make_book, toml(*BOOK, "[pdf]", 'page_size = "B5"'))
    assert "B5" in error.message
    assert error.line == 7
    assert "A5" in error.hint  # the valid sizes are listed


def test_handout_page_size_is_limited_to_desk_printers(make_book):
    error = config_error(make_book, toml(*BOOK, "[handout]", 'page_size = "A5"'))
    assert "A5" in error.message and error.line == 7


@pytest.mark.parametrize("margins", ["20", "20mm 18mm 22mm 18mm 1mm", "large", "20 mm", "-", ""])
def test_bad_margins(make_book, margins):
    error = config_error(make_book, toml(*BOOK, "[pdf]", 'page_size = "A4"', f'margins = "{margins}"'))
    assert "margins" in error.message
    assert error.line == 8


def test_wrong_value_type_in_settings(make_book):
    error = config_error(make_book, toml(*BOOK, "[epub]", 'embed_fonts = "yes"'))
    assert "embed_fonts" in error.message and error.line == 7


def test_chapters_must_be_a_list_of_strings(make_book):
    error = config_error(make_book, toml(*BOOK, 'chapters = "01.md"'))
    assert "chapters" in error.message and error.line == 6


def test_missing_cover(make_book):
    error = config_error(make_book, toml(*BOOK, 'cover = "images/cover.jpg"'))
    assert "cover" in error.message and error.line == 6


# --- regressions: bugs found while writing these tests ---------------------------------------


# Regression: a non-UTF-8 book.toml used to raise UnicodeDecodeError instead of PublishError.
def test_book_toml_not_utf8_is_a_located_error(make_book):
    folder = make_book()
    (folder / "book.toml").write_bytes(toml(*BOOK).replace("Léger", "L\xe9ger").encode("latin-1"))
    with pytest.raises(PublishError) as caught:
        load_config(folder)
    assert caught.value.path == folder / "book.toml"


# Regression: the hint for a bool key used to read `embed_fonts = True` (not TOML).
def test_type_hint_is_valid_toml(make_book):
    error = config_error(make_book, toml(*BOOK, "[epub]", 'embed_fonts = "yes"'))
    tomllib.loads(error.hint)  # the hint is a line an author may paste into book.toml


def test_unknown_array_of_tables_has_a_line(make_book):
    error = config_error(make_book, toml(*BOOK, "[[pfd]]", "x = 1"))
    assert error.line == len(BOOK) + 1 and "pdf" in error.hint
