"""QR codes for printed URLs: a phone reaches the page a reader of paper cannot click."""

from __future__ import annotations

import segno


def qr_data_uri(url: str) -> str:
    """A PNG data URI, one pixel per module and no quiet zone (the stylesheet sizes and pads it).

    Medium error correction survives a smudge or a staple; the stylesheet must keep
    the pixels sharp (``image-rendering: pixelated``).
    """
    return segno.make(url, error="m", micro=False).png_data_uri(scale=1, border=0)
