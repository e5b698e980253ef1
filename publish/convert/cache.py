"""Chapters converted once: what ``render_chapter`` made of a chapter, kept as JSON.

The key of a chapter is everything its conversion reads: the chapter itself (its text,
slug, language, number…), the code of publish (a hash of the package's files, so that a
changed typography rule is never served stale), the limits, and every file of the
manuscript other than the chapters' Markdown (the images a chapter shows, and the names
of the chapter files it may link to). An edit to one chapter therefore converts that
chapter only; an edit to an image converts them all. Entries live in
``<manuscript>/.publish/cache/chapters/`` and go once unused for a while (cache.prune); one
that cannot be read or does not fit the types is ignored, and JSON (not pickle) means a shared
manuscript folder cannot carry code.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import types
import typing
from pathlib import Path
from typing import Any

from publish import __version__
from publish.errors import Diagnostic
from publish.model import Book, Chapter, RenderedChapter
from publish.store import CACHE_DIR, manuscript_files, prune, touch


class RenderCache:
    def __init__(self, book: Book, extra: str) -> None:
        self.folder = book.root / CACHE_DIR / "chapters"
        digest = hashlib.sha256(f"{__version__}\n{_code_digest()}\n{book.root}\n{book.limits!r}\n{extra}\n".encode())
        for path in sorted(manuscript_files(book.root)):
            digest.update(str(path).encode() + b"\0")
            if path.suffix != ".md":  # chapters are keyed by their own text; others' names suffice
                digest.update(hashlib.sha256(path.read_bytes()).digest())
        self.context = digest.hexdigest()
        self.used: set[str] = set()

    def _key(self, chapter: Chapter) -> str:
        key = hashlib.sha256(f"{self.context}\n{chapter!r}".encode()).hexdigest()[:40]
        self.used.add(key)
        return key

    def get(self, chapter: Chapter) -> RenderedChapter | None:
        path = self.folder / f"{self._key(chapter)}.json"
        try:
            found = decode(
                RenderedChapter, {**json.loads(path.read_text(encoding="utf-8")), "chapter": None}, chapter=chapter
            )
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        touch(path)
        return found

    def put(self, rendered: RenderedChapter) -> None:
        data = encode(rendered)
        del data["chapter"]
        target = self.folder / f"{self._key(rendered.chapter)}.json"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, target)
        except OSError:
            pass  # a cache that cannot be written is only a slower next build

    def prune(self) -> None:
        """Forget the chapters as they were before this build's (see cache.prune)."""
        try:
            prune(self.folder.glob("*.json"), self.used)
        except OSError:
            pass


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
