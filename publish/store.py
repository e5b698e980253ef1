"""Where builds keep what they may reuse: `<manuscript>/.publish/cache/`, and how its entries age.

Every cache of a build lives under ``CACHE_DIR``: the outputs' record (build/cache.py), the
converted chapters (convert/cache.py) and the chapter layouts (writers/paged/chapterwise.py).
``manuscript_files`` says which files of a manuscript a build may read, so that every
fingerprint leaves out the caches, the outputs and version control alike.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

CACHE_DIR = Path(".publish") / "cache"
_IGNORED_DIRS = {".publish", ".git", "__pycache__", "output"}


def manuscript_files(folder: Path) -> list[Path]:
    """Every file of ``folder`` a build may read: not the cache, the outputs or version control."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in _IGNORED_DIRS]
        found += [Path(root) / name for name in files]
    return found


# A kept entry this build does not use is deleted only once it has not been used for this long:
# another build of the same manuscript (`watch`, a second terminal) may be about to read it.
STALE_AFTER = 600  # seconds


def touch(*paths: Path) -> None:
    """Mark kept entries as used now (see ``prune``)."""
    for path in paths:
        try:
            os.utime(path)
        except OSError:
            pass


def prune(paths: Iterable[Path], keep: set[str]) -> None:
    """Delete the entries whose name is not in ``keep`` and that nobody used for STALE_AFTER seconds."""
    now = time.time()
    for path in paths:
        try:
            if path.stem not in keep and now - path.stat().st_mtime > STALE_AFTER:
                path.unlink()
        except OSError:
            pass
