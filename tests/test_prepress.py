"""The print-ready PDF for prepress: text in pure black as DeviceGray, no neutral colour left in
RGB, the real bleed box, a header as recent as what the file holds, the booklet likewise, and an
output intent with --pdf-variant pdf/x-4."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pikepdf
import pytest

from publish.build.pipeline import BuildOptions, build

BOOK_TOML = '[book]\ntitle = "Le métier d’imprimeur"\nauthors = ["Jeanne Roux"]\nlang = "fr"\ndate = 2026-01-15\n'
CHAPTERS = {
    "01-encres.md": (
        "# Les encres\n\nUn texte noir, en **gras** et en *italique*, avec une note[^1].\n\n"
        "## Le noir\n\nLe noir d’un livre est une seule encre.\n\n"
        "> Une citation, en retrait.\n\n[^1]: Une note de bas de page.\n"
    ),
    "02-papier.md": "# Le papier\n\nUn second chapitre, pour les titres courants et les folios.\n",
}
MM = 72 / 25.4


def _manuscript(where: Path) -> Path:
    folder = where / "livre"
    (folder / "chapters").mkdir(parents=True)
    (folder / "book.toml").write_text(BOOK_TOML, encoding="utf-8")
    for name, text in CHAPTERS.items():
        (folder / "chapters" / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("prepress")
    report = build(_manuscript(root), root / "out", BuildOptions(formats=("print", "booklet")))
    return {o.format: o.path for o in report.outputs}


def _pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def _text_fills(pdf: pikepdf.Pdf) -> Counter[tuple[str, tuple[float, ...]]]:
    """The fill colour in force at each text-showing operator of the pages, q/Q respected."""
    fills: Counter[tuple[str, tuple[float, ...]]] = Counter()
    for page in pdf.pages:
        stack, fill = [], ("g", (0.0,))  # the initial fill colour is DeviceGray black
        for instruction in pikepdf.parse_content_stream(page):
            operator = str(instruction.operator)
            if operator == "q":
                stack.append(fill)
            elif operator == "Q" and stack:
                fill = stack.pop()
            elif operator in ("g", "rg", "k"):
                fill = (operator, tuple(round(float(v), 3) for v in instruction.operands))
            elif operator in ("Tj", "TJ", "'", '"'):
                fills[fill] += 1
    return fills


def _colour_operators(pdf: pikepdf.Pdf) -> Counter[str]:
    found: Counter[str] = Counter()
    for page in pdf.pages:
        for instruction in pikepdf.parse_content_stream(page, "rg RG g G k K"):
            operands = [float(v) for v in instruction.operands]
            neutral = len(operands) == 3 and operands[0] == operands[1] == operands[2]
            found[str(instruction.operator) + (" neutral" if neutral else "")] += 1
    return found


@pytest.mark.slow
def test_text_is_pure_black_in_device_gray(printed):
    with pikepdf.open(printed["print"]) as pdf:
        fills = _text_fills(pdf)
    assert fills, "no text found"
    assert {kind for kind, _ in fills} == {"g"}, fills  # no text in RGB
    black = fills[("g", (0.0,))]
    assert black >= 0.9 * sum(fills.values()), fills  # greys only for ornaments (contents numbers)


@pytest.mark.slow
def test_no_neutral_colour_is_left_in_rgb(printed):
    with pikepdf.open(printed["print"]) as pdf:
        found = _colour_operators(pdf)
    assert found["g"], found
    assert not found["rg neutral"] and not found["RG neutral"], found


@pytest.mark.slow
def test_the_bleed_box_is_the_trim_grown_by_the_bleed(printed):
    with pikepdf.open(printed["print"]) as pdf:
        for page in pdf.pages:
            trim = [float(v) for v in page.trimbox]
            bleed = [float(v) for v in page.bleedbox]
            grown = [trim[0] - 3 * MM, trim[1] - 3 * MM, trim[2] + 3 * MM, trim[3] + 3 * MM]
            assert bleed == pytest.approx(grown, abs=0.01)
            assert [float(v) for v in page.mediabox] != trim  # room for the crop marks


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["print", "booklet"])
def test_the_header_says_what_the_file_holds(printed, kind):
    """Tagged (1.4), OpenType CFF fonts (1.6): pypdf's writer used to say 1.3."""
    info = _pdfinfo(printed[kind])
    assert tuple(int(x) for x in info["PDF version"].split(".")) >= (1, 6), info
    assert info["Optimized"] == "yes"
    with pikepdf.open(printed[kind]) as pdf:
        assert any(
            o.get("/FontFile3") is not None and o.FontFile3.get("/Subtype") == pikepdf.Name.OpenType
            for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary)
        )


@pytest.mark.slow
def test_pdf_x4_has_an_output_intent_and_stays_reproducible(tmp_path):
    folder = _manuscript(tmp_path / "un")
    options = BuildOptions(formats=("print",), pdf_variant="pdf/x-4")
    first = build(folder, tmp_path / "un" / "out", options).outputs[0].path
    shutil.copytree(folder, tmp_path / "deux" / "livre")
    second = build(tmp_path / "deux" / "livre", tmp_path / "deux" / "out", options).outputs[0].path
    with pikepdf.open(first) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFX
        assert int(intent.DestOutputProfile.N) == 3
        assert b"pdfxid:GTS_PDFXVersion>PDF/X-4" in pdf.Root.Metadata.read_bytes()
        assert pdf.pdf_version >= "1.6"
    assert first.read_bytes() == second.read_bytes()
