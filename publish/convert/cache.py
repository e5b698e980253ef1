"""Chapters converted once: what ``render_chapter`` made of a chapter, kept as JSON.

The key of a chapter is everything its conversion reads: the chapter itself (its text,
slug, language, number…), the code of publish (a hash of the package's files, so that a
changed typography rule is never served stale), the limits, and every file of the
manuscript other than the chapters' Markdown (the images a chapter shows, and the names
of the chapter files it may link to). An edit to one chapter therefore converts that
chapter only; an edit to an image converts them all. Entries are the store's (store.py:
verified on read, so one that came with someone else's manuscript is never used); one that
does not fit the types is ignored too, and JSON (not pickle) means an entry cannot carry code.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import types
import typing
from pathlib import Path
from typing import Any

from publish.errors import Diagnostic
from publish.load.manuscript import manuscript_files
from publish.model import Book, Chapter, RenderedChapter
from publish.store import Fingerprint, Store


class RenderCache:
    """The converted chapters of one book, as entries of the store (kind ``chapter``)."""

    KIND = "chapter"

    def __init__(self, book: Book, extra: str, store: Store) -> None:
        self.store = store
        context = Fingerprint(self.KIND).text("code", _code_digest()).text("root", str(book.root))
        context.text("limits", book.limits).text("extra", extra)
        for path in sorted(manuscript_files(book.root)):
            context.text("name", str(path))
            if path.suffix != ".md":  # chapters are keyed by their own text; others' names suffice
                context.file(path)
        self.context = context.key()
        self.used: set[str] = set()

    def _key(self, chapter: Chapter) -> str:
        key = Fingerprint(self.KIND).text("context", self.context).text("chapter", chapter).key()
        self.used.add(key)
        return key

    def get(self, chapter: Chapter) -> RenderedChapter | None:
        data = self.store.get(self.KIND, self._key(chapter))
        if data is None:
            return None
        try:
            found: RenderedChapter = decode(
                RenderedChapter, {**json.loads(data.decode("utf-8")), "chapter": None}, chapter=chapter
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        return found

    def put(self, rendered: RenderedChapter) -> None:
        data = encode(rendered)
        del data["chapter"]
        self.store.put(self.KIND, self._key(rendered.chapter), json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def prune(self) -> None:
        """Forget the chapters as they were before this build's (see Store.prune)."""
        self.store.prune(self.KIND, self.used)


@functools.cache
def _code_digest() -> str:
    package = Path(__file__).resolve().parent.parent  # the whole publish package
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [encode(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(encode(v) for v in value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot keep a {type(value).__name__}")


def decode(kind: Any, data: Any, chapter: Chapter | None = None) -> Any:
    """``data`` as ``kind`` (a dataclass or a type hint); TypeError when it does not fit."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is Chapter and chapter is not None:
        return chapter
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        return decode(next(a for a in args if a is not type(None)), data)
    if origin in (tuple, frozenset):
        if not isinstance(data, list):
            raise TypeError("expected a list")
        return origin(decode(args[0], item) for item in data)
    if dataclasses.is_dataclass(kind):
        if not isinstance(data, dict):
            raise TypeError("expected an object")
        hints = typing.get_type_hints(kind, localns={"Diagnostic": Diagnostic})  # model names it for checkers only
        return typing.cast("type[Any]", kind)(  # a dataclass here is always a class (a type hint), not an instance
            **{f.name: decode(hints[f.name], data[f.name], chapter) for f in dataclasses.fields(kind) if f.name in data}
        )
    if kind is Path:
        return Path(data) if isinstance(data, str) else _wrong(kind)
    if kind in (str, int, float, bool) and type(data) is kind:
        return data
    return _wrong(kind)


def _wrong(kind: Any) -> Any:
    raise TypeError(f"not a {kind}")
