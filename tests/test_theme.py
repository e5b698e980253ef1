"""Themes: search path, overrides, fonts, words, template errors, CSS tokens."""

from __future__ import annotations

import tomllib

import pytest

from publish.build.pipeline import BuildOptions, build
from publish.errors import PublishError
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
