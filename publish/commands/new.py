"""`publish new`: a ready-to-build book from the starter books in publish/starter/."""

from __future__ import annotations

import argparse
import datetime
import re
import shutil
import unicodedata
from pathlib import Path

from publish.errors import PublishError
from publish.load.source import LANGUAGE_TAG

STARTERS = Path(__file__).resolve().parent.parent / "starter"
_TITLES = {"fr": "Mon livre", "en": "My book"}
_AUTHORS = {"fr": "Prénom Nom", "en": "First Last"}
_FILLED = ("book.toml",)  # the only file with {{ placeholders }}


def new_book(
    folder: Path,
    lang: str = "fr",
    title: str | None = None,
    author: str | None = None,
    today: datetime.date | None = None,
) -> Path:
    """Create ``folder`` holding book.toml, two chapters, images/ and a .gitignore.

    The sample text is French for `fr` and English otherwise; ``lang`` is set as given,
    so a German book gets German typography and words from its first build.
    """
    _check_lang(lang)
    for option, value in (("--title", title), ("--author", author)):
        _check_text(option, value)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise PublishError(
            "folder is not empty; `publish new` never overwrites",
            path=folder,
            hint="give the name of a new folder, e.g. publish new mon-livre",
        )
    base = lang.split("-")[0].lower()
    starter = STARTERS / (base if (STARTERS / base).is_dir() else "en")
    values = {
        "title": _toml_string(title or _TITLES.get(base, _TITLES["en"])),
        "author": _toml_string(author or _AUTHORS.get(base, _AUTHORS["en"])),
        "lang": _toml_string(lang),
        "date": _toml_string((today or datetime.date.today()).isoformat()),
    }
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for source in sorted(starter.rglob("*")):
            relative = source.relative_to(starter)
            target = folder / (".gitignore" if relative.as_posix() == "gitignore" else relative)
            if source.is_dir():
                target.mkdir(exist_ok=True)
            elif relative.as_posix() in _FILLED:
                target.write_text(_fill(source.read_text(encoding="utf-8"), values), encoding="utf-8")
            else:
                shutil.copyfile(source, target)
    except OSError as error:
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        raise PublishError(
            f"cannot create the book: {error.strerror}", path=folder, hint="choose a folder you can write to"
        ) from None
    return folder


def _fill(text: str, values: dict[str, str]) -> str:
    """One pass, so that a title written as "{{ author }}" stays a title."""
    return re.sub(r"\{\{ (\w+) \}\}", lambda match: values.get(match.group(1), match.group(0)), text)


def _toml_string(value: str) -> str:
    """A TOML basic string: quotes and backslashes escaped, and any control character (TOML
    forbids them raw, DEL included; `_check_text` refuses them first) as a \\u escape."""
    escaped = "".join(
        "\\" + char if char in '"\\' else f"\\u{ord(char):04x}" if unicodedata.category(char) == "Cc" else char
        for char in value
    )
    return f'"{escaped}"'


def _check_text(option: str, value: str | None) -> None:
    """A title or a name is one line of printable text: book.toml refuses control characters."""
    if value is None:
        return
    if not value.strip():
        raise PublishError(f"{option} is empty", hint=f'give it in quotes, e.g. {option} "Mon livre"')
    bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cs") or c in "\ufffe\uffff"), None)
    if bad is not None:
        raise PublishError(
            f"{option} holds the control character U+{ord(bad):04X}, which no book can show",
            hint="write the text on one line, without escapes or terminal codes",
        )


def _check_lang(lang: str) -> None:
    if not LANGUAGE_TAG.fullmatch(lang):
        raise PublishError(f"`{lang}` is not a language tag", hint="use a BCP 47 tag such as fr, en, de or fr-CA")


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("new", parents=[common], help="start a new book in a new folder")
    parser.add_argument("folder", help="the folder to create (must not exist, or be empty)")
    parser.add_argument("--lang", default="fr", help="language of the book, e.g. fr, en, de (default: fr)")
    parser.add_argument("--title", default=None, help="the book's title")
    parser.add_argument("--author", default=None, help="the author's name")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    folder = new_book(Path(args.folder), lang=args.lang, title=args.title, author=args.author)
    print(
        f"created {folder}: a book ready to build. Next:\n"
        f"  cd {folder}\n"
        "  publish watch     live preview in the browser, refreshed on every save\n"
        "  publish check     find mistakes, with file and line\n"
        "  publish build     PDF, EPUB and handout into output/"
    )
    return 0
