"""Resolve CSS custom properties to plain values, for reading systems that lack var()."""

from __future__ import annotations

import re

_DECLARATION = re.compile(r"(--[A-Za-z0-9-]+)\s*:\s*([^;}]+)[;}]")
_USE = re.compile(r"var\(\s*(--[A-Za-z0-9-]+)\s*(?:,\s*([^()]*))?\)")
_ROOT_BLOCK = re.compile(r":root\s*\{[^}]*\}")


def resolve_custom_properties(css: str) -> str:
    """Replace every ``var(--x)`` with the last value given to ``--x`` in a ``:root`` block.

    Themes declare their tokens on ``:root`` only (a documented rule of theme CSS),
    so a textual substitution is exact. The ``:root`` blocks are dropped afterwards.
    """
    values: dict[str, str] = {}
    for block in _ROOT_BLOCK.findall(css):
        for name, value in _DECLARATION.findall(block):
            values[name] = value.strip()

    def substitute(match: re.Match[str]) -> str:
        name, fallback = match.group(1), match.group(2)
        if name in values:
            return _USE.sub(substitute, values[name])
        return fallback.strip() if fallback else match.group(0)

    return _USE.sub(substitute, _ROOT_BLOCK.sub("", css))
