"""Hostile images (issue 16): active SVG content, <use> bombs, covers outside the limits or undecodable,
truncated JPEGs, decoding under a budget, and a remote server that trickles."""

from __future__ import annotations

import http.server
import io
import subprocess
import sys
import threading
import time
import zipfile
from html import escape
from pathlib import Path

import pytest
from PIL import Image

from publish.build.pipeline import BuildOptions, build
from publish.build.prepare import check_book
from publish.convert.images import DecodeBudget, check_image
from publish.convert.remote_images import RemoteError, RemotePolicy, fetch_image
from publish.convert.svg import SvgLimits, SvgRefused, make_svg_safe
from publish.convert.svg_size import expanded_size
from publish.errors import PublishError
from publish.model import Limits
from tests.builds import page_texts
from tests.conftest import line_of

SVG = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
ACTIVE_SVG = f"""<svg {SVG} viewBox="0 0 100 60">
<style>@import url(https://piege.example/x.css); rect {{ fill: url(https://piege.example/p.svg#p); stroke: url(#g) }}</style>
<defs><linearGradient id="g"><stop offset="0" stop-color="#369"/></linearGradient></defs>
<script>alert("bonjour")</script>
<a xlink:href="javascript:alert(1)"><rect width="50" height="30" onclick="alert(2)"/></a>
<image href="https://piege.example/t.png" width="5" height="5"/>
<foreignObject width="10" height="10"><p xmlns="http://www.w3.org/1999/xhtml">Texte</p></foreignObject>
<use href="#g"/><text x="5" y="50" style="fill:url(#g);background:url(http://piege.example/f)">Légende</text>
</svg>"""


def _bomb(layers: int = 9, fan_out: int = 10) -> str:
    """Each layer draws the previous one ``fan_out`` times: fan_out ** layers rectangles in ~2 KB."""
    groups = ['<g id="l0"><rect width="1" height="1"/></g>']
    for i in range(1, layers + 1):
        groups.append(f'<g id="l{i}">' + f'<use href="#l{i - 1}"/>' * fan_out + "</g>")
    return f'<svg {SVG}><defs>{"".join(groups)}</defs><use href="#l{layers}"/></svg>'


def _picture(kind: str = "JPEG", size: tuple[int, int] = (400, 300)) -> bytes:
    data = io.BytesIO()
    Image.new("RGB", size, "#336699").save(data, kind)
    return data.getvalue()


# -- SVG made safe -------------------------------------------------------------------------------


def test_active_and_outside_content_is_taken_out_of_an_svg_and_the_drawing_kept():
    safe = make_svg_safe(ACTIVE_SVG.encode())
    assert set(safe.removed) == {
        "an @import",
        "a url() to another file (×2)",
        "<script>",
        "a javascript: link",
        "the event handler onclick=",
        "an <image> of another file",
        "<foreignObject>",
    }
    for gone in ("script", "javascript", "piege.example", "onclick", "foreignObject", "@import"):
        assert gone not in safe.text
    for kept in ('<rect width="50" height="30"/>', "stroke: url(#g)", 'href="#g"', "Légende", "fill:url(#g)"):
        assert kept in safe.text


@pytest.mark.parametrize(
    "href, kept",
    [
        ("#g", True),
        ("data:image/png;base64,iVBORw0KGgo=", True),
        ("data:image/svg+xml;base64,PHN2Zy8+", False),  # an SVG inside an SVG escapes the checks
        ("images/photo.png", False),
        ("file:///etc/passwd", False),
    ],
)
def test_an_image_element_may_only_embed_a_raster_or_point_inside(href, kept):
    safe = make_svg_safe(f'<svg {SVG}><g id="g"/><image xlink:href="{href}"/></svg>'.encode())
    assert (href in safe.text) is kept and bool(safe.removed) is not kept


