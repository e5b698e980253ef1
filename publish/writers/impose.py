"""Booklet imposition on a finished PDF: pages two-up, in saddle-stitch order.

The pages of the print interior (chapters on rectos, no cover) are placed as they are
(vector content, fonts embedded, nothing rasterised), trimmed, on sheets twice their width:
A5 pages on A4 landscape, half-letter on Letter. The blanks that make the count a multiple
of four close the booklet, before its back cover. Print the result duplex, flipped on the short edge, fold the stack
in the middle and staple it on the fold.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pypdf import PageObject, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, IndirectObject, NameObject

from publish.errors import PublishError
from publish.model import PAGE_SIZES
from publish.writers.pypdf_internals import add_indirect


@dataclass(frozen=True)
class BookletResult:
    sheets: int  # sheets of paper, each printed on both sides
    pages: int  # PDF pages: two per sheet
    blanks: int  # blank pages added to reach a multiple of four


def booklet_order(pages: int) -> list[tuple[int, int]]:
    """(left, right) page numbers of each printed side, 1-based; 0 is a blank.

    For 8 pages: [(8, 1), (2, 7), (6, 3), (4, 5)]: sheet 1 front and back, then sheet 2.
    """
    total = -(-pages // 4) * 4
    sides = []
    for sheet in range(total // 4):
        front = (total - 2 * sheet, 1 + 2 * sheet)
        back = (2 + 2 * sheet, total - 1 - 2 * sheet)
        sides += [front, back]
    return [(left if left <= pages else 0, right if right <= pages else 0) for left, right in sides]


def impose_booklet(source: Path, target: Path, page_size: str) -> BookletResult:
    """Write the booklet of the PDF at ``source`` (pages of ``page_size``) to ``target``."""
    if page_size not in PAGE_SIZES:
        raise PublishError(
            f"no booklet sheet for {page_size} pages",
            hint="booklets are made from " + ", ".join(PAGE_SIZES) + " pages ([pdf] page_size)",
        )
    sheet_width, sheet_height = PAGE_SIZES[page_size].sheet_width, PAGE_SIZES[page_size].sheet_height
    # The source is linearised (finish.py): pypdf misreads its first-page trailer and says so on the
    # console; QPDF hands it a plain copy.
    with pikepdf.open(source) as original:
        version, plain = original.pdf_version, io.BytesIO()
        original.save(plain)
    writer = PdfWriter(clone_from=plain)
    pages = len(writer.pages)
    forms = [_as_form(writer, page) for page in writer.pages]
    for left, right in booklet_order(pages):
        placed = [(forms[number - 1], half) for number, half in ((left, 0), (right, 1)) if number]
        writer.add_page(_side(writer, placed, sheet_width, sheet_height))
    for _ in range(pages):
        writer.remove_page(0)  # the book's own pages, now drawn as forms on the sheets
    writer.remove_links()
    writer.root_object.pop(NameObject("/Outlines"), None)
    writer.root_object.pop(NameObject("/Names"), None)
    writer.root_object.pop(NameObject("/PageMode"), None)  # the bookmarks pane would open empty
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    written = io.BytesIO()
    writer.write(written)
    _save_linearised(written, target, version)
    sides = len(writer.pages)
    return BookletResult(sheets=sides // 2, pages=sides, blanks=-(-pages // 4) * 4 - pages)


def _save_linearised(written: io.BytesIO, target: Path, version: str) -> None:
    """pypdf writes a %PDF-1.3 header whatever the file holds: QPDF rewrites the booklet with its
    source's version (tags, OpenType fonts), linearised, with an /ID made from the content."""
    with pikepdf.open(written) as pdf:
        if "/ID" in pdf.trailer:
            del pdf.trailer.ID  # QPDF would keep its first string: both are computed from the content
        final = io.BytesIO()
        pdf.save(final, linearize=True, deterministic_id=True, min_version=version)
    target.write_bytes(final.getbuffer())


Form = tuple[IndirectObject, float, float, float, float]  # the form, its box (left, bottom, width, height)


def _as_form(writer: PdfWriter, page: PageObject) -> Form:
    """The page as a Form XObject: its content stream untouched, drawn wherever a sheet wants it,
    clipped to the trimmed page (a print interior's bleed and crop marks are no use on a sheet)."""
    box = page.trimbox  # the media box when the PDF sets none
    form = DecodedStreamObject()
    contents = page.get_contents()
    form.set_data(contents.get_data() if contents is not None else b"")
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(FloatObject(v) for v in (box.left, box.bottom, box.right, box.top)),
            NameObject("/Resources"): page[NameObject("/Resources")],
        }
    )
    return (
        add_indirect(writer, form.flate_encode()),
        float(box.left),
        float(box.bottom),
        float(box.width),
        float(box.height),
    )


def _side(writer: PdfWriter, placed: list[tuple[Form, int]], sheet_width: float, sheet_height: float) -> PageObject:
    """One printed side: each form centred, unscaled, in the left (0) or right (1) half."""
    side = PageObject.create_blank_page(width=sheet_width, height=sheet_height)
    names = DictionaryObject()
    operators = []
    for index, ((form, left, bottom, width, height), half) in enumerate(placed):
        x = half * sheet_width / 2 + (sheet_width / 2 - width) / 2 - left
        y = (sheet_height - height) / 2 - bottom
        names[NameObject(f"/Page{index}")] = form
        operators.append(f"q 1 0 0 1 {x:.3f} {y:.3f} cm /Page{index} Do Q")
    side[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): names})
    content = DecodedStreamObject()
    content.set_data("\n".join(operators).encode("ascii"))
    side[NameObject("/Contents")] = add_indirect(writer, content)
    return side
