"""The print-shop PDF: trim and bleed boxes, crop marks, recto openings, facing running heads."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ElementTree

import pytest
from pypdf import PdfReader

from publish.build.pipeline import BuildOptions, build
from tests.builds import FIXTURES, MANUSCRIPT, built, page_texts, squash

MM = 72 / 25.4
A5 = (148 * MM, 210 * MM)


@pytest.fixture(scope="module", params=[FIXTURES / "two-authors", MANUSCRIPT], ids=["two-authors", "manuscript"])
def printed(request):
    build_ = built(request.param, ("pdf", "print"))
    path = build_.output("print")
    return {"build": build_, "path": path, "reader": PdfReader(path), "pages": page_texts(path)}


def _box(page, name):
    box = page[name]
    return [float(v) for v in box]


@pytest.mark.slow
def test_trim_is_the_book_size_and_bleed_three_millimetres_around_it(printed):
    for page in printed["reader"].pages:
        left, bottom, right, top = _box(page, "/TrimBox")
        assert right - left == pytest.approx(A5[0], abs=0.1) and top - bottom == pytest.approx(A5[1], abs=0.1)
        bleed = _box(page, "/BleedBox")
        assert [bleed[0], bleed[1]] == pytest.approx([left - 3 * MM, bottom - 3 * MM], abs=0.1)
        assert [bleed[2], bleed[3]] == pytest.approx([right + 3 * MM, top + 3 * MM], abs=0.1)
        media = _box(page, "/MediaBox")
        assert media[0] <= bleed[0] and media[1] <= bleed[1] and media[2] >= bleed[2] and media[3] >= bleed[3]


def _chapter_pages(reader) -> list[int]:
    """Pages where the table of contents and each chapter open (top-level bookmarks)."""
    top = [item for item in reader.outline if not isinstance(item, list)]
    return [reader.get_destination_page_number(item) + 1 for item in top]


@pytest.mark.slow
def test_there_is_no_cover_and_every_chapter_opens_on_a_recto(printed):
    reader = printed["reader"]
    assert not reader.pages[0].images, "no cover image on page 1"
    openings = _chapter_pages(reader)
    assert len(openings) >= 2
    assert all(number % 2 == 1 for number in openings), f"chapters open on pages {openings}"


@pytest.mark.slow
def test_blank_pages_are_only_the_versos_before_an_opening(printed):
    texts = printed["pages"]
    openings = set(_chapter_pages(printed["reader"]))
    for number, text in enumerate(texts, start=1):
        if not text.strip():
            assert number % 2 == 0 and number + 1 in openings, f"page {number} is blank"


@pytest.mark.slow
def test_running_heads_alternate_book_title_on_verso_chapter_on_recto():
    """On the default manuscript (the fixture's chapters are one page each: no running pages)."""
    build_ = built(MANUSCRIPT, ("pdf", "print"))
    reader, texts = PdfReader(build_.output("print")), page_texts(build_.output("print"))
    book_title = squash(PdfReader(build_.output("pdf")).metadata.title.split("\u00a0:")[0])
    openings = _chapter_pages(reader)  # [table of contents, chapter 1, chapter 2...]
    checked = {"verso": 0, "recto": 0}
    for number, text in enumerate(texts, start=1):
        if number <= openings[1] or number in openings or not text.strip():
            continue
        head = squash(next(line for line in text.splitlines() if line.strip()))
        if number % 2 == 0:
            assert head == book_title, f"verso {number}: {head!r}"
            checked["verso"] += 1
        else:
            assert head != book_title and not head.isdigit(), f"recto {number}: {head!r}"
            checked["recto"] += 1
    assert checked["verso"] >= 5 and checked["recto"] >= 5


@pytest.mark.slow
def test_folios_sit_on_the_outer_corners(printed):
    """On every page with a folio, it is left of centre on a verso and right of centre on a recto."""
    path, reader = printed["path"], printed["reader"]
    seen = 0
    for number in range(1, len(reader.pages) + 1):
        html = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), "-bbox", str(path), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        tree = ElementTree.fromstring(html.replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
        height = float(next(tree.iter("page")).get("height"))
        low = [w for w in tree.iter("word") if float(w.get("yMin")) > height * 0.8 and w.text == str(number)]
        if not low:
            continue
        x = float(low[-1].get("xMin"))
        width = float(next(tree.iter("page")).get("width"))
        assert (x < width / 2) == (number % 2 == 0), f"page {number}: folio at x={x:.0f} of {width:.0f}"
        seen += 1
    assert seen >= 2


@pytest.mark.slow
def test_configured_bleed_and_print_flag_in_book_toml(make_book, tmp_path):
    folder = make_book(None, extra_toml='[pdf]\nprint = true\nbleed = "5mm"\n')
    report = build(folder, tmp_path, BuildOptions())
    assert "print" in [o.format for o in report.outputs]
    page = PdfReader(next(o.path for o in report.outputs if o.format == "print")).pages[0]
    trim, bleed = _box(page, "/TrimBox"), _box(page, "/BleedBox")
    assert trim[0] - bleed[0] == pytest.approx(5 * MM, abs=0.1)
    media = _box(page, "/MediaBox")
    assert trim[0] - media[0] > 5 * MM, "crop marks sit outside the bleed"
    assert report.warnings == ()


@pytest.mark.slow
def test_screen_pdf_is_unchanged_by_the_print_pdf():
    reader = PdfReader(built(FIXTURES / "two-authors", ("pdf", "print")).output("pdf"))
    page = reader.pages[0]
    assert _box(page, "/MediaBox") == pytest.approx(_box(page, "/TrimBox"), abs=0.01)


@pytest.mark.slow
def test_command_line_flags_add_the_print_pdf_and_the_booklet(tmp_path):
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "publish",
            "build",
            str(FIXTURES / "two-authors"),
            "--out",
            str(tmp_path),
            "--format",
            "epub",
            "--print-ready",
            "--booklet",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "carnet-d-essai-booklet.pdf",
        "carnet-d-essai-print.pdf",
        "carnet-d-essai.epub",
    ]
    assert "booklet.pdf" in result.stdout and "print.pdf" in result.stdout


