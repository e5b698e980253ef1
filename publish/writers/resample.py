"""One raster image made no wider than a given number of pixels (Pillow), for outputs read on screens."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

# What an EPUB needs: a reading system's screen is at most about 1600 px wide (tablets in
# portrait, e-ink readers at 300 ppi), and a figure never spans more than the screen.
EPUB_MAX_WIDTH = 1600
JPEG_QUALITY = 85  # no visible loss on photos at screen sizes; a third of quality 95's bytes


def downsample_image(data: bytes, max_width: int) -> bytes:
    """``data`` (a JPEG, PNG, WebP or GIF file) at most ``max_width`` pixels wide, in its own
    format, proportions kept; the very same bytes when it is no wider already, is animated, or
    is not a raster image Pillow reads."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width <= max_width or getattr(image, "n_frames", 1) > 1 or image.format is None:
                return data
            kind, profile = image.format, image.info.get("icc_profile")
            upright = ImageOps.exif_transpose(image)  # the pixels as shown, so the orientation tag can go
            if upright.width <= max_width:  # a portrait photo lying on its side in the file
                return data
            height = max(1, round(upright.height * max_width / upright.width))
            smaller = upright.resize((max_width, height), Image.Resampling.LANCZOS)
    except (OSError, ValueError, Image.DecompressionBombError):
        return data
    output = io.BytesIO()
    options: dict[str, object] = {"icc_profile": profile} if profile else {}
    if kind == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True, progressive=True)
        smaller = smaller.convert("RGB") if smaller.mode not in ("RGB", "L", "CMYK") else smaller
    elif kind == "PNG":
        options.update(optimize=True)
    smaller.save(output, format=kind, **options)
    return output.getvalue() if output.tell() < len(data) else data
