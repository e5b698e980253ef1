"""One subset of each font in a PDF joined from separately laid-out documents.

Each WeasyPrint document embeds its own subset of every font it uses, so a book joined
from 30 chapters would carry 30 subsets of its body font (3.5 times the size of a
one-document layout). WeasyPrint names a font after its description (the same in every
chapter) and keeps glyph ids when it subsets. So the join can replace every font of a
name by one font: the original font file (kept by ``keep_fonts`` when each document is
laid out) subset anew to the union of the glyphs the documents use, read from their
width arrays, with the union of their ToUnicode maps.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator

import uharfbuzz
import weasyprint
from pikepdf import Array, Dictionary, Name, Object, Pdf

from publish.writers.paged.weasy_internals import original_font_bytes

# What WeasyPrint drops from the fonts it embeds: layout and bitmap tables a PDF never reads.
_DROPPED_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG ")
_BFCHAR_BLOCK = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def keep_fonts(document: weasyprint.Document, keep: Callable[[bytes], str]) -> dict[str, str]:
    """Hand the original file of every font a written document embeds to ``keep``; returns each
    font's PDF name with what ``keep`` said (where it is kept)."""
    kept = {}
    for font in document.fonts.values():
        if font.index or font.bitmap:
            continue  # a face inside a collection, or a bitmap font: left as WeasyPrint wrote it
        kept[font.name.decode()[1:]] = keep(original_font_bytes(font))
    return kept


def share_fonts(pdf: Pdf, originals: Callable[[str], bytes | None]) -> None:
    """Make every font of a name one font object, subset to what all pages use."""
    font_dicts = list(_font_dictionaries(pdf))
    groups: dict[str, dict[tuple[int, int], Object]] = defaultdict(dict)
    for fonts in font_dicts:
        for font in fonts.values():
            if font.get("/Subtype") == Name.Type0 and font.get("/Encoding") == Name("/Identity-H"):
                groups[str(font.BaseFont)][font.objgen] = font
    replaced: dict[tuple[int, int], Object] = {}
    for base_font, group in groups.items():
        original = originals(base_font[1:]) if len(group) > 1 else None
        if original is not None:
            merged = _merge(pdf, list(group.values()), original)
            replaced.update(dict.fromkeys(group, merged))
    for fonts in font_dicts:
        for name, font in list(fonts.items()):
            if font.objgen in replaced:
                fonts[name] = replaced[font.objgen]


def _font_dictionaries(pdf: Pdf) -> Iterator[Dictionary]:
    """The /Font resource dictionaries of the pages and of the forms they draw, each once."""
    seen: set[tuple[int, int]] = set()
    pending = [page.obj.get("/Resources") for page in pdf.pages]
    while pending:
        resources = pending.pop()
        if not isinstance(resources, Dictionary) or (resources.is_indirect and resources.objgen in seen):
            continue
        if resources.is_indirect:
            seen.add(resources.objgen)
        fonts = resources.get("/Font")
        if isinstance(fonts, Dictionary) and not (fonts.is_indirect and fonts.objgen in seen):
            if fonts.is_indirect:
                seen.add(fonts.objgen)
            yield fonts
        for xobject in resources.get("/XObject", Dictionary()).values():
            if xobject.get("/Subtype") == Name.Form:
                pending.append(xobject.get("/Resources"))


def _merge(pdf: Pdf, fonts: list[Object], original: bytes) -> Object:
    widths: dict[int, float] = {}
    texts: dict[int, bytes] = {}
    for font in fonts:
        flat = list(font.DescendantFonts[0].W)
        for start, run in zip(flat[::2], flat[1::2]):
            widths.update({int(start) + i: float(w) for i, w in enumerate(run)})
        for block in _BFCHAR_BLOCK.findall(font.ToUnicode.read_bytes()):
            texts.update({int(gid, 16): text for gid, text in _BFCHAR.findall(block)})
    merged = fonts[0]
    descendant = merged.DescendantFonts[0]
    descendant.W = _width_array(widths)
    descriptor = descendant.FontDescriptor
    data = _subset(original, set(widths) | {0})
    if "/FontFile3" in descriptor:
        descriptor.FontFile3 = pdf.make_stream(data, Subtype=Name.OpenType)
    else:
        descriptor.FontFile2 = pdf.make_stream(data, Length1=len(data))
    if "/CIDSet" in descriptor:  # PDF/A-1 only; it would list the first document's glyphs alone
        del descriptor["/CIDSet"]
    bbox = list(descriptor.FontBBox)
    descriptor.FontBBox = Array([bbox[0], bbox[1], max(widths.values(), default=0), bbox[3]])
    merged.ToUnicode = pdf.make_stream(_to_unicode(texts))
    return merged


def _subset(original: bytes, glyphs: set[int]) -> bytes:
    """The glyphs kept at their ids, as WeasyPrint subsets (so the pages' glyph codes still hold)."""
    request = uharfbuzz.SubsetInput()
    request.glyph_set.update(glyphs)
    request.flags = (
        uharfbuzz.SubsetFlags.RETAIN_GIDS
        | uharfbuzz.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
        | uharfbuzz.SubsetFlags.DESUBROUTINIZE
        | uharfbuzz.SubsetFlags.NO_HINTING
    )
    dropped = request.sets(uharfbuzz.SubsetInputSets.DROP_TABLE_TAG)
    dropped.update(int.from_bytes(tag.encode("ascii"), "big") for tag in _DROPPED_TABLES)
    return bytes(uharfbuzz.subset(uharfbuzz.Face(uharfbuzz.Blob(original)), request).blob.data)


def _width_array(widths: dict[int, float]) -> Array:
    """[first [w w w] first [w …] …]: one run per range of consecutive glyph ids."""
    flat: list[int | list[float]] = []
    run: list[float] = []
    for gid in sorted(widths):
        if gid - 1 not in widths:  # always so for the first gid
            run = []
            flat += [gid, run]
        run.append(widths[gid])
    return Array([Array(item) if isinstance(item, list) else item for item in flat])


def _to_unicode(texts: dict[int, bytes]) -> bytes:
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    items = sorted(texts.items())
    for i in range(0, len(items), 100):
        batch = items[i : i + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{gid:04x}> <".encode() + text + b">" for gid, text in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)