@pytest.mark.slow
def test_a_low_resolution_photo_is_named_in_a_warning(make_book, tmp_path):
    import io

    from PIL import Image

    small, large = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (200, 150), "#336699").save(small, "PNG")  # ~45 dpi across the text block
    Image.new("RGB", (2000, 1500), "#336699").save(large, "PNG")  # ~450 dpi
    folder = make_book(
        {"01-photos.md": "# Photos\n\n![Petite](../images/petite.png)\n\n![Grande](../images/grande.png)\n"},
        files={"images/petite.png": small.getvalue(), "images/grande.png": large.getvalue()},
    )
    report = build(folder, tmp_path, BuildOptions(formats=("pdf", "print")))
    assert len(report.warnings) == 1, report.warnings
    assert "images/petite.png (in 01-photos.md)" in str(report.warnings[0]) and "dpi" in str(report.warnings[0])


@pytest.mark.slow
def test_strict_refuses_to_keep_a_print_pdf_that_warned(make_book, tmp_path):
    import io

    from PIL import Image

    from publish.errors import PublishError

    small = io.BytesIO()
    Image.new("RGB", (200, 150), "#336699").save(small, "PNG")
    folder = make_book(
        {"01-photos.md": "# Photos\n\n![Petite](../images/petite.png)\n"}, files={"images/petite.png": small.getvalue()}
    )
    out = tmp_path / "out"
    with pytest.raises(PublishError) as caught:
        build(folder, out, BuildOptions(formats=("pdf", "print"), strict=True))
    assert "carnet-de-test-print.pdf not written: --strict" in str(caught.value) and "dpi" in str(caught.value)
    assert sorted(p.name for p in out.iterdir()) == ["carnet-de-test.pdf"]  # the book PDF had no warning
