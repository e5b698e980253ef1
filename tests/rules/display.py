"""Display lines, contents entries and folios, read back from a finished PDF (issue 17).

Rules:
- the last line of a display text of two lines or more (text set at least 1.4 times the
  document's body size: titles, chapter heads, the cover) holds more than three letters
  (never "…pour les / IA" nor "… & / « Cie »");
- on the contents pages (pages with three lines or more ending in leader dots and a number),
  no line ends with a hyphen;
- the folio (the lowest line of a page, when it is a number, "page N / M" and the like) is
  set in lining figures: every digit glyph stands on the baseline and rises to the cap
  height (an old-style 1, 0 or 2 only reaches the x-height and reads as I, o, z).

The PDF is read with pikepdf: each page's content stream (and the form XObjects it draws)
is walked with its transformation matrices, each text run decoded through its font's
ToUnicode map, and each digit's outline measured in the embedded font.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

DISPLAY_RATIO = 1.4  # a display line is set this many times the body size or more
LONE_WORD = 3  # letters: a last display line holding no more is a violation
LEADER = re.compile(r"(?:\.\s?){3,}\s*\d+\s*$")
FOLIO = re.compile(r"^\s*(?:[^\W\d]{1,12}\s)?\s*\d{1,4}(?:\s*/\s*\d{1,4})?\s*$")
HYPHENS = ("-", "\u2010", "\u00ad")

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF order: a point is transformed by m first)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


@dataclass
class Font:
    """What a run needs of a font: code -> text, code -> glyph height check, the cap height."""

    to_unicode: dict[int, str]
    two_bytes: bool
    glyphs: dict[int, tuple[float, float]] | None  # digit code -> (yMin, yMax) in 1/1000 em, when measurable
    x_height: float
    cap_height: float

    def lining(self, code: int) -> bool:
        """A lining figure sits on the baseline and rises to the cap height; an old-style one
        descends (3, 4, 5, 7, 9) or stops at the x-height (0, 1, 2)."""
        if self.glyphs is None or code not in self.glyphs:
            return True
        bottom, top = self.glyphs[code]
        return bottom > -0.1 * self.cap_height and top >= (self.x_height + self.cap_height) / 2

    def decode(self, data: bytes) -> list[int]:
        if self.two_bytes:
            return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data) - 1, 2)]
        return list(data)


@dataclass
class TextRun:
    page: int
    panel: str  # "": drawn on the page itself; "/2": inside its second imposed page (a booklet's half sheet)
    x: float
    y: float
    size: float  # the effective font size on the page, in points
    codes: list[int]
    font: Font
    text: str = ""


@dataclass
class _Reader:
    """Reads one PDF's text runs; fonts are parsed once per PDF."""

    fonts: dict[tuple[int, int], Font] = field(default_factory=dict)
    page_area: float = 1.0

    def font(self, obj: pikepdf.Object) -> Font:
        key = obj.objgen
        if key not in self.fonts or key == (0, 0):
            self.fonts[key] = _read_font(obj)
        return self.fonts[key]

    def runs(
        self, page: int, owner: pikepdf.Object, resources: pikepdf.Object, ctm: Matrix, panel: str = "", depth: int = 0
    ) -> Iterator[TextRun]:
        """The text runs ``owner``'s content stream draws, placed on the page by ``ctm``.

        A form drawn at a quarter to three quarters of the page's area is an imposed page (its own
        panel); any other form (the margins, an SVG image) belongs to the panel that draws it.
        """
        panels = 0
        stack: list[Matrix] = []
        tm: Matrix = IDENTITY
        line: Matrix = IDENTITY
        leading = 0.0
        font: Font | None = None
        size = 0.0
        fonts = resources.get("/Font", {}) if resources is not None else {}
        xobjects = resources.get("/XObject", {}) if resources is not None else {}
        for operands, operator in pikepdf.parse_content_stream(owner):
            op = str(operator)
            if op == "q":
                stack.append(ctm)
            elif op == "Q":
                ctm = stack.pop() if stack else ctm
            elif op == "cm":
                ctm = _multiply(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
            elif op == "BT":
                tm = line = IDENTITY
            elif op == "Tm":
                tm = line = tuple(float(v) for v in operands)  # type: ignore[assignment]
            elif op in ("Td", "TD"):
                tx, ty = float(operands[0]), float(operands[1])
                if op == "TD":
                    leading = -ty
                tm = line = _multiply((1, 0, 0, 1, tx, ty), line)
            elif op == "T*":
                tm = line = _multiply((1, 0, 0, 1, 0, -leading), line)
            elif op == "TL":
                leading = float(operands[0])
            elif op == "Tf":
                name = operands[0]
                font = self.font(fonts[name]) if name in fonts else None
                size = float(operands[1])
            elif op in ("TJ", "Tj", "'", '"') and font is not None:
                strings = operands[-1] if op != "TJ" else [s for s in operands[0] if isinstance(s, pikepdf.String)]
                if op != "TJ":
                    strings = [strings]
                codes = [code for s in strings for code in font.decode(bytes(s))]
                place = _multiply(tm, ctm)
                scale = (place[2] ** 2 + place[3] ** 2) ** 0.5 * size  # the length of the text's vertical
                text = "".join(font.to_unicode.get(code, "\ufffd") for code in codes)
                yield TextRun(page, panel, place[4], place[5], scale, codes, font, text)
            elif op == "Do" and depth < 6:
                xobject = xobjects.get(operands[0]) if xobjects else None
                if xobject is not None and xobject.get("/Subtype") == "/Form":
                    matrix = tuple(float(v) for v in xobject.get("/Matrix", IDENTITY))
                    inner = xobject.get("/Resources", resources)
                    place = _multiply(matrix, ctm)  # type: ignore[arg-type]
                    inner_panel = panel
                    if 0.2 <= self._area(xobject, place) / self.page_area <= 0.75:
                        panels += 1
                        inner_panel = f"{panel}/{panels}"
                    yield from self.runs(page, xobject, inner, place, inner_panel, depth + 1)

    @staticmethod
    def _area(xobject: pikepdf.Object, place: Matrix) -> float:
        x0, y0, x1, y1 = (float(v) for v in xobject.get("/BBox", (0, 0, 0, 0)))
        a, b, c, d = place[:4]
        return abs((x1 - x0) * (y1 - y0) * (a * d - b * c))


def _read_font(obj: pikepdf.Object) -> Font:
    to_unicode = _parse_to_unicode(obj.get("/ToUnicode"))
    two_bytes = obj.get("/Subtype") == "/Type0"
    owner = obj.DescendantFonts[0] if two_bytes else obj
    descriptor = owner.get("/FontDescriptor")
    identity = str(owner.get("/CIDToGIDMap", "/Identity")) == "/Identity"
    measured = _digit_extents(descriptor, to_unicode) if two_bytes and identity and descriptor is not None else None
    glyphs, x_height, cap_height = measured or (None, 0.0, 0.0)
    return Font(to_unicode, two_bytes, glyphs, x_height, cap_height)


def _digit_extents(
    descriptor: pikepdf.Object, to_unicode: dict[int, str]
) -> tuple[dict[int, tuple[float, float]], float, float] | None:
    """The vertical extent of each digit glyph of an embedded TrueType or OpenType font (code =
    glyph id), with the font's x-height and cap height, all in thousandths of an em."""
    stream = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
    if stream is None or (descriptor.get("/FontFile3") is not None and stream.get("/Subtype") != "/OpenType"):
        return None  # a bare CFF: not measured
    try:
        font = TTFont(io.BytesIO(stream.read_bytes()), lazy=True)
        scale = 1000 / font["head"].unitsPerEm
        metrics = font["OS/2"]
        x_height, cap_height = metrics.sxHeight * scale, metrics.sCapHeight * scale
        glyph_set = font.getGlyphSet()
        order = font.getGlyphOrder()
        extents = {}
        for code, text in to_unicode.items():
            if text.isdigit() and code < len(order):
                pen = BoundsPen(glyph_set)
                glyph_set[order[code]].draw(pen)
                if pen.bounds is not None:
                    extents[code] = (pen.bounds[1] * scale, pen.bounds[3] * scale)
    except Exception:  # a font fontTools cannot read (or without OS/2 heights) is not measured
        return None
    if not 0 < x_height < cap_height:
        return None
    return extents, x_height, cap_height


_HEX = re.compile(r"<([0-9A-Fa-f]+)>")


def _parse_to_unicode(stream: pikepdf.Object | None) -> dict[int, str]:
    if stream is None:
        return {}
    text = stream.read_bytes().decode("latin-1")
    mapping: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        pairs = _HEX.findall(block)
        for source, target in zip(pairs[0::2], pairs[1::2], strict=False):
            mapping[int(source, 16)] = _utf16(target)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for line in block.strip().splitlines():
            values = _HEX.findall(line)
            if len(values) < 3:
                continue
            start, end = int(values[0], 16), int(values[1], 16)
            if "[" in line:
                for offset, target in enumerate(values[2:]):
                    mapping[start + offset] = _utf16(target)
            else:
                base = _utf16(values[2])
                for offset in range(end - start + 1):
                    mapping[start + offset] = base[:-1] + chr(ord(base[-1]) + offset) if base else ""
    return mapping


def _utf16(hex_text: str) -> str:
    try:
        return bytes.fromhex(hex_text).decode("utf-16-be")
    except ValueError:
        return "\ufffd"


@dataclass
class Line:
    page: int
    y: float
    size: float
    runs: list[TextRun]

    @property
    def text(self) -> str:
        return "".join(run.text for run in sorted(self.runs, key=lambda r: r.x))


def _lines(runs: list[TextRun]) -> list[Line]:
    """Runs on one baseline (and of one size, within 5 %) make a line; top of the page first."""
    lines: list[Line] = []
    for run in sorted(runs, key=lambda r: (-r.y, r.x)):
        for line in lines:
            if abs(line.y - run.y) < 0.5 and abs(line.size - run.size) <= 0.05 * line.size:
                line.runs.append(run)
                break
        else:
            lines.append(Line(run.page, run.y, run.size, [run]))
    return sorted(lines, key=lambda line: -line.y)


def check_pdf(path: Path) -> list[str]:
    """Every violation of this module's rules in the PDF at ``path``, one string each."""
    try:
        pdf = pikepdf.open(path)
    except Exception:  # not a PDF (a test's stand-in): not an output
        return []
    with pdf:
        reader = _Reader()
        pages: list[list[TextRun]] = []
        for number, page in enumerate(pdf.pages, start=1):
            box = [float(v) for v in page.mediabox]
            reader.page_area = abs((box[2] - box[0]) * (box[3] - box[1])) or 1.0
            try:
                pages.append(list(reader.runs(number, page.obj, page.obj.get("/Resources"), IDENTITY)))
            except (pikepdf.PdfError, KeyError, ValueError, IndexError):
                pages.append([])
    sizes: Counter[float] = Counter()
    for runs in pages:
        for run in runs:
            sizes[round(run.size, 1)] += len(run.codes)
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    found: list[str] = []
    for number, runs in enumerate(pages, start=1):
        for panel in dict.fromkeys(run.panel for run in runs):
            lines = _lines([run for run in runs if run.panel == panel and run.text.strip()])
            found += _display_violations(number, lines, body)
            found += _contents_violations(number, lines)
            found += _folio_violations(number, lines)
    return found


def _display_violations(page: int, lines: list[Line], body: float) -> list[str]:
    display = [line for line in lines if body and line.size >= DISPLAY_RATIO * body]
    blocks: list[list[Line]] = []
    for line in display:
        if blocks and _same_block(blocks[-1][-1], line):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    found = []
    for block in blocks:
        last = block[-1].text.strip()
        if len(block) >= 2 and sum(char.isalpha() for char in last) <= LONE_WORD:
            title = " ".join(line.text.strip() for line in block)
            found.append(
                f"page {page}: display text ends on a line of {LONE_WORD} letters or fewer {last!r} ({title[:60]!r})"
            )
    return found


def _same_block(previous: Line, line: Line) -> bool:
    return abs(previous.size - line.size) <= 0.05 * previous.size and previous.y - line.y <= 1.7 * previous.size


def _contents_violations(page: int, lines: list[Line]) -> list[str]:
    entries = [line for line in lines if LEADER.search(line.text)]
    if len(entries) < 3:
        return []
    return [
        f"page {page}: contents line ends with a hyphen: {line.text.strip()[-40:]!r}"
        for line in lines
        if line.text.rstrip().endswith(HYPHENS)
    ]


def _folio_violations(page: int, lines: list[Line]) -> list[str]:
    if not lines:
        return []
    folio = lines[-1]
    if not FOLIO.match(folio.text):
        return []
    found = []
    for run in folio.runs:
        for code in run.codes:
            if not run.font.lining(code):
                found.append(
                    f"page {page}: folio {folio.text.strip()!r} has an old-style figure {run.font.to_unicode[code]!r}"
                )
                break
    return found
