"""The one rule for every file a build opens: it lies inside the manuscript or the theme, and it is a plain file.

A path is resolved with its symbolic links before it is judged, so a link inside the
manuscript that points at ``/etc/passwd`` is outside, and a link that points at another
file of the manuscript is fine. Special files (FIFOs, devices, sockets, ``/dev/zero``
behind a link) are refused: reading them hangs or never ends. Everything that reads
files on the build's behalf asks here: the chapter and cover loaders, the image checks,
the theme loader, Jinja's template loader and WeasyPrint's URL fetcher.

A refusal is a ``PublishError`` that names the file that asked for the path (a chapter,
``book.toml``, a theme's stylesheet) and its line when known.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from publish.errors import PublishError

OUTSIDE = "is outside the manuscript and theme folders"


@dataclass(frozen=True)
class Confinement:
    """The folders a build may read from: the manuscript's, then the themes' (resolved, absolute)."""

    roots: tuple[Path, ...]

    @classmethod
    def of(cls, *roots: Path) -> Confinement:
        return cls(tuple(dict.fromkeys(root.resolve() for root in roots)))

    def refusal(self, path: Path, folder: bool = False) -> str | None:
        """Why ``path`` may not be opened, or None when it may (a missing file is not refused here)."""
        if self.is_outside(path):
            if "\0" in str(path):
                return f"{str(path)!r} holds a NUL character, which no file name may hold"
            resolved = Path(os.path.realpath(path))
            shown = f"{path} (a link to {resolved})" if resolved != Path(os.path.abspath(path)) else str(path)
            return f"{shown} {OUTSIDE}"
        kind = self.wrong_kind(path, folder)
        return f"{path} is {kind}, not a {'folder' if folder else 'plain file'}" if kind else None

    def is_outside(self, path: Path) -> bool:
        """Whether ``path``, its links followed, lies outside every root (a name no file can have: yes)."""
        if "\0" in str(path):  # `%00` in a link: the system would refuse the name with a ValueError
            return True
        resolved = Path(os.path.realpath(path))
        return not any(resolved.is_relative_to(root) for root in self.roots)

    @staticmethod
    def wrong_kind(path: Path, folder: bool = False) -> str | None:
        """What ``path`` is, in words, when it exists but is not a plain file (or a folder when ``folder``)."""
        try:
            mode = os.stat(path).st_mode
        except (OSError, ValueError):  # missing (reported by the caller), or a name with a NUL
            return None
        if stat.S_ISDIR(mode) if folder else stat.S_ISREG(mode):
            return None
        return _kind(mode)

    def inside(self, path: Path) -> bool:
        return self.refusal(path) is None

    def resolve(
        self,
        path: Path,
        asked_by: Path | None = None,
        line: int | None = None,
        folder: bool = False,
        column: int | None = None,
    ) -> Path:
        """``path`` resolved, or a located error: only files inside the roots are read."""
        reason = self.refusal(path, folder)
        if reason is not None:
            outside = reason.endswith(OUTSIDE)
            raise PublishError(
                reason,
                path=asked_by or path,
                line=line,
                column=column,
                hint="a book reads only files inside its manuscript folder and its theme; copy the file in"
                if outside
                else f"replace it with a {'folder' if folder else 'plain file'}, or fix the path",
            )
        return Path(os.path.realpath(path))

    def read_bytes(self, path: Path, asked_by: Path | None = None, line: int | None = None, limit: int = 0) -> bytes:
        """The bytes of a confined plain file; more than ``limit`` bytes (when given) is a located error."""
        resolved = self.resolve(path, asked_by, line)
        descriptor = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # swapped for something else since the check
                raise PublishError(f"{path} is not a plain file", path=asked_by or path, line=line)
            with os.fdopen(descriptor, "rb", closefd=False) as handle:
                data = handle.read(limit + 1 if limit else -1)
        finally:
            os.close(descriptor)
        if limit and len(data) > limit:
            raise PublishError(
                f"{path} is larger than {limit:,} bytes",
                path=asked_by or path,
                line=line,
                hint="split it, or raise the limit with a command-line flag",
            )
        return data

    def read_text(self, path: Path, asked_by: Path | None = None, line: int | None = None, limit: int = 0) -> str:
        return self.read_bytes(path, asked_by, line, limit).decode("utf-8")


def _kind(mode: int) -> str:
    """What a file that is not the expected kind is, in words (reading a FIFO or a device would hang)."""
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISREG, "a file"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((word for test, word in kinds if test(mode)), "a special file")
