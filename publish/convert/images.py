"""Image files the manuscript uses: the right type, within the limits, and decodable.

Checked once, when a chapter is rendered, so that a truncated JPEG or a
"decompression bomb" stops the build with the image's name and the chapter
line that uses it, instead of a WeasyPrint warning or a machine out of memory.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from lxml import etree
from PIL import Image

from publish.model import Limits

FORMAT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


def image_problem(path: Path, media_type: str, limits: Limits) -> str | None:
    """Why the image cannot go into the book, or None when it can."""
    size = path.stat().st_size
    if size > limits.image_bytes:
        return f"is {size:,} bytes, over the limit of {limits.image_bytes:,} ([limits] image_bytes)"
    if media_type == "image/svg+xml":
        return _svg_problem(path)
    return _raster_problem(path, media_type, limits)


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
                        "([limits] image_pixels); scale it down"
                    )
                image.verify()  # reads the whole file: truncated or corrupt data fails here
    except Image.DecompressionBombError as error:  # Pillow refuses it before we could see its size
        return (
            f"has far too many pixels ({error}); the limit is {limits.image_pixels:,} "
            "([limits] image_pixels); scale it down"
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


# A DOCTYPE with an internal subset (`<!DOCTYPE svg [ <!ENTITY …> ]>`) can declare entities that pull
# other files in or multiply text; the public one Graphviz and Inkscape write (`<!DOCTYPE svg PUBLIC
# "-//W3C//DTD SVG 1.1//EN" "…svg11.dtd">`) declares nothing and is accepted. No DTD is ever loaded.
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[")


def _svg_problem(path: Path) -> str | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as error:
        return f"is not valid SVG ({error})"
    if etree.QName(root).localname != "svg":
        return f"is not an SVG image (its root element is <{etree.QName(root).localname}>)"
    if _INTERNAL_SUBSET.search(path.read_bytes()[:4096]):  # the standard public DOCTYPE has none
        return "declares a DOCTYPE with entities (a way to pull other files in); remove the DOCTYPE"
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        if name in ("script", "foreignObject") or any(a.lower().startswith("on") for a in element.attrib):
            return f"contains scripts or embedded HTML (<{name}>); export it again as a plain SVG"
    return None
