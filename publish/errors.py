"""The findings an author can cause, and how they print: ``path:line:column: level: message (hint)``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ERROR = "error"
WARNING = "warning"
NOTE = "note"  # said, neither an error nor a warning: it never fails a command, even with --strict


@dataclass(frozen=True)
class Diagnostic:
    """One finding about the manuscript, its configuration, its theme or an output.

    Printed in the form compilers use (``path:line:column: level: message``), which
    editors, CI annotators and `grep` all parse. ``path``, ``line`` and ``column``
    are optional because some findings (an unknown output format) belong to no file.
    """

    level: str  # ERROR, WARNING or NOTE
    message: str
    path: Path | None = None
    line: int | None = None
    column: int | None = None  # 1-based
    hint: str | None = None
    code: str = ""  # what kind of finding, for the code that acts on it: "missing-alt", "heading-jump"…

    def __str__(self) -> str:
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.where()}{self.level}: {self.message}{hint}"

    def where(self) -> str:
        if self.path is None:
            return ""
        place = str(self.path)
        if self.line:
            place += f":{self.line}"
            if self.column:
                place += f":{self.column}"
        return place + ": "

    @property
    def is_error(self) -> bool:
        return self.level == ERROR


class PublishError(Exception):
    """A mistake in the manuscript, its configuration or its theme that stops the build.

    It holds one finding, or several when a check found many errors at once
    (``PublishError.of(diagnostics)``), so that the author fixes them in one go.
    """

    def __init__(
        self,
        message: str,
        path: Path | str | None = None,
        line: int | None = None,
        hint: str | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.hint = hint
        self.column = column
        self.diagnostics: tuple[Diagnostic, ...] = (Diagnostic(ERROR, message, self.path, line, column, hint),)

    @classmethod
    def of(cls, diagnostics: Iterable[Diagnostic]) -> PublishError:
        """One error carrying every finding; its message says how many there are."""
        found = tuple(diagnostics)
        errors = [d for d in found if d.is_error] or list(found)
        first = errors[0]
        one = len(errors) == 1
        error = cls(
            first.message if one else f"{len(errors)} problems stop the build",
            path=first.path if one else None,
            line=first.line if one else None,
            hint=first.hint if one else None,
            column=first.column if one else None,
        )
        error.diagnostics = found
        return error

    def diagnostic(self, level: str = ERROR) -> Diagnostic:
        return Diagnostic(level, self.message, self.path, self.line, self.column, self.hint)

    def __str__(self) -> str:
        if len(self.diagnostics) > 1 or self.diagnostics[0].message != self.message:
            return "\n".join(str(d) for d in self.diagnostics)
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{hint}"


class InternalError(Exception):
    """A bug of ours met while making one output, not the author's mistake.

    The other outputs are still made; then the build stops with this, and the command line
    says it is a bug (exit code 2). ``details`` is the traceback, which --debug prints: it
    may come from a worker process, where the exception itself stayed.
    """

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message, details)  # both in args: the error crosses processes by pickling
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message
