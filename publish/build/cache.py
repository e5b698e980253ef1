"""The outputs' cache: outputs made from the very same inputs are not made again.

A fingerprint hashes what a build reads: the version of publish, the build options,
every file of the manuscript folder (except `.publish/` and `output/`; a custom theme lives
there too), every file of the built-in styles, and SOURCE_DATE_EPOCH. System font files are
not read (finding them means loading the theme): after upgrading a font package, build once
with `--no-cache`. An output whose recorded
fingerprint matches, and whose file still has the recorded hash, is kept as it is;
its page count and warnings are replayed from the record. Each output's record is an entry of
the store (store.py), keyed by the output's path and replaced by each build of it (so the
store keeps no more records than there are outputs); it holds the fingerprint it was made
from. A record that cannot be read or vouched for, or that does not match the file on disk,
is ignored and the output is made again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Protocol

from publish.errors import Diagnostic
from publish.load.manuscript import manuscript_files
from publish.store import Fingerprint, Store

KIND = "output"  # the store's kind for the record of one output
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
    """The build's key: every input file's path and bytes, the options, SOURCE_DATE_EPOCH and the version."""
    key = Fingerprint(KIND).text("options", options).text("epoch", os.environ.get("SOURCE_DATE_EPOCH", ""))
    for folder in (manuscript, *extra_folders):
        key.files(manuscript_files(folder))
    return key.key()


def _entry_key(path: Path) -> str:
    """One record per output file, replaced by each build of it: the store keeps no more records than outputs."""
    return Fingerprint(KIND).text("output", str(path.resolve())).key()


def up_to_date(store: Store, key: str, paths: dict[str, Path]) -> list[CachedOutput] | None:
    """The recorded outputs when every one of ``paths`` was made from ``key`` and is unchanged."""
    found = []
    for name, path in paths.items():
        data = store.get(KIND, _entry_key(path))
        if data is None or not path.is_file():
            return None
        try:
            entry = json.loads(data.decode("utf-8"))
            if entry["key"] != key or entry["sha256"] != _file_hash(path):
                return None
            pages = entry["pages"]
            warnings = tuple(_diagnostic(w) for w in entry["warnings"])
        except (TypeError, ValueError, KeyError):
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


def remember(store: Store, key: str, outputs: Iterable[Output], warnings: Iterable[Diagnostic]) -> None:
    """Record the outputs just made; a store that cannot be written is only a slower next build."""
    found = [{**asdict(w), "path": str(w.path) if w.path else None} for w in warnings]
    for output in outputs:
        entry = {
            "key": key,
            "sha256": _file_hash(output.path),
            "pages": output.pages,
            "warnings": found,
            "format": output.format,
        }
        store.put(KIND, _entry_key(output.path), json.dumps(entry, sort_keys=True).encode("utf-8"))


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
