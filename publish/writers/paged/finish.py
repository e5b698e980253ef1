"""The finishing steps on a written PDF (pikepdf): linearised and opened on its bookmarks for
downloading; bleed box and greys as DeviceGray for the print shop; a header that says the
version its contents need; the same bytes from the same input (no random identifier left)."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pikepdf
from pikepdf import Dictionary, Name, Object, Operator, Pdf

from publish.model import css_length_points

# What a PDF holds -> the PDF version that introduced it (ISO 32000-1, annex and tables).
OPENTYPE_FONTS = "1.6"  # /FontFile3 /Subtype /OpenType: how WeasyPrint embeds CFF fonts (Inter)
TAGS_AND_TRANSPARENCY = "1.4"  # /MarkInfo, /StructTreeRoot (tagged PDF), soft masks, constant alpha


def finish_download(path: Path) -> None:
    """The PDF for downloading: opens with the bookmarks pane, linearised ("fast web view")."""
    with pikepdf.open(io.BytesIO(path.read_bytes())) as pdf:
        open_on_outline(pdf)
        save_finished(pdf, path)


def finish_print(path: Path, bleed: str) -> None:
    """The print shop's PDF: the real bleed recorded, neutral colours as DeviceGray (a RIP
    prints them with the black ink alone, never as rich four-colour black), linearised too."""
    with pikepdf.open(io.BytesIO(path.read_bytes())) as pdf:
        set_bleed_box(pdf, css_length_points(bleed))
        write_greys_as_gray(pdf)
        open_on_outline(pdf)
        save_finished(pdf, path)


def stable_document_id(pdf: Pdf) -> None:
    """WeasyPrint gives a PDF/X a random XMP DocumentID: it becomes a UUID5 of the title and
    authors (as the EPUB's identifier is), so two builds give the same bytes."""
    metadata = pdf.Root.get("/Metadata")
    if metadata is None:
        return
    xmp = metadata.read_bytes()
    if _RANDOM_ID.search(xmp) is None:
        return
    name = f"publish-pdf:{pdf.docinfo.get('/Title', '')}\n{pdf.docinfo.get('/Author', '')}"
    stable = f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, name)}".encode()
    metadata.write(_RANDOM_ID.sub(stable, xmp))  # unfiltered, as PDF/X-4 wants its XMP


_RANDOM_ID = re.compile(rb"xmp\.did:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def save_finished(pdf: Pdf, path: Path) -> None:
    """Linearised, object streams, an /ID made from the content and a header at least as recent
    as what the file holds. Written by us, not by QPDF: a full disk is an OSError the build
    reports, where QPDF would leave its temporary file beside the output."""
    _compressible(pdf)
    stable_document_id(pdf)
    # QPDF keeps the first /ID string it finds, and WeasyPrint draws it at random for PDF/X:
    # without one, both strings are computed from the content.
    if "/ID" in pdf.trailer:
        del pdf.trailer.ID
    buffer = io.BytesIO()
    pdf.save(
        buffer,
        linearize=True,
        deterministic_id=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        min_version=needed_version(pdf),
    )
    path.write_bytes(buffer.getbuffer())


def _compressible(pdf: Pdf) -> None:
    """A linearised file keeps the catalog and the page dictionaries outside object streams,
    uncompressed: the big dictionaries they hold inline (the named destinations, each page's
    resources and annotations) become objects of their own, which object streams compress."""

    def by_reference(holder: Object, key: str) -> None:
        value = holder.get(key)
        if isinstance(value, Dictionary | pikepdf.Array) and not value.is_indirect:
            holder[key] = pdf.make_indirect(value)

    by_reference(pdf.Root, "/Names")
    names = pdf.Root.get("/Names")
    if isinstance(names, Dictionary):
        for key in list(names.keys()):
            by_reference(names, key)
    for page in pdf.pages:
        for key in ("/Resources", "/Annots", "/Group"):
            by_reference(page.obj, key)


def open_on_outline(pdf: Pdf) -> None:
    """A reader shows the bookmarks pane on opening, when there are bookmarks."""
    outlines = pdf.Root.get("/Outlines")
    if outlines is not None and "/First" in outlines:
        pdf.Root.PageMode = Name.UseOutlines


def needed_version(pdf: Pdf) -> str:
    """The lowest PDF version whose features cover what ``pdf`` holds (object streams, 1.5,
    are QPDF's to count when it writes them)."""
    needed = "1.3"
    if "/MarkInfo" in pdf.Root or "/StructTreeRoot" in pdf.Root:
        needed = TAGS_AND_TRANSPARENCY
    for obj in pdf.objects:
        if not isinstance(obj, Dictionary | pikepdf.Stream):
            continue
        if obj.get("/Type") == Name.FontDescriptor:
            embedded = obj.get("/FontFile3")
            if embedded is not None and embedded.get("/Subtype") == Name.OpenType:
                return OPENTYPE_FONTS
        if "/SMask" in obj or (obj.get("/Type") == Name.ExtGState and ("/CA" in obj or "/ca" in obj)):
            needed = TAGS_AND_TRANSPARENCY
    return needed


def set_bleed_box(pdf: Pdf, amount: float) -> None:
    """BleedBox = TrimBox grown by ``amount`` points on every page (WeasyPrint caps its own at
    10 pt, and ours holds room for the crop marks beyond the bleed)."""
    for page in pdf.pages:
        left, bottom, right, top = (float(v) for v in page.trimbox)
        page.bleedbox = pikepdf.Array([left - amount, bottom - amount, right + amount, top + amount])


_AS_GRAY = {"rg": Operator("g"), "RG": Operator("G")}


def write_greys_as_gray(pdf: Pdf) -> int:
    """Every ``r g b rg`` (or ``RG``) whose three values are equal becomes ``v g`` (``v G``), in
    the pages and the forms they draw; how many were changed."""
    seen: set[tuple[int, int]] = set()
    changed = 0
    for page in pdf.pages:
        changed += _gray_in(pdf, page.obj, seen)
    return changed


def _gray_in(pdf: Pdf, holder: Object, seen: set[tuple[int, int]]) -> int:
    """Greys in a page or a form, then in the forms its resources name."""
    if holder.objgen != (0, 0):
        if holder.objgen in seen:
            return 0
        seen.add(holder.objgen)
    is_page = holder.get("/Type") == Name.Page
    instructions = pikepdf.parse_content_stream(pikepdf.Page(holder) if is_page else holder)
    rewritten: list[pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage] = []
    changed = 0
    for instruction in instructions:
        operands, name = instruction.operands, str(instruction.operator)
        if name in _AS_GRAY and len(operands) == 3 and operands[0] == operands[1] == operands[2]:
            rewritten.append(pikepdf.ContentStreamInstruction([operands[0]], _AS_GRAY[name]))
            changed += 1
        else:
            rewritten.append(instruction)
    if changed:
        content = pikepdf.unparse_content_stream(rewritten)
        if is_page:
            holder.Contents = pdf.make_stream(content)
        else:
            holder.write(content)
    resources = holder.get("/Resources")
    forms = resources.get("/XObject") if resources is not None else None
    for _, xobject in forms.items() if forms is not None else ():
        if xobject.get("/Subtype") == Name.Form:
            changed += _gray_in(pdf, xobject, seen)
    return changed
