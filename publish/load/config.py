"""book.toml -> BookConfig: every key checked, every error located."""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publish.confinement import Confinement
from publish.errors import Diagnostic, PublishError
from publish.load.source import LANGUAGE_TAG, source_lines
from publish.load.toml_files import NESTING, read_toml
from publish.model import PAGE_SIZES, EpubSettings, HandoutSettings, Limits, Metadata, PdfSettings

CONFIG_NAME = "book.toml"
# Values that may hold tabs and line breaks; every other control character, anywhere, is refused.
LONG_TEXT = {("book", "description"), ("book", "rights")}
PDF_PAGE_SIZES = tuple(PAGE_SIZES)
PDF_VARIANTS = ("pdf/ua-1", "pdf/a-2b", "pdf/a-3b", "pdf/x-4")  # WeasyPrint's names; every PDF is tagged anyway
HANDOUT_PAGE_SIZES = tuple(name for name, size in PAGE_SIZES.items() if size.handout)

# Every key of [book], with whether it is required. The README documents each one.
BOOK_KEYS = {
    "title": True,
    "subtitle": False,
    "authors": True,
    "lang": True,
    "date": False,  # mdBook, Pandoc and Quarto books have none: see _date
    "publisher": False,
    "rights": False,
    "description": False,
    "identifier": False,
    "cover": False,
    "chapters": False,
    "theme": False,
}
TABLES = ("book", "pdf", "epub", "handout", "limits")
_LENGTH = r"-?\d+(\.\d+)?(mm|cm|in|pt|px|pc|q)|0"
_MARGINS = re.compile(rf"^\s*({_LENGTH})(\s+({_LENGTH})){{0,3}}\s*$")


@dataclass(frozen=True)
class BookConfig:
    """What book.toml says, validated."""

    path: Path
    metadata: Metadata
    chapter_files: tuple[str, ...] | None  # None: every chapters/*.md in name order
    theme: str
    pdf: PdfSettings
    epub: EpubSettings
    handout: HandoutSettings
    limits: Limits
    # What was wrong in book.toml when the rest of it stood in (see read_config): the build stops on it.
    findings: tuple[Diagnostic, ...] = ()


def read_config(root: Path, ceiling: Limits | None = None) -> BookConfig:
    """book.toml as `load_config` reads it; when one of its values is wrong, the keys that are
    right (or defaults) stand in and the mistake is kept in ``findings``, so that `check` and
    `build` report it together with every finding about the chapters, in one pass.

    A missing, unreadable or unparsable book.toml leaves nothing to stand in: it raises.
    """
    path = root / CONFIG_NAME
    text, data = _read(path)
    try:
        return _parse(path, text, data, ceiling or Limits())
    except PublishError as error:
        return dataclasses.replace(_stand_in(path, text, data, ceiling or Limits()), findings=error.diagnostics)


def _stand_in(path: Path, text: str, data: dict[str, Any], ceiling: Limits) -> BookConfig:
    """The most of [book] that is valid: title, authors, lang and the chapter list, each kept if it passes."""
    written = data.get("book")
    book: dict[str, Any] = written if isinstance(written, dict) else {}
    kept: dict[str, Any] = {"title": path.parent.name, "authors": ["?"], "lang": "fr"}
    for key in ("title", "authors", "lang", "chapters"):
        if key in book:
            try:
                _parse(path, text, {"book": {**kept, key: book[key]}}, ceiling)
            except PublishError:
                continue
            kept[key] = book[key]
    return _parse(path, text, {"book": kept}, ceiling)


def load_config(root: Path, ceiling: Limits | None = None) -> BookConfig:
    """Read and check ``root/book.toml``; its [limits] may lower ``ceiling`` (the defaults, or what
    the command line's --limit gave), never raise it."""
    path = root / CONFIG_NAME
    text, data = _read(path)
    return _parse(path, text, data, ceiling or Limits())


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    """The text of book.toml and what it holds (see load/toml_files.py)."""
    if not path.exists():
        raise PublishError(
            f"no {CONFIG_NAME} in this folder",
            path=path,
            hint=f"a manuscript folder holds {CONFIG_NAME} and chapters/*.md; `publish new DIR` makes one",
        )
    leaves = Confinement.of(path.parent).refusal(path)
    if leaves is not None:  # a link to a file elsewhere: its text would show in the errors
        raise PublishError(leaves, path=path, hint=f"make {CONFIG_NAME} a plain file in the manuscript folder")
    return read_toml(path, Confinement.of(path.parent))


