"""Images: each checked and pointed at its book-relative path (an Asset); a lone image with
alternative text becomes a figure captioned by it."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from publish.confinement import Confinement
from publish.convert.checks import MISSING_ALT
from publish.convert.html_tree import remove_keeping_tail
from publish.convert.images import SVG_HINT, check_image
from publish.convert.remote_images import RemoteError, RemotePolicy, fetch_image
from publish.load.source import SourceText
from publish.model import Asset, Limits

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}


def make_figures(
    root: etree._Element, source: SourceText, book_root: Path, limits: Limits, remote: RemotePolicy = RemotePolicy()
) -> tuple[Asset, ...]:
    """Check every image, point it at its book-relative path, and caption lone images.

    A broken image is recorded in ``source.findings`` and left out, so that the
    other chapters are still checked; the build stops before writing anything.
    """
    assets: dict[str, Asset] = {}
    for image in list(root.iter("img")):
        src = image.get("src", "")
        if not src.strip():  # reported by the sanitiser's warnings; nothing to show
            remove_keeping_tail(image)
            continue
        asset = _resolve_image(src, source, book_root, limits, remote)
        if asset is None:
            remove_keeping_tail(image)
            continue
        assets.setdefault(asset.href, asset)
        image.set("src", asset.href)
        alt = image.get("alt", "").strip()
        if not alt and "decorative" not in (image.get("class") or "").split():
            written = f"![]({src}"
            source.warn(
                f"image `{src}` has no alternative text",
                written if source.line_of(written) else src,
                "describe it for readers who cannot see it: ![what it shows](path); "
                "for a purely decorative image write ![](path){.decorative}",
                code=MISSING_ALT,
            )
        parent = image.getparent()
        alone = (
            parent is not None
            and parent.tag == "p"
            and len(parent) == 1
            and not (parent.text or "").strip()
            and not (image.tail or "").strip()
        )
        if alone and alt:
            figure = etree.Element("figure", {"class": "figure"})
            image.tail = None
            figure.append(image)
            caption = etree.SubElement(figure, "figcaption")
            caption.text = alt
            parent.addprevious(figure)
            figure.tail = parent.tail
            parent.getparent().remove(parent)
    return tuple(assets.values())


def _resolve_image(src: str, source: SourceText, book_root: Path, limits: Limits, remote: RemotePolicy) -> Asset | None:
    parts = urlsplit(src)
    if parts.scheme in ("http", "https") and remote.allowed:
        try:
            path = fetch_image(src, book_root, replace(remote, max_bytes=limits.image_bytes))
        except RemoteError as error:
            source.error(f"image `{src}` {error}", src, "download it into images/ and link the file")
            return None
    elif parts.scheme or parts.netloc or src.startswith("/"):
        source.error(
            f"image `{src}` is not a file of the manuscript",
            src,
            "put the image in the manuscript folder and give a path relative to the chapter"
            + ("; or build with --allow-remote" if parts.scheme in ("http", "https") else ""),
        )
        return None
    else:
        path = source.path.parent / unquote(parts.path)
    confinement = Confinement.of(book_root)  # images are the manuscript's own, never the theme's
    if "\0" in str(path):
        source.error(f"image `{src}` names no file: `%00` is a NUL character", src, "remove the %00 from the path")
        return None
    if confinement.is_outside(path):
        source.error(
            f"image `{src}` lies outside the manuscript folder", src, "copy it into the manuscript, e.g. images/"
        )
        return None
    kind = confinement.wrong_kind(path)
    if kind:
        source.error(f"image `{src}` is {kind}, not an image file", src, "replace it with the image file itself")
        return None
    path = Path(os.path.realpath(path))
    href = path.relative_to(confinement.roots[0]).as_posix()
    if not path.is_file():
        source.error(
            f"image `{src}` not found", src, "the path is relative to the chapter file, e.g. ../images/chart.svg"
        )
        return None
    media_type = IMAGE_TYPES.get(path.suffix.lower())
    if media_type is None:
        source.error(f"image `{src}` has an unsupported type", src, "use PNG, JPEG, GIF, SVG or WebP")
        return None
    checked = check_image(path, media_type, limits)
    if checked.problem:
        source.error(f"image `{src}` {checked.problem}", src, "replace the file, or fix the path in the chapter")
        return None
    removal = checked.removal_warning(path)
    if removal:
        source.warn(f"image `{src}`: {removal}", src, SVG_HINT)
    return Asset(source=path, href=href, media_type=media_type, content=checked.content)
