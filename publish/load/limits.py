"""The command line's ceiling for [limits]: ``--limit NAME=VALUE`` flags read into ``Limits``.

A manuscript's book.toml may only lower its limits (load/config.py); whoever runs the build
raises them here, with sizes written as people write them: 100MB, 80M, 5MiB, 1_500_000.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Sequence

from publish.errors import PublishError
from publish.model import Limits

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:([kmg])(i?)[bp]?|b)?", re.IGNORECASE)
_UNITS = {"k": 1, "m": 2, "g": 3}


def limits_from_flags(flags: Sequence[str], base: Limits | None = None) -> Limits:
    """The limits of ``--limit NAME=VALUE`` flags (e.g. image_bytes=100MB, image_pixels=80M):
    the ceiling a manuscript's [limits] may lower. K, M, G count thousands (KiB, MiB: 1024s)."""
    limits = base or Limits()
    names = tuple(f.name for f in dataclasses.fields(Limits))
    for flag in flags:
        name, _, value = flag.partition("=")
        name = name.strip().replace("-", "_")
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
            raise PublishError(
                f"--limit {flag}: no limit is called `{name}`",
                hint=f"did you mean `{close[0]}`?" if close else "one of " + ", ".join(names),
            )
        limits = dataclasses.replace(limits, **{name: _size(flag, value)})
    return limits


def _size(flag: str, value: str) -> int:
    match = _SIZE.fullmatch(value.strip().replace("_", ""))
    number = float(match.group(1)) if match else 0.0
    if match and match.group(2):
        number *= (1024 if match.group(3) else 1000) ** _UNITS[match.group(2).lower()]
    if number < 1:
        raise PublishError(
            f"--limit {flag}: `{value}` is not a positive size",
            hint="write a number, with K, M or G if you like: --limit image_bytes=100MB",
        )
    return int(number)
