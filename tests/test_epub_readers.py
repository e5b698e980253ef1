"""The EPUB on real readers: what Apple Books, Kobo and Kindle show, read back from the EPUB itself."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from lxml import etree
from lxml import html as lxml_html

from publish.build.pipeline import BuildOptions, build
from publish.errors import PublishError
from publish.load.config import load_config
from publish.model import PageStart
from publish.theme.loading import load_theme
from publish.writers.epub.pagemarks import insert_markers
from tests.builds import MANUSCRIPT, built, epubcheck_messages
from tests.rules.epub import Face, _face, _font_faces, check_epub, computed_styles

XHTML = "{http://www.w3.org/1999/xhtml}"
OPS = "{http://www.idpf.org/2007/ops}"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30"/></svg>'
# What French typography puts in every text face, whatever the text holds.
TYPOGRAPHY = "\u00a0\u202f«»’"

CODE = """\
# Un chapitre

## Une section avec *emphase*

Un paragraphe « entre guillemets » avec **du gras**.

::: note
Une remarque à lire de nuit.
:::

![Une figure et sa légende](../images/a.svg)

| Colonne | Valeur |
|---------|-------:|
| un      | 1      |
| deux    | 2      |

```python
import os
def lire(chemin):
    return os.path.exists(chemin)
```
"""
PLAIN = "# Un chapitre\n\nDu texte, sans code ni gras, rien que du romain.\n"
TEXT_CODE = "# Un chapitre\n\nDu texte.\n\n```text\nune ligne de code\n```\n"


def _documents(archive: zipfile.ZipFile) -> dict[str, etree._Element]:
    return {n: etree.fromstring(archive.read(n)) for n in archive.namelist() if n.endswith(".xhtml")}


def _css(archive: zipfile.ZipFile) -> str:
    return archive.read("EPUB/styles/book.css").decode("utf-8")


def _fonts(archive: zipfile.ZipFile) -> set[str]:
    return {n.rpartition("/")[2] for n in archive.namelist() if n.startswith("EPUB/fonts/")}


def _epub(make_book, chapter: str, tmp_path: Path, name: str, formats: tuple[str, ...] = ("epub",)) -> Path:
    folder = make_book({"01-chapitre.md": chapter}, files={"images/a.svg": SVG}, name=name)
    report = build(folder, tmp_path / f"{name}-out", BuildOptions(formats=formats))
    return next(o.path for o in report.outputs if o.format == "epub")


@pytest.fixture(scope="module")
def sample_epub() -> Path:
    return built(MANUSCRIPT).output("epub")


@pytest.mark.slow
@pytest.mark.epubcheck
def test_the_navigation_document_shows_only_the_contents_and_apple_books_gets_its_options(sample_epub):
    with zipfile.ZipFile(sample_epub) as archive:
        nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
        options = etree.fromstring(archive.read("META-INF/com.apple.ibooks.display-options.xml"))
    navs = {n.get(f"{OPS}type"): n for n in nav.iter(f"{XHTML}nav")}
    assert navs["toc"].get("hidden") is None
    assert navs["landmarks"].get("hidden") == ""
    assert navs["page-list"].get("hidden") is not None
    assert [(o.get("name"), o.text) for o in options.iter("option")] == [("specified-fonts", "true")]
    assert options.find("platform").get("name") == "*"
    assert epubcheck_messages(sample_epub) == []
    assert check_epub(sample_epub) == []


@pytest.mark.slow
def test_the_sample_book_ships_only_the_faces_its_text_uses_under_250_kib(sample_epub):
    assert sample_epub.stat().st_size < 250 * 1024  # 493 KiB with all 12 faces
    with zipfile.ZipFile(sample_epub) as archive:
        documents, css, shipped = _documents(archive), _css(archive), _fonts(archive)
    families: dict[str, list[Face]] = {}
    for face in _font_faces(css, {f"EPUB/fonts/{n}" for n in shipped}):
        families.setdefault(face.family, []).append(face)
    used = set()
    for styled in computed_styles(documents, css, ("font-family", "font-weight", "font-style")):
        face = _face(styled.values, families) if styled.has_text else None
        if face is not None:
            used.add(face.file.rpartition("/")[2])
    assert used == shipped
    # The sample's text is never bold italic, never Inter bold nor Inter italic alone.
    assert not {"Vollkorn-BoldItalic.ttf", "Inter-Bold.otf", "Inter-Italic.otf"} & shipped
    assert {"Vollkorn-Regular.ttf", "Vollkorn-Italic.ttf", "Inter-SemiBold.otf", "JetBrainsMono-Regular.ttf"} <= shipped


@pytest.mark.slow
def test_each_face_holds_the_characters_set_in_it_and_no_others(sample_epub):
    with zipfile.ZipFile(sample_epub) as archive:
        documents, css = _documents(archive), _css(archive)
        fonts = {n: TTFont(io.BytesIO(archive.read(n))) for n in archive.namelist() if n.startswith("EPUB/fonts/")}
    families: dict[str, list[Face]] = {}
    for face in _font_faces(css, set(fonts)):
        families.setdefault(face.family, []).append(face)
    cmaps = {name: {chr(c) for c in font.getBestCmap()} for name, font in fonts.items()}
    for styled in computed_styles(documents, css, ("font-family", "font-weight", "font-style", "text-transform")):
        face = _face(styled.values, families)
        own = (styled.element.text or "") + "".join(c.tail or "" for c in styled.element)
        own = own.upper() if styled.values.get("text-transform") == "uppercase" else own
        if face is not None and own.strip():
            missing = set(own) - cmaps[face.file] - set("\n\t\r")
            assert not missing, f"{styled.document}: {face.file} lacks {sorted(missing)}"
    book_text = "".join("".join(root.itertext()) for root in documents.values()) + css
    allowed = set(book_text) | set(book_text.upper()) | set(TYPOGRAPHY) | set("0123456789.•◦▪-\u2010\u00ad\u2009'\"“”‘")
    originals = {f.path.name: f.path for f in load_theme("default", MANUSCRIPT, "fr").fonts}
    for name, cmap in cmaps.items():
        original = {chr(c) for c in TTFont(originals[name.rpartition("/")[2]]).getBestCmap()}
        assert set(TYPOGRAPHY) & original <= cmap, f"{name} lacks French spaces or quotes"
        assert cmap - allowed <= {" "}, f"{name} holds characters the book never sets: {sorted(cmap - allowed)[:10]}"
    text = "".join("".join(root.itertext()) for root in documents.values())
    assert "@" not in text and not any("@" in cmap for cmap in cmaps.values())  # a subset, not the ASCII block


@pytest.mark.slow
@pytest.mark.epubcheck
def test_code_faces_ship_only_when_code_asks_for_them(make_book, tmp_path):
    plain = _epub(make_book, PLAIN, tmp_path, "plain")
    text_code = _epub(make_book, TEXT_CODE, tmp_path, "text-code")
    python = _epub(make_book, CODE, tmp_path, "python")
    faces = {}
    for path in (plain, text_code, python):
        with zipfile.ZipFile(path) as archive:
            faces[path] = _fonts(archive)
        assert epubcheck_messages(path) == []
        assert check_epub(path) == []
    assert {"Vollkorn-Regular.ttf", "Vollkorn-SemiBold.ttf"} <= faces[plain]  # the text, the titles
    bold = {"Vollkorn-Bold.ttf", "Vollkorn-BoldItalic.ttf", "Inter-Bold.otf"}
    assert not [f for f in faces[plain] if f.startswith("JetBrainsMono") or f in bold]
    assert {f for f in faces[text_code] if f.startswith("JetBrainsMono")} == {"JetBrainsMono-Regular.ttf"}
    assert {"JetBrainsMono-Regular.ttf", "JetBrainsMono-Bold.ttf", "Vollkorn-Bold.ttf"} <= faces[python]
    assert "Inter-SemiBoldItalic.otf" in faces[python]  # the section title's *emphase*


@pytest.mark.slow
def test_no_fixed_ink_on_text_nor_light_ground_under_it(make_book, tmp_path, sample_epub):
    for path in (sample_epub, _epub(make_book, CODE, tmp_path, "night")):
        with zipfile.ZipFile(path) as archive:
            documents, css = _documents(archive), _css(archive)
        for styled in computed_styles(documents, css, ("color", "background", "background-color")):
            where = (
                f"{path.name} {styled.document} <{etree.QName(styled.element).localname} {styled.element.get('class')}>"
            )
            color = styled.values.get("color", "inherit").lower()
            assert color in ("inherit", "currentcolor"), f"{where}: color {color}"
            if etree.QName(styled.element).localname == "img":
                continue  # a white ground under an image's dark strokes, in dark mode
            for prop in ("background", "background-color"):
                ground = styled.values.get(prop, "none").lower()
                tint = re.fullmatch(r"rgba\(\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*(0?\.\d+)\s*\)", ground)
                assert ground in ("none", "transparent") or (tint and float(tint.group(1)) <= 0.2), f"{where}: {ground}"


@pytest.mark.slow
def test_figures_and_table_heads_are_kept_together(make_book, tmp_path):
    with zipfile.ZipFile(_epub(make_book, CODE, tmp_path, "keep")) as archive:
        documents, css = _documents(archive), _css(archive)
    wanted = ("break-inside", "break-before", "break-after", "page-break-inside", "page-break-before", "display")
    seen = {}
    for styled in computed_styles(documents, css, wanted):
        seen.setdefault(etree.QName(styled.element).localname, styled.values)
    assert seen["figure"]["break-inside"] == seen["figure"]["page-break-inside"] == "avoid"
    assert seen["figcaption"]["break-before"] == seen["figcaption"]["page-break-before"] == "avoid"
    assert seen["thead"]["break-after"] == "avoid"
    assert seen["tr"]["break-inside"] == "avoid"


def _page(content: str, start: PageStart) -> etree._Element:
    return lxml_html.document_fromstring(insert_markers(f"<html><body>{content}</body></html>", [start]))


def _marker(document: etree._Element) -> etree._Element:
    return next(e for e in document.iter() if e.get("role") == "doc-pagebreak")


def test_a_page_beginning_with_a_figure_is_marked_before_the_figure_not_in_its_caption():
    figure = '<p id="p">Avant.</p><figure class="figure" id="f"><img src="a.svg" alt="A"/><figcaption id="cap">Légende de la figure</figcaption></figure>'
    for anchor in ("cap", "f"):
        document = _page(figure, PageStart(number=7, anchor=anchor, text="Légende de la figure"))
        marker = _marker(document)
        assert marker.getnext().tag == "figure" and marker.getparent().tag == "body"


def test_a_page_beginning_with_an_element_is_marked_before_it_and_mid_paragraph_inside():
    content = '<h2 id="h">Une section</h2><p id="p">Une phrase coupée par la page ici même.</p>'
    heading = _marker(_page(content, PageStart(number=3, anchor="h", text="Une section")))
    assert heading.getnext().tag == "h2" and heading.getparent().tag == "body"
    inside = _marker(_page(content, PageStart(number=4, anchor="p", text="la page ici même.")))
    assert inside.getparent().tag == "p" and inside.tail.startswith("la page")
    # a note call glued to its word in the laid-out line ("coupée1") is not in the EPUB's text
    called = _marker(_page(content, PageStart(number=5, anchor="p", text="coupée1 par la page")))
    assert called.getparent().tag == "p" and called.tail.startswith("coupée")
    row = '<table><tbody><tr id="r"><td>cellule</td></tr></tbody></table>'
    in_row = _marker(_page(row, PageStart(number=6, anchor="r", text="cellule")))
    assert in_row.getparent().tag == "td"


@pytest.mark.slow
def test_the_sample_books_page_markers_stay_out_of_captions():
    with zipfile.ZipFile(built(MANUSCRIPT).output("epub")) as archive:
        documents = _documents(archive)
    markers = [e for root in documents.values() for e in root.iter() if e.get("role") == "doc-pagebreak"]
    assert markers
    assert not [m for m in markers if any(a.tag == f"{XHTML}figcaption" for a in m.iterancestors())]


def _opf(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("EPUB/content.opf").decode("utf-8")


@pytest.mark.slow
def test_nobody_is_named_as_certifier_unless_the_book_says_so(make_book, tmp_path, sample_epub):
    assert "certifiedBy" not in _opf(sample_epub)
    folder = make_book(extra_toml='\n[epub]\naccessibility_certified_by = "Atelier Lisible"\n', name="certified")
    opf = _opf(build(folder, tmp_path / "certified-out", BuildOptions(formats=("epub",))).outputs[0].path)
    assert '<meta property="a11y:certifiedBy">Atelier Lisible</meta>' in opf


def test_a_certifier_of_the_wrong_type_is_an_error_at_its_line(make_book):
    folder = make_book(extra_toml="\n[epub]\naccessibility_certified_by = true\n")
    with pytest.raises(PublishError) as caught:
        load_config(folder)
    assert caught.value.path == folder / "book.toml" and caught.value.line == 8
    assert "accessibility_certified_by" in str(caught.value) and "str" in str(caught.value)