def _parse(path: Path, text: str, data: dict[str, Any], ceiling: Limits) -> BookConfig:
    locate = _Locator(path, text)
    for key in data:
        if key not in TABLES:
            raise locate.unknown(None, key, TABLES)
    _check_values(locate, data)
    book = data.get("book")
    if not isinstance(book, dict):
        raise PublishError("missing the [book] table", path=path, hint="add [book] with title, authors, lang and date")
    for key in book:
        if key not in BOOK_KEYS:
            raise locate.unknown("book", key, tuple(BOOK_KEYS))
    for key, required in BOOK_KEYS.items():
        if required and key not in book:
            raise PublishError(
                f"[book] has no `{key}`", path=path, line=locate.line("book", None), hint=f"add `{key} = ...`"
            )

    if not locate.text(book, "title"):
        raise locate.bad("book", "title", "is empty", 'title = "Le titre du livre"')
    metadata = Metadata(
        title=locate.text(book, "title"),
        subtitle=locate.text(book, "subtitle", ""),
        authors=_authors(locate, book),
        lang=_lang(locate, book),
        date=_date(locate, book, path.parent),
        publisher=locate.text(book, "publisher", ""),
        rights=locate.text(book, "rights", ""),
        description=locate.text(book, "description", ""),
        identifier="",
        cover=_cover(locate, book),
    )
    identifier = locate.text(book, "identifier", "") or default_identifier(metadata.title, metadata.authors)
    metadata = dataclasses.replace(metadata, identifier=identifier)

    chapters = book.get("chapters")
    if chapters is not None and not (isinstance(chapters, list) and all(isinstance(c, str) for c in chapters)):
        raise locate.bad(
            "book", "chapters", "must be a list of file names", 'chapters = ["01-debut.md", "02-suite.md"]'
        )
    return BookConfig(
        path=path,
        metadata=metadata,
        chapter_files=tuple(chapters) if chapters is not None else None,
        theme=locate.text(book, "theme", "default"),
        pdf=_settings(locate, data, "pdf", PdfSettings, PDF_PAGE_SIZES),
        # [epub]: embed_fonts (bool); accessibility_certified_by (str: who checked the book's
        # accessibility, written as a11y:certifiedBy; left out when empty, nobody is named by default)
        epub=_settings(locate, data, "epub", EpubSettings, ()),
        handout=_settings(locate, data, "handout", HandoutSettings, HANDOUT_PAGE_SIZES),
        limits=_limits(locate, data, ceiling),
    )


def default_identifier(title: str, authors: tuple[str, ...]) -> str:
    """A stable UUID from title and authors, so rebuilds keep the same identity."""
    name = "publish:" + title + "\x1f" + "\x1f".join(authors)
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _authors(locate: _Locator, book: dict[str, Any]) -> tuple[str, ...]:
    authors = book["authors"]
    if isinstance(authors, str):
        authors = [authors]
    if not (isinstance(authors, list) and authors and all(isinstance(a, str) and a.strip() for a in authors)):
        raise locate.bad("book", "authors", "must be a non-empty list of names", 'authors = ["Camille Durand"]')
    return tuple(a.strip() for a in authors)


def _lang(locate: _Locator, book: dict[str, Any]) -> str:
    lang = locate.text(book, "lang")
    if not LANGUAGE_TAG.fullmatch(lang):
        raise locate.bad("book", "lang", f"`{lang}` is not a BCP 47 language tag", 'lang = "fr" or "fr-CA" or "en-GB"')
    return lang


def _date(locate: _Locator, book: dict[str, Any], folder: Path) -> datetime.date:
    """`date`, else the day of SOURCE_DATE_EPOCH (a reproducible build), else the day the newest
    chapter was last saved: the book is dated when it was last written."""
    if "date" not in book:
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
        if epoch.isdigit():
            return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).date()
        saved = [p.stat().st_mtime for p in (folder / "chapters").glob("*.md") if p.is_file()]
        newest = max(saved, default=0.0) or datetime.datetime.now(datetime.UTC).timestamp()
        return datetime.datetime.fromtimestamp(newest, datetime.UTC).date()
    value = book["date"]
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise locate.bad("book", "date", f"`{value}` is not a date", "write it as YYYY-MM-DD, e.g. date = 2026-03-14")


