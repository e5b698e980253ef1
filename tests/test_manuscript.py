"""load_manuscript: chapter order, front matter, titles, slugs; errors carry file:line."""

from __future__ import annotations

import re

import pytest

from publish.errors import PublishError
from publish.load.manuscript import load_manuscript

# An XML 1.0 NCName restricted to what ids in EPUB/HTML comfortably use: ASCII, starts with a letter.
XML_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")


def names(book) -> list[str]:
    return [chapter.source.name for chapter in book.chapters]


def load_error(folder) -> PublishError:
    with pytest.raises(PublishError) as caught:
        load_manuscript(folder)
    return caught.value


# --- order ---------------------------------------------------------------------------------------


def test_chapters_in_file_name_order(make_book):
    folder = make_book(
        {
            "03-fin.md": "# Fin\n",
            "01-debut.md": "# Début\n",
            "02-milieu.md": "# Milieu\n",
            "notes.txt": "not a chapter",
        }
    )
    book = load_manuscript(folder)
    assert names(book) == ["01-debut.md", "02-milieu.md", "03-fin.md"]
    assert [c.title for c in book.chapters] == ["Début", "Milieu", "Fin"]
    assert [c.number for c in book.chapters] == [1, 2, 3]
    assert all(c.source.is_absolute() for c in book.chapters)


def test_explicit_chapter_list_is_honoured(make_book):
    folder = make_book(
        {"a.md": "# A\n", "b.md": "# B\n", "c.md": "# C\n", "brouillon.md": "# Brouillon\n"},
        extra_toml='chapters = ["c.md", "a.md", "b.md"]\n',
    )
    book = load_manuscript(folder)
    assert names(book) == ["c.md", "a.md", "b.md"]  # brouillon.md is left out
    assert [c.number for c in book.chapters] == [1, 2, 3]


def test_listed_missing_chapter_names_book_toml_and_line(make_book, default_book_toml, find_line):
    extra = 'chapters = [\n  "01-debut.md",\n  "02-absent.md",\n]\n'
    folder = make_book({"01-debut.md": "# Début\n"}, extra_toml=extra)
    error = load_error(folder)
    assert error.path == folder / "book.toml"
    assert error.line == find_line(default_book_toml + extra, "02-absent.md")
    assert "02-absent.md" in error.message


def test_no_chapters_folder(make_book):
    folder = make_book()
    for chapter in (folder / "chapters").iterdir():
        chapter.unlink()
    (folder / "chapters").rmdir()
    error = load_error(folder)
    assert "chapters" in str(error)
    assert error.path is not None and error.path.parent == folder


def test_empty_chapters_folder(make_book):
    folder = make_book({"lisez-moi.txt": "pas un chapitre"})
    error = load_error(folder)
    assert error.path == folder / "chapters"


def test_empty_chapter_list(make_book):
    error = load_error(make_book(extra_toml="chapters = []\n"))
    assert "chapters" in str(error)


def test_missing_manuscript_folder(tmp_path):
    error = load_error(tmp_path / "absent")
    assert error.path == tmp_path / "absent"


# --- front matter --------------------------------------------------------------------------------


def test_unnumbered_chapter_and_numbering_after_it(make_book):
    folder = make_book(
        {
            "00-ouverture.md": "---\nnumbered: false\n---\n# Ouverture\n",  # not a front-matter title
            "01-un.md": "# Un\n",
            "02-deux.md": "# Deux\n",
            "03-annexe.md": "---\nnumbered: FALSE\n---\n# Annexe\n",
        }
    )
    book = load_manuscript(folder)
    assert [(c.numbered, c.number) for c in book.chapters] == [(False, None), (True, 1), (True, 2), (False, None)]


def test_front_matter_is_removed_and_lines_are_kept(make_book):
    text = "---\nnumbered: false\n---\n# Ouverture\n\nTexte.\n"
    book = load_manuscript(make_book({"01.md": text}))
    chapter = book.chapters[0]
    assert "numbered" not in chapter.text and "---" not in chapter.text
    assert chapter.text.startswith("# Ouverture")
    assert chapter.first_line == 4  # line of the source where chapter.text starts
    assert chapter.title_line == 4


