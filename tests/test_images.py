"""Images the manuscript uses: corrupt files, wrong types, hostile SVG and the size limits."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from PIL import Image

from publish.errors import PublishError
from publish.pipeline import BuildOptions, build
from tests.conftest import line_of

CHAPTER = "# Images\n\nUn paragraphe.\n\n![Une image](../images/{name})\n"


def _png(size=(120, 90)) -> bytes:
    data = io.BytesIO()
    Image.new("RGB", size, "#336699").save(data, "PNG")
    return data.getvalue()


def _fails(make_book, tmp_path, name: str, content: bytes, extra_toml: str = "") -> PublishError:
    text = CHAPTER.format(name=name)
    folder = make_book({"01-images.md": text}, extra_toml=extra_toml, files={f"images/{name}": content})
    with pytest.raises(PublishError) as error:
        build(folder, tmp_path / "out", BuildOptions(formats=("epub",)))
    assert error.value.path == folder / "chapters" / "01-images.md"
    assert error.value.line == line_of(text, name)
    assert f"`../images/{name}`" in str(error.value)
    return error.value


def test_truncated_png_is_named_with_its_chapter_line(make_book, tmp_path):
    error = _fails(make_book, tmp_path, "coupée.png", _png()[:70])
    assert "cannot be read as an image" in str(error)


def test_png_named_jpg_says_how_to_fix_it(make_book, tmp_path):
    error = _fails(make_book, tmp_path, "photo.jpg", _png())
    assert "holds PNG" in str(error) and "rename it to .png" in str(error)


@pytest.mark.parametrize("svg, problem", [
    ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     '<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>', "DOCTYPE"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "scripts"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><rect onclick="alert(1)"/></svg>', "scripts"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>', "not valid SVG"),
    ('<html><body>pas une image</body></html>', "not an SVG image"),
])
def test_hostile_or_broken_svg_is_refused(make_book, tmp_path, svg, problem):
    assert problem in str(_fails(make_book, tmp_path, "schéma.svg", svg.encode()))


def test_pixel_and_byte_limits_are_configurable(make_book, tmp_path):
    error = _fails(make_book, tmp_path, "grande.png", _png((400, 300)), "[limits]\nimage_pixels = 100000\n")
    assert "400 × 300 pixels" in str(error) and "image_pixels" in str(error)
    error = _fails(make_book, tmp_path, "lourde.png", _png(), "[limits]\nimage_bytes = 100\n")
    assert "over the limit of 100 " in str(error) and "image_bytes" in str(error)


def test_a_decompression_bomb_is_refused_before_it_is_decoded(make_book, tmp_path):
    """A 20,000 × 20,000 PNG of one colour is a few hundred KB on disk and 1.2 GB decoded."""
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 1_000_000
    error = _fails(make_book, tmp_path, "bombe.png", bomb.getvalue())
    assert "400000000 pixels" in str(error) and "image_pixels" in str(error)


def test_an_oversized_chapter_is_refused(make_book, tmp_path):
    folder = make_book({"01-long.md": "# Long\n\n" + "mot " * 100}, extra_toml="[limits]\nchapter_bytes = 200\n")
    with pytest.raises(PublishError) as error:
        build(folder, tmp_path / "out", BuildOptions(formats=("epub",)))
    assert error.value.path == folder / "chapters" / "01-long.md" and "chapter_bytes" in str(error.value)


def test_a_symlink_leading_outside_the_manuscript_is_refused(make_book, tmp_path):
    outside = tmp_path / "secret.png"
    outside.write_bytes(_png())
    folder = make_book({"01-lien.md": CHAPTER.format(name="lien.png")})
    (folder / "images").mkdir()
    os.symlink(outside, folder / "images" / "lien.png")
    with pytest.raises(PublishError, match="outside the manuscript"):
        build(folder, tmp_path / "out", BuildOptions(formats=("epub",)))


@pytest.mark.parametrize("src", ["/etc/passwd", "../../../../etc/passwd", "file:///etc/passwd",
                                 "https://example.com/x.png"])
def test_images_from_outside_are_refused(make_book, tmp_path, src):
    folder = make_book({"01-x.md": f"# X\n\n![x]({src})\n"})
    with pytest.raises(PublishError):
        build(folder, tmp_path / "out", BuildOptions(formats=("epub",)))


def test_the_command_line_names_the_corrupt_image_without_a_traceback(make_book, tmp_path):
    folder = make_book({"01-images.md": CHAPTER.format(name="cassée.png")}, files={"images/cassée.png": b"\x89PNG garbage"})
    result = subprocess.run([sys.executable, "-m", "publish", "build", str(folder), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "01-images.md:5: image `../images/cassée.png`" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