def test_a_use_bomb_is_counted_on_the_tree_and_refused():
    # l0 = <g><rect/></g>: 2; l1 = 1 + 3 × (<use> + l0) = 10; l2 = 1 + 3 × (1 + 10) = 34;
    # <defs> = 1 + 2 + 10 + 34 = 47; the last <use> = 1 + 34; <svg> = 1 + 47 + 35
    assert expanded_size(_tree(_bomb(2, 3))) == 83
    with pytest.raises(SvgRefused, match=r"more than 100,000 elements once its <use> references are expanded"):
        make_svg_safe(_bomb().encode())


def _tree(svg: str):
    from lxml import etree

    return etree.fromstring(svg.encode())


@pytest.mark.parametrize(
    "svg, problem",
    [
        (f'<svg {SVG}><g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g></svg>', "leads back to itself"),
        (f'<svg {SVG}><g id="a"><use href="#a"/></g></svg>', "leads back to itself"),
        (f"<svg {SVG}>" + "<rect/>" * 60 + "</svg>", "more than 50 elements"),
        (f"<svg {SVG}>" + "<g>" * 30 + "</g>" * 30 + "</svg>", "nests elements 31 deep, over 20"),
        ('<svg><rect width="1"/></svg>', "not in the SVG namespace"),
    ],
)
def test_loops_and_oversized_svgs_are_refused(svg, problem):
    with pytest.raises(SvgRefused, match=problem):
        make_svg_safe(svg.encode(), SvgLimits(elements=50, depth=20))


def test_an_inkscape_drawing_loses_only_its_editor_data_without_a_word():
    drawing = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
        'xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" inkscape:version="1.3" '
        'viewBox="0 0 10 10"><sodipodi:namedview id="v"/><metadata><x/></metadata>'
        '<g inkscape:label="Calque 1" inkscape:groupmode="layer"><circle cx="5" cy="5" r="4" fill="#c33"/></g></svg>'
    )
    safe = make_svg_safe(drawing.encode())
    assert safe.removed == ()
    assert "inkscape" not in safe.text and "namedview" not in safe.text and "<circle" in safe.text


@pytest.mark.slow
@pytest.mark.epubcheck
def test_the_epub_carries_the_cleaned_svg_with_a_located_warning(make_book, tmp_path):
    from tests.builds import epubcheck_messages

    text = "# Schéma\n\nVoici le schéma :\n\n![Un schéma](../images/schéma.svg)\n"
    folder = make_book({"01-schema.md": text}, files={"images/schéma.svg": ACTIVE_SVG})
    report = build(folder, tmp_path / "out", BuildOptions(formats=("epub",)))
    (warning,) = [w for w in report.warnings if "schéma.svg" in w.message]
    assert warning.path == folder / "chapters" / "01-schema.md" and warning.line == line_of(text, "schéma.svg")
    assert "javascript: link" in warning.message and "<script>" in warning.message
    epub = report.outputs[0].path
    with zipfile.ZipFile(epub) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".svg")]
        published = archive.read(name).decode("utf-8")
    assert "javascript" not in published and "piege.example" not in published and "Légende" in published
    assert epubcheck_messages(epub) == []


@pytest.mark.slow
def test_the_pdf_draws_the_cleaned_svg(make_book, tmp_path):
    """WeasyPrint is served the cleaned bytes, not the file: no javascript: action reaches the PDF."""
    import pikepdf

    text = "# Schéma\n\nVoici le schéma :\n\n![Un schéma](../images/schéma.svg)\n"
    folder = make_book({"01-schema.md": text}, files={"images/schéma.svg": ACTIVE_SVG})
    report = build(folder, tmp_path / "out", BuildOptions(formats=("pdf",), parallel=False))
    with pikepdf.open(report.outputs[0].path) as pdf:
        uris = [str(annot.get("/A", {}).get("/URI", "")) for page in pdf.pages for annot in page.get("/Annots", [])]
    assert not [uri for uri in uris if "javascript" in uri.lower() or "piege.example" in uri]
    assert not [w for w in report.warnings if "piege.example" in w.message]
    assert "Voici le schéma" in "".join(page_texts(report.outputs[0].path))