def _check_values(locate: _Locator, data: dict[str, Any]) -> None:
    """Every string free of control characters, every value at most NESTING deep: tomllib accepts
    "\\u001b" and 5,000 nested brackets, the EPUB's XML and our recursion do not."""
    stack: list[tuple[str, str, Any, int]] = [
        (table, key, value, 2)
        for table, values in data.items()
        if isinstance(values, dict)
        for key, value in values.items()
    ]
    while stack:
        table, key, value, depth = stack.pop()
        if depth > NESTING:
            raise locate.bad(
                table, key, "is nested too deep", f"no value of {CONFIG_NAME} needs more than {NESTING} levels"
            )
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            stack.extend((table, key, item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_characters(locate, table, key, value)


def _check_characters(locate: _Locator, table: str, key: str, value: str) -> None:
    allowed = "\t\n\r" if (table, key) in LONG_TEXT else ""
    for char in value:
        if char not in allowed and (unicodedata.category(char) in ("Cc", "Cs") or char in "\ufffe\uffff"):
            raise locate.bad(
                table,
                key,
                f"holds the control character U+{ord(char):04X}, which no book can show",
                "remove it: an escape such as \\u001b or \\n in the quotes, or an invisible character pasted in",
            )


def _cover(locate: _Locator, book: dict[str, Any]) -> Path | None:
    value = locate.text(book, "cover", "")
    if not value:
        return None
    root = locate.path.parent
    line = locate.line("book", "cover")
    cover = Confinement.of(root).resolve(
        root / value, asked_by=locate.path, line=line, column=locate.column(line, "cover")
    )
    if not cover.is_file():
        raise locate.bad("book", "cover", f"cover image `{value}` not found", "the path is relative to book.toml")
    if cover.suffix.lower() not in (".jpg", ".jpeg", ".png"):
        raise locate.bad(
            "book", "cover", f"cover image `{value}` must be a JPEG or PNG", "e-readers show only those as covers"
        )
    return cover


def _settings(locate: _Locator, data: dict[str, Any], table: str, cls: type, page_sizes: tuple[str, ...]) -> Any:
    values = data.get(table, {})
    if not isinstance(values, dict):
        raise PublishError(
            f"`{table}` must be a table", path=locate.path, line=locate.line(None, table), hint=f"write [{table}]"
        )
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key, value in values.items():
        if key not in fields:
            raise locate.unknown(table, key, tuple(fields))
        expected = type(fields[key].default)
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            example = str(fields[key].default).lower() if expected is bool else repr(fields[key].default)
            raise locate.bad(table, key, f"must be a {expected.__name__}", f"{key} = {example}")
    if "page_size" in values:
        size = next((s for s in page_sizes if s.lower() == values["page_size"].lower()), None)
        if size is None:
            raise locate.bad(
                table, "page_size", f"unknown page size `{values['page_size']}`", "one of " + ", ".join(page_sizes)
            )
        values = {**values, "page_size": size}
    if values.get("variant") and values["variant"] not in PDF_VARIANTS:
        raise locate.bad(
            table, "variant", f"unknown PDF variant `{values['variant']}`", "one of " + ", ".join(PDF_VARIANTS)
        )
    if "margins" in values and not _MARGINS.match(values["margins"]):
        raise locate.bad(
            table, "margins", f"`{values['margins']}` is not a CSS margin", 'e.g. margins = "20mm 18mm 22mm 18mm"'
        )
    for key, value in values.items():
        if isinstance(value, int) and not isinstance(value, bool) and value <= 0:
            raise locate.bad(table, key, "must be a positive number", f"{key} = {fields[key].default}")
    for key in ("bleed", "inner_margin", "outer_margin"):
        if key in values and not re.fullmatch(rf"\s*({_LENGTH})\s*", values[key]):
            raise locate.bad(table, key, f"`{values[key]}` is not a length", f'e.g. {key} = "{fields[key].default}"')
    return cls(**values)


def _limits(locate: _Locator, data: dict[str, Any], ceiling: Limits) -> Limits:
    """[limits] as written, each at most the ceiling's: the manuscript may ask for less, never more."""
    _settings(locate, data, "limits", Limits, ())
    written = data.get("limits", {})
    for key, value in written.items():
        allowed = getattr(ceiling, key)
        if value > allowed:
            raise locate.bad(
                "limits",
                key,
                f"{value:,} is above this build's {allowed:,}; a manuscript may only lower its limits",
                f"remove it, or raise the limit with --limit {key}={value} on the command line",
            )
    return dataclasses.replace(ceiling, **written)


class _Locator:
    """Finds the line of a key in book.toml, since tomllib keeps no positions."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = source_lines(text)

    def line(self, table: str | None, key: str | None) -> int | None:
        current: str | None = None
        for number, raw in enumerate(self.lines, start=1):
            stripped = raw.strip()
            header = re.match(r"^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?", stripped)
            if header:
                current = header.group(1)
                if key is None and current == table:
                    return number
                if table is None and current == key:
                    return number
                continue
            if current == table and key and re.match(rf"^{re.escape(key)}\s*=", stripped):
                return number
            if table is None and current is None and key and re.match(rf"^{re.escape(key)}\s*=", stripped):
                return number
        return None

    def unknown(self, table: str | None, key: str, valid: tuple[str, ...]) -> PublishError:
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
        where = f"in [{table}]" if table else "at the top level"
        hint = f"did you mean `{close[0]}`?" if close else "valid keys: " + ", ".join(valid)
        line = self.line(table, key)
        shown = "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cc" else c for c in key)
        return PublishError(
            f"unknown key `{shown}` {where}", path=self.path, line=line, hint=hint, column=self.column(line, key)
        )

    def bad(self, table: str, key: str, problem: str, hint: str) -> PublishError:
        line = self.line(table, key)
        return PublishError(
            f"[{table}] {key}: {problem}", path=self.path, line=line, hint=hint, column=self.column(line, key)
        )

    def column(self, line: int | None, key: str) -> int | None:
        """1-based column of ``key`` in ``line``: where an editor puts the cursor."""
        if not line or key not in self.lines[line - 1]:
            return None
        return self.lines[line - 1].index(key) + 1

    def text(self, table_data: dict[str, Any], key: str, default: str | None = None) -> str:
        value = table_data.get(key, default)
        if not isinstance(value, str):
            raise self.bad("book", key, "must be a string in quotes", f'{key} = "..."')
        return value.strip()
