"""The one error type an author can cause, and how it prints."""

from __future__ import annotations

from pathlib import Path


class PublishError(Exception):
    """A mistake in the manuscript, its configuration or its theme.

    Printed as ``path:line: message (hint)`` so that editors and CI annotators
    can jump to the place. ``path`` and ``line`` are optional because some
    errors (an unknown output format, say) belong to no file.
    """

    def __init__(
        self,
        message: str,
        path: Path | str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{hint}"