def test_the_fetcher_serves_the_cleaned_bytes_instead_of_the_file(tmp_path):
    from publish.writers.fetcher import FolderFetcher

    drawing = tmp_path / "schéma.svg"
    drawing.write_text(ACTIVE_SVG, encoding="utf-8")
    clean = make_svg_safe(ACTIVE_SVG.encode()).text.encode("utf-8")
    served = FolderFetcher((tmp_path,), {drawing: clean}).fetch(drawing.as_uri())
    assert served.read() == clean and b"javascript" not in clean
    assert FolderFetcher((tmp_path,)).fetch(drawing.as_uri()).read() == ACTIVE_SVG.encode()


@pytest.mark.slow
def test_a_use_bomb_in_a_chapter_is_a_located_error_and_nothing_is_laid_out(make_book, tmp_path):
    text = "# Bombe\n\n![Une bombe](../images/bombe.svg)\n"
    folder = make_book({"01-bombe.md": text}, files={"images/bombe.svg": _bomb()})
    assert len(_bomb().encode()) < 2000
    with pytest.raises(PublishError, match="once its <use> references are expanded") as error:
        build(folder, tmp_path / "out", BuildOptions(formats=("pdf",)))
    assert error.value.path == folder / "chapters" / "01-bombe.md" and error.value.line == line_of(text, "bombe.svg")


@pytest.mark.parametrize(
    "style",
    [
        # text after a kept child of <style> (here <title>) is part of the sheet a reader applies
        "rect{fill:red}<title>t</title>@import url(http://evil.example/x.css); "
        "rect{fill:url(http://evil.example/track.png)}",
        # the tail of a dropped unknown child is moved back into the sheet
        "rect{fill:red}<x>y</x>@import url(http://evil.example/x.css); rect{fill:url(http://evil.example/t.png)}",
        "<![CDATA[@import url(http://evil.example/x.css); rect{fill:url(http://evil.example/t.png)}]]>",
    ],
)
def test_the_whole_text_of_a_style_is_cleaned_children_and_cdata_included(style):
    safe = make_svg_safe(f'<svg {SVG}><style>{style}</style><rect width="5" height="5"/></svg>'.encode())
    assert "evil.example" not in safe.text and "@import" not in safe.text
    assert '<rect width="5" height="5"/>' in safe.text and safe.removed


@pytest.mark.parametrize(
    "value, function",
    [
        ("-webkit-image-set('http://evil.example/a.png' 1x)", "-webkit-image-set"),
        ("image-set(url(http://evil.example/a.png) 1x)", "image-set"),
        ('cross-fade("a.png", "b.png", 50%)', "cross-fade"),
        ("image('http://evil.example/a.png')", "image"),
        ("element(#other)", "element"),
        ("paint(worklet)", "paint"),
        ("\\69mage-set('http://evil.example/a.png' 1x)", "image-set"),  # a CSS escape spells it the same
        ("var(--x, unknown('http://evil.example/a.png'))", "unknown"),  # any function with a string
        ('url("http://evil.example/a.png")', "url"),
    ],
)
def test_css_that_fetches_by_any_function_is_removed_and_named(value, function):
    drawing = f"""<svg {SVG}><style>rect{{fill:{value};stroke:url(#g)}}</style>
<linearGradient id="g"/><rect style="fill:{escape(value)};stroke:url('#g')"/></svg>"""
    safe = make_svg_safe(drawing.encode())
    assert safe.removed == (f"a {function}() to another file (×2)",)
    assert "evil.example" not in safe.text and function not in safe.text.replace("url(", "")
    assert "rect{stroke:url(#g)}" in safe.text and _tree(safe.text)[2].get("style") == 'stroke:url("#g")'


# -- Markers: drawn once per vertex, and again inside each other ----------------------------------------

