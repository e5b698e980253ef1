"""The manuscript folder -> Book: chapter order, front matter, titles; errors carry file:line."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from publish.confinement import Confinement
from publish.errors import PublishError
from publish.load.comments import mask_comments
from publish.load.config import BookConfig, load_config
from publish.load.matter import is_matter_title
from publish.load.selection import select_chapters
from publish.load.source import LANGUAGE_TAG, outside_code_fences, source_lines
from publish.model import Book, Chapter, chapter_slug_for

CHAPTERS_DIR = "chapters"
FRONT_MATTER_KEYS = ("title", "numbered", "lang")
_ATX_TITLE = re.compile(
    r"^[ ]{0,3}#(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$"
)  # `#motclé` and `# F#` as CommonMark reads them
_SETEXT_1 = re.compile(r"^\s{0,3}=+\s*$")


@dataclass(frozen=True)
class FrontMatter:
    title: str | None
    numbered: bool | None  # None when not said: the title decides (load/matter.py)
    lang: str | None
    body_start: int  # 0-based index of the first body line


def load_manuscript(folder: Path, config: BookConfig | None = None) -> Book:
    """Read ``folder`` (book.toml plus chapters/*.md) into a Book; ``config`` when book.toml is already read."""
    root = folder.resolve()
    if not root.is_dir():
        raise PublishError("manuscript folder not found", path=folder, hint="give the folder that holds book.toml")
    config = config or load_config(root)
    chapters: list[Chapter] = []
    number = 0
    used: set[str] = set()
    confinement = Confinement.of(root)
    for path in _chapter_paths(root, config.chapter_files, config.path, confinement):
        chapter = _load_chapter(path, config.metadata.lang, config.limits.chapter_bytes, confinement)
        if chapter.slug in used:  # "a b.md" and "a-b.md", or two names with no Latin letter
            chapter = Chapter(**{**chapter.__dict__, "slug": f"{chapter.slug}-{len(chapters) + 1}"})
        used.add(chapter.slug)
        if chapter.numbered:
            number += 1
            chapter = Chapter(**{**chapter.__dict__, "number": number})
        chapters.append(chapter)
    _check_handout_chapters(config.path, config.handout.chapters, chapters)
    return Book(
        root=root,
        config_path=config.path,
        metadata=config.metadata,
        chapters=tuple(chapters),
        theme=config.theme,
        pdf=config.pdf,
        epub=config.epub,
        handout=config.handout,
        limits=config.limits,
    )


def _check_handout_chapters(config_path: Path, spec: str, chapters: list[Chapter]) -> None:
    """`[handout] chapters` is checked now, so its mistakes point at book.toml."""
    try:
        select_chapters(chapters, spec)
    except PublishError as error:
        line = next(
            (
                n
                for n, text in enumerate(source_lines(config_path.read_text(encoding="utf-8")), start=1)
                if re.match(r"\s*chapters\s*=", text) and spec in text
            ),
            None,
        )
        raise PublishError(
            f"[handout] chapters: {error.message}", path=config_path, line=line, hint=error.hint
        ) from None


def _chapter_paths(
    root: Path, listed: tuple[str, ...] | None, config_path: Path, confinement: Confinement
) -> list[Path]:
    folder = root / CHAPTERS_DIR
    if os.path.lexists(folder):  # a link to a folder elsewhere would publish that folder
        confinement.resolve(folder, folder=True)
    if listed is not None:
        paths = [_listed_chapter(folder, name, listed, config_path, confinement) for name in listed]
    else:
        paths = sorted(folder.glob("*.md")) if folder.is_dir() else []
        for path in paths:
            if path.is_dir():
                raise PublishError(
                    f"{path.name} is a folder, not a chapter",
                    path=path,
                    hint=f"rename it without .md; chapters are the .md files of {CHAPTERS_DIR}/",
                )
            confinement.resolve(path)  # a link to elsewhere, a FIFO, /dev/zero
    if not paths:
        raise PublishError(
            f"no chapters: {CHAPTERS_DIR}/ holds no .md file",
            path=folder,
            hint=f"add Markdown files such as {CHAPTERS_DIR}/01-debut.md",
        )
    return paths


def _listed_chapter(
    folder: Path, name: str, listed: tuple[str, ...], config_path: Path, confinement: Confinement
) -> Path:
    """A `[book] chapters` entry: a file under chapters/, listed once, inside the manuscript."""
    line = _line_containing(config_path, name)
    if listed.count(name) > 1:
        raise PublishError(
            f"chapter `{name}` is listed twice in [book] chapters",
            path=config_path,
            line=line,
            hint="list each chapter file once",
        )
    written = Path(name)
    if written.is_absolute() or ".." in written.parts:
        raise PublishError(
            f"chapter `{name}` listed in [book] chapters is not inside {CHAPTERS_DIR}/",
            path=config_path,
            line=line,
            hint=f"give a path relative to {CHAPTERS_DIR}/, without `..`; move the file into {CHAPTERS_DIR}/",
        )
    path = folder / name
    confinement.resolve(path, asked_by=config_path, line=line)
    if not path.is_file():
        raise PublishError(
            f"chapter `{name}` listed in [book] chapters does not exist",
            path=config_path,
            line=line,
            hint=f"files are looked up in {CHAPTERS_DIR}/",
        )
    return path


# Characters XML (hence XHTML and the EPUB) cannot hold: C0 controls but tab and newlines, DEL, U+FFFE/FFFF.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _check_characters(path: Path, text: str) -> None:
    match = _FORBIDDEN.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        raise PublishError(
            f"invisible control character U+{ord(match.group()):04X} at column {column}",
            path=path,
            line=line,
            hint="delete it; it often comes from a copy and paste, and no book can hold it",
        )


def _load_chapter(path: Path, book_lang: str, max_bytes: int, confinement: Confinement) -> Chapter:
    size = confinement.resolve(path).stat().st_size
    if size > max_bytes:
        raise PublishError(
            f"chapter file is {size:,} bytes, over the limit of {max_bytes:,}",
            path=path,
            hint="split it into several chapters, or raise the limit with --limit chapter_bytes=… on the command line",
        )
    data = confinement.read_bytes(path, limit=max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PublishError("the file is not UTF-8 text", path=path, line=line, hint="save it as UTF-8") from None
    text = text.removeprefix("\ufeff")  # a byte order mark some editors write: not part of the first line
    _check_characters(path, text)
    masked = mask_comments(text)
    if masked.unclosed_line is not None:
        raise PublishError(
            "comment `<!--` is never closed",
            path=path,
            line=masked.unclosed_line,
            hint="close it with `-->`; everything after it would be left out of the book",
        )
    text = masked.text
    lines = source_lines(text)
    front = _front_matter(path, lines)
    body_lines = lines[front.body_start :]
    title, title_line, unnumbered = _find_title(path, body_lines, front.body_start)
    if front.title is not None:
        title, title_line = front.title, 0  # 0: the title comes from front matter
    if not title:
        raise PublishError(
            "chapter has no title",
            path=path,
            line=front.body_start + 1,
            hint="start it with a `# Title` heading, or give `title:` in front matter",
        )
    lang = front.lang or book_lang
    # `{-}` on the title, then `numbered:` in front matter, then the title: "Préface" is unnumbered
    as_matter = not unnumbered and front.numbered is None and is_matter_title(title, lang)
    numbered = not unnumbered and (front.numbered if front.numbered is not None else not as_matter)
    return Chapter(
        source=path,
        slug=chapter_slug_for(path),
        title=title,
        title_line=title_line,
        text="\n".join(body_lines) + "\n",
        first_line=front.body_start + 1,
        lang=lang,
        numbered=numbered,
        unnumbered_as_matter=as_matter,
    )


def _front_matter(path: Path, lines: list[str]) -> FrontMatter:
    if not lines or lines[0].strip() != "---":
        return FrontMatter(None, None, None, 0)
    if not any(line.strip() == "---" for line in lines[1:]):
        raise PublishError("front matter is not closed", path=path, line=1, hint="end it with a line holding only ---")
    values: dict[str, tuple[str, int]] = {}  # key -> (value, 1-based line)
    for index in range(1, len(lines)):
        raw = lines[index].strip()
        if raw == "---":
            break
        if not raw or raw.startswith("#"):
            continue
        key, sep, value = raw.partition(":")
        key = key.strip()
        if not sep:
            raise PublishError(
                f"front matter line `{raw}` is not `key: value`",
                path=path,
                line=index + 1,
                hint="front matter holds lines such as `numbered: false`",
            )
        if key not in FRONT_MATTER_KEYS:
            close = difflib.get_close_matches(key, FRONT_MATTER_KEYS, n=1, cutoff=0.5)
            raise PublishError(
                f"unknown front matter key `{key}`",
                path=path,
                line=index + 1,
                hint=f"did you mean `{close[0]}`?" if close else "valid keys: " + ", ".join(FRONT_MATTER_KEYS),
            )
        values[key] = (value.strip(), index + 1)
    else:
        raise PublishError("front matter is not closed", path=path, line=1, hint="end it with a line holding only ---")
    numbered: bool | None = None
    if "numbered" in values:
        raw, line = values["numbered"]
        if raw.lower() not in ("true", "false"):
            raise PublishError(f"`numbered` must be true or false, not `{raw}`", path=path, line=line)
        numbered = raw.lower() == "true"
    title = _unquote(values["title"][0]) if "title" in values else None
    lang = _unquote(values["lang"][0]) if "lang" in values else None
    if lang and not LANGUAGE_TAG.fullmatch(lang):
        raise PublishError(
            f"`{lang}` is not a BCP 47 language tag",
            path=path,
            line=values["lang"][1],
            hint="lang: fr, or fr-CA, en-GB…",
        )
    return FrontMatter(title or None, numbered, lang or None, index + 1)


def _find_title(path: Path, body: list[str], offset: int) -> tuple[str, int, bool]:
    """The first level-1 ATX heading outside code fences, its line, and whether its attributes
    unnumber it (`{.unnumbered}` or Pandoc's `{-}`); a second one is an error."""
    title, title_line, unnumbered = "", 0, False
    for index, raw in outside_code_fences(body):
        match = _ATX_TITLE.match(raw)
        if not match and _SETEXT_1.match(raw) and index and body[index - 1].strip() and not title_line:
            match, index = re.match(r"^\s*(.*?)\s*$", body[index - 1]), index - 1  # "Titre\n====="
        if not match:
            continue
        if title_line:
            raise PublishError(
                "a chapter has one `#` title; this is a second one",
                path=path,
                line=offset + index + 1,
                hint="use `##` for sections, or split the chapter into two files",
            )
        written = match.group(1) or ""
        attributes = re.search(r"\s*\{([^}]*)\}\s*$", written)
        if attributes:
            unnumbered = bool({".unnumbered", "-"} & set(attributes.group(1).split()))
            title = written[: attributes.start()]  # drop the attribute list
        else:
            title = written
        title = re.sub(r"[*_`]", "", title)  # plain text: emphasis marks out
        title_line = offset + index + 1
    return title, title_line, unnumbered


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _line_containing(path: Path, name: str) -> int | None:
    """The line where ``name`` is written as a quoted string."""
    quoted = re.compile(r"""["']""" + re.escape(name) + r"""["']""")
    for number, line in enumerate(source_lines(path.read_text(encoding="utf-8")), start=1):
        if quoted.search(line):
            return number
    return None


_NOT_READ = {".publish", ".git", "__pycache__", "output"}  # the store, version control, the outputs


def manuscript_files(folder: Path) -> list[Path]:
    """Every file of ``folder`` a build may read: not the store, the outputs or version control.

    Files the build refuses to read (links out of the folder, FIFOs, devices) are left out:
    hashing them for a cache key would leak them or never end; the build reports them.
    """
    found = []
    confinement = Confinement.of(folder)
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in _NOT_READ]
        found += [Path(root) / name for name in files if confinement.inside(Path(root) / name)]
    return found
