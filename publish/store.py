"""The store: everything a build keeps to reuse, content-addressed and verified on every read.

Every cache of a build is an entry of one store, `<manuscript>/.publish/cache/<kind>/<key>`:
the outputs' record (build/cache.py), the converted chapters (convert/cache.py), the chapter
layouts and the fonts kept for their join (writers/paged/chapterwise.py), the drawn cover
(writers/epub/cover.py). Each ``key`` is made by one builder, ``Fingerprint``, over everything
the entry depends on.

An entry is its bytes after a header line holding their SHA-256 and an HMAC of the kind, the
key and that hash under this machine's store key. An entry whose hash or HMAC does not match
is ignored, and made again: a write cut short, a damaged disk, or entries that came with a
manuscript from someone else. The last matters: a crafted chapter entry would otherwise carry a
`<script>` past the sanitiser into an EPUB. The store key is kept outside the manuscript
(``$XDG_CACHE_HOME/publish/store.key``, else ``~/.cache/publish/store.key``, made on first use,
readable by its owner only; ``PUBLISH_STORE_KEY`` names another file, for builds on several
machines that share a store folder, which ``PUBLISH_STORE`` names). It is never part of an output.

Several builds may use one store at once: entries are written to a temporary file and renamed,
and an entry is deleted only once no build has used it for ``STALE_AFTER`` seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from publish import __version__

CACHE_DIR = Path(".publish") / "cache"
_IGNORED_DIRS = {".publish", ".git", "__pycache__", "output"}
_MAGIC = b"publish-store-1"
# A kept entry this build does not use is deleted only once it has not been used for this long:
# another build of the same manuscript (`watch`, a second terminal) may be about to read it.
STALE_AFTER = 600  # seconds


def manuscript_files(folder: Path) -> list[Path]:
    """Every file of ``folder`` a build may read: not the store, the outputs or version control."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in _IGNORED_DIRS]
        found += [Path(root) / name for name in files]
    return found


class Fingerprint:
    """The one way a key is made: a SHA-256 over labelled parts, always starting with publish's version."""

    def __init__(self, kind: str) -> None:
        self._digest = hashlib.sha256(f"publish {__version__}\n{kind}\n".encode())

    def text(self, label: str, value: object) -> Fingerprint:
        """A value as text (its ``repr`` unless it is a string)."""
        data = (value if isinstance(value, str) else repr(value)).encode()
        self._digest.update(f"{label} {len(data)}\n".encode() + data + b"\n")
        return self

    def file(self, path: Path) -> Fingerprint:
        """A file's path and bytes."""
        return self.text("file", str(path)).text("sha256", hashlib.sha256(path.read_bytes()).hexdigest())

    def files(self, paths: Iterable[Path]) -> Fingerprint:
        for path in sorted(paths):
            self.file(path)
        return self

    def key(self) -> str:
        return self._digest.hexdigest()[:40]


@dataclass(frozen=True)
class Store:
    root: Path  # <manuscript>/.publish/cache, or a shared folder
    secret: bytes

    @classmethod
    def of(cls, manuscript: Path) -> Store:
        """The manuscript's store: `<manuscript>/.publish/cache/`, or the folder PUBLISH_STORE names
        (one store shared by the builds of several manuscripts or machines: keys never collide)."""
        shared = os.environ.get("PUBLISH_STORE")
        return cls(Path(shared) if shared else manuscript / CACHE_DIR, store_key())

    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / key

    def get(self, kind: str, key: str) -> bytes | None:
        """The entry's bytes if it is there and vouched for by this store's key; marks it used."""
        path = self.path(kind, key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        header, newline, body = data.partition(b"\n")
        parts = header.split(b" ")
        if not newline or len(parts) != 3 or parts[0] != _MAGIC:
            return None
        digest = hashlib.sha256(body).hexdigest().encode()
        sealed = hmac.compare_digest(parts[2], self._seal(kind, key, digest))
        if not hmac.compare_digest(parts[1], digest) or not sealed:
            return None
        _touch(path)
        return body

    def put(self, kind: str, key: str, body: bytes) -> None:
        """Keep ``body``; a store that cannot be written is only a slower next build."""
        path = self.path(kind, key)
        digest = hashlib.sha256(body).hexdigest().encode()
        temporary = path.with_name(f".{key}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(b" ".join((_MAGIC, digest, self._seal(kind, key, digest))) + b"\n" + body)
            os.replace(temporary, path)
        except OSError:
            temporary.unlink(missing_ok=True)

    def prune(self, kind: str, keep: Iterable[str]) -> None:
        """Delete the entries of ``kind`` not in ``keep`` that no build used for STALE_AFTER seconds."""
        kept, now = set(keep), time.time()
        try:
            entries = list(self.root.joinpath(kind).iterdir())
        except OSError:
            return
        for path in entries:
            try:
                if path.name not in kept and now - path.stat().st_mtime > STALE_AFTER:
                    path.unlink()
            except OSError:
                pass

    def _seal(self, kind: str, key: str, digest: bytes) -> bytes:
        return hmac.new(self.secret, f"{kind}/{key}/".encode() + digest, hashlib.sha256).hexdigest().encode()


def store_key() -> bytes:
    """This machine's store key (see the module docstring), made on first use."""
    named = os.environ.get("PUBLISH_STORE_KEY")
    if named:
        path = Path(named)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(base) / "publish" / "store.key"
    try:
        key = path.read_bytes().strip()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    key = secrets.token_hex(32).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key)
        try:
            os.link(temporary, path)  # the first build to make a key wins; the others read it
        except FileExistsError:
            temporary.unlink()
            return path.read_bytes().strip()
        temporary.unlink()
    except OSError:
        pass  # nowhere to keep it: this process's entries are good for this process only
    return key


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass
