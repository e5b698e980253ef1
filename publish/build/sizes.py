"""Where each output's bytes go (fonts, images, the rest), for the build's summary."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from publish.writers.paged.writer import SCREEN_DPI
from publish.writers.resample import EPUB_MAX_WIDTH


@dataclass(frozen=True)
class Sizes:
    """Where an output's bytes go, as stored in the file (compressed)."""

    fonts: int
    images: int
    rest: int  # text, page descriptions, structure, metadata, CSS


_EPUB_KINDS = {
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg"), "images"),
    **dict.fromkeys((".ttf", ".otf", ".woff", ".woff2"), "fonts"),
}
# What the writers do to images, said once under the build's summary.
IMAGE_NOTES = {
    "pdf": f"images at most {SCREEN_DPI} dpi as printed",
    "handout": f"images at most {SCREEN_DPI} dpi as printed",
    "print": "images at full resolution",
    "epub": f"images at most {EPUB_MAX_WIDTH} px wide",
}


def output_sizes(path: Path) -> Sizes | None:
    """The fonts', the images' and the other bytes of a PDF or an EPUB; None for other files."""
    if path.suffix == ".epub":
        totals = {"fonts": 0, "images": 0, "rest": 0}
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                totals[_EPUB_KINDS.get(Path(info.filename).suffix.lower(), "rest")] += info.compress_size
        return Sizes(totals["fonts"], totals["images"], path.stat().st_size - totals["fonts"] - totals["images"])
    if path.suffix != ".pdf":
        return None
    fonts = images = 0
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.FontDescriptor:
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        fonts += len(obj[key].read_raw_bytes())
            elif isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image:
                images += len(obj.read_raw_bytes())
    return Sizes(fonts, images, path.stat().st_size - fonts - images)
