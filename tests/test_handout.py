"""The handout: office paper, n / N folios, URLs printed, chosen chapters only."""

from __future__ import annotations

import itertools
import re
import subprocess

import pytest
from pypdf import PdfReader

from publish.build.pipeline import BuildOptions, build
from tests.builds import FIXTURES, MANUSCRIPT, built, page_texts, squash


@pytest.mark.slow
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


@pytest.mark.slow
def test_external_links_are_printed_as_notes():
    texts = page_texts(built(FIXTURES / "two-authors").output("handout"))
    assert "https://example.org/docs" in squash("\n".join(texts))


@pytest.mark.slow
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


@pytest.mark.slow
def test_grey_scale_rendering_keeps_text_dark(tmp_path):
    """Rendered in grey like an office printer, the text ink is near black, not a pale colour."""
    import subprocess

    from PIL import Image

    path = built(FIXTURES / "two-authors").output("handout")
    subprocess.run(
        ["pdftoppm", "-r", "100", "-gray", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "p")], check=True
    )
    image = Image.open(next(tmp_path.glob("p*.png")))
    histogram = image.histogram()
    ink = sum(histogram[:200])
    dark = sum(histogram[:90])
    assert ink > 0 and dark / ink > 0.5  # most inked pixels are dark (text), few pale grey ones


@pytest.mark.slow
def test_grey_scale_rendering_keeps_table_rules_visible(tmp_path):
    """Every horizontal rule (table rules, the title block's rule) prints at 3:1 contrast or more."""
    from PIL import Image

    path = built(FIXTURES / "two-authors", ("handout",), "1").output("handout")  # the chapter with the table
    # 300 dpi, as an office printer: thin rules are not washed out by screen anti-aliasing
    subprocess.run(
        ["pdftoppm", "-r", "300", "-gray", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "t")], check=True
    )
    image = Image.open(next(tmp_path.glob("t*.png"))).convert("L")
    pixels = image.load()
    rows: dict[int, int] = {}  # y -> darkest pixel of a rule crossing that row
    for y in range(image.height):
        run = 0
        for x in range(image.width):
            run = run + 1 if pixels[x, y] < 245 else 0
            if run >= 450:  # 38 mm of unbroken ink at 300 dpi: a rule, not a line of words
                rows[y] = min(pixels[i, y] for i in range(x - 449, x + 1))
                break
    rules: list[int] = []  # adjacent rows are one rule (its anti-aliased edges are paler)
    for y in sorted(rows):
        if y - 1 in rows:
            rules[-1] = min(rules[-1], rows[y])
        else:
            rules.append(rows[y])
    assert len(rules) >= 4, "title rule and table rules"
    # luminance 153 against white paper is a 3:1 contrast ratio (WCAG's non-text minimum)
    assert max(rules) <= 153, f"a rule prints too pale: grey level {max(rules)}"


@pytest.mark.slow
def test_default_manuscript_handout_builds_cleanly():
    build = built(MANUSCRIPT)
    assert build.report.warnings == ()
    assert len(page_texts(build.output("handout"))) >= 5


def _uri_annotations(page) -> list[str]:
    uris = []
    for annotation in page.get("/Annots", []) or []:
        action = annotation.get_object().get("/A")
        if action is not None and action.get_object().get("/URI"):
            uris.append(str(action.get_object()["/URI"]))
    return uris


@pytest.mark.slow
@pytest.mark.parametrize("folder", [FIXTURES / "two-authors", MANUSCRIPT], ids=["two-authors", "manuscript"])
def test_every_external_link_has_its_url_printed_on_the_same_page(folder):
    path = built(folder).output("handout")
    reader, texts = PdfReader(path), page_texts(path)
    checked = 0
    for number, (page, text) in enumerate(zip(reader.pages, texts), start=1):
        flat = re.sub(r"\s+", "", text).replace("‐", "")  # URLs may wrap anywhere in the note
        for uri in _uri_annotations(page):
            assert uri in flat, f"page {number}: {uri} is linked but its URL is not printed there"
            checked += 1
    assert checked >= 1


def _qr_matrix(image) -> list[list[int]]:
    grey = image.convert("L")
    return [[1 if grey.getpixel((x, y)) < 128 else 0 for x in range(grey.width)] for y in range(grey.height)]


@pytest.mark.slow
def test_qr_codes_encode_the_urls_printed_beside_them(tmp_path):
    import segno

    report = build(FIXTURES / "two-authors", tmp_path, BuildOptions(formats=("handout",), qr=True))
    path = report.outputs[0].path
    reader, texts = PdfReader(path), page_texts(path)
    found = 0
    for page, _text in zip(reader.pages, texts):
        uris = _uri_annotations(page)
        expected = sorted(
            [[int(bool(module)) for module in row] for row in segno.make(uri, error="m", micro=False).matrix]
            for uri in uris
        )
        codes = sorted(_qr_matrix(image.image) for image in page.images)
        assert codes == expected
        found += len(codes)
    assert found >= 1
    assert report.warnings == ()


