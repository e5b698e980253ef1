"""Subset a font to the characters a book uses, deterministically (for the EPUB)."""

from __future__ import annotations

import io
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

# Always kept, so that a reader's own UI strings and typed search terms still render.
BASIC = "".join(chr(c) for c in range(0x20, 0x7F)) + "\u00a0\u202f«»’‘“”–—…€°"


# The OpenType features the theme's CSS can ask for; keeping all ("*") triples the time and size.
FEATURES = ["kern", "liga", "clig", "calt", "ccmp", "locl", "mark", "mkmk",
            "onum", "lnum", "pnum", "tnum", "smcp", "c2sc", "sups", "frac"]


def subset_font(path: Path, text: str) -> bytes:
    options = subset.Options()
    options.layout_features = FEATURES
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.drop_tables += ["DSIG"]
    font = TTFont(str(path), lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text + BASIC))))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()
