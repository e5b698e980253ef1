"""book.toml under attack (issue 16): size, control characters, nesting, cover path, limits, output names."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from publish.build.pipeline import BuildOptions, build
from publish.commands.cli import main
from publish.commands.new import new_book
from publish.errors import PublishError
from publish.load.config import load_config, read_config
from publish.load.limits import limits_from_flags
from publish.load.toml_files import MAX_BYTES as CONFIG_BYTES
from publish.model import FILE_SLUG_BYTES, Limits, file_slug
from tests.builds import epubcheck_messages

REPO = Path(__file__).resolve().parents[1]
BOOK = '[book]\ntitle = "Carnet de test"\nauthors = ["Alice Martin"]\nlang = "fr"\ndate = 2026-01-15\n'
CHAPTER = {"01-debut.md": "# Début\n\nUn premier paragraphe, en français.\n"}


def config_error(folder: Path) -> PublishError:
    with pytest.raises(PublishError) as caught:
        load_config(folder)
    assert caught.value.path == folder / "book.toml", "the error must name book.toml"
    return caught.value


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def run_publish(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command: its errors go to the real stderr (console.print_findings binds sys.stderr early)."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [sys.executable, "-m", "publish", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=120, errors="replace")


def png(width: int = 8, height: int = 8) -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(data, "PNG")
    return data.getvalue()


# --- 1. size ---------------------------------------------------------------------------------------


def test_a_huge_book_toml_is_refused_before_it_is_parsed(make_book, capsys):
    folder = make_book(CHAPTER, book_toml=BOOK + 'description = "' + "é" * CONFIG_BYTES + '"\n')
    error = config_error(folder)
    assert "larger than 256 KB" in error.message
    with pytest.raises(PublishError, match="larger than"):  # no stand-in values read from it either
        read_config(folder)
    assert main(["check", str(folder)]) == 1
    assert "book.toml is larger than 256 KB" in capsys.readouterr().out


def test_a_book_toml_just_under_the_cap_is_read(make_book):
    padding = "# " + "remarque " * ((CONFIG_BYTES - len(BOOK) - 200) // 9) + "\n"
    assert load_config(make_book(CHAPTER, book_toml=BOOK + padding)).metadata.title == "Carnet de test"


def test_a_fifo_for_book_toml_is_refused_without_blocking(make_book):
    folder = make_book(CHAPTER)
    (folder / "book.toml").unlink()
    os.mkfifo(folder / "book.toml")
    assert "not a plain file" in config_error(folder).message


# --- 2. control characters -------------------------------------------------------------------------


@pytest.mark.parametrize("escape", ["\\u001b", "\\u0007", "\\u0000", "\\u007f", "\\u0085", "\\uffff", "\\n", "\\t"])
def test_a_control_character_in_the_title_is_a_located_error(make_book, escape):
    text = BOOK.replace("Carnet de test", f"Carnet {escape}de test")
    error = config_error(make_book(CHAPTER, book_toml=text))
    assert error.line == line_of(text, "title =")
    assert "[book] title" in error.message and "control character" in error.message


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('subtitle = "Un \\u001b[31mrouge"\n', "subtitle ="),
        ('publisher = "Éditions\\u0008"\n', "publisher ="),
        ('cover = "images/a\\u0000.png"\n', "cover ="),
        ('\n[pdf]\nmargins = "20mm\\u001b"\n', "margins ="),
    ],
)
def test_a_control_character_in_any_value_names_its_line(make_book, extra, key):
    text = BOOK + extra
    error = config_error(make_book(CHAPTER, book_toml=text))
    assert error.line == line_of(text, key)
    assert "control character" in error.message


def test_a_control_character_in_an_author_names_the_authors_line(make_book):
    text = BOOK.replace('["Alice Martin"]', '["Alice Martin", "Bruno\\u001b Léger"]')
    error = config_error(make_book(CHAPTER, book_toml=text))
    assert error.line == line_of(text, "authors =")


def test_the_description_may_hold_line_breaks_and_tabs_but_nothing_else(make_book):
    text = BOOK + 'description = """Première ligne,\n\tdeuxième ligne."""\n'
    assert load_config(make_book(CHAPTER, book_toml=text)).metadata.description.endswith("deuxième ligne.")
    refused = BOOK + 'description = "Texte \\u001b de quatrième"\n'
    assert config_error(make_book(CHAPTER, book_toml=refused)).line == line_of(refused, "description =")


def test_a_control_character_in_an_unknown_key_is_shown_escaped(make_book):
    error = config_error(make_book(CHAPTER, book_toml=BOOK + '"titre\\u001b" = "x"\n'))
    assert "\x1b" not in error.message and "titre\\u001b" in error.message


def test_check_reports_a_control_character_with_exit_1_and_no_traceback(make_book, capsys):
    folder = make_book(CHAPTER, book_toml=BOOK.replace("Carnet de test", "Carnet \\u001b de test"))
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr()
    assert "book.toml:2:1: error: [book] title: holds the control character U+001B" in out.out
    assert "Traceback" not in out.err and "internal error" not in out.err


def test_an_empty_title_is_a_located_error(make_book):
    text = BOOK.replace('"Carnet de test"', '"   "')
    assert config_error(make_book(CHAPTER, book_toml=text)).line == 2


# --- 2. publish new --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title", ['Le « vrai » "titre"', "C:\\Dossier\\livre", "{{ author }} et {{ date }}", "Ça, c’est l’été"]
)
def test_new_writes_any_printable_title_as_toml(tmp_path, title):
    folder = new_book(tmp_path / "livre", title=title, author='Jean "Le Rouge" \\ Dupont')
    config = load_config(folder)
    assert config.metadata.title == title
    assert config.metadata.authors == ('Jean "Le Rouge" \\ Dupont',)


@pytest.mark.parametrize("title", ["Titre\x1b[31m", "Titre\x07", "Ligne\nsuivante", "Titre\x7f", "a\udcffb", "  "])
def test_new_refuses_a_title_with_control_characters(tmp_path, title):
    result = run_publish(tmp_path, "new", "livre", "--title", title)
    assert result.returncode == 1
    assert "--title" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "livre").exists()


def test_new_refuses_an_author_with_control_characters(tmp_path):
    result = run_publish(tmp_path, "new", "livre", "--author", "Nom\x1b]0;piège\x07")
    assert result.returncode == 1
    assert "--author holds the control character U+001B" in result.stderr


# --- 3. nesting ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["[" * 5000 + "]" * 5000, "{a = " * 5000 + "1" + "}" * 5000])
def test_deeply_nested_toml_is_a_located_error(make_book, value):
    text = BOOK + "\n[limits]\nchapter_bytes = " + value + "\n"
    error = config_error(make_book(CHAPTER, book_toml=text))
    assert "nested too deep" in error.message
    assert error.line == line_of(text, "chapter_bytes")


def test_nesting_tomllib_accepts_is_refused_before_anything_recurses(make_book, capsys):
    text = BOOK + "chapters = " + "[" * 200 + "]" * 200 + "\n"
    folder = make_book(CHAPTER, book_toml=text)
    error = config_error(folder)
    assert "[book] chapters: is nested too deep" in error.message and error.line == line_of(text, "chapters =")
    assert main(["check", str(folder)]) == 1
    assert "nested too deep" in capsys.readouterr().out


def test_an_integer_of_thousands_of_digits_is_an_error(make_book):
    error = config_error(make_book(CHAPTER, book_toml=BOOK + "\n[limits]\nchapter_bytes = " + "9" * 5000 + "\n"))
    assert error.message.startswith("invalid TOML")


# --- 4. cover --------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["parent", "absolute", "link", "fifo"])
def test_a_cover_outside_the_manuscript_is_refused_at_its_line(make_book, tmp_path, where):
    outside = tmp_path / "ailleurs.png"
    outside.write_bytes(png())
    folder = make_book(CHAPTER, files={"images/.keep": ""})
    written = {"parent": "../ailleurs.png", "absolute": str(outside), "link": "images/lien.png", "fifo": "images/t.png"}
    if where == "link":
        (folder / "images" / "lien.png").symlink_to(outside)
    if where == "fifo":
        os.mkfifo(folder / "images" / "t.png")
    text = BOOK + f'cover = "{written[where]}"\n'
    (folder / "book.toml").write_text(text, encoding="utf-8")
    error = config_error(folder)
    assert error.line == line_of(text, "cover =")
    assert "outside the manuscript" in error.message or "not a plain file" in error.message


def test_a_cover_linked_inside_the_manuscript_is_accepted(make_book):
    folder = make_book(CHAPTER, BOOK + 'cover = "images/lien.png"\n', files={"images/couverture.png": png()})
    (folder / "images" / "lien.png").symlink_to(folder / "images" / "couverture.png")
    assert load_config(folder).metadata.cover == folder / "images" / "couverture.png"


# --- 5. limits -------------------------------------------------------------------------------------


def test_a_manuscript_may_lower_its_limits(make_book):
    config = load_config(make_book(CHAPTER, book_toml=BOOK + "\n[limits]\nimage_bytes = 1000000\n"))
    assert config.limits == Limits(image_bytes=1_000_000)


@pytest.mark.parametrize("key", ["chapter_bytes", "image_bytes", "image_pixels"])
def test_a_manuscript_may_not_raise_its_limits(make_book, key):
    text = BOOK + f"\n[limits]\n{key} = 999999999999\n"
    error = config_error(make_book(CHAPTER, book_toml=text))
    assert error.line == line_of(text, key)
    assert "may only lower" in error.message
    assert f"--limit {key}=999999999999" in (error.hint or "")


def test_the_command_line_ceiling_lets_the_manuscript_ask_for_more(make_book):
    folder = make_book(CHAPTER, book_toml=BOOK + "\n[limits]\nimage_bytes = 80000000\n")
    ceiling = limits_from_flags(["image_bytes=100MB"])
    assert load_config(folder, ceiling).limits == Limits(image_bytes=80_000_000)
    assert load_config(make_book(CHAPTER), ceiling).limits.image_bytes == 100_000_000  # the ceiling is the value


def test_a_limit_written_as_a_boolean_is_refused(make_book):
    assert (
        "must be a int" in config_error(make_book(CHAPTER, book_toml=BOOK + "\n[limits]\nimage_bytes = true\n")).message
    )


def test_limit_flags_read_human_sizes():
    assert limits_from_flags(["image_bytes=100MB", "image_pixels=80M", "chapter-bytes=5MiB"]) == Limits(
        chapter_bytes=5 * 1024 * 1024, image_bytes=100_000_000, image_pixels=80_000_000
    )
    assert limits_from_flags(["image_bytes=1_500_000", "chapter_bytes=2.5k"]) == Limits(
        image_bytes=1_500_000, chapter_bytes=2500
    )


@pytest.mark.parametrize(("flag", "says"), [("imag_bytes=1", "image_bytes"), ("image_bytes=0", "positive")])
def test_a_wrong_limit_flag_is_an_author_error(make_book, capsys, flag, says):
    assert main(["check", str(make_book(CHAPTER)), "--limit", flag]) == 1
    assert says in capsys.readouterr().out


def test_check_limit_flag_raises_the_ceiling(make_book, capsys):
    folder = make_book(CHAPTER, book_toml=BOOK + "\n[limits]\nchapter_bytes = 5000000\n")
    assert main(["check", str(folder)]) == 1
    assert "--limit chapter_bytes=5000000" in capsys.readouterr().out
    assert main(["check", str(folder), "--limit", "chapter_bytes=5MB"]) == 0


def test_check_limit_flag_is_the_limit_the_chapters_are_held_to(make_book, capsys):
    folder = make_book({"01-debut.md": "# Début\n\n" + "Un paragraphe assez long. " * 20 + "\n"})
    assert main(["check", str(folder), "--limit", "chapter_bytes=100"]) == 1
    assert "01-debut.md" in capsys.readouterr().out


@pytest.mark.slow
def test_build_limit_flag_reaches_the_build(make_book, tmp_path):
    folder = make_book(CHAPTER, book_toml=BOOK + "\n[limits]\nchapter_bytes = 5000000\n")
    out = tmp_path / "sortie"
    args = ("--out", str(out), "--format", "epub", "--sequential")
    assert run_publish(tmp_path, "build", str(folder), *args).returncode == 1  # above the default ceiling
    assert run_publish(tmp_path, "build", str(folder), *args, "--limit", "chapter_bytes=5MB").returncode == 0
    assert (out / "carnet-de-test.epub").is_file()
    small = make_book({"01-debut.md": "# Début\n\n" + "Un paragraphe assez long. " * 20 + "\n"})
    refused = run_publish(tmp_path, "build", str(small), *args, "--limit", "chapter_bytes=100")
    assert refused.returncode == 1 and "01-debut.md" in refused.stderr


# --- 6. output names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("L’Europe : cœur ouvert ?", "l-europe-coeur-ouvert"),
        ("「吾輩は猫である」", "吾輩は猫である"),
        ("الحرب والسلم", "الحرب-والسلم"),
        ("Η Οδύσσεια του Ομήρου", "η-οδύσσεια-του-ομήρου"),
        ("हिन्दी पुस्तक", "हिन्दी-पुस्तक"),
        ("ＡＢＣ ﬁn Ⅻ", "abc-fin-xii"),
        ("İstanbul", "istanbul"),
        ("« ? ! »", "book"),
        ("../../etc/passwd", "etc-passwd"),
    ],
)
def test_file_slug_keeps_every_script(title, slug):
    assert file_slug(title) == slug


def test_file_slug_is_capped_on_a_character_boundary():
    for title in ["Une très longue histoire de la Méditerranée " * 8, "吾輩は猫である" * 30, "हिन्दी " * 40]:
        slug = file_slug(title)
        assert 0 < len(slug.encode("utf-8")) <= FILE_SLUG_BYTES
        assert slug == slug.strip("-") and title.lower().replace(" ", "-").startswith(slug[:4])


@pytest.mark.slow
@pytest.mark.epubcheck
@pytest.mark.parametrize(
    ("title", "lang", "slug"),
    [
        ("「吾輩は猫である」", "ja", "吾輩は猫である"),
        ("الحرب والسلم", "ar", "الحرب-والسلم"),
        ("Η Οδύσσεια του Ομήρου", "el", "η-οδύσσεια-του-ομήρου"),
        (("Une très longue histoire de la Méditerranée " * 8)[:330], "fr", None),
    ],
)
def test_a_title_in_any_script_or_of_any_length_names_its_outputs(make_book, tmp_path, title, lang, slug):
    assert len(title) in (7, 9, 12, 21, 330)
    text = BOOK.replace('"Carnet de test"', f'"{title}"').replace('lang = "fr"', f'lang = "{lang}"')
    folder = make_book(CHAPTER, book_toml=text)
    report = build(folder, tmp_path / "sortie", BuildOptions(formats=("pdf", "epub"), parallel=False))
    names = sorted(o.path.name for o in report.outputs)
    stem = slug or file_slug(title)
    assert names == sorted([f"{stem}.epub", f"{stem}.pdf"])
    assert len(stem.encode("utf-8")) <= FILE_SLUG_BYTES and stem.startswith(slug or "une-tres-longue-histoire")
    assert epubcheck_messages(tmp_path / "sortie" / f"{stem}.epub") == []


def test_new_book_toml_stays_valid_toml(tmp_path):
    folder = new_book(tmp_path / "livre", title='Guillemets " et \\ barres')
    assert tomllib.loads((folder / "book.toml").read_text(encoding="utf-8"))["book"]["title"].startswith("Guillemets")
