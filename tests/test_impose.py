"""Booklet imposition: saddle-stitch order, sheet size, each half read back against its source page."""

from __future__ import annotations

import subprocess

import pytest
from pypdf import PdfReader

from publish.build.pipeline import BuildOptions, build
from publish.errors import PublishError
from publish.writers.impose import booklet_order, impose_booklet
from tests.builds import FIXTURES, MANUSCRIPT, built, squash

A4_LANDSCAPE = (841.89, 595.28)


def test_order_for_eight_pages_is_the_printers_order():
    # sheet 1 front 8|1, back 2|7; sheet 2 front 6|3, back 4|5
    assert booklet_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]


@pytest.mark.parametrize("pages", [1, 2, 3, 4, 5, 7, 12, 38, 41])
def test_every_page_appears_once_and_blanks_pad_to_a_multiple_of_four(pages):
    order = booklet_order(pages)
    numbers = [n for side in order for n in side]
    assert len(numbers) % 4 == 0 and len(numbers) - pages < 4
    assert sorted(n for n in numbers if n) == list(range(1, pages + 1))
    assert numbers.count(0) == len(numbers) - pages
    # facing halves of one side always add up to the padded count + 1 (the fold pairs them)
    assert all(left + right == len(numbers) + 1 for left, right in order if left and right)


def _half_text(path, page: int, half: int, width: float, height: float) -> str:
    """Text inside the left (0) or right (1) half of a sheet (pdftotext crops in points at 72 dpi)."""
    x = int(half * width / 2)
    return subprocess.run(
        [
            "pdftotext",
            "-f",
            str(page),
            "-l",
            str(page),
            "-x",
            str(x),
            "-y",
            "0",
            "-W",
            str(int(width / 2)),
            "-H",
            str(int(height)),
            str(path),
            "-",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _page_text(path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.slow
@pytest.mark.parametrize("folder", [FIXTURES / "two-authors", MANUSCRIPT], ids=["two-authors", "manuscript"])
def test_booklet_sheets_hold_the_right_pages_as_text(folder):
    build_ = built(folder, ("print", "booklet"))
    source, booklet = build_.output("print"), build_.output("booklet")  # the print interior, imposed
    pages = len(PdfReader(source).pages)
    reader = PdfReader(booklet)
    order = booklet_order(pages)
    assert len(reader.pages) == len(order) == 2 * (-(-pages // 4))
    for index, (left, right) in enumerate(order, start=1):
        box = reader.pages[index - 1].mediabox
        width, height = float(box.width), float(box.height)
        assert (round(width, 1), round(height, 1)) == (round(A4_LANDSCAPE[0], 1), round(A4_LANDSCAPE[1], 1))
        for half, number in ((0, left), (1, right)):
            text = squash(_half_text(booklet, index, half, width, height))
            expected = squash(_page_text(source, number)) if number else ""
            assert text == expected, f"sheet side {index}, half {half}: expected page {number}"


@pytest.mark.slow
def test_booklet_keeps_fonts_embedded_and_drops_dead_links():
    booklet = built(FIXTURES / "two-authors", ("pdf", "booklet")).output("booklet")
    fonts = subprocess.run(["pdffonts", str(booklet)], check=True, capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes yes " in row for row in rows)
    reader = PdfReader(booklet)
    assert all("/Annots" not in page for page in reader.pages)
    assert "/Outlines" not in reader.trailer["/Root"]


@pytest.mark.slow
def test_booklet_alone_lays_the_book_out_itself(tmp_path):
    report = build(FIXTURES / "two-authors", tmp_path, BuildOptions(formats=("booklet",)))
    assert [o.format for o in report.outputs] == ["booklet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["carnet-d-essai-booklet.pdf"]


@pytest.mark.slow
def test_booklet_of_a_page_size_without_a_sheet_is_a_clear_error(tmp_path):
    source = built(FIXTURES / "two-authors", ("pdf",)).output("pdf")
    with pytest.raises(PublishError, match="no booklet sheet for B5"):
        impose_booklet(source, tmp_path / "x.pdf", "B5")


@pytest.mark.slow
def test_half_letter_book_makes_a_letter_booklet(make_book, tmp_path):
    folder = make_book(None, extra_toml='[pdf]\npage_size = "Half-Letter"\nbooklet = true\n')
    report = build(folder, tmp_path, BuildOptions())
    booklet = next(o.path for o in report.outputs if o.format == "booklet")
    box = PdfReader(booklet).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (792, 612)


@pytest.mark.slow
def test_booklet_imposes_the_trimmed_print_interior_without_a_cover():
    build_ = built(MANUSCRIPT, ("print", "booklet"))
    interior, booklet = PdfReader(build_.output("print")), PdfReader(build_.output("booklet"))
    trim = interior.pages[0].trimbox
    assert float(interior.pages[0].mediabox.width) > float(trim.width)  # bleed and crop marks around the trim
    for side in booklet.pages:
        for form in side["/Resources"]["/XObject"].values():
            left, bottom, right, top = (float(v) for v in form.get_object()["/BBox"])
            assert (round(right - left, 1), round(top - bottom, 1)) == (
                round(float(trim.width), 1),
                round(float(trim.height), 1),
            )
    first = squash(_half_text(build_.output("booklet"), 1, 1, *A4_LANDSCAPE))
    assert "L'Europe à poids ouverts" in first  # page 1 is the title page: no full-bleed cover on text paper
    pages = len(interior.pages)
    assert len(booklet.pages) * 2 == -(-pages // 4) * 4
    # the blanks close the booklet: the last page of the interior faces the blanks, never the other way round
    assert squash(_half_text(build_.output("booklet"), 1, 0, *A4_LANDSCAPE)) == (
        "" if pages % 4 else squash(_page_text(build_.output("print"), pages))
    )