@pytest.mark.parametrize("value", ["Un autre titre", '"Un autre titre"', "'Un autre titre'"])
def test_front_matter_title_overrides(make_book, value):
    folder = make_book({"01.md": f"---\ntitle: {value}\n---\n# Titre du fichier\n\nTexte.\n"})
    assert load_manuscript(folder).chapters[0].title == "Un autre titre"


def test_front_matter_title_without_heading(make_book):
    folder = make_book({"01.md": "---\ntitle: Préface\nnumbered: false\n---\nTexte sans titre.\n"})
    chapter = load_manuscript(folder).chapters[0]
    assert (chapter.title, chapter.number) == ("Préface", None)


def test_front_matter_lang_overrides_book_lang(make_book):
    folder = make_book({"01.md": "---\nlang: en-GB\n---\n# Foreword\n", "02.md": "# Suite\n"})
    assert [c.lang for c in load_manuscript(folder).chapters] == ["en-GB", "fr"]


def test_unknown_front_matter_key(make_book):
    folder = make_book({"01.md": "---\nnumbered: false\ntitel: Oups\n---\n# Titre\n"})
    error = load_error(folder)
    assert error.path == folder / "chapters" / "01.md"
    assert error.line == 3
    assert "titel" in error.message
    assert "`title`" in error.hint


def test_front_matter_line_without_colon(make_book):
    folder = make_book({"01.md": "---\nnumbered false\n---\n# Titre\n"})
    error = load_error(folder)
    assert (error.path.name, error.line) == ("01.md", 2)


def test_front_matter_numbered_must_be_a_boolean(make_book):
    folder = make_book({"01.md": "---\ntitle: T\nnumbered: peut-être\n---\n# Titre\n"})
    error = load_error(folder)
    assert (error.path.name, error.line) == ("01.md", 3)


def test_unclosed_front_matter(make_book):
    folder = make_book({"01.md": "---\nnumbered: false\n\n# Titre\n"})
    error = load_error(folder)
    assert error.path == folder / "chapters" / "01.md"
    assert error.line == 1
    assert "closed" in error.message
    assert "---" in error.hint


# Regression: an unclosed front matter used to swallow the body and blame its first prose line.
def test_unclosed_front_matter_with_a_body(make_book):
    folder = make_book({"01.md": "---\nnumbered: false\n# Titre\n\nTexte.\n"})
    error = load_error(folder)
    assert error.path == folder / "chapters" / "01.md"
    assert (error.line, "closed" in error.message) == (1, True)


# --- titles --------------------------------------------------------------------------------------


def test_chapter_without_title_names_the_file(make_book):
    folder = make_book({"01-a.md": "# A\n", "02-sans-titre.md": "Du texte.\n\n## Une section\n"})
    error = load_error(folder)
    assert error.path == folder / "chapters" / "02-sans-titre.md"
    assert "02-sans-titre.md" in str(error)


def test_title_plain_text_without_marks_or_attributes(make_book):
    folder = make_book({"01.md": "# Le *vrai* `titre` {#ouverture}\n"})
    assert load_manuscript(folder).chapters[0].title == "Le vrai titre"


def test_second_title_is_an_error_at_its_line(make_book):
    text = "# Premier\n\nTexte.\n\n## Section\n\n# Second\n"
    folder = make_book({"01.md": text})
    error = load_error(folder)
    assert error.path == folder / "chapters" / "01.md"
    assert error.line == 7


def test_second_title_line_counts_front_matter(make_book):
    text = "---\nnumbered: false\n---\n# Premier\n\n# Second\n"
    error = load_error(make_book({"01.md": text}))
    assert error.line == 6


@pytest.mark.parametrize("fence", ["```", "~~~", "````"])
def test_hash_inside_fenced_code_is_not_a_title(make_book, fence):
    text = f"# Le vrai titre\n\n{fence}bash\n# un commentaire shell\n{fence}\n\nSuite.\n"
    chapter = load_manuscript(make_book({"01.md": text})).chapters[0]
    assert chapter.title == "Le vrai titre"
    assert chapter.title_line == 1


def test_only_a_hash_inside_code_means_no_title(make_book):
    folder = make_book({"01.md": "```\n# pas un titre\n```\n"})
    error = load_error(folder)
    assert error.path.name == "01.md"


def test_level_two_heading_is_not_a_title(make_book):
    folder = make_book({"01.md": "## Section seulement\n"})
    assert load_error(folder).path.name == "01.md"