ARROWS = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">\
<path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>
<g class="edge"><path d="M10,10C40,10 60,50 90,50" fill="none" stroke="#333" marker-end="url(#arrow)"/></g>
<g class="edge"><path d="M90,50 L150,50 L150,90" fill="none" stroke="#333" style="marker-end:url(#arrow)"/></g>
<line x1="10" y1="90" x2="80" y2="90" stroke="#333" marker-start="url(#arrow)" marker-end="url(#arrow)"/>
</svg>"""


def _marker_bomb(n: int = 40, nest: str = "attribute") -> str:
    """Markers m1..m3 drawn at each of the n vertices of a polyline that itself draws the marker below:
    n ** 4 rectangles from a one-kilobyte file. ``nest`` says how a marker's polyline uses the next one:
    its own attribute or style=, or inherited from the <g> around the <marker> (marker content inherits
    from the marker's ancestors)."""
    points = " ".join(f"{i},{i % 2}" for i in range(n))
    markers = ['<marker id="m0"><rect width="1" height="1"/></marker>']
    for i in range(1, 4):
        uses = f"url(#m{i - 1})"
        if nest == "attribute":
            markers.append(f'<marker id="m{i}"><polyline points="{points}" marker-mid="{uses}"/></marker>')
        elif nest == "style":
            markers.append(f'<marker id="m{i}"><polyline points="{points}" style="marker-mid:{uses}"/></marker>')
        else:
            markers.append(f'<g style="marker-mid:{uses}"><marker id="m{i}"><polyline points="{points}"/></marker></g>')
    return f'<svg {SVG}><defs>{"".join(markers)}</defs><polyline points="{points}" marker-mid="url(#m3)"/></svg>'


def test_a_marker_counts_once_per_vertex_of_each_shape_it_is_drawn_on():
    # polyline of 4 points: 5 (a polygon's closing one included) × (marker 1 + rect 1) + 1; line: 2 × 2 + 1; path M L L z: 4 × 2 + 1
    m = '<marker id="m"><rect/></marker>'
    assert expanded_size(_tree(f'<svg {SVG}>{m}<polyline points="0,0 1,1 2,0 3,1" marker-mid="url(#m)"/></svg>')) == (
        1 + 2 + 1 + 5 * 2
    )
    assert expanded_size(_tree(f'<svg {SVG}>{m}<line style="marker-end:url(#m)"/></svg>')) == 1 + 2 + 5
    assert expanded_size(_tree(f'<svg {SVG}>{m}<g marker="url(#m)"><path d="M0 0L1 1 2 2z"/></g></svg>')) == (
        1 + 2 + 1 + 9
    )
    # a <use> draws its content with the markers in effect on the <use>, so those count on every shape
    used = f'<svg {SVG}>{m}<path id="p" d="M0 0L1 1"/><use href="#p" marker-mid="url(%23m)"/></svg>'
    assert expanded_size(_tree(used.replace("%23", "#"))) == 1 + 2 + 5 + 1 + 5
    # n = 40: the top polyline draws m3 at 41 vertices (upper bound), its polyline m2 at 41, m2's m1 at
    # 41, m1's the rect of m0 at 41: 41 ** 4 rectangles, the n ** 4 that kept WeasyPrint busy a minute
    assert expanded_size(_tree(_marker_bomb(40))) > 41**4 > SvgLimits().expanded


@pytest.mark.parametrize("nest", ["attribute", "style"])
def test_markers_inside_a_marker_are_removed(nest):
    bomb = _marker_bomb(40, nest)
    assert len(bomb.encode()) < 1300
    safe = make_svg_safe(bomb.encode())
    assert safe.removed == ("a marker inside a marker (×3)",)
    assert safe.text.count("url(#m") == 1 and expanded_size(_tree(safe.text)) < 200


def test_markers_inherited_inside_a_marker_are_counted_and_refused():
    with pytest.raises(SvgRefused, match="more than 100,000 elements"):
        make_svg_safe(_marker_bomb(40, "inherited").encode())


def test_a_marker_property_in_a_style_rule_is_removed():
    # a rule may match the shapes inside a marker too: nesting that only a selector engine could see
    drawing = f"""<svg {SVG}><style>.c{{marker-mid:url(#m);stroke:red}} @media print{{path{{marker:url(#m)}}}}</style>
<marker id="m"><path class="c" d="M0 0L1 1"/></marker><path class="c" d="M0 0L1 1L2 2"/></svg>"""
    safe = make_svg_safe(drawing.encode())
    assert safe.removed == ("a marker in a <style> rule (set it on the shapes) (×2)",)
    assert ".c{stroke:red}" in safe.text and "marker-mid" not in safe.text and "marker:" not in safe.text


def test_a_diagram_with_arrow_markers_is_kept_unchanged():
    safe = make_svg_safe(ARROWS.encode())
    assert safe.removed == ()
    from lxml import etree

    canonical = etree.tostring(_tree(ARROWS), method="c14n")
    assert etree.tostring(_tree(safe.text), method="c14n") == canonical


@pytest.mark.slow
def test_a_marker_bomb_in_a_chapter_is_refused_before_layout(make_book, tmp_path):
    bomb = _marker_bomb(40, "inherited")
    assert len(bomb.encode()) < 1300
    text = "# Flèches\n\n![Des flèches](../images/fleches.svg)\n"
    folder = make_book({"01-fleches.md": text}, files={"images/fleches.svg": bomb})
    with pytest.raises(PublishError, match="more than 100,000 elements") as error:
        build(folder, tmp_path / "out", BuildOptions(formats=("pdf",)))
    assert error.value.path == folder / "chapters" / "01-fleches.md" and error.value.line == line_of(text, "fleches")


# -- Covers ----------------------------------------------------------------------------------------

COVER_TOML = '[book]\ntitle = "Couverture"\nauthors = ["Alice"]\nlang = "fr"\ndate = 2026-01-15\ncover = "images/couverture.jpg"\n'


@pytest.mark.slow
def test_a_cover_over_the_pixel_limit_is_refused_at_its_line_of_book_toml(make_book, tmp_path):
    folder = make_book(
        None, COVER_TOML + "[limits]\nimage_pixels = 100000\n", files={"images/couverture.jpg": _picture()}
    )
    with pytest.raises(PublishError) as error:
        build(folder, tmp_path / "out", BuildOptions(formats=("epub",)))
    (found,) = [d for d in error.value.diagnostics if d.path == folder / "book.toml"]
    assert (
        found.line == line_of(COVER_TOML, "cover =") and "400 × 300 pixels, over the limit of 100,000" in found.message
    )


@pytest.mark.slow
def test_an_undecodable_cover_is_an_author_error_not_a_bug(make_book, tmp_path):
    noise = bytes((i * 7919 + 13) % 251 for i in range(5000))  # not an image, and the same on every run
    folder = make_book(None, COVER_TOML, files={"images/couverture.jpg": noise})
    for command in (["check", str(folder)], ["build", str(folder), "--out", str(tmp_path / "out"), "--format", "epub"]):
        result = subprocess.run([sys.executable, "-m", "publish", *command], capture_output=True, text=True)
        assert result.returncode == 1, result.stderr
        printed = result.stdout + result.stderr  # `check` lists its findings on stdout
        assert "Traceback" not in printed and "bug" not in printed
        assert f"book.toml:{line_of(COVER_TOML, 'cover =')}: error: the cover image `images/couverture.jpg`" in printed


@pytest.mark.slow
@pytest.mark.epubcheck
def test_a_large_cover_is_scaled_to_the_stores_size(make_book, tmp_path):
    from tests.builds import epubcheck_messages

    folder = make_book(None, COVER_TOML, files={"images/couverture.jpg": _picture(size=(3000, 4500))})
    report = build(folder, tmp_path / "out", BuildOptions(formats=("epub",)))
    with zipfile.ZipFile(report.outputs[0].path) as archive:
        (name,) = [n for n in archive.namelist() if "cover" in n and n.endswith(".jpg")]
        with Image.open(io.BytesIO(archive.read(name))) as shown:
            assert shown.size == (1600, 2400)
    assert epubcheck_messages(report.outputs[0].path) == []


# -- Decoding ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_publish_check_decodes_a_truncated_jpeg_fully(make_book):
    import weasyprint  # noqa: F401  (it sets ImageFile.LOAD_TRUNCATED_IMAGES = True: the check must not care)

    whole = _picture()
    text = "# Photo\n\nLa photo :\n\n![Une photo](../images/photo.jpg)\n"
    folder = make_book({"01-photo.md": text}, files={"images/photo.jpg": whole[: len(whole) // 2]})
    (error,) = check_book(folder).errors
    assert error.path == folder / "chapters" / "01-photo.md" and error.line == line_of(text, "photo.jpg")
    assert "truncated" in error.message


def test_decoding_runs_under_a_budget_and_leaves_pillows_globals_alone(tmp_path):
    photo = tmp_path / "photo.png"
    photo.write_bytes(_picture("PNG"))
    before = (Image.MAX_IMAGE_PIXELS, __import__("PIL.ImageFile").ImageFile.LOAD_TRUNCATED_IMAGES)
    assert check_image(photo, "image/png", Limits()).problem is None
    late = check_image(photo, "image/png", Limits(), DecodeBudget(seconds=0))
    assert late.problem is not None and late.problem.startswith("took more than 0 s to decode")
    assert before == (Image.MAX_IMAGE_PIXELS, __import__("PIL.ImageFile").ImageFile.LOAD_TRUNCATED_IMAGES)


def test_the_pixel_limit_is_ours_and_checked_before_decoding(tmp_path):
    big = tmp_path / "grande.png"
    big.write_bytes(_picture("PNG", (2000, 1000)))
    problem = check_image(big, "image/png", Limits(image_pixels=1_000_000)).problem
    assert problem is not None and "2000 × 1000 pixels, over the limit of 1,000,000" in problem


# -- Remote images -----------------------------------------------------------------------------------


class _TricklingServer:
    """Sends the headers at once, then one byte of the body every half second."""

    def __init__(self) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = _picture("PNG", (8, 8))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for byte in body:
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:  # the client gave up
                        return
                    time.sleep(0.5)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _TricklingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.slow
def test_a_trickling_server_is_cut_off_at_the_total_deadline(tmp_path: Path):
    """Each byte comes well within urlopen's per-read timeout; only a deadline for the whole fetch stops it."""
    with _TricklingServer() as server, pytest.raises(RemoteError, match=r"could not be fetched.*more than 1\.5 s"):
        fetch_image(f"{server.url}/lente.png", tmp_path, RemotePolicy(allowed=True, timeout=1.5))
    assert not (tmp_path / ".publish" / "remote").exists()


@pytest.mark.slow
def test_a_trickling_server_is_cut_off_while_its_chapter_converts(make_book):
    """The fetch runs inside the chapter's bounded child: its own deadline holds there too."""
    from publish.convert.book import prepare_book
    from publish.load.manuscript import load_manuscript

    with _TricklingServer() as server:
        text = f"# Distante\n\nTexte.\n\n![Une image lente]({server.url}/lente.png)\n"
        folder = make_book({"01-distante.md": text})
        policy = RemotePolicy(allowed=True, timeout=1.5)
        prepared = prepare_book(load_manuscript(folder), remote=policy)
    (finding,) = [d for d in prepared.diagnostics if d.is_error]
    assert finding.path == folder / "chapters" / "01-distante.md" and finding.line == 5
    assert "more than 1.5 s" in finding.message
