"""The outputs' cache: outputs made from the very same inputs are not made again.

A fingerprint hashes what a build reads: the version of publish, the build options,
every file of the manuscript folder (except `.publish/` and `output/`; a custom theme lives
there too), every file of the built-in styles, and SOURCE_DATE_EPOCH. System font files are
not read (finding them means loading the theme): after upgrading a font package, build once
with `--no-cache`. An output whose recorded
fingerprint matches, and whose file still has the recorded hash, is kept as it is;
its page count and warnings are replayed from the record. The record lives in
`<manuscript>/.publish/cache/outputs.json`; a record that cannot be read, or that
does not match the file on disk, is ignored and the output is made again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Protocol

from publish import __version__
from publish.errors import Diagnostic
from publish.store import CACHE_DIR, manuscript_files

RECORD = "outputs.json"
_FIELDS = {f.name for f in fields(Diagnostic)}


class Output(Protocol):  # read-only, as the frozen dataclasses that fit it
    @property
    def format(self) -> str: ...
    @property
    def path(self) -> Path: ...
    @property
    def pages(self) -> int | None: ...


@dataclass(frozen=True)
class CachedOutput:
    format: str
    path: Path
    pages: int | None
    warnings: tuple[Diagnostic, ...]  # the build's warnings, replayed when the output is kept


def fingerprint(manuscript: Path, extra_folders: tuple[Path, ...], options: str) -> str:
    """A hash of every input file's path and bytes, the options and the version."""
    digest = hashlib.sha256(f"publish {__version__}\n{options}\n{os.environ.get('SOURCE_DATE_EPOCH', '')}\n".encode())
    for folder in (manuscript, *extra_folders):
        for path in sorted(manuscript_files(folder)):
            digest.update(str(path).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _record_path(manuscript: Path) -> Path:
    return manuscript / CACHE_DIR / RECORD


def read_record(manuscript: Path) -> dict:
    try:
        data = json.loads(_record_path(manuscript).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def up_to_date(manuscript: Path, key: str, paths: dict[str, Path]) -> list[CachedOutput] | None:
    """The recorded outputs when every one of ``paths`` was made from ``key`` and is unchanged."""
    record = read_record(manuscript)
    found = []
    for name, path in paths.items():
        entry = record.get(str(path.resolve()))
        if not isinstance(entry, dict) or entry.get("key") != key or not path.is_file():
            return None
        if entry.get("sha256") != _file_hash(path):
            return None
        pages = entry.get("pages")
        try:
            warnings = tuple(_diagnostic(w) for w in entry.get("warnings", []))
        except (TypeError, ValueError):
            return None
        if not (pages is None or isinstance(pages, int)):
            return None
        found.append(CachedOutput(name, path, pages, warnings))
    return found


def _diagnostic(data: object) -> Diagnostic:
    if not isinstance(data, dict) or not set(data) <= _FIELDS:
        raise ValueError("not a recorded finding")
    path = data.get("path")
    return Diagnostic(**{**data, "path": Path(path) if path else None})


def remember(manuscript: Path, key: str, outputs: Iterable[Output], warnings: Iterable[Diagnostic]) -> None:
    """Record the outputs just made; a cache that cannot be written is only a slower next build."""
    record = read_record(manuscript)
    found = [{**asdict(w), "path": str(w.path) if w.path else None} for w in warnings]
    for output in outputs:
        record[str(output.path.resolve())] = {
            "key": key,
            "sha256": _file_hash(output.path),
            "pages": output.pages,
            "warnings": found,
            "format": output.format,
        }
    target = _record_path(manuscript)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        pass


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
