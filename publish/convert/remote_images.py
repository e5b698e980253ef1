"""Remote images, only with --allow-remote: http(s) only, a deadline, a size cap, a local copy.

A fetched image is stored under ``<manuscript>/.publish/remote/`` (named by a hash
of its URL) and then treated exactly like a file of the manuscript: checked,
laid out by WeasyPrint from the manuscript folder, packed into the EPUB.
A copy already there is used again, so a rebuild works offline.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from publish.bounded import OverBudget, run_bounded

CACHE_DIR = Path(".publish") / "remote"
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/svg+xml": ".svg",
}


@dataclass(frozen=True)
class RemotePolicy:
    """Whether and how remote images may be fetched; the default fetches nothing."""

    allowed: bool = False
    timeout: float = 10.0  # seconds for the whole fetch of one image, however slowly the server trickles
    max_bytes: int = 30_000_000


class RemoteError(Exception):
    """A remote image could not be fetched; the message says why, for the author."""


def fetch_image(url: str, book_root: Path, policy: RemotePolicy) -> Path:
    """The local copy of the image at ``url``, fetched now unless a copy is already there."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise RemoteError("only http and https images can be fetched")
    folder = book_root / CACHE_DIR
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]
    cached = sorted(folder.glob(key + ".*")) if folder.is_dir() else []
    if cached:
        return cached[0]
    # urlopen's timeout bounds each socket operation, not the fetch: a server sending a byte
    # now and then would hold the build for ever. The child is killed at the deadline.
    try:
        kind, data = run_bounded(
            _download, url, policy, seconds=policy.timeout, memory=2 * policy.max_bytes + 128 * 2**20
        )
    except OverBudget as error:
        raise RemoteError(f"could not be fetched: the download {error}") from None
    if len(data) > policy.max_bytes:
        raise RemoteError(f"is larger than {policy.max_bytes:,} bytes")
    if kind not in EXTENSIONS:
        raise RemoteError(f"is not an image the book can hold (the server says {kind})")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (key + EXTENSIONS[kind])
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target)
    return target


def _download(url: str, policy: RemotePolicy) -> tuple[str, bytes]:
    """(content type, at most ``max_bytes`` + 1 bytes of the body); run in a bounded child."""
    request = urllib.request.Request(url, headers={"User-Agent": "publish (+https://example.invalid/publish)"})
    try:
        with urllib.request.urlopen(request, timeout=policy.timeout) as response:
            return response.headers.get_content_type(), response.read(policy.max_bytes + 1)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise RemoteError(f"could not be fetched ({getattr(error, 'reason', error)})") from None
