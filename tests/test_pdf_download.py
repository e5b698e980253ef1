"""The PDFs made for downloading (book PDF, handout): linearised, opened on the bookmarks, one link
annotation per contents entry, photos downsampled to 300 dpi (the print PDF keeps every pixel);
the resampler the EPUB uses; the rule checker tests/rules/pdf.py."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageFilter

from publish.build.pipeline import BuildOptions, build
from publish.writers.resample import downsample_image
from tests.rules.pdf import check_pdf


def _photo(width: int, height: int, kind: str = "JPEG", **save: object) -> bytes:
    """A photo-like picture: noise over a gradient, which compresses as badly as a real photo."""
    noise = Image.effect_noise((width, height), 50)
    gradient = Image.linear_gradient("L").resize((width, height))
    picture = Image.merge("RGB", (noise, gradient, Image.blend(noise, gradient, 0.5)))
    picture = picture.filter(ImageFilter.GaussianBlur(0.6))
    data = io.BytesIO()
    picture.save(data, format=kind, **save)
    return data.getvalue()


CHAPTERS = {
    "01-montagne.md": (
        "# La montagne\n\nUn paysage, pleine largeur.\n\n![Un paysage de montagne](../images/montagne.jpg)\n\n"
        "## Le sommet\n\nOn y voit loin.\n\n## La descente\n\nPlus vite que la montée.\n"
    ),
    "02-mer.md": "# La mer\n\nUne vue du large.\n\n![Une vue de la mer](../images/mer.jpg)\n\n## Le port\n\nDes bateaux.\n",
}


@pytest.fixture(scope="module")
def photo_book(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two 3000 × 2000 photos in a small French book: book PDF, handout and print PDF."""
    root = tmp_path_factory.mktemp("photos")
    folder = root / "livre"
    (folder / "chapters").mkdir(parents=True)
    (folder / "images").mkdir()
    (folder / "book.toml").write_text(
        '[book]\ntitle = "Deux photos"\nauthors = ["Anne Martin"]\nlang = "fr"\ndate = 2026-01-15\n', encoding="utf-8"
    )
    for name, text in CHAPTERS.items():
        (folder / "chapters" / name).write_text(text, encoding="utf-8")
    (folder / "images" / "montagne.jpg").write_bytes(_photo(3000, 2000, quality=92))
    (folder / "images" / "mer.jpg").write_bytes(_photo(3000, 2000, quality=92))
    report = build(folder, root / "out", BuildOptions(formats=("pdf", "handout", "print", "epub")))
    return {o.format: o.path for o in report.outputs}


def _pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def _images(path: Path) -> list[dict[str, str]]:
    """poppler's pdfimages -list: one row per image drawn, with its pixels and its ppi as drawn."""
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    header = lines[0].split()
    return [dict(zip(header, line.split(), strict=False)) for line in lines[2:] if line.strip()]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["pdf", "handout"])
def test_the_download_pdfs_are_linearised_and_open_on_the_bookmarks(photo_book, kind):
    assert _pdfinfo(photo_book[kind])["Optimized"] == "yes"
    with pikepdf.open(photo_book[kind]) as pdf:
        assert pdf.Root.PageMode == pikepdf.Name.UseOutlines
        assert "/First" in pdf.Root.Outlines


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["pdf", "handout"])
def test_photos_are_downsampled_to_300_dpi_as_printed(photo_book, kind):
    images = _images(photo_book[kind])
    assert len(images) == 2
    for image in images:
        assert int(image["x-ppi"]) <= 301 and int(image["y-ppi"]) <= 301, image
        assert int(image["x-ppi"]) >= 250, image  # downsampled to the limit, not below it
        assert int(image["width"]) < 3000


@pytest.mark.slow
def test_the_print_pdf_keeps_every_pixel(photo_book):
    images = _images(photo_book["print"])
    assert [(int(i["width"]), int(i["height"])) for i in images] == [(3000, 2000), (3000, 2000)]
    assert photo_book["pdf"].stat().st_size * 4 < photo_book["print"].stat().st_size


@pytest.mark.slow
def test_the_epub_carries_the_photos_at_screen_width(photo_book):
    with zipfile.ZipFile(photo_book["epub"]) as epub:
        photos = [n for n in epub.namelist() if n.endswith(".jpg") and "cover" not in n]
        sizes = [Image.open(io.BytesIO(epub.read(name))).size for name in photos]
    assert sorted(sizes) == [(1600, 1067), (1600, 1067)]
    assert photo_book["epub"].stat().st_size * 3 < photo_book["print"].stat().st_size


