"""Issue 16, "Files leak out of the manuscript": every path a build reads stays inside the manuscript
or its theme, links followed; FIFOs and devices are refused; line numbers count only line feeds."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from publish.build.pipeline import BuildOptions, build
from publish.build.prepare import check_book
from publish.errors import PublishError
from publish.load.manuscript import load_manuscript, manuscript_files
from publish.load.source import source_lines
from publish.theme.contract import whole_book_features
from publish.theme.loading import load_theme
from publish.theme.templating import make_environment, render
from publish.writers.fetcher import FolderFetcher
from tests.builds import epubcheck_messages, page_texts

REPO = Path(__file__).resolve().parents[1]
SECRET = "mot de passe très secret\n"
CHAPTER = {"01-debut.md": "# Début\n\nUn premier paragraphe, en français.\n"}
THEME = 'theme = "maison"\n'


def line_of(text: str, needle: str) -> int:
    """The test's own count: line feeds only, as an editor shows them."""
    return text[: text.index(needle)].count("\n") + 1


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside every manuscript, standing for /etc/passwd."""
    path = tmp_path / "ailleurs" / "secret.txt"
    path.parent.mkdir()
    path.write_text(SECRET, encoding="utf-8")
    return path


def climb_to(path: Path) -> str:
    """A relative path that climbs from any folder of the test up to ``path``."""
    return "../" * 40 + str(path).lstrip("/")


def theme_book(make_book, theme_toml: str = 'name = "maison"\n', files: dict[str, str] | None = None) -> Path:
    """A manuscript with its own theme, styles/maison/, extending the default one."""
    theme_files = {"styles/maison/theme.toml": theme_toml}
    theme_files.update({f"styles/maison/{name}": text for name, text in (files or {}).items()})
    return make_book(CHAPTER, extra_toml=THEME, files=theme_files)


def theme_error(folder: Path) -> PublishError:
    with pytest.raises(PublishError) as caught:
        load_theme("maison", folder, "fr")
    return caught.value


def run_publish(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [sys.executable, "-m", "publish", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, errors="replace")


# --- 1. a custom theme reaches only its own files ---------------------------------------------------


def test_a_font_path_with_dotdot_is_refused_at_its_theme_toml_line(make_book, secret):
    escape = climb_to(secret)
    toml = f'name = "maison"\n\n[[fonts]]\nfamily = "Fuite"\nfaces = [{{ file = "{escape}" }}]\n'
    folder = theme_book(make_book, toml, {"fonts/LISEZMOI.txt": "Les polices du thème.\n"})
    error = theme_error(folder)
    assert error.path == folder / "styles/maison/theme.toml"
    assert error.line == line_of(toml, escape)
    assert "outside the manuscript and theme folders" in error.message


def test_a_stylesheet_path_with_dotdot_is_refused_at_its_line(make_book, secret):
    escape = climb_to(secret)
    toml = f'name = "maison"\n[append-stylesheets]\nepub = ["{escape}"]\n'
    folder = theme_book(make_book, toml)
    error = theme_error(folder)
    assert (error.path, error.line) == (folder / "styles/maison/theme.toml", line_of(toml, escape))
    assert "outside the manuscript and theme folders" in error.message


def test_an_absolute_stylesheet_path_is_refused(make_book, secret):
    toml = f'name = "maison"\n[append-stylesheets]\nall = ["{secret}"]\n'
    error = theme_error(theme_book(make_book, toml))
    assert error.line == 3 and "outside" in error.message


def test_a_stylesheet_linked_out_of_the_theme_is_refused(make_book, secret):
    toml = 'name = "maison"\n[append-stylesheets]\nall = ["css/lien.css"]\n'
    folder = theme_book(make_book, toml)
    (folder / "styles/maison/css").mkdir()
    (folder / "styles/maison/css/lien.css").symlink_to(secret)
    error = theme_error(folder)
    assert error.line == 3 and f"a link to {secret}" in error.message


def test_a_stylesheet_linked_to_another_file_of_the_theme_is_read(make_book):
    toml = 'name = "maison"\n[append-stylesheets]\nall = ["css/lien.css"]\n'
    folder = theme_book(make_book, toml, {"css/vrai.css": "p { color: #333; }\n"})
    (folder / "styles/maison/css/lien.css").symlink_to(folder / "styles/maison/css/vrai.css")
    theme = load_theme("maison", folder, "fr")
    assert theme.stylesheets["epub"][-1].name == "lien.css"


def test_a_fifo_stylesheet_is_refused_without_blocking(make_book):
    toml = 'name = "maison"\n[append-stylesheets]\nall = ["css/tube.css"]\n'
    folder = theme_book(make_book, toml)
    (folder / "styles/maison/css").mkdir()
    os.mkfifo(folder / "styles/maison/css/tube.css")
    error = theme_error(folder)
    assert error.line == 3 and "FIFO" in error.message and "not a plain file" in error.message


def test_a_theme_folder_linked_out_of_the_manuscript_is_refused(make_book, tmp_path):
    elsewhere = tmp_path / "theme-ailleurs"
    elsewhere.mkdir()
    (elsewhere / "theme.toml").write_text('name = "maison"\n', encoding="utf-8")
    folder = make_book(CHAPTER, extra_toml=THEME)
    (folder / "styles").mkdir()
    (folder / "styles/maison").symlink_to(elsewhere, target_is_directory=True)
    error = theme_error(folder)
    assert error.path == folder / "book.toml" and "outside" in error.message


@pytest.mark.parametrize("name", ["../ailleurs", "/etc", "..", "a/b"])
def test_a_theme_name_that_is_a_path_is_refused(make_book, name):
    folder = make_book(CHAPTER)
    with pytest.raises(PublishError, match="is not a theme name") as caught:
        load_theme(name, folder, "fr")
    assert caught.value.path == folder / "book.toml"


def test_a_words_file_linked_out_of_the_theme_is_refused(make_book, secret):
    folder = theme_book(make_book)
    (folder / "styles/maison/words").mkdir()
    (folder / "styles/maison/words/fr.toml").symlink_to(secret)
    assert "outside" in theme_error(folder).message


def test_a_template_folder_linked_out_of_the_theme_is_refused_at_load(make_book, secret):
    folder = theme_book(make_book)
    (folder / "styles/maison/templates").symlink_to(secret.parent, target_is_directory=True)
    error = theme_error(folder)
    assert error.path == folder / "styles/maison/templates" and "outside" in error.message


def including_theme(make_book) -> tuple[Path, Path]:
    """A theme whose paged book.html includes `piece.html` at line 2; the test decides what that is."""
    folder = theme_book(make_book, files={"templates/paged/book.html": "<p>avant</p>\n{% include 'piece.html' %}\n"})
    return folder, folder / "styles/maison/templates/paged/piece.html"


def render_book_html(folder: Path) -> str:
    environment = make_environment(load_theme("maison", folder, "fr"), "paged")
    return render(environment, "book.html")


def test_an_include_of_a_template_linked_out_is_refused_at_the_include_line(make_book, secret):
    folder, piece = including_theme(make_book)
    piece.symlink_to(secret)
    with pytest.raises(PublishError) as caught:
        render_book_html(folder)
    assert (caught.value.path, caught.value.line) == (folder / "styles/maison/templates/paged/book.html", 2)
    assert f"a link to {secret}" in caught.value.message


def test_an_include_of_a_fifo_is_refused_without_blocking(make_book):
    folder, piece = including_theme(make_book)
    os.mkfifo(piece)
    with pytest.raises(PublishError, match="FIFO") as caught:
        render_book_html(folder)
    assert caught.value.line == 2


def test_an_include_of_a_template_linked_inside_the_theme_is_read(make_book):
    folder, piece = including_theme(make_book)
    (piece.parent / "vrai.html").write_text("<p>après, « inclus »</p>\n", encoding="utf-8")
    piece.symlink_to(piece.parent / "vrai.html")
    assert "« inclus »" in render_book_html(folder)


def test_jinja_paths_with_dotdot_stay_refused(make_book):
    folder = theme_book(make_book, files={"templates/paged/book.html": "{% include '../../theme.toml' %}\n"})
    with pytest.raises(PublishError, match="not found"):
        render_book_html(folder)


def fetch(fetcher: FolderFetcher, path: Path) -> object:
    return fetcher.fetch(path.as_uri())


def test_the_fetcher_serves_the_roots_and_refuses_links_out_fifos_and_devices(tmp_path, secret):
    root = tmp_path / "livre"
    root.mkdir()
    (root / "image.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n', encoding="utf-8")
    (root / "lien.txt").symlink_to(secret)
    (root / "zero.png").symlink_to("/dev/zero")
    os.mkfifo(root / "tube.png")
    fetcher = FolderFetcher((root,))
    assert fetch(fetcher, root / "image.svg") is not None
    for path, reason in [
        (secret, "outside"),
        (root / "lien.txt", "outside"),
        (root / "zero.png", "outside"),
        (root / "tube.png", "FIFO"),
        (root / "sous" / ".." / ".." / secret.parent.name / secret.name, "outside"),
    ]:
        with pytest.raises(ValueError, match=reason):
            fetch(fetcher, path)


# --- 2. chapters: links, listed paths ---------------------------------------------------------------


def load_error(folder: Path) -> PublishError:
    with pytest.raises(PublishError) as caught:
        load_manuscript(folder)
    return caught.value


def test_a_chapter_linked_out_of_the_manuscript_is_refused(make_book, tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n\n" + SECRET, encoding="utf-8")
    folder = make_book(CHAPTER)
    (folder / "chapters/02-secret.md").symlink_to(outside)
    error = load_error(folder)
    assert error.path == folder / "chapters/02-secret.md" and "outside the manuscript" in error.message


def test_a_chapters_folder_linked_out_of_the_manuscript_is_refused(make_book, tmp_path):
    outside = tmp_path / "autres-chapitres"
    outside.mkdir()
    (outside / "01-secret.md").write_text("# Secret\n\n" + SECRET, encoding="utf-8")
    folder = make_book({})
    (folder / "chapters").rmdir()
    (folder / "chapters").symlink_to(outside, target_is_directory=True)
    error = load_error(folder)
    assert error.path == folder / "chapters" and "outside the manuscript" in error.message


def test_a_chapter_linked_to_another_file_of_the_manuscript_is_read(make_book):
    folder = make_book(CHAPTER, files={"brouillons/suite.md": "# Suite\n\nLa suite.\n"})
    (folder / "chapters/02-suite.md").symlink_to(folder / "brouillons/suite.md")
    assert [c.title for c in load_manuscript(folder).chapters] == ["Début", "Suite"]


@pytest.mark.parametrize("entry", ["../../secret.md", "../book.toml", "/tmp/secret.md", "sous/../../secret.md"])
def test_a_listed_chapter_outside_chapters_is_refused_at_its_line(make_book, tmp_path, entry):
    (tmp_path / "secret.md").write_text("# Secret\n", encoding="utf-8")
    extra = f'chapters = ["01-debut.md", "{entry}"]\n'
    folder = make_book(CHAPTER, extra_toml=extra)
    error = load_error(folder)
    text = (folder / "book.toml").read_text(encoding="utf-8")
    assert (error.path, error.line) == (folder / "book.toml", line_of(text, entry))
    assert "not inside chapters/" in error.message


def test_a_listed_chapter_linked_out_is_refused_at_its_line(make_book, tmp_path):
    (tmp_path / "secret.md").write_text("# Secret\n", encoding="utf-8")
    folder = make_book(CHAPTER, extra_toml='chapters = ["01-debut.md", "lien.md"]\n')
    (folder / "chapters/lien.md").symlink_to(tmp_path / "secret.md")
    error = load_error(folder)
    assert (error.path, error.line) == (folder / "book.toml", 6)
    assert "outside the manuscript" in error.message


# --- 3. images and links follow the same rule --------------------------------------------------------

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>\n'


def errors_of(folder: Path) -> list[str]:
    return [str(d) for d in check_book(folder).errors]


def test_an_image_linked_out_of_the_manuscript_is_a_located_error(make_book, tmp_path):
    (tmp_path / "dehors.svg").write_text(SVG, encoding="utf-8")
    text = "# Début\n\nVoici le schéma :\n\n![Le schéma](../images/lien.svg)\n"
    folder = make_book({"01-debut.md": text})
    (folder / "images").mkdir()
    (folder / "images/lien.svg").symlink_to(tmp_path / "dehors.svg")
    [error] = errors_of(folder)
    assert error.startswith(f"{folder}/chapters/01-debut.md:{line_of(text, '![')}:")
    assert "lies outside the manuscript folder" in error


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder"])
def test_an_image_that_is_no_plain_file_is_a_located_error_not_a_hang(make_book, kind):
    text = "# Début\n\n![Le schéma](../images/special.png)\n"
    folder = make_book({"01-debut.md": text})
    (folder / "images").mkdir()
    special = folder / "images/special.png"
    {"fifo": lambda: os.mkfifo(special), "dev-zero": lambda: special.symlink_to("/dev/zero"), "folder": special.mkdir}[
        kind
    ]()
    [error] = errors_of(folder)
    assert error.startswith(f"{folder}/chapters/01-debut.md:3:")
    assert ("outside" if kind == "dev-zero" else "not an image file") in error


def test_a_link_to_a_chapter_linked_out_is_a_located_error(make_book, tmp_path):
    (tmp_path / "secret.md").write_text("# Secret\n", encoding="utf-8")
    text = "# Début\n\nVoir [l’annexe](../annexes/lien.md).\n"
    folder = make_book({"01-debut.md": text})
    (folder / "annexes").mkdir()
    (folder / "annexes/lien.md").symlink_to(tmp_path / "secret.md")
    [error] = errors_of(folder)
    assert error.startswith(f"{folder}/chapters/01-debut.md:3:") and "points outside the book" in error


def test_a_link_to_a_fifo_named_like_a_chapter_is_a_located_error(make_book):
    text = "# Début\n\nVoir [le tube](../annexes/tube.md).\n"
    folder = make_book({"01-debut.md": text})
    (folder / "annexes").mkdir()
    os.mkfifo(folder / "annexes/tube.md")
    [error] = errors_of(folder)
    assert error.startswith(f"{folder}/chapters/01-debut.md:3:") and "a FIFO (named pipe), not a chapter" in error


def test_files_the_build_refuses_are_not_fingerprinted(make_book, tmp_path, secret):
    folder = make_book(CHAPTER, files={"images/vrai.svg": SVG})
    os.mkfifo(folder / "images/tube.png")
    (folder / "images/zero.png").symlink_to("/dev/zero")
    (folder / "images/lien.txt").symlink_to(secret)
    (folder / "images/interne.svg").symlink_to(folder / "images/vrai.svg")
    names = sorted(p.relative_to(folder).as_posix() for p in manuscript_files(folder))
    assert names == ["book.toml", "chapters/01-debut.md", "images/interne.svg", "images/vrai.svg"]


# --- 4, 5. special files and folders among the chapters ---------------------------------------------


def test_a_fifo_chapter_is_a_located_error_not_a_hang(make_book):
    folder = make_book(CHAPTER)
    os.mkfifo(folder / "chapters/02-tube.md")
    error = load_error(folder)
    assert error.path == folder / "chapters/02-tube.md" and "FIFO" in error.message


def test_a_chapter_linked_to_dev_zero_is_a_located_error(make_book):
    folder = make_book(CHAPTER)
    (folder / "chapters/02-zero.md").symlink_to("/dev/zero")
    error = load_error(folder)
    assert error.path == folder / "chapters/02-zero.md" and "a link to /dev/zero" in error.message


def test_a_listed_fifo_chapter_is_refused_at_its_line(make_book):
    folder = make_book(CHAPTER, extra_toml='chapters = ["01-debut.md", "tube.md"]\n')
    os.mkfifo(folder / "chapters/tube.md")
    error = load_error(folder)
    assert (error.path, error.line) == (folder / "book.toml", 6) and "FIFO" in error.message


def test_a_folder_named_like_a_chapter_is_a_located_error(make_book):
    folder = make_book(CHAPTER)
    (folder / "chapters/annexes.md").mkdir()
    error = load_error(folder)
    assert error.path == folder / "chapters/annexes.md"
    assert "is a folder, not a chapter" in error.message and "rename" in (error.hint or "")


# --- 6. a byte order mark ----------------------------------------------------------------------------


def test_a_byte_order_mark_is_not_part_of_the_title(make_book):
    folder = make_book({"01-debut.md": "\ufeff# Début\n\nTexte.\n"})
    [chapter] = load_manuscript(folder).chapters
    assert chapter.title == "Début" and not chapter.text.startswith("\ufeff")


def test_a_byte_order_mark_before_front_matter(make_book):
    folder = make_book({"01-debut.md": "\ufeff---\ntitle: Avant-propos\nnumbered: false\n---\nTexte.\n"})
    [chapter] = load_manuscript(folder).chapters
    assert (chapter.title, chapter.numbered) == ("Avant-propos", False)


def test_columns_on_the_first_line_do_not_count_the_byte_order_mark(make_book):
    folder = make_book({"01-debut.md": "\ufeff# Dé\x07but\n"})
    error = load_error(folder)
    assert error.line == 1 and "at column 5" in error.message  # `# Dé` then the bell


# --- 7. line numbers count line feeds only ----------------------------------------------------------

BREAKERS = ["\u2028", "\u2029", "\x85"]  # str.splitlines breaks at these; editors and Markdown do not


@pytest.mark.parametrize("breaker", BREAKERS)
def test_line_breaks_python_alone_sees_do_not_shift_findings(make_book, breaker):
    text = f"# Début\n\nUn{breaker}paragraphe{breaker}coupé.\n\nVoir [la suite](absente.md).\n"
    folder = make_book({"01-debut.md": text})
    [error] = check_book(folder).errors
    assert (error.line, error.column) == (line_of(text, "[la suite]"), len("Voir [la suite](") + 1)


@pytest.mark.parametrize("breaker", BREAKERS)
def test_the_second_title_is_found_at_its_line(make_book, breaker):
    text = f"# Début\n\nUne{breaker}phrase.\n\n# Deuxième titre\n"
    error = load_error(make_book({"01-debut.md": text}))
    assert error.line == line_of(text, "# Deuxième")


@pytest.mark.parametrize("breaker", BREAKERS)
def test_a_listed_chapter_is_found_at_its_book_toml_line(make_book, breaker):
    extra = f'# une note{breaker}sur deux lignes ?\nchapters = ["01-debut.md", "absent.md"]\n'
    folder = make_book(CHAPTER, extra_toml=extra)
    error = load_error(folder)
    assert error.line == line_of((folder / "book.toml").read_text(encoding="utf-8"), "absent.md")


@pytest.mark.parametrize("breaker", BREAKERS)
def test_theme_toml_errors_are_found_at_their_line(make_book, breaker):
    toml = f'# thème maison{breaker}pour le livre\nname = "maison"\nmedia = ["papier"]\n'
    error = theme_error(theme_book(make_book, toml))
    assert error.line == line_of(toml, "media")


def test_source_lines_splits_at_line_feeds_only():
    assert source_lines("a\u2028b\r\nc\x0bd\x1ce\n\nf") == ["a\u2028b", "c\x0bd\x1ce", "", "f"]
    assert source_lines("") == [] and source_lines("un\n") == ["un"]


# --- 8. the language of a chapter -------------------------------------------------------------------


@pytest.mark.parametrize("lang", ['"fr FR"', '"<x>"', "12", "fr_FR", '"fr-"'])
def test_a_malformed_front_matter_lang_is_a_located_error(make_book, lang):
    text = f"---\nnumbered: true\nlang: {lang}\n---\n# Début\n"
    error = load_error(make_book({"01-debut.md": text}))
    assert error.line == 3 and "is not a BCP 47 language tag" in error.message


# --- 9. theme CSS that does not parse ---------------------------------------------------------------

STRAY = "p { color: #333; }\n}\nh1 { color: #111; }\n"


@pytest.mark.parametrize(
    ("css", "line"),
    [(STRAY, 2), ("p { color: #333; }\n\n}\n", 3), ("@media print { p { color: black } } }\n", 1)],
)
def test_a_stray_brace_in_theme_css_is_a_located_error(make_book, css, line):
    toml = 'name = "maison"\nchapter_by_chapter = true\n[append-stylesheets]\nall = ["css/maison.css"]\n'
    folder = theme_book(make_book, toml, {"css/maison.css": css})
    error = theme_error(folder)
    [found] = error.diagnostics
    assert (found.path, found.line) == (folder / "styles/maison/css/maison.css", line)
    assert "CSS does not parse" in found.message


def test_the_chapter_by_chapter_check_reads_css_that_does_not_parse():
    assert whole_book_features("}\n") is None
    assert whole_book_features("@page :left { margin: 1cm } }") is not None


def test_check_reports_a_stray_brace_with_exit_1_and_no_traceback(make_book):
    toml = 'name = "maison"\n[append-stylesheets]\nall = ["css/maison.css"]\n'
    folder = theme_book(make_book, toml, {"css/maison.css": STRAY})
    for debug in ((), ("--debug",)):
        result = run_publish("check", *debug, str(folder))
        assert result.returncode == 1, result.stderr
        printed = result.stdout + result.stderr
        assert f"{folder}/styles/maison/css/maison.css:2:1: error: CSS does not parse" in printed
        assert "TypeError" not in printed and "internal error" not in printed


# --- end to end: the attacks through the command line, and a legal book with odd files --------------


@pytest.mark.slow
@pytest.mark.parametrize("attack", ["font", "stylesheet", "template", "chapter", "listed"])
def test_attacks_stop_the_build_with_exit_1_and_write_nothing(make_book, tmp_path, secret, attack):
    escape = climb_to(secret)
    files = {
        "font": {"theme.toml": f'name = "maison"\n[[fonts]]\nfamily = "F"\nfaces = [{{ file = "{escape}" }}]\n'},
        "stylesheet": {"theme.toml": f'name = "maison"\n[append-stylesheets]\nepub = ["{escape}"]\n'},
        "template": {"theme.toml": 'name = "maison"\n'},
    }.get(attack, {"theme.toml": 'name = "maison"\n'})
    folder = theme_book(make_book, files.pop("theme.toml"), files)
    if attack == "template":
        (folder / "styles/maison/templates").mkdir()
        (folder / "styles/maison/templates/copyright.html").symlink_to(secret)
    elif attack == "chapter":
        (folder / "chapters/02-secret.md").symlink_to(secret)
    elif attack == "listed":
        toml = folder / "book.toml"
        toml.write_text(toml.read_text(encoding="utf-8") + f'chapters = ["01-debut.md", "{secret}"]\n', "utf-8")
    out = tmp_path / "sortie"
    result = run_publish("build", str(folder), "--out", str(out), "--format", "pdf,epub")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "error:" in result.stderr
    assert not any(out.glob("*.pdf")) and not any(out.glob("*.epub"))


@pytest.mark.slow
def test_an_attachment_outside_the_roots_is_not_embedded(make_book, tmp_path, secret):
    head = (REPO / "styles/default/templates/head.html").read_text(encoding="utf-8")
    head += f'  <link rel="attachment" href="{secret.as_uri()}">\n'
    folder = theme_book(make_book, files={"templates/head.html": head})
    report = build(folder, tmp_path / "sortie", BuildOptions(formats=("pdf",)))
    [pdf] = [o.path for o in report.outputs]
    assert dict(PdfReader(pdf).attachments) == {}
    assert SECRET.strip().encode() not in pdf.read_bytes()
    assert any("outside the manuscript and theme folders" in str(w) for w in report.warnings)


@pytest.mark.slow
@pytest.mark.epubcheck
def test_a_legal_book_with_odd_files_builds_and_passes_epubcheck(make_book, tmp_path):
    """A byte order mark, line separators, links that stay inside, a FIFO nobody uses: all fine."""
    chapters = {
        "01-debut.md": "\ufeff# Début\n\nUne phrase\u2028coupée, « en français ».\n\nVoir [la suite](02-suite.md).\n",
        "02-suite.md": "---\nlang: fr-CA\n---\n# Suite\n\n![Un carré](../images/lien.svg)\n",
    }
    css = "p { letter-spacing: 0.01em; }\n"
    folder = make_book(
        chapters,
        extra_toml=THEME,
        files={
            "images/carre.svg": SVG,
            "styles/maison/theme.toml": 'name = "maison"\n[append-stylesheets]\nall = ["css/lien.css"]\n',
            "styles/maison/css/vrai.css": css,
            "styles/maison/templates/vrai.html": "<p>© Maison</p>\n",
        },
    )
    (folder / "images/lien.svg").symlink_to(folder / "images/carre.svg")
    (folder / "styles/maison/css/lien.css").symlink_to(folder / "styles/maison/css/vrai.css")
    (folder / "styles/maison/templates/copyright.html").symlink_to(folder / "styles/maison/templates/vrai.html")
    os.mkfifo(folder / "tube")
    report = build(folder, tmp_path / "sortie", BuildOptions(formats=("pdf", "epub")))
    outputs = {o.format: o.path for o in report.outputs}
    assert epubcheck_messages(outputs["epub"]) == []
    with zipfile.ZipFile(outputs["epub"]) as epub:
        styles = "".join(epub.read(n).decode("utf-8") for n in epub.namelist() if n.endswith(".css"))
    assert "letter-spacing: 0.01em" in styles
    text = "\n".join(page_texts(outputs["pdf"]))
    assert "Début" in text and "© Maison" in text


def test_links_to_nothing_inside_the_theme_are_missing_files_not_crashes(make_book):
    toml = 'name = "maison"\n[append-stylesheets]\nall = ["css/perdu.css"]\n'
    folder = theme_book(make_book, toml)
    (folder / "styles/maison/css").mkdir()
    (folder / "styles/maison/css/perdu.css").symlink_to(folder / "styles/maison/css/absent.css")
    error = theme_error(folder)
    assert error.line == 3 and "not found" in error.message
    (folder / "styles/maison/theme.toml").write_text('name = "maison"\n', encoding="utf-8")
    (folder / "styles/maison/words").mkdir()
    (folder / "styles/maison/words/fr.toml").symlink_to(folder / "styles/maison/words/absent.toml")
    (folder / "styles/maison/templates/paged").mkdir(parents=True)
    (folder / "styles/maison/templates/paged/book.html").symlink_to(
        folder / "styles/maison/templates/paged/absent.html"
    )
    theme = load_theme("maison", folder, "fr")
    assert theme.words["chapter"] == "Chapitre"  # the default theme's French words
    environment = make_environment(theme, "paged")
    _, found, _ = environment.loader.get_source(environment, "book.html")
    assert found == str(REPO / "styles/default/templates/paged/book.html")


@pytest.mark.parametrize(
    "reference",
    [
        "url(../../../../../etc/passwd)",
        'url("/etc/passwd")',
        "url(https://piege.example/f.woff2)",
        '@import "../../../../../etc/hosts";',
        "image-set(url(file:///etc/passwd) 1x)",
    ],
)
def test_a_theme_stylesheet_referring_outside_is_a_located_error(make_book, reference):
    css = reference if "@import" in reference else f"p {{ color: black; }}\n\nh1 {{ background: {reference} }}\n"
    toml = 'name = "maison"\n[append-stylesheets]\nall = ["css/maison.css"]\n'
    error = theme_error(theme_book(make_book, toml, {"css/maison.css": css}))
    (finding,) = error.diagnostics
    assert finding.path.name == "maison.css" and finding.line == (1 if "@import" in reference else 3)
    assert "stylesheet reference refused" in finding.message


def test_a_theme_stylesheet_may_use_its_own_files_and_data_urls(make_book):
    css = (
        "h1 { background: url(../img/filet.png) }\n"
        'hr { border-image: url("data:image/png;base64,iVBORw0KGgo=") }\na { fill: url(#degrade) }\n'
    )
    toml = 'name = "maison"\n[append-stylesheets]\nall = ["css/maison.css"]\n'
    folder = theme_book(make_book, toml, {"css/maison.css": css, "img/filet.png": "png"})
    assert load_theme("maison", folder, "fr").name == "maison"


@pytest.mark.parametrize("text", ["![Une carte](../images/carte%00.png)", "[la suite](02-suite%00.md)"])
def test_a_nul_character_in_a_path_is_a_located_error(make_book, text):
    chapter = f"# Début\n\nUn paragraphe.\n\n{text}\n"
    checked = check_book(make_book({"01-debut.md": chapter, "02-suite.md": "# Suite\n\nTexte.\n"}))
    (error,) = checked.errors
    assert error.line == 5 and "%00" in error.message


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("theme.toml", 'name = "maison"\ndescription = "' + "é" * 300_000 + '"\n', "larger than 256 KB"),
        ("theme.toml", 'name = "maison"\nx = ' + "[" * 5000 + "]" * 5000 + "\n", "nested too deep"),
        ("words/fr.toml", "contents = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deep"),
    ],
)
def test_a_huge_or_deep_theme_toml_is_refused_before_it_is_parsed(make_book, name, text, message):
    files = {name: text} if name != "theme.toml" else {}
    toml = text if name == "theme.toml" else 'name = "maison"\n'
    error = theme_error(theme_book(make_book, toml, files))
    assert message in error.message and error.path.name == Path(name).name
