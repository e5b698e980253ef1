"""End to end: the EPUB read back as a zip of XML documents, and EPUBCheck on it."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from lxml import etree

from publish.build.pipeline import BuildOptions, build
from tests.builds import FIXTURES, MANUSCRIPT, built, epubcheck_messages

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
}
BOOKS = {"manuscript": MANUSCRIPT, "two-authors": FIXTURES / "two-authors"}


class Epub:
    def __init__(self, path):
        self.path = path
        self.zip = zipfile.ZipFile(path)
        container = etree.fromstring(self.zip.read("META-INF/container.xml"))
        self.opf_path = container.find(".//c:rootfile", NS).get("full-path")
        self.base = self.opf_path.rsplit("/", 1)[0] + "/"
        self.opf = etree.fromstring(self.zip.read(self.opf_path))

    def xml(self, href):
        return etree.fromstring(self.zip.read(self.base + href))

    def manifest(self):
        return {i.get("id"): i for i in self.opf.findall(".//opf:manifest/opf:item", NS)}

    def spine_hrefs(self):
        items = self.manifest()
        return [items[ref.get("idref")].get("href") for ref in self.opf.findall(".//opf:spine/opf:itemref", NS)]


@pytest.fixture(scope="module", params=sorted(BOOKS))
def epub(request):
    return Epub(built(BOOKS[request.param]).output("epub"))


@pytest.mark.slow
@pytest.mark.epubcheck
def test_epubcheck_finds_nothing(epub):
    assert epubcheck_messages(epub.path) == []


@pytest.mark.slow
def test_mimetype_first_and_stored(epub):
    first = epub.zip.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert epub.zip.read("mimetype") == b"application/epub+zip"


@pytest.mark.slow
def test_metadata_is_complete():
    epub = Epub(built(FIXTURES / "two-authors").output("epub"))
    meta = epub.opf.find("opf:metadata", NS)
    assert meta.findtext("dc:language", namespaces=NS) == "fr"
    assert meta.findtext("dc:title", namespaces=NS) == "Carnet d’essai"
    creators = meta.findall("dc:creator", NS)
    assert [c.text for c in creators] == ["Alice Martin", "Bruno Léger"]
    assert len({c.get("id") for c in creators}) == 2
    assert meta.findtext("dc:identifier", namespaces=NS).startswith("urn:uuid:")
    assert meta.findtext("dc:date", namespaces=NS) == "2026-03-14"
    assert meta.findtext("dc:publisher", namespaces=NS) == "Éditions du Banc d'essai"
    assert "Alice Martin" in meta.findtext("dc:rights", namespaces=NS)
    assert meta.findtext("dc:description", namespaces=NS).startswith("Un petit livre")
    properties = {m.get("property"): m.text for m in meta.findall("opf:meta", NS) if m.get("property")}
    assert properties["dcterms:modified"] == "2026-03-14T00:00:00Z"
    for name in (
        "schema:accessMode",
        "schema:accessModeSufficient",
        "schema:accessibilityFeature",
        "schema:accessibilityHazard",
        "schema:accessibilitySummary",
    ):
        assert properties.get(name), name


@pytest.mark.slow
def test_spine_and_navigation_follow_the_book(epub):
    spine = epub.spine_hrefs()
    assert spine[:4] == ["cover.xhtml", "title.xhtml", "copyright.xhtml", "nav.xhtml"]
    nav = epub.xml("nav.xhtml")
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    files = [a.get("href") for a in toc.findall("./x:ol/x:li/x:a", NS)]
    assert files == spine[4:]
    landmarks = nav.find(".//x:nav[@epub:type='landmarks']", NS)
    kinds = {a.get("{{{}}}type".format(NS["epub"])) for a in landmarks.iter("{{{}}}a".format(NS["x"]))}
    assert {"cover", "toc", "bodymatter"} <= kinds
    assert any(i.get("media-type") == "application/x-dtbncx+xml" for i in epub.manifest().values())


@pytest.mark.slow
def test_chapter_titles_and_language(epub):
    for href in epub.spine_hrefs()[4:]:
        doc = epub.xml(href)
        assert doc.get("lang") == "fr"
        assert doc.find(".//x:h1", NS) is not None


@pytest.mark.slow
def test_footnotes_are_popup_asides_with_back_links():
    epub = Epub(built(FIXTURES / "two-authors").output("epub"))
    seen_ids = set()
    counts = []
    for href in epub.spine_hrefs()[4:]:
        doc = epub.xml(href)
        refs = doc.findall(".//x:a[@epub:type='noteref']", NS)
        asides = doc.findall(".//x:aside[@epub:type='footnote']", NS)
        counts.append([r.text for r in refs])
        assert len(refs) == len(asides)
        for ref in refs:
            target = ref.get("href")[1:]
            aside = doc.find(f".//x:aside[@id='{target}']", NS)
            assert aside is not None
            back = aside.find(".//x:a[@role='doc-backlink']", NS)
            assert back.get("href") == "#" + ref.get("id")
            seen_ids.add(target)
    assert counts == [["1"], ["1", "2"]]  # numbering restarts in each chapter
    assert len(seen_ids) == 3  # but ids never collide


@pytest.mark.slow
def test_cross_chapter_link_reaches_the_right_file_and_anchor():
    epub = Epub(built(FIXTURES / "two-authors").output("epub"))
    first = epub.xml("01-ouverture.xhtml")
    href = next(a.get("href") for a in first.iter("{{{}}}a".format(NS["x"])) if "mesures" in (a.get("href") or ""))
    file_name, anchor = href.split("#")
    assert file_name == "02-mesures.xhtml"
    assert epub.xml(file_name).find(f".//*[@id='{anchor}']", NS) is not None


@pytest.mark.slow
def test_tables_align_with_styles_not_attributes():
    epub = Epub(built(FIXTURES / "two-authors").output("epub"))
    doc = epub.xml("02-mesures.xhtml")
    cells = doc.findall(".//x:td", NS)
    assert cells and all(c.get("align") is None for c in cells)
    assert any(re.search(r"text-align:\s*right", c.get("style") or "") for c in cells)


@pytest.mark.slow
def test_css_is_reflowable_and_fonts_are_embedded(epub):
    items = epub.manifest().values()
    css = "".join(epub.zip.read(epub.base + i.get("href")).decode() for i in items if i.get("media-type") == "text/css")
    assert "@page" not in css and "var(" not in css
    fonts = [i.get("href") for i in items if i.get("media-type", "").startswith("font/")]
    assert any("Vollkorn" in f for f in fonts) and any("Inter" in f for f in fonts)
    for font in fonts:
        assert font.rsplit("/", 1)[1] in css


@pytest.mark.slow
def test_cover_image_and_page(epub):
    cover = [i for i in epub.manifest().values() if "cover-image" in (i.get("properties") or "")]
    assert len(cover) == 1 and cover[0].get("media-type") == "image/jpeg"  # what Kindle and Kobo expect
    from PIL import Image

    with Image.open(io.BytesIO(epub.zip.read(epub.base + cover[0].get("href")))) as image:
        assert image.format == "JPEG"
        width, height = image.size
    assert height >= 1600 and 1.35 < height / width < 1.45
    page = epub.xml("cover.xhtml")
    assert page.find(".//x:img", NS).get("src") == cover[0].get("href")


@pytest.mark.slow
def test_images_are_in_the_manifest(epub):
    listed = {i.get("href") for i in epub.manifest().values()}
    for href in epub.spine_hrefs():
        for image in epub.xml(href).iter("{{{}}}img".format(NS["x"])):
            assert image.get("src") in listed


@pytest.mark.slow
def test_template_syntax_in_the_text_is_printed_as_written():
    epub = Epub(built(MANUSCRIPT).output("epub"))
    text = "".join(etree.tostring(epub.xml(h), encoding="unicode", method="text") for h in epub.spine_hrefs())
    assert "{{ prompt }}" in text


@pytest.mark.slow
def test_print_css_never_reaches_the_epub():
    epub = Epub(built(MANUSCRIPT).output("epub"))
    for name in epub.zip.namelist():
        if name.endswith((".css", ".xhtml")):
            assert not re.search(r"@page|@top-|@bottom-|float:\s*footnote", epub.zip.read(name).decode()), name


@pytest.mark.slow
@pytest.mark.epubcheck
def test_authors_cover_image_is_used_in_both_outputs(make_book, tmp_path):
    from PIL import Image
    from pypdf import PdfReader

    image = tmp_path / "cover.png"
    Image.new("RGB", (600, 850), (200, 30, 30)).save(image)
    toml = '[book]\ntitle = "Couverture"\nauthors = ["A"]\nlang = "fr"\ndate = 2026-01-15\ncover = "images/cover.png"\n'
    folder = make_book(None, toml, files={"images/cover.png": image.read_bytes()})
    report = build(folder, tmp_path / "out", BuildOptions(formats=("epub", "pdf")))
    epub = Epub(next(o.path for o in report.outputs if o.format == "epub"))
    cover = next(i for i in epub.manifest().values() if "cover-image" in (i.get("properties") or ""))
    with Image.open(__import__("io").BytesIO(epub.zip.read(epub.base + cover.get("href")))) as shown:
        assert shown.size == (600, 850)
        assert all(abs(a - b) <= 3 for a, b in zip(shown.getpixel((10, 10)), (200, 30, 30)))  # JPEG
    assert len(report.warnings) == 1
    assert (
        f"{folder / 'images' / 'cover.png'}: the cover is 600 × 850 pixels; Kindle and Kobo want at least "
        "1600 on the long side" in str(report.warnings[0])
    )
    pdf = PdfReader(next(o.path for o in report.outputs if o.format == "pdf"))
    assert pdf.pages[0]["/Resources"]["/XObject"]
    assert epubcheck_messages(epub.path) == []
