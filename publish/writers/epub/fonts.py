"""The fonts an EPUB ships: the faces its finished documents use, each subset to what it sets,
declared in the stylesheet (`@font-face`) and the package's manifest."""

from __future__ import annotations

from collections.abc import Sequence

from publish.convert.html_tree import escape
from publish.theme.loading import FontFace, font_face_css
from publish.writers.epub.fontsubset import subset_font
from publish.writers.epub.fontuse import faces_used

FONT_FOLDER = "fonts/"


def embed_fonts(
    entries: dict[str, bytes], faces: Sequence[FontFace], package: str, stylesheet: str
) -> dict[str, bytes]:
    """``entries`` (the container's files by name) with the faces of ``faces`` its XHTML uses added
    under `fonts/` beside ``package`` (the OPF), their `@font-face` rules put at the top of
    ``stylesheet``; a face no text is set in is left out."""
    root = package.rpartition("/")[0] + "/" if "/" in package else ""
    css = entries[stylesheet].decode("utf-8")
    documents = [data for name, data in sorted(entries.items()) if name.startswith(root) and name.endswith(".xhtml")]
    used = faces_used(documents, css, faces)
    shipped = [face for face in faces if face in used]  # the theme's order: fixed ids, fixed bytes
    edited = dict(entries)
    items = []
    for face in shipped:
        use = used[face]
        edited[root + FONT_FOLDER + face.path.name] = subset_font(face.path, use.characters, use.features)
        index = faces.index(face)
        href = escape(FONT_FOLDER + face.path.name)
        items.append(f'<item href="{href}" id="font-{index}" media-type="{face.media_type}"/>')
    depth = stylesheet.removeprefix(root).count("/")
    declared = font_face_css(tuple(shipped), lambda face: "../" * depth + FONT_FOLDER + face.path.name)
    edited[stylesheet] = (declared + css).encode("utf-8")
    opf = entries[package].decode("utf-8")
    edited[package] = opf.replace("</manifest>", "".join(items) + "</manifest>", 1).encode("utf-8")
    return edited
