"""Subset a font to the characters a book uses, for the EPUB (HarfBuzz: fast and deterministic)."""

from __future__ import annotations

from pathlib import Path

import uharfbuzz

# Always kept, so that a reader's own UI strings and typed search terms still render.
BASIC = "".join(chr(c) for c in range(0x20, 0x7F)) + "\u00a0\u202f«»’‘“”–—…€°"
# OpenType features the theme's CSS asks for, beyond HarfBuzz's default set (kern, liga, ...).
EXTRA_FEATURES = ("onum", "lnum", "pnum", "tnum", "smcp", "c2sc", "sups", "frac")
# Name records kept: family and style names, copyright (0) and the licence (13, 14) the OFL asks to keep.
NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 13, 14)


def subset_font(path: Path, text: str) -> bytes:
    face = uharfbuzz.Face(uharfbuzz.Blob(path.read_bytes()))
    request = uharfbuzz.SubsetInput()
    request.unicode_set.update(ord(c) for c in set(text + BASIC))
    request.layout_feature_tag_set.update(int.from_bytes(tag.encode("ascii"), "big") for tag in EXTRA_FEATURES)
    request.name_id_set.update(NAME_IDS)
    return bytes(uharfbuzz.subset(face, request).blob.data)
