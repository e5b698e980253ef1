"""TOML files read safely: book.toml, theme.toml and word lists, each confined, small, UTF-8 and shallow.

tomllib parses what it is given: 2.9 MB took three minutes and 5.3 GB, 5,000 nested brackets raise
a RecursionError, a FIFO blocks the read for ever. A book's own TOML files are a few hundred bytes
and three levels deep, so anything past ``MAX_BYTES`` or ``NESTING`` is refused, with its line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from publish.confinement import Confinement
from publish.errors import PublishError
from publish.load.source import source_lines

MAX_BYTES = 256 * 1024  # a real book.toml or theme.toml is a few hundred bytes
NESTING = 8  # book.toml needs 3 levels ([book] -> authors -> a name); deeper is a mistake or an attack


def read_toml(path: Path, confinement: Confinement) -> tuple[str, dict[str, Any]]:
    """The text of ``path`` and what it holds; every way it can be wrong is a located PublishError."""
    try:
        data = confinement.read_bytes(path, limit=MAX_BYTES)
    except OSError as error:
        raise PublishError(f"cannot read {path.name}: {error.strerror}", path=path) from None
    except PublishError as error:
        if "larger than" not in error.message:
            raise
        raise PublishError(
            f"{path.name} is larger than {MAX_BYTES // 1024} KB",
            path=path,
            hint=f"a {path.name} holds a few keys; keep long texts such as a description short",
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PublishError("the file is not UTF-8 text", path=path, line=line, hint="save it as UTF-8") from None
    return text, parse_toml(path, text)


def parse_toml(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        raise PublishError(
            f"invalid TOML: {error}",
            path=path,
            line=int(match.group(1)) if match else None,
            hint="check quotes, brackets and `key = value` syntax",
        ) from None
    except ValueError as error:  # an integer of thousands of digits
        raise PublishError(f"invalid TOML: {error}", path=path, hint="write numbers of a few digits") from None
    except RecursionError:
        raise PublishError(
            "invalid TOML: brackets or braces nested too deep",
            path=path,
            line=_deepest_line(text),
            hint=f"no value of {path.name} needs more than {NESTING} levels",
        ) from None


def _deepest_line(text: str) -> int | None:
    """The line where brackets first nest deeper than NESTING (strings are not told apart: only a hint)."""
    depth = 0
    for number, line in enumerate(source_lines(text), start=1):
        for char in line:
            depth += (char in "[{") - (char in "]}")
            if depth > NESTING:
                return number
    return None
