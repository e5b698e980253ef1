"""The store: everything a build keeps to reuse, content-addressed and verified on every read.

Every cache of a build is an entry of one store, `<manuscript>/.publish/cache/<kind>/<key>`:
the outputs' records (build/cache.py), the converted chapters (convert/cache.py), the chapter
layouts and the font files their join subsets (writers/paged/chapterwise.py), the drawn cover
(writers/epub/cover.py). Each ``key`` is made by one builder, ``Fingerprint``, over everything
the entry depends on (a font file's key is the hash of its bytes).

An entry is its bytes after a header line holding their SHA-256 and an HMAC of the kind, the
key and that hash under this machine's store key. An entry whose hash or HMAC does not match
is ignored, and made again: a write cut short, a damaged disk, or entries that came with a
manuscript from someone else. The last matters: a crafted chapter entry would otherwise carry a
`<script>` past the sanitiser into an EPUB. For the same reason the store never follows a
symbolic link, and deletes only regular files named as its entries.

The store key is kept outside the manuscript (``$XDG_CACHE_HOME/publish/store.key``, else
``~/.cache/publish/store.key``, made on first use, readable by its owner only), or in the file
``PUBLISH_STORE_KEY`` names. It is never part of an output. ``PUBLISH_STORE`` names a store
folder shared by the builds of several manuscripts or machines (give them one key file); entries
there are deleted only after ``SHARED_STALE_AFTER``, since other manuscripts' builds use them.

Several builds may use one store at once: entries are written to a temporary file and renamed,
and an entry is deleted only once no build has used it for ``STALE_AFTER`` seconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from publish import __version__
from publish.errors import PublishError

CACHE_DIR = Path(".publish") / "cache"
_MAGIC = b"publish-store-1"
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")  # a kind or a key: no separator, no dot, no "..", never hidden
# A kept entry this build does not use is deleted only once it has not been used for this long:
# another build of the same manuscript (`watch`, a second terminal) may be about to read it.
STALE_AFTER = 600  # seconds
SHARED_STALE_AFTER = 30 * 24 * 3600  # in a shared store, other manuscripts' builds may need an entry for weeks
_KEY_BYTES = 32
HASHED_BYTES = 256 * 2**20  # files larger than this are keyed by size and time, not read


class Fingerprint:
    """The one way a key is made: a SHA-256 over labelled parts, always starting with publish's version."""

    def __init__(self, kind: str) -> None:
        self._digest = hashlib.sha256(f"publish {__version__}\n{kind}\n".encode())

    def text(self, label: str, value: object) -> Fingerprint:
        """A value as text (its ``repr`` unless it is a string)."""
        data = (value if isinstance(value, str) else repr(value)).encode()
        self._digest.update(f"{label} {len(data)}\n".encode() + data + b"\n")
        return self

    def data(self, label: str, value: bytes) -> Fingerprint:
        return self.text(label, hashlib.sha256(value).hexdigest())

    def file(self, path: Path) -> Fingerprint:
        """A file's path and bytes, read in chunks; a file larger than HASHED_BYTES (no limit lets a
        build use one) by its size and modification time, so a 100 GB sparse file costs nothing."""
        self.text("file", str(path))
        with open(path, "rb") as handle:
            found = os.fstat(handle.fileno())
            if found.st_size > HASHED_BYTES:
                return self.text("stat", f"{found.st_size} {found.st_mtime_ns}")
            return self.text("bytes", hashlib.file_digest(handle, "sha256").hexdigest())

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
    stale_after: float = STALE_AFTER

    @classmethod
    def of(cls, manuscript: Path) -> Store:
        """The store of a build of ``manuscript``: its own, or the shared one PUBLISH_STORE names."""
        shared = os.environ.get("PUBLISH_STORE")
        if shared:
            return cls(Path(shared).resolve(), store_key(), SHARED_STALE_AFTER)
        return cls(manuscript.resolve() / CACHE_DIR, store_key())

    def path(self, kind: str, key: str) -> Path:
        if not _NAME.fullmatch(kind) or not _NAME.fullmatch(key):
            raise ValueError(f"not a store entry name: {kind}/{key}")
        return self.root / kind / key

    def get(self, kind: str, key: str) -> bytes | None:
        """The entry's bytes if it is there and vouched for by this store's key; marks it used."""
        path = self.path(kind, key)
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode) or self._linked(path.parent):
                return None
            with os.fdopen(descriptor, "rb", closefd=False) as handle:
                data = handle.read()
            os.utime(descriptor)  # used now: see prune
        except OSError:
            return None
        finally:
            os.close(descriptor)
        header, newline, body = data.partition(b"\n")
        parts = header.split(b" ")
        if not newline or len(parts) != 3 or parts[0] != _MAGIC:
            return None
        digest = hashlib.sha256(body).hexdigest().encode()
        sealed = hmac.compare_digest(parts[2], self._seal(kind, key, digest))
        return body if hmac.compare_digest(parts[1], digest) and sealed else None

    def put(self, kind: str, key: str, body: bytes) -> bool:
        """Keep ``body``; False when the store cannot be written (only a slower next build)."""
        path = self.path(kind, key)
        digest = hashlib.sha256(body).hexdigest().encode()
        temporary = path.with_name(f".{key}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if self._linked(path.parent):
                return False
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(b" ".join((_MAGIC, digest, self._seal(kind, key, digest))) + b"\n" + body)
            os.replace(temporary, path)
        except OSError:
            with contextlib.suppress(OSError):  # `.publish` a file, not a folder: nothing was made
                temporary.unlink(missing_ok=True)
            return False
        return True

    def writable(self) -> bool:
        """Whether entries can be kept here (a read-only manuscript, a full disk: no)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        return not self._linked(self.root) and os.access(self.root, os.W_OK)

    def prune(self, kind: str, keep: Iterable[str]) -> None:
        """Delete the entries of ``kind`` not in ``keep`` that no build used for a while (``stale_after``)."""
        kept, now = set(keep), time.time()
        folder = self.root / kind
        if not _NAME.fullmatch(kind) or self._linked(folder):
            return
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            leftover = entry.name.startswith(".") and entry.name.endswith(".tmp")  # a write cut short
            name = entry.name.split(".")[1] if leftover else entry.name
            try:
                if (
                    _NAME.fullmatch(name)
                    and (leftover or name not in kept)
                    and entry.is_file(follow_symlinks=False)
                    and now - entry.stat(follow_symlinks=False).st_mtime > self.stale_after
                ):
                    os.unlink(entry.path)
            except (OSError, IndexError):
                pass

    def _linked(self, folder: Path) -> bool:
        """Whether ``folder`` or a folder between it and the store's root is a symbolic link."""
        while True:
            if folder.is_symlink():
                return True
            if folder == self.root or folder.parent == folder:
                return False
            folder = folder.parent

    def _seal(self, kind: str, key: str, digest: bytes) -> bytes:
        return hmac.new(self.secret, f"{kind}/{key}/".encode() + digest, hashlib.sha256).hexdigest().encode()


def store_key() -> bytes:
    """This machine's store key (see the module docstring), made on first use.

    A key file named by PUBLISH_STORE_KEY that cannot be read, or is too short, is an error:
    a cluster's builds must share one key. When no key can be kept at all (no writable home),
    the key is random: nothing is reused, and nothing wrong is trusted.
    """
    named = os.environ.get("PUBLISH_STORE_KEY")
    if named:
        path = Path(named)
        key = _read_key(path)
        if key is None and path.exists():
            raise PublishError(
                f"the store key file is unreadable or shorter than {_KEY_BYTES} bytes",
                path=path,
                hint="give PUBLISH_STORE_KEY a file of random bytes, e.g. made by `head -c 64 /dev/urandom`",
            )
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(base) / "publish" / "store.key"
        key = _read_key(path)
    return key if key is not None else _make_key(path)


def _read_key(path: Path) -> bytes | None:
    try:
        key = path.read_bytes().strip()
    except OSError:
        return None
    return key if len(key) >= _KEY_BYTES else None


def _make_key(path: Path) -> bytes:
    """A new key, written so that of two builds making one at once, both end with the same."""
    key = secrets.token_hex(_KEY_BYTES).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:  # another build made it first, or a short file is in the way
        time.sleep(0.05)  # let its writer finish its one write
        return _read_key(path) or key
    except OSError:
        return key
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key


_LEGACY = ("chapters", "layout", "outputs.json")  # what builds kept here before the store


def forget_legacy_entries(manuscript: Path) -> None:
    """Delete what earlier versions of publish kept in `.publish/cache/` (never trusted now)."""
    root = manuscript / CACHE_DIR
    if root.is_symlink() or not root.is_dir():
        return
    for entry in os.scandir(root):
        try:
            if entry.name in _LEGACY or (entry.name.startswith("cover-") and entry.name.endswith(".jpg")):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
        except OSError:
            pass
