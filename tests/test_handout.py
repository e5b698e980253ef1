"""The handout: office paper, n / N folios, URLs printed, chosen chapters only."""

from __future__ import annotations

import re

from pypdf import PdfReader

from tests.builds import FIXTURES, MANUSCRIPT, built, page_texts, squash


def test_handout_is_a4_with_n_of_n_folios_and_no_cover():
    build = built(FIXTURES / "two-authors")
    path = build.output("handout")
    reader = PdfReader(path)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    texts = page_texts(path)
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        assert re.search(rf"\bpage\s+{number}\s*/\s*{total}\b", text), f"page {number} lacks 'page {number} / {total}'"
    first = squash(texts[0])
    assert "Carnet d'essai" in first[:80]
    assert "Ouverture" in first  # the text starts on page 1: no cover, no title page
    assert not reader.pages[0].get("/Resources", {}).get("/XObject")


def test_external_links_are_printed_as_notes():
    texts = page_texts(built(FIXTURES / "two-authors").output("handout"))
    assert "https://example.org/docs" in squash("\n".join(texts))


def test_selected_chapters_only_and_links_to_the_others_are_plain_text():
    build = built(FIXTURES / "two-authors", ("handout",), "1")
    assert build.report.warnings == ()
    text = squash("\n".join(page_texts(build.output("handout"))))
    assert "Mesures : un tableau" in text
    assert "Première note de l'ouverture" not in text
    reader = PdfReader(build.output("handout"))
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            assert "/Dest" not in annotation or annotation["/Dest"], "dead internal link"


def test_grey_scale_rendering_keeps_text_dark(tmp_path):
    """Rendered in grey like an office printer, the text ink is near black, not a pale colour."""
    import subprocess

    from PIL import Image

    path = built(FIXTURES / "two-authors").output("handout")
    subprocess.run(["pdftoppm", "-r", "100", "-gray", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "p")],
                   check=True)
    image = Image.open(next(tmp_path.glob("p*.png")))
    histogram = image.histogram()
    ink = sum(histogram[:200])
    dark = sum(histogram[:90])
    assert ink > 0 and dark / ink > 0.5  # most inked pixels are dark (text), few pale grey ones


def test_default_manuscript_handout_builds_cleanly():
    build = built(MANUSCRIPT)
    assert build.report.warnings == ()
    assert len(page_texts(build.output("handout"))) >= 5
