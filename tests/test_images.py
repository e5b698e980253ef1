"""Images the manuscript uses: corrupt files, wrong types, hostile SVG and the size limits."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest
from PIL import Image

from publish.build.pipeline import BuildOptions, build
from publish.errors import PublishError
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


@pytest.mark.slow
def test_truncated_png_is_named_with_its_chapter_line(make_book, tmp_path):
    error = _fails(make_book, tmp_path, "coupée.png", _png()[:70])
    assert "cannot be read as an image" in str(error)


@pytest.mark.slow
def test_png_named_jpg_says_how_to_fix_it(make_book, tmp_path):
    error = _fails(make_book, tmp_path, "photo.jpg", _png())
    assert "holds PNG" in str(error) and "rename it to .png" in str(error)


@pytest.mark.slow
@pytest.mark.parametrize(
    "svg, problem",
    [
        (
            '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
            "DOCTYPE",
        ),
        ('<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>', "not valid SVG"),
        ("<html><body>pas une image</body></html>", "not an SVG image"),
    ],
)
def test_broken_svg_or_one_declaring_entities_is_refused(  # scripts are taken out: test_hostile_images
    make_book, tmp_path, svg, problem
):
    assert problem in str(_fails(make_book, tmp_path, "schéma.svg", svg.encode()))


@pytest.mark.slow
def test_pixel_and_byte_limits_are_configurable(make_book, tmp_path):
    error = _fails(make_book, tmp_path, "grande.png", _png((400, 300)), "[limits]\nimage_pixels = 100000\n")
    assert "400 × 300 pixels" in str(error) and "image_pixels" in str(error)
    error = _fails(make_book, tmp_path, "lourde.png", _png(), "[limits]\nimage_bytes = 100\n")
    assert "over the limit of 100 " in str(error) and "image_bytes" in str(error)


@pytest.mark.slow
def test_a_decompression_bomb_is_refused_before_it_is_decoded(make_book, tmp_path):
    """A 20,000 × 20,000 PNG of one colour is a few hundred KB on disk and 1.2 GB decoded."""
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 1_000_000
    error = _fails(make_book, tmp_path, "bombe.png", bomb.getvalue())
    assert "400000000 pixels" in str(error) and "image_pixels" in str(error)


@pytest.mark.slow
def test_an_oversized_chapter_is_refused(make_book, tmp_path):
    folder = make_book({"01-long.md": "# Long\n\n" + "mot " * 100}, extra_toml="[limits]\nchapter_bytes = 200\n")
    with pytest.raises(PublishError) as error:
        build(folder, tmp_path / "out", BuildOptions(formats=("epub",)))
    assert error.value.path == folder / "chapters" / "01-long.md" and "chapter_bytes" in str(error.value)


@pytest.mark.slow
def test_a_symlink_leading_outside_the_manuscript_is_refused(make_book, tmp_path):
    outside = tmp_path / "secret.png"
    outside.write_bytes(_png())
    folder = make_book({"01-lien.md": CHAPTER.format(name="lien.png")})
    (folder / "images").mkdir()
    os.symlink(outside, folder / "images" / "lien.png")
    with pytest.raises(PublishError, match="outside the manuscript"):
        build(folder, tmp_path / "out", BuildOptions(formats=("epub",)))


@pytest.mark.slow
@pytest.mark.parametrize("src", ["/etc/passwd", "../../../../etc/passwd", "https://example.com/x.png"])
def test_images_from_outside_are_refused(make_book, tmp_path, src):
    folder = make_book({"01-x.md": f"# X\n\n![x]({src})\n"})
    with pytest.raises(PublishError):
        build(folder, tmp_path / "out", BuildOptions(formats=("epub",)))


@pytest.mark.slow
def test_a_file_url_is_removed_with_a_warning(make_book, tmp_path):
    folder = make_book({"01-x.md": "# X\n\nAvant ![x](file:///etc/passwd) après.\n"})
    report = build(folder, tmp_path / "out", BuildOptions(formats=("epub",)))
    assert any("`file:` URL in the `src` of <img>" in str(w) for w in report.warnings)
    import zipfile

    with zipfile.ZipFile(report.outputs[0].path) as archive:
        assert not any("passwd" in name for name in archive.namelist())
        assert b"root:" not in b"".join(archive.read(n) for n in archive.namelist())


@pytest.mark.slow
def test_the_command_line_names_the_corrupt_image_without_a_traceback(make_book, tmp_path):
    folder = make_book(
        {"01-images.md": CHAPTER.format(name="cassée.png")}, files={"images/cassée.png": b"\x89PNG garbage"}
    )
    result = subprocess.run(
        [sys.executable, "-m", "publish", "build", str(folder), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and re.search(
        r"01-images\.md:5:\d+: error: image `\.\./images/cassée\.png`", result.stderr
    )
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


class _Server:
    """A tiny HTTP server on 127.0.0.1 serving fixed bodies, for --allow-remote."""

    def __init__(self, routes: dict[str, tuple[str, bytes]], delay: float = 0.0):
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                import time

                time.sleep(delay)
                kind, body = routes.get(self.path, ("text/plain", b"missing"))
                self.send_response(200 if self.path in routes else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


@pytest.mark.slow
@pytest.mark.epubcheck
def test_remote_images_are_refused_unless_allowed(make_book, tmp_path):
    with _Server({"/carte.png": ("image/png", _png())}) as server:
        folder = make_book({"01-x.md": f"# X\n\n![Carte]({server.url}/carte.png)\n"})
        with pytest.raises(PublishError, match="--allow-remote"):
            build(folder, tmp_path / "a", BuildOptions(formats=("epub",)))
        report = build(folder, tmp_path / "b", BuildOptions(formats=("epub", "pdf"), allow_remote=True))
    assert report.warnings == ()
    cached = list((folder / ".publish" / "remote").iterdir())
    assert len(cached) == 1 and cached[0].suffix == ".png"
    from tests.builds import epubcheck_messages

    epub = next(o.path for o in report.outputs if o.format == "epub")
    assert epubcheck_messages(epub) == []
    # the server is gone: a rebuild uses the local copy
    build(folder, tmp_path / "c", BuildOptions(formats=("epub",), allow_remote=True))


@pytest.mark.slow
@pytest.mark.parametrize(
    "route, body, toml, problem",
    [
        ("/page.html", ("text/html", b"<html>pas une image</html>"), "", "not an image the book can hold"),
        ("/grosse.png", ("image/png", b"x" * 5000), "[limits]\nimage_bytes = 1000\n", "larger than 1,000 bytes"),
        ("/absente.png", None, "", "could not be fetched"),
    ],
)
def test_remote_images_that_cannot_be_used_are_clear_errors(make_book, tmp_path, route, body, toml, problem):
    with _Server({route: body} if body else {}) as server:
        folder = make_book({"01-x.md": f"# X\n\n![Image]({server.url}{route})\n"}, extra_toml=toml)
        with pytest.raises(PublishError, match=problem) as error:
            build(folder, tmp_path / "out", BuildOptions(formats=("epub",), allow_remote=True))
    assert error.value.path == folder / "chapters" / "01-x.md" and error.value.line == 3


@pytest.mark.slow
def test_a_slow_server_times_out(make_book, tmp_path):
    from publish.convert.remote_images import RemoteError, RemotePolicy, fetch_image

    with (
        _Server({"/lente.png": ("image/png", _png())}, delay=3) as server,
        pytest.raises(RemoteError, match="could not be fetched"),
    ):
        fetch_image(f"{server.url}/lente.png", tmp_path, RemotePolicy(allowed=True, timeout=0.5))


GRAPHVIZ_SVG = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
 "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<!-- Generated by graphviz -->
<svg width="62pt" height="44pt" viewBox="0 0 62 44" xmlns="http://www.w3.org/2000/svg">
<ellipse fill="none" stroke="black" cx="31" cy="22" rx="27" ry="18"/>
<text text-anchor="middle" x="31" y="26" font-size="14">a</text>
</svg>
"""


@pytest.mark.slow
@pytest.mark.epubcheck
def test_the_standard_svg_doctype_of_graphviz_and_inkscape_is_accepted(make_book, tmp_path):
    from tests.builds import epubcheck_messages

    folder = make_book(
        {"01-graphe.md": "# Graphe\n\n![Un graphe à un nœud](../images/graphe.svg)\n"},
        files={"images/graphe.svg": GRAPHVIZ_SVG},
    )
    report = build(folder, tmp_path / "out", BuildOptions(formats=("pdf", "epub")))
    assert not report.warnings
    epub = next(o.path for o in report.outputs if o.format == "epub")
    assert epubcheck_messages(epub) == []


@pytest.mark.slow
def test_a_doctype_with_parameter_entities_is_refused(make_book, tmp_path):
    svg = (
        '<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "svg11.dtd" '
        '[<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><svg xmlns="http://www.w3.org/2000/svg"/>'
    )
    assert "DOCTYPE" in str(_fails(make_book, tmp_path, "piège.svg", svg.encode()))