# --- slugs ---------------------------------------------------------------------------------------


def test_slugs_are_xml_names_and_unique(make_book):
    folder = make_book(
        {
            "01-introduction.md": "# Intro\n",
            "2025-bilan.md": "# Bilan\n",
            "été.md": "# Été\n",
            "Chapitre Final.md": "# Fin\n",
            "_notes.md": "# Notes\n",
        }
    )
    slugs = [c.slug for c in load_manuscript(folder).chapters]
    assert len(slugs) == 5
    for slug in slugs:
        assert XML_NAME.match(slug), slug
        assert slug.isascii()
    assert len(set(slugs)) == len(slugs)


def test_slug_is_stable(make_book):
    first = make_book({"01-intro.md": "# A\n"})
    second = make_book({"01-intro.md": "# Autre titre\n", "00-avant.md": "# Avant\n"})
    slug = load_manuscript(first).chapters[0].slug
    assert slug == next(c.slug for c in load_manuscript(second).chapters if c.source.name == "01-intro.md")


# Regression: slugs were slugify(stem), so these file names collided.
@pytest.mark.parametrize("files", [("a b.md", "a-b.md"), ("日本.md", "中文.md"), ("Été.md", "ete.md")])
def test_slugs_unique_even_when_names_slugify_alike(make_book, files):
    folder = make_book({name: f"# {index}\n" for index, name in enumerate(files)})
    slugs = [c.slug for c in load_manuscript(folder).chapters]
    assert len(slugs) == 2
    assert len(set(slugs)) == 2


# Regression: a file listed twice was loaded twice with one slug (duplicate ids).
def test_chapter_listed_twice(make_book):
    folder = make_book({"01.md": "# A\n"}, extra_toml='chapters = ["01.md", "01.md"]\n')
    try:
        book = load_manuscript(folder)
    except PublishError as error:
        assert error.path == folder / "book.toml"
    else:
        assert len({c.slug for c in book.chapters}) == len(book.chapters)


# Regression: the line of a missing listed file was found by substring (`intro.md` in `01-intro.md`).
def test_listed_missing_chapter_line_is_exact(make_book, default_book_toml, find_line):
    extra = 'chapters = [\n  "01-intro.md",\n  "intro.md",\n]\n'
    folder = make_book({"01-intro.md": "# Intro\n"}, extra_toml=extra)
    error = load_error(folder)
    assert error.line == find_line(default_book_toml + extra, '"intro.md"')


# --- encoding ------------------------------------------------------------------------------------


def test_not_utf8_chapter(make_book):
    raw = "# Titre\n\nUne ligne.\nL'été dernier.\n".encode("latin-1")
    folder = make_book({"01-a.md": "# A\n", "02-latin.md": raw})
    error = load_error(folder)
    assert error.path == folder / "chapters" / "02-latin.md"
    assert error.line == 4
    assert "UTF-8" in str(error)


def test_setext_title_is_the_chapter_title(make_book):
    folder = make_book({"01-a.md": "Un titre souligné\n=================\n\nTexte.\n"})
    chapter = load_manuscript(folder).chapters[0]
    assert (chapter.title, chapter.title_line) == ("Un titre souligné", 1)


def test_front_matter_lang_must_be_a_language_tag(make_book, find_line):
    text = "---\ntitle: Ailleurs\nlang: fr_FR\n---\n\n# Ailleurs\n\nTexte.\n"
    folder = make_book({"01-a.md": text})
    with pytest.raises(PublishError) as error:
        load_manuscript(folder)
    finding = error.value.diagnostic()
    assert finding.line == find_line(text, "lang:") and "not a BCP 47 language tag" in finding.message


def test_fences_of_either_kind_hide_headings_until_they_close():
    from publish.load.source import outside_code_fences

    lines = ["# Titre", "````md", "# pas un titre", "```", "~~~", "````", "## Section", "~~~", "# code ~", "~~~~"]
    assert [index for index, _ in outside_code_fences(lines)] == [0, 6]


def test_hashtags_and_a_closing_hash_are_read_as_commonmark_reads_them(make_book):
    # Obsidian's tags are text, not a second title; `F#` keeps its `#`
    folder = make_book({"01.md": "# Programmer en F#\n\nTexte.\n\n#motclé #autre\n"})
    assert load_manuscript(folder).chapters[0].title == "Programmer en F#"


