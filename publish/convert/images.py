"""Image files the manuscript uses: the right type, within the limits, and decodable.

Checked once, when a chapter is rendered, so that a truncated JPEG or a
"decompression bomb" stops the build with the image's name and the chapter
line that uses it, instead of a WeasyPrint warning or a machine out of memory.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFile

from publish.bounded import OverBudget, run_bounded
from publish.convert.svg import SvgRefused, make_svg_safe
from publish.errors import ERROR, Diagnostic
from publish.load.source import source_lines
from publish.model import Book, Limits

FORMAT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
COVER_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


@dataclass(frozen=True)
class DecodeBudget:
    """What decoding one image may take; beyond, the image is refused instead of stalling the build."""

    seconds: float = 20.0
    memory: int = 256 * 2**20  # on top of 8 bytes per allowed pixel (RGBA, or 16-bit channels)

    def memory_for(self, limits: Limits) -> int:
        return self.memory + 8 * limits.image_pixels


@dataclass(frozen=True)
class CheckedImage:
    """What the image check found: a reason to refuse it, or what to publish and what was taken out."""

    problem: str | None = None  # why the image cannot go into the book; None when it can
    removed: tuple[str, ...] = ()  # what was taken out of an SVG (scripts, links out…), for a warning
    content: str | None = None  # an SVG made safe, to publish instead of the file

    def removal_warning(self, path: Path) -> str | None:
        """What the author is told when ``removed`` is not empty, naming the SVG file."""
        if not self.removed:
            return None
        return f"{path.name}: removed {', '.join(self.removed)}, which an e-book reader would run or fetch"


SVG_HINT = "a book's SVG may only draw: export it again as a plain SVG without scripts, links or outside files"


def check_image(path: Path, media_type: str, limits: Limits, budget: DecodeBudget = DecodeBudget()) -> CheckedImage:
    """Decode the whole image in a forked child under ``budget``: a truncated file, a bomb or a
    hostile SVG ends as a ``problem`` for the author, never as a hang or an exhausted machine."""
    size = path.stat().st_size
    if size > limits.image_bytes:
        return CheckedImage(
            f"is {size:,} bytes, over the limit of {limits.image_bytes:,} (raise it with --limit image_bytes=…)"
        )
    try:
        checked: CheckedImage = run_bounded(
            _decode, path, media_type, limits, seconds=budget.seconds, memory=budget.memory_for(limits)
        )
    except OverBudget as error:
        return CheckedImage(f"{error} to decode; it is too large or malformed: export it again, smaller")
    return checked


def check_cover(book: Book, budget: DecodeBudget = DecodeBudget()) -> Diagnostic | None:
    """The author's cover (``[book] cover``) checked like a chapter's image, located at its line of book.toml."""
    cover = book.metadata.cover
    if cover is None:
        return None
    checked = check_image(cover, COVER_TYPES.get(cover.suffix.lower(), "image/jpeg"), book.limits, budget)
    if checked.problem is None:
        return None
    line = next(
        (n for n, text in enumerate(source_lines(book.config_path.read_text("utf-8")), 1) if _COVER_KEY.match(text)),
        None,
    )
    try:
        written = cover.relative_to(book.root).as_posix()
    except ValueError:
        written = str(cover)
    return Diagnostic(
        ERROR,
        f"the cover image `{written}` {checked.problem}",
        book.config_path,
        line,
        hint="replace the file, or remove `cover` from [book] to use the theme's cover",
    )


_COVER_KEY = re.compile(r"\s*cover\s*=")


def _decode(path: Path, media_type: str, limits: Limits) -> CheckedImage:
    """Run in the bounded child: the whole check, decoding included."""
    # WeasyPrint sets ImageFile.LOAD_TRUNCATED_IMAGES = True when it is imported (weasyprint/images.py),
    # which would let a truncated file decode as grey. This forked child is ours alone and ends after the
    # check, so Pillow's default is put back here only: the build's own process keeps WeasyPrint's choice.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    if media_type == "image/svg+xml":
        try:
            safe = make_svg_safe(path.read_bytes())
        except SvgRefused as error:
            return CheckedImage(str(error))
        return CheckedImage(removed=safe.removed, content=safe.text)
    return CheckedImage(_raster_problem(path, media_type, limits))


def _raster_problem(path: Path, media_type: str, limits: Limits) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                kind = image.format or "an unknown format"
                found = FORMAT_TYPES.get(image.format or "")
                if width * height > limits.image_pixels:
                    return (
                        f"is {width} × {height} pixels, over the limit of {limits.image_pixels:,} "
                        "(--limit image_pixels=… raises it); scale it down"
                    )
                image.load()  # decodes every pixel: truncated data fails here (verify() misses it in a JPEG)
    except Image.DecompressionBombError as error:  # Pillow refuses it before we could see its size
        return (
            f"has far too many pixels ({error}); the limit is {limits.image_pixels:,} "
            "(--limit image_pixels=… raises it); scale it down"
        )
    except (OSError, SyntaxError, ValueError) as error:
        return f"cannot be read as an image ({error})"
    if found != media_type:
        real = next(
            (
                ext
                for ext, kind in (
                    ("png", "image/png"),
                    ("jpg", "image/jpeg"),
                    ("gif", "image/gif"),
                    ("webp", "image/webp"),
                )
                if kind == found
            ),
            None,
        )
        return f"is not what its name says: the file holds {kind}" + (f"; rename it to .{real}" if real else "")
    return None
