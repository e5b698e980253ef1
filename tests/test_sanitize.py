"""Raw HTML: the allow-list holds, every removal is reported with its file and line."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile

import pytest
from lxml import html as lxml_html
from pypdf import PdfReader

from publish.build.pipeline import BuildOptions, build
from publish.convert.chapter import render_chapter
from publish.convert.sanitize import find_removals, sanitize
from publish.load.manuscript import load_manuscript
from tests.builds import epubcheck_messages
from tests.conftest import line_of

HOSTILE = """\
# Un chapitre piégé

Un paragraphe sûr avec <span class="notypo">du brut</span>, <sup>2</sup>, <kbd>Ctrl</kbd> et <abbr title="intelligence artificielle">IA</abbr>.

<script>alert("vol de cookies")</script>

Un bouton <span onclick="alert(1)">cliquable</span> et un *mot*{onmouseover="alert(2)"} piégés.

<iframe src="https://example.com/pub"></iframe>

[Cliquez ici](javascript:alert(3)) ou [là](data:text/html;base64,PHNjcmlwdD4=).

<object data="malware.swf"></object>

<div style="position: fixed; top: 0">Bandeau</div>

<p>Fin <img src="../images/rien.png" onerror="alert(4)" alt="rien"> du chapitre.</p>
"""


@pytest.fixture
def hostile(make_book):
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (40, 30), "#224466").save(png, "PNG")
    return make_book({"01-piege.md": HOSTILE}, files={"images/rien.png": png.getvalue()})


def _render(folder):
    book = load_manuscript(folder)
    return render_chapter(book.chapters[0], book.root)


def test_nothing_executable_survives(hostile):
    body = _render(hostile).body
    for forbidden in (
        "<script",
        "alert(",
        "<iframe",
        "<object",
        "onclick",
        "onmouseover",
        "onerror",
        "javascript:",
        "data:text/html",
        "position",
    ):
        assert forbidden not in body, forbidden


def test_safe_raw_html_is_kept(hostile):
    body = _render(hostile).body
    assert '<span class="notypo">du brut</span>' in body
    for kept in (
        "<sup>2</sup>",
        "<kbd>Ctrl</kbd>",
        '<abbr title="intelligence artificielle">IA</abbr>',
        "Bandeau",
        "cliquable",
    ):
        assert kept in body, kept
    links = lxml_html.fragment_fromstring(body, create_parent="div").iter("a")
    assert [link.text_content() for link in links] == ["Cliquez ici", "là"]  # the text stays, the URL goes


def test_each_removal_is_a_warning_with_its_line(hostile):
    warnings = [str(d) for d in _render(hostile).diagnostics]
    path = hostile / "chapters" / "01-piege.md"
    expected = {
        "<script> element": "<script>",
        "`onclick` attribute of <span>": "onclick=",
        "`onmouseover` attribute of <em>": "onmouseover=",
        "<iframe> element": "<iframe",
        "`javascript:` URL": "javascript:",
        "`data:` URL": "data:text",
        "<object> element": "<object",
        "`style` attribute of <div>": "position: fixed",
        "`onerror` attribute of <img>": "onerror=",
    }
    assert len(warnings) == len(expected), warnings
    for what, needle in expected.items():
        line = line_of(HOSTILE, needle)
        pattern = re.compile(rf"{re.escape(str(path))}:{line}:\d+: warning: removed unsafe HTML: {re.escape(what)}")
        assert any(pattern.match(w) for w in warnings), (what, warnings)


@pytest.mark.slow
@pytest.mark.epubcheck
def test_hostile_book_builds_a_clean_epub_and_a_pdf_without_javascript(hostile, tmp_path):
    report = build(hostile, tmp_path, BuildOptions(formats=("pdf", "epub")))
    assert sum("removed unsafe HTML" in str(w) for w in report.warnings) == 9
    epub = next(o.path for o in report.outputs if o.format == "epub")
    assert epubcheck_messages(epub) == []
    with zipfile.ZipFile(epub) as archive:
        text = " ".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xhtml"))
    assert not re.search(r"<script|\son\w+=|javascript:|<iframe|<object", text)
    pdf = next(o.path for o in report.outputs if o.format == "pdf")
    raw = pdf.read_bytes()
    assert b"/JavaScript" not in raw and b"/JS" not in raw
    uris = [
        str(a.get_object()["/A"].get("/URI"))
        for page in PdfReader(pdf).pages
        for a in page.get("/Annots", []) or []
        if "/A" in a.get_object()
    ]
    assert not any(u.startswith(("javascript:", "data:")) for u in uris)


@pytest.mark.slow
def test_command_line_prints_the_warnings(hostile, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "publish", "build", str(hostile), "--out", str(tmp_path), "--format", "epub"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    assert result.stderr.count("warning: ") == 9 and "Traceback" not in result.stderr
    assert re.search(r"01-piege\.md:5:\d+: warning: removed unsafe HTML: <script> element", result.stderr)


@pytest.mark.parametrize(
    "html",
    [
        "<p>Texte <em>simple</em></p>",
        '<table><tr><td style="text-align: right;">1</td></tr></table>',
        '<p><a href="https://example.org">lien</a> <a href="#x">ancre</a></p>',
        '<ol start="3"><li>trois</li></ol>',
    ],
)
def test_what_python_markdown_makes_needs_no_removal(html):
    assert find_removals(html) == []
    assert "text-align" not in html or "text-align" in sanitize(html)


def test_data_attributes_and_image_sizes_are_kept_without_a_warning():
    html = '<div class="exercice" data-niveau="2"><p>x</p></div><img src="a.png" alt="a" style="width: 50%">'
    assert find_removals(html) == []
    assert 'data-niveau="2"' in sanitize(html) and 'style="width:50%"' in sanitize(html)


def test_a_style_other_than_a_size_is_still_removed_from_an_image():
    html = '<img src="a.png" alt="a" style="position: fixed; width: 50%">'
    assert [r.what for r in find_removals(html)] == [
        "style `position: fixed; width: 50%` of <img> (only text-align, width and height are kept)"
    ]
    assert "position" not in sanitize(html)


@pytest.mark.parametrize("name", ["data-x:y", "data-"])
def test_a_data_attribute_that_is_no_xml_name_is_removed_and_reported(name):
    html = f'<span {name}="1">a</span>'
    assert name not in sanitize(html)
    assert [r.what for r in find_removals(html)] == [f"`{name}` attribute of <span>"]