@pytest.mark.parametrize("marker", ["{-}", "{.unnumbered}", "{#preface -}"])
def test_an_unnumbered_title_makes_an_unnumbered_chapter(make_book, marker):
    # "Ouverture", not "Préface": a preface is unnumbered anyway, whatever its attributes
    folder = make_book({"01.md": f"# Ouverture {marker}\n\nTexte.\n", "02.md": "# Un\n\nTexte.\n"})
    chapters = load_manuscript(folder).chapters
    assert [(c.title, c.numbered, c.number) for c in chapters] == [("Ouverture", False, None), ("Un", True, 1)]


# --- front and back matter -----------------------------------------------------------------------

MATTER = {
    "fr": [
        "Introduction",
        "Avant-propos",
        "Préface",
        "Prologue",
        "Conclusion",
        "Épilogue",
        "Postface",
        "Remerciements",
    ],
    "en": ["Introduction", "Foreword", "Preface", "Prologue", "Conclusion", "Epilogue", "Afterword", "Acknowledgments"],
    "de": ["Einleitung", "Vorwort", "Prolog", "Schluss", "Epilog", "Nachwort", "Danksagung"],
    "es": ["Introducción", "Prefacio", "Prólogo", "Conclusión", "Epílogo", "Posfacio", "Agradecimientos"],
    "it": [
        "Introduzione",
        "Premessa",
        "Prefazione",
        "Prologo",
        "Conclusione",
        "Epilogo",
        "Postfazione",
        "Ringraziamenti",
    ],
}


@pytest.mark.parametrize("lang", sorted(MATTER))
def test_front_and_back_matter_titles_are_unnumbered_in_each_language(make_book, lang):
    titles = MATTER[lang]
    chapters = {f"{i:02}.md": f"# {title}\n\nTexte.\n" for i, title in enumerate(titles, start=1)}
    chapters["50-milieu.md"] = "# Le cœur du livre\n\nTexte.\n"
    toml = f'[book]\ntitle = "T"\nauthors = ["A"]\nlang = "{lang}"\ndate = 2026-01-15\n'
    book = load_manuscript(make_book(chapters, toml))
    assert [(c.title, c.number) for c in book.chapters] == [*((t, None) for t in titles), ("Le cœur du livre", 1)]
    assert all(c.unnumbered_as_matter for c in book.chapters[:-1]) and not book.chapters[-1].unnumbered_as_matter


def test_a_front_matter_title_with_a_subtitle_or_other_case_is_still_front_matter(make_book):
    folder = make_book(
        {
            "01.md": "# Introduction : un continent en quête de voix\n",
            "02.md": "# EPILOGUE\n",
            "03.md": "# Epilogue — un an après\n",  # capitals often lose their accent
            "04.md": "---\ntitle: Conclusion générale\n---\nTexte.\n",
        }
    )
    assert [c.number for c in load_manuscript(folder).chapters] == [None, None, None, None]


def test_a_title_that_only_mentions_front_matter_is_a_numbered_chapter(make_book):
    folder = make_book(
        {
            "01.md": "# Les règles du jeu : une introduction ?\n",
            "02.md": "# Introductions croisées\n",
            "03.md": "---\nlang: en\n---\n# Introduction to Python\n",
            "04.md": "# Vorwort\n",  # German, in a French chapter
            "05.md": "---\nlang: de-AT\n---\n# Vorwort\n",  # the chapter's own language decides
        }
    )
    assert [c.number for c in load_manuscript(folder).chapters] == [1, 2, 3, 4, None]


def test_numbered_true_numbers_front_matter_and_numbered_false_any_chapter(make_book):
    folder = make_book(
        {
            "01.md": "---\nnumbered: true\n---\n# Introduction\n",
            "02.md": "# Un\n",
            "03.md": "---\nnumbered: false\n---\n# Conclusion\n",
            "04.md": "# Postface {-}\n",
            "05.md": "# Remerciements\n",
        }
    )
    chapters = load_manuscript(folder).chapters
    assert [c.number for c in chapters] == [1, 2, None, None, None]
    # only the last one is unnumbered by the default the author did not write
    assert [c.unnumbered_as_matter for c in chapters] == [False, False, False, False, True]
