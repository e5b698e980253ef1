"""Rules every PDF we write keeps: linearised, opened on its bookmarks, a header as recent as its
contents, one link annotation per link area, greys as DeviceGray for the print shop, and an
output intent when it claims PDF/X. ``check_pdf(path)`` lists the violations."""

from __future__ import annotations

from pathlib import Path

import pikepdf

_OVERLAP = 0.5  # points: rectangles that merely touch, or share a hairline, do not overlap


def check_pdf(path: Path) -> list[str]:
    """Each string one violation, naming the file and, where it has one, the page."""
    name = path.name
    with pikepdf.open(path) as pdf:
        problems = [f"{name}: {p}" for p in _document_rules(pdf, path)]
        for number, page in enumerate(pdf.pages, start=1):
            problems += [f"{name}: page {number}: {p}" for p in _overlapping_links(page)]
            if _is_prepress(page):
                problems += [f"{name}: page {number}: {p}" for p in _rgb_greys(page)]
    return problems


def _document_rules(pdf: pikepdf.Pdf, path: Path) -> list[str]:
    problems = []
    if not pdf.is_linearized:
        problems.append("not linearised (pdfinfo would say Optimized: no)")
    outlines = pdf.Root.get("/Outlines")
    has_outline = outlines is not None and "/First" in outlines
    mode = str(pdf.Root.get("/PageMode", "/UseNone"))
    if has_outline and mode != "/UseOutlines":
        problems.append(f"has bookmarks but opens with PageMode {mode}, not /UseOutlines")
    if not has_outline and mode == "/UseOutlines":
        problems.append("opens the bookmarks pane (PageMode /UseOutlines) but has no bookmarks")
    declared = max(_version(str(pdf.pdf_version)), _version(str(pdf.Root.get("/Version", "/1.0"))[1:]))
    for needed, feature in _features(pdf, path):
        if declared < _version(needed):
            problems.append(f"says PDF {pdf.pdf_version} but holds {feature} (PDF {needed})")
    if _claims_pdfx(pdf) and not len(pdf.Root.get("/OutputIntents", [])):
        problems.append("claims PDF/X but has no output intent")
    return problems


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _features(pdf: pikepdf.Pdf, path: Path) -> list[tuple[str, str]]:
    """(version, feature) for what the file holds that PDF 1.3 did not have."""
    found = []
    if "/StructTreeRoot" in pdf.Root or "/MarkInfo" in pdf.Root:
        found.append(("1.4", "a structure tree (tagged PDF)"))
    data = path.read_bytes()
    if b"/ObjStm" in data or b"/XRef" in data:
        found.append(("1.5", "object or cross-reference streams"))
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.FontDescriptor:
            font = obj.get("/FontFile3")
            if font is not None and font.get("/Subtype") == pikepdf.Name.OpenType:
                found.append(("1.6", "OpenType fonts (FontFile3 /OpenType)"))
                break
    return found


def _claims_pdfx(pdf: pikepdf.Pdf) -> bool:
    if "/GTS_PDFXVersion" in pdf.docinfo:
        return True
    metadata = pdf.Root.get("/Metadata")
    return metadata is not None and b"pdfxid" in metadata.read_bytes()


def _destination(annotation: pikepdf.Object) -> str | None:
    if annotation.get("/Subtype") != pikepdf.Name.Link:
        return None
    if "/Dest" in annotation:
        return str(annotation.Dest)
    action = annotation.get("/A")
    if action is not None:
        return str(action.get("/URI", action.get("/D")))
    return None


def _overlapping_links(page: pikepdf.Page) -> list[str]:
    seen: dict[str, list[tuple[float, ...]]] = {}
    problems = []
    for annotation in page.obj.get("/Annots", []):
        target = _destination(annotation)
        if target is None:
            continue
        x1, y1, x2, y2 = (float(v) for v in annotation.Rect)
        left, right, bottom, top = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
        for other_left, other_bottom, other_right, other_top in seen.get(target, []):
            wide = min(right, other_right) - max(left, other_left)
            high = min(top, other_top) - max(bottom, other_bottom)
            if wide > _OVERLAP and high > _OVERLAP:
                problems.append(f"two link annotations to {target[:60]} overlap")
                break
        seen.setdefault(target, []).append((left, bottom, right, top))
    return problems


def _is_prepress(page: pikepdf.Page) -> bool:
    """A print shop's page: trimmed inside its media box, with a bleed box."""
    if "/TrimBox" not in page.obj or "/BleedBox" not in page.obj:
        return False
    return [float(v) for v in page.trimbox] != [float(v) for v in page.mediabox]


def _rgb_greys(page: pikepdf.Page) -> list[str]:
    """Neutral colours written as RGB, which a RIP may separate into four inks."""
    count = _count_rgb_greys(page, page.obj, set())
    return [f"{count} neutral colours set as RGB (rg/RG with r = g = b), not DeviceGray g/G"] if count else []


def _count_rgb_greys(page: pikepdf.Page, holder: pikepdf.Object, seen: set[tuple[int, int]]) -> int:
    count = 0
    source = page if holder is page.obj else holder
    for instruction in pikepdf.parse_content_stream(source, "rg RG"):
        operands = instruction.operands
        if len(operands) == 3 and operands[0] == operands[1] == operands[2]:
            count += 1
    resources = holder.get("/Resources")
    forms = resources.get("/XObject") if resources is not None else None
    for _, xobject in forms.items() if forms is not None else ():
        if xobject.get("/Subtype") == pikepdf.Name.Form and xobject.objgen not in seen:
            seen.add(xobject.objgen)
            count += _count_rgb_greys(page, xobject, seen)
    return count