@pytest.mark.slow
def test_each_contents_entry_is_one_link(photo_book):
    """The chapters link to no page of the book: every internal link is a contents entry."""
    targets: Counter[str] = Counter()
    with pikepdf.open(photo_book["pdf"]) as pdf:
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", []):
                if "/Dest" in annotation:
                    targets[str(annotation.Dest)] += 1
    # 2 chapters and 3 sections in the contents, each entry on one line: one annotation each
    assert len(targets) == 5, targets
    assert set(targets.values()) == {1}, targets


@pytest.mark.slow
def test_the_versions_say_what_the_files_hold(photo_book):
    for path in (p for p in photo_book.values() if p.suffix == ".pdf"):
        version = tuple(int(x) for x in _pdfinfo(path)["PDF version"].split("."))
        with pikepdf.open(path) as pdf:
            fonts = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and "/FontFile3" in o]
            tagged = "/StructTreeRoot" in pdf.Root
        assert tagged and version >= (1, 4), path.name
        if any(f.FontFile3.get("/Subtype") == pikepdf.Name.OpenType for f in fonts):
            assert version >= (1, 6), path.name


def test_a_wide_jpeg_is_downsampled_to_the_width_asked():
    original = _photo(3000, 2000, quality=92)
    smaller = downsample_image(original, 1600)
    with Image.open(io.BytesIO(smaller)) as image:
        assert (image.format, image.size) == ("JPEG", (1600, 1067))
    assert len(smaller) * 3 < len(original)


def test_a_png_stays_a_png_with_its_transparency():
    picture = Image.new("RGBA", (2400, 1200), (200, 30, 30, 0))
    picture.paste((10, 10, 10, 255), (0, 0, 1200, 1200))
    data = io.BytesIO()
    picture.save(data, format="PNG")
    with Image.open(io.BytesIO(downsample_image(data.getvalue(), 800))) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (800, 400), "RGBA")
        assert image.getpixel((700, 200))[3] == 0 and image.getpixel((100, 200))[3] == 255


def test_a_narrow_image_or_other_bytes_come_back_unchanged():
    narrow = _photo(800, 600, quality=90)
    assert downsample_image(narrow, 1600) is narrow
    assert (
        downsample_image(b"<svg xmlns='http://www.w3.org/2000/svg'/>", 10)
        == b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    )


def test_a_photo_turned_by_its_exif_tag_is_measured_upright():
    """A portrait photo stored lying down (6: turn 90°) is 2000 px wide as shown."""
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = _photo(3000, 2000, quality=90, exif=exif.tobytes())
    assert downsample_image(stored, 2400) is stored
    with Image.open(io.BytesIO(downsample_image(stored, 1000))) as image:
        assert image.size == (1000, 1500)
        assert image.getexif().get(0x0112, 1) == 1


def _written(tmp_path: Path, pdf: pikepdf.Pdf, **save: object) -> Path:
    path = tmp_path / "essai.pdf"
    pdf.save(path, **save)
    return path


def test_the_rules_find_what_a_plain_pdf_lacks(tmp_path):
    """A 1.3 header on a tagged file with bookmarks, not linearised, two links over each other."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]
    link = {"/Type": pikepdf.Name.Annot, "/Subtype": pikepdf.Name.Link, "/Dest": pikepdf.String("ch-1")}
    page.obj.Annots = pikepdf.Array(
        [
            pdf.make_indirect(pikepdf.Dictionary({**link, "/Rect": [10, 10, 190, 30]})),
            pdf.make_indirect(pikepdf.Dictionary({**link, "/Rect": [100, 12, 180, 28]})),
            pdf.make_indirect(pikepdf.Dictionary({**link, "/Rect": [10, 40, 190, 60]})),  # the next line: no overlap
        ]
    )
    pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    pdf.Root.StructTreeRoot = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
    with pdf.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem("Chapitre", 0))
    path = _written(tmp_path, pdf, force_version="1.3", object_stream_mode=pikepdf.ObjectStreamMode.disable)
    found = check_pdf(path)
    path.unlink()  # the rules conftest runs on every PDF a test leaves behind
    assert any("not linearised" in p for p in found)
    assert any("PageMode" in p for p in found)
    assert any(re.search(r"says PDF 1\.3 but holds a structure tree", p) for p in found)
    assert [p for p in found if "overlap" in p] == ["essai.pdf: page 1: two link annotations to ch-1 overlap"]


def test_the_rules_pass_a_finished_pdf(tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    with pdf.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem("Chapitre", 0))
    pdf.Root.PageMode = pikepdf.Name.UseOutlines
    path = _written(tmp_path, pdf, linearize=True)
    found = check_pdf(path)
    path.unlink()
    assert found == []
