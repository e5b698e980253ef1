"""Themes: the theme.toml contract (extends, media, stylesheets, chapter by chapter), search path, overrides,
fonts, words, template errors, CSS tokens."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from publish.build.pipeline import BuildOptions, build
from publish.errors import PublishError
from publish.theme.contract import whole_book_features
from publish.theme.loading import builtin_styles, load_theme
from publish.theme.templating import make_environment, render
from publish.writers.epub.cssvars import resolve_custom_properties


def test_default_theme_resolves_fonts_and_stylesheets(tmp_path):
    theme = load_theme("default", tmp_path, "fr")
    assert {f.family for f in theme.fonts} == {"Vollkorn", "Inter", "JetBrains Mono"}
    assert all(f.path.is_file() for f in theme.fonts)
    assert [p.name for p in theme.stylesheets["epub"]] == ["base.css", "code.css", "epub.css"]
    assert "paged.css" not in [p.name for p in theme.stylesheets["epub"]]


def test_words_follow_the_language_with_english_fallback(tmp_path):
    assert load_theme("default", tmp_path, "fr-CA").words["contents"] == "Table des matières"
    assert load_theme("default", tmp_path, "fr-CA").warnings == ()
    welsh = load_theme("default", tmp_path, "cy")
    assert welsh.words["contents"] == "Contents"
    assert len(welsh.warnings) == 1 and "`cy`" in str(welsh.warnings[0]) and "words/cy.toml" in str(welsh.warnings[0])


@pytest.mark.parametrize("lang", ["fr", "en", "de", "es", "it"])
def test_every_shipped_language_translates_every_word(tmp_path, lang):
    english = load_theme("default", tmp_path, "en").words
    words = load_theme("default", tmp_path, lang).words
    table = tomllib.loads((builtin_styles() / "default" / "words" / f"{lang}.toml").read_text(encoding="utf-8"))
    assert set(table) == set(english), "every language gives every word, none falls back silently"
    assert len(words["months"]) == 12
    if lang != "en":
        assert words["contents"] != english["contents"] and words["chapter"] != english["chapter"]


def test_unknown_theme_is_a_clear_error(tmp_path):
    with pytest.raises(PublishError) as error:
        load_theme("gothique", tmp_path, "fr")
    assert "gothique" in str(error.value) and "default" in str(error.value)


def _custom_theme(folder, theme_toml, templates=None):
    theme = folder / "styles" / "maison"
    (theme / "templates").mkdir(parents=True)
    (theme / "theme.toml").write_text(theme_toml, encoding="utf-8")
    for name, text in (templates or {}).items():
        (theme / "templates" / name).write_text(text, encoding="utf-8")
    return theme


def test_custom_theme_overrides_one_template_and_keeps_the_rest(tmp_path):
    _custom_theme(tmp_path, 'name = "maison"\n', {"title-page.html": "<p class='maison'>{{ book.title }}</p>"})
    theme = load_theme("maison", tmp_path, "fr")
    environment = make_environment(theme, "paged")
    assert environment.get_template("title-page.html").filename.startswith(str(tmp_path))
    assert environment.get_template("toc.html").filename.startswith(str(builtin_styles()))
    assert theme.fonts  # inherited from the default theme.toml


def test_missing_font_names_the_file_and_the_package(tmp_path):
    _custom_theme(
        tmp_path,
        'name = "maison"\n[[fonts]]\nfamily = "Absente"\npackage = "fonts-absente"\n'
        'faces = [{ file = "Absente-Regular.ttf", weight = 400, style = "normal" }]\n',
    )
    with pytest.raises(PublishError) as error:
        load_theme("maison", tmp_path, "fr")
    message = str(error.value)
    assert "Absente-Regular.ttf" in message and "fonts-absente" in message and "theme.toml" in message


def test_template_error_names_the_template_and_line(tmp_path):
    _custom_theme(tmp_path, 'name = "maison"\n', {"title-page.html": "<p>\n{{ book.title }}\n{% if %}\n</p>"})
    environment = make_environment(load_theme("maison", tmp_path, "fr"), "paged")
    with pytest.raises(PublishError) as error:
        render(environment, "title-page.html", book=None)
    assert "title-page.html:3:" in str(error.value)


def test_undefined_variable_in_a_template_is_an_error_not_blank(tmp_path):
    _custom_theme(tmp_path, 'name = "maison"\n', {"title-page.html": "<p>{{ book.nonexistent }}</p>"})
    environment = make_environment(load_theme("maison", tmp_path, "fr"), "paged")
    with pytest.raises(PublishError) as error:
        render(environment, "title-page.html", book={"title": "x"})
    assert "title-page.html:1:" in str(error.value)


@pytest.mark.slow
@pytest.mark.epubcheck
def test_markup_in_metadata_is_escaped_everywhere(make_book, tmp_path):
    toml = '[book]\ntitle = "Moins < Plus & \\"Cie\\""\nauthors = ["A <b>B</b>"]\nlang = "fr"\ndate = 2026-01-15\n'
    folder = make_book(None, toml)
    report = build(folder, tmp_path / "out", BuildOptions(formats=("epub", "pdf")))
    from tests.builds import epubcheck_messages

    epub = next(o.path for o in report.outputs if o.format == "epub")
    assert epubcheck_messages(epub) == []


def test_custom_properties_are_resolved_for_the_epub():
    css = (
        ':root { --ink: #111; --face: "Vollkorn", serif; --alias: var(--ink); }\np { color: var(--ink); '
        "font-family: var(--face); border-color: var(--alias); background: var(--none, white); }"
    )
    resolved = resolve_custom_properties(css)
    assert "var(" not in resolved and ":root" not in resolved
    assert "color: #111" in resolved and 'font-family: "Vollkorn", serif' in resolved
    assert "border-color: #111" in resolved and "background: white" in resolved


@pytest.mark.parametrize(
    "css, reason",
    [
        (".chapter-title { position: running(head); }", "running elements"),
        ("@page :left { margin-left: 30mm; }", "@page rules for :first, :left, :right or :blank pages"),
        ("@page :first { margin-top: 40mm; }", "@page rules for :first, :left, :right or :blank pages"),
        (".chapter { break-before: right; }", "chapters that start on a left or right page"),
        ("figure { counter-increment: figure; }", "counters that run across chapters"),
        (
            "a.see::after { content: target-counter(attr(href), page); }",
            "target-counter() outside the table of contents",
        ),
        (
            "@media print { a.see::after { content: target-counter(attr(href), page); } }",
            "target-counter() outside the table of contents",
        ),
    ],
)
def test_css_that_needs_the_whole_book_is_recognised(css, reason):
    default_pdf_css = load_theme("default", Path("/nonexistent"), "fr").stylesheets["pdf"]
    assert [whole_book_features(path.read_text(encoding="utf-8")) for path in default_pdf_css] == [None] * 3
    assert whole_book_features(f"/* running( in a comment */ {css}") == reason


def _theme(folder, name, toml, files=None):
    theme = folder / "styles" / name
    (theme / "css").mkdir(parents=True, exist_ok=True)
    (theme / "theme.toml").write_text(toml, encoding="utf-8")
    for relative, text in (files or {}).items():
        (theme / relative).parent.mkdir(parents=True, exist_ok=True)
        (theme / relative).write_text(text, encoding="utf-8")


def test_a_theme_adds_stylesheets_without_restating_the_lists(tmp_path):
    _theme(
        tmp_path,
        "maison",
        'name = "maison"\n[append-stylesheets]\nall = ["css/maison.css"]\nepub = ["css/liseuse.css"]\n',
        {"css/maison.css": "h1 { color: teal; }\n", "css/liseuse.css": "p { margin: 0; }\n"},
    )
    theme = load_theme("maison", tmp_path, "fr")
    assert [p.name for p in theme.stylesheets["pdf"]] == ["base.css", "code.css", "paged.css", "maison.css"]
    assert [p.name for p in theme.stylesheets["epub"]] == [
        "base.css",
        "code.css",
        "epub.css",
        "maison.css",
        "liseuse.css",
    ]
    assert [p.name for p in theme.stylesheets["handout-notes-margin"]] == ["notes-margin.css"]  # layers are apart
    assert theme.chapter_by_chapter and theme.media == ("pdf", "print", "handout", "epub", "screen")


def test_a_theme_extends_another_which_extends_the_default(tmp_path):
    _theme(
        tmp_path,
        "parent",
        'name = "parent"\nmedia = ["pdf", "epub"]\n[append-stylesheets]\npdf = ["css/parent.css"]\n',
        {"css/parent.css": "", "css/base.css": "/* the parent's own base */"},
    )
    _theme(
        tmp_path,
        "enfant",
        'name = "enfant"\nextends = "parent"\n[append-stylesheets]\npdf = ["css/enfant.css"]\n',
        {"css/enfant.css": ""},
    )
    theme = load_theme("enfant", tmp_path, "fr")
    assert [f.name for f in theme.folders] == ["enfant", "parent", "default"]
    pdf = theme.stylesheets["pdf"]
    assert [p.name for p in pdf] == ["base.css", "code.css", "paged.css", "parent.css", "enfant.css"]
    assert pdf[0].parent.parent.name == "parent", "a file is found in the nearest theme that has it"
    assert theme.media == ("pdf", "epub"), "media are inherited"


def test_a_list_replaces_the_inherited_one_for_its_medium_only(tmp_path):
    _theme(tmp_path, "sobre", 'name = "sobre"\n[stylesheets]\nepub = ["css/sobre.css"]\n', {"css/sobre.css": ""})
    theme = load_theme("sobre", tmp_path, "fr")
    assert [p.name for p in theme.stylesheets["epub"]] == ["sobre.css"]
    assert [p.name for p in theme.stylesheets["pdf"]] == ["base.css", "code.css", "paged.css"]


@pytest.mark.parametrize(
    "toml, message",
    [
        ('name = "x"\nextend = "default"\n', "unknown key `extend` in theme.toml"),
        ('name = "x"\n[stylesheets]\npfd = []\n', "unknown key `pfd` in [stylesheets]"),
        ('name = "x"\nmedia = ["pdf", "kindle"]\n', "unknown medium `kindle`"),
        ('name = "x"\nchapter_by_chapter = "yes"\n', "`chapter_by_chapter` must be a bool"),
        ('name = "x"\n[append-stylesheets]\npdf = "css/a.css"\n', "pdf must be a list of files"),
        ('name = "x"\nextends = "absent"\n', "unknown theme `absent`"),
        (
            'name = "x"\n[append-stylesheets]\npdf = ["css/absente.css"]\n',
            "stylesheet `css/absente.css` for pdf not found",
        ),
    ],
)
def test_theme_toml_mistakes_are_located_errors(tmp_path, toml, message):
    _theme(tmp_path, "x", toml)
    with pytest.raises(PublishError) as error:
        load_theme("x", tmp_path, "fr")
    assert message in str(error.value)
    assert "theme.toml" in str(error.value)


def test_unknown_key_points_at_its_line_and_suggests_the_nearest(tmp_path):
    _theme(tmp_path, "x", 'name = "x"\n\nextend = "default"\n')
    with pytest.raises(PublishError) as error:
        load_theme("x", tmp_path, "fr")
    assert error.value.diagnostic().line == 3
    assert "did you mean `extends`?" in str(error.value)


def test_themes_that_extend_each_other_are_an_error_not_a_loop(tmp_path):
    _theme(tmp_path, "a", 'name = "a"\nextends = "b"\n')
    _theme(tmp_path, "b", 'name = "b"\nextends = "a"\n')
    with pytest.raises(PublishError, match="themes extend each other: a -> b -> a"):
        load_theme("a", tmp_path, "fr")


def test_a_manuscript_theme_named_default_extends_the_builtin_one(tmp_path):
    _theme(
        tmp_path, "default", 'name = "default"\n[append-stylesheets]\npdf = ["css/local.css"]\n', {"css/local.css": ""}
    )
    theme = load_theme("default", tmp_path, "fr")
    assert theme.folders[0].parent.parent == tmp_path and theme.folders[1] == builtin_styles().resolve() / "default"
    assert theme.stylesheets["pdf"][-1].name == "local.css"


def test_every_variable_a_template_uses_is_documented():
    import dataclasses

    from jinja2 import meta

    from publish.model import Heading, Note
    from publish.theme.context import BookView, ChapterView

    readme = (builtin_styles() / "README.md").read_text(encoding="utf-8")
    environment = make_environment(load_theme("default", Path("/nonexistent"), "fr"))
    templates = builtin_styles() / "default" / "templates"
    used = set()
    for path in templates.rglob("*"):
        if path.suffix in (".html", ".xhtml", ".svg"):
            used |= meta.find_undeclared_variables(environment.parse(path.read_text(encoding="utf-8")))
    assert {"book", "chapters", "words", "chapter", "notes"} <= used
    assert [name for name in sorted(used) if f"`{name}`" not in readme] == []
    for view, prefix in ((BookView, "book."), (ChapterView, "chapter.")):
        fields = [f.name for f in dataclasses.fields(view)]
        assert [name for name in fields if f"`{prefix}{name}`" not in readme] == []
    for view, documented in ((Note, ("id", "call_id", "number", "paragraphs")), (Heading, ("level", "id", "html"))):
        assert set(documented) <= {f.name for f in dataclasses.fields(view)}, "the documented fields exist"


@pytest.mark.slow
@pytest.mark.epubcheck
def test_the_custom_theme_example_builds_what_it_declares(tmp_path):
    """tests/fixtures/books/theme-maison: extends the default theme, adds one stylesheet to every
    medium, replaces the title page, serves the PDF and the EPUB only."""
    import subprocess
    import zipfile

    from tests.builds import FIXTURES, epubcheck_messages

    report = build(FIXTURES / "theme-maison", tmp_path, BuildOptions())
    assert sorted(o.format for o in report.outputs) == ["epub", "pdf"], "the handout is not among its media"
    pdf, epub = (next(o.path for o in report.outputs if o.format == f) for f in ("pdf", "epub"))
    first_pages = subprocess.run(
        ["pdftotext", "-l", "3", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Peu de pages, bien faites" in first_pages, "the theme's own title page"
    assert (
        "Table des matières"
        in subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    ), "the inherited templates"
    with zipfile.ZipFile(epub) as archive:
        css = archive.read("EPUB/styles/book.css").decode()
        title = archive.read("EPUB/title.xhtml").decode()
    assert ".maison-devise" in css and "#0f5e63" in css, "the added stylesheet, its variable resolved"
    assert css.index(".maison-devise") > css.index(".chapter-title"), "after the inherited stylesheets"
    assert 'epub:type="titlepage"' in title and "Peu de pages" in title
    assert epubcheck_messages(epub) == []
    with pytest.raises(PublishError, match="does not serve handout"):
        build(FIXTURES / "theme-maison", tmp_path / "h", BuildOptions(formats=("handout",)))


def test_a_mistake_in_a_table_points_at_the_line_in_that_table(tmp_path):
    _theme(
        tmp_path, "x", 'name = "x"\n[stylesheets]\npdf = ["css/base.css"]\n[append-stylesheets]\npdf = "css/a.css"\n'
    )
    with pytest.raises(PublishError) as error:
        load_theme("x", tmp_path, "fr")
    assert error.value.diagnostic().line == 5, "the `pdf` of [append-stylesheets], not the one of [stylesheets]"


def test_a_missing_appended_stylesheet_names_the_theme_that_appends_it(tmp_path):
    _theme(tmp_path, "x", 'name = "x"\n\n[append-stylesheets]\nall = ["css/absente.css"]\n')
    with pytest.raises(PublishError) as error:
        load_theme("x", tmp_path, "fr")
    finding = error.value.diagnostic()
    assert finding.path == tmp_path / "styles" / "x" / "theme.toml" and finding.line == 4


def test_a_theme_without_extends_falls_back_on_the_builtin_default(tmp_path):
    _theme(
        tmp_path, "default", 'name = "default"\n[append-stylesheets]\npdf = ["css/local.css"]\n', {"css/local.css": ""}
    )
    _theme(tmp_path, "maison", 'name = "maison"\n')
    theme = load_theme("maison", tmp_path, "fr")
    assert theme.folders[1] == builtin_styles().resolve() / "default", "as before themes could extend"
    assert "local.css" not in [p.name for p in theme.stylesheets["pdf"]]


def test_the_first_of_the_month_follows_the_language(tmp_path):
    import datetime

    from publish.model import Book, DisplayText, Metadata, PreparedBook
    from publish.theme.context import book_view

    def long_date(lang):
        meta = Metadata("T", ("A",), lang, datetime.date(2026, 3, 1), "urn:x")
        book = Book(root=tmp_path, config_path=tmp_path / "book.toml", metadata=meta, chapters=())
        return book_view(
            PreparedBook(book, (), DisplayText("T", "", "", "")), load_theme("default", tmp_path, lang).words
        ).date_long

    assert (long_date("fr"), long_date("en"), long_date("de")) == ("1er mars 2026", "March 1, 2026", "1. März 2026")


def test_formats_follow_the_media_the_theme_serves(tmp_path):
    from publish.build.plan import BuildOptions, formats_for
    from publish.model import PdfSettings

    media, where = ("pdf", "epub", "screen"), tmp_path / "theme.toml"
    assert formats_for(PdfSettings(), BuildOptions(), media, where) == ("pdf", "epub"), "no handout by default"
    booklet = BuildOptions(extra_formats=("booklet",))
    with_print = ("pdf", "print", "epub", "screen")
    assert formats_for(PdfSettings(), booklet, with_print, where) == ("pdf", "epub", "booklet")
    with pytest.raises(PublishError, match="does not serve booklet"):  # the booklet imposes the print interior
        formats_for(PdfSettings(), booklet, media, where)
    with pytest.raises(PublishError) as error:
        formats_for(PdfSettings(), BuildOptions(formats=("handout",)), media, where)
    assert "does not serve handout" in str(error.value) and error.value.diagnostic().path == where
    with pytest.raises(PublishError, match="serves none of the formats"):
        formats_for(PdfSettings(), BuildOptions(), ("screen",), where)