@pytest.mark.slow
def test_notes_margin_widens_the_outer_margin_and_rules_it(tmp_path):
    from PIL import Image

    plain = built(FIXTURES / "two-authors").output("handout")
    report = build(FIXTURES / "two-authors", tmp_path, BuildOptions(formats=("handout",), notes_margin=True))
    noted = report.outputs[0].path

    def right_edge(path) -> float:
        html = subprocess.run(
            ["pdftotext", "-f", "1", "-l", "1", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
        return max(float(x) for x in re.findall(r'xMax="([\d.]+)"', html))

    assert right_edge(noted) < right_edge(plain) - 100  # at least 35 mm more room on the right
    subprocess.run(
        ["pdftoppm", "-r", "100", "-gray", "-f", "1", "-l", "1", "-png", str(noted), str(tmp_path / "n")], check=True
    )
    image = Image.open(next(tmp_path.glob("n*.png"))).convert("L")
    column = [
        image.getpixel((int(image.width * 0.85), y)) for y in range(int(image.height * 0.2), int(image.height * 0.8))
    ]
    lines = sum(1 for a, b in itertools.pairwise(column) if a > 200 >= b)  # white -> grey transitions
    assert lines >= 15, f"{lines} ruled lines in the notes margin"
    assert min(column) > 60, "the rules are light grey, not black"
    assert report.warnings == ()


@pytest.mark.slow
def test_links_to_chapters_left_out_say_where_to_look():
    numbered = squash(
        "\n".join(page_texts(built(FIXTURES / "two-authors", ("handout",), "ouverture").output("handout")))
    )
    assert "la section sur les mesures (chapitre 1)" in numbered
    unnumbered = squash("\n".join(page_texts(built(FIXTURES / "two-authors", ("handout",), "1").output("handout"))))
    assert "l'ouverture (« Ouverture »)" in unnumbered


@pytest.mark.slow
@pytest.mark.parametrize("folder", [FIXTURES / "two-authors", MANUSCRIPT], ids=["two-authors", "manuscript"])
def test_note_numbers_run_on_across_the_handouts_chapters(folder):
    from tests.rules.notes import note_numbers

    numbers = note_numbers(built(folder).output("handout"))
    chapters = {name.split("--")[0] for name in numbers}
    assert len(chapters) >= 2  # notes in several chapters, which follow one another on a page
    printed = [number for _, number in sorted(numbers.values(), key=lambda item: (item[0], int(item[1] or 0)))]
    assert printed == [str(n) for n in range(1, len(printed) + 1)]


_CODE_AND_URLS = """# Outils

Le script suivant[^1] lit un fichier, voir [la documentation](https://exemple.org/docs/lire?page=2).

```python
# lire un fichier
def lire(chemin: str) -> str:
    with open(chemin, encoding="utf-8") as fichier:
        return fichier.read()  # 42 caractères au plus
```

[^1]: Publié sur [le dépôt](https://exemple.org/depot/outils) du projet.
"""


@pytest.mark.slow
def test_code_is_printed_in_greys_and_urls_as_typed(make_book, tmp_path):
    from PIL import Image

    folder = make_book({"01-outils.md": _CODE_AND_URLS})
    report = build(folder, tmp_path / "out", BuildOptions(formats=("handout",)))
    path = report.outputs[0].path
    text = "".join(page_texts(path))
    flat = re.sub(r"\s+", "", text)
    assert "https://exemple.org/depot/outils" in flat  # in the note, inline: no French space before ':'
    assert "https://exemple.org/docs/lire?page=2" in flat  # printed as a URL note
    assert "https:" not in text.replace("https://", "")  # no "https: //" nor a ligature copied as ":-/"
    subprocess.run(["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "c")], check=True)
    image = Image.open(next(tmp_path.glob("c*.png"))).convert("RGB")
    coloured = sum(1 for r, g, b in image.getdata() if max(r, g, b) - min(r, g, b) > 12)
    assert coloured == 0, f"{coloured} coloured pixels on a page meant for a grey-scale printer"


def test_a_short_last_page_is_pulled_back_by_a_tighter_leading():
    import weasyprint

    from publish.writers.paged.settle import settle

    css = "@page { size: A6; margin: 10mm; } :root { --leading: 1.42; } html { font: 9pt serif; line-height: var(--leading); } body, p { margin: 0; }"

    def lines_on_last_page(document) -> int:
        return len(document.pages[-1].anchors)  # one anchor per one-line paragraph

    def html(paragraphs: int) -> str:
        return "".join(f'<p id="p{n}">Ligne de texte {n}.</p>' for n in range(paragraphs))

    def render_for(paragraphs: int):
        return lambda extra: weasyprint.HTML(string=html(paragraphs)).render(
            stylesheets=[weasyprint.CSS(string=css), *(weasyprint.CSS(string=text) for text in extra)]
        )

    page = len(render_for(1000)([]).pages[0].anchors)  # one-line paragraphs a page holds
    natural = render_for(5 * page + 3)
    assert lines_on_last_page(natural([])) == 3 and len(natural([]).pages) == 6
    pulled, _ = settle(natural, last_page_lines=6)
    assert len(pulled.pages) == 5  # the 3 lines went back onto the pages before
    kept, _ = settle(render_for(5 * page + 12), last_page_lines=6)  # 12 lines: not short, left alone
    assert len(kept.pages) == 6 and lines_on_last_page(kept) == 12
