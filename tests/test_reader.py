"""The EPUB in a real reading engine: foliate-js (the Foliate e-reader's engine) in headless Chromium."""

from __future__ import annotations

import pytest

from tests.builds import FIXTURES, MANUSCRIPT, built
from tests.reader_tools import ARTIFACTS, read_in_foliate

pytestmark = [pytest.mark.slow, pytest.mark.reader]


@pytest.fixture(scope="module")
def reading():
    build = built(MANUSCRIPT)
    shots = ARTIFACTS / "foliate"
    return read_in_foliate(build.output("epub"), shots), shots


def test_the_book_opens_with_its_metadata_and_no_script_error(reading):
    report, _ = reading
    assert report["opened"] is True and report["errors"] == []
    assert report["title"] == "L’Europe à poids ouverts" and report["language"] == "fr"


def test_navigation_lists_every_chapter_and_section(reading):
    report, _ = reading
    labels = [item["label"] for item in report["toc"]]
    assert labels[0] == "Introduction\u00a0: un continent en quête de voix" and len(labels) == 7
    assert labels[1] == "1. Deux empires et un continent"
    assert report["tocEntries"] == 7 + 30  # chapters and their `##` sections


def test_the_page_list_reaches_the_engine(reading):
    report, _ = reading
    assert report["pageList"] == [str(n) for n in range(1, 39)]


def test_the_cover_renders_as_a_large_image_with_its_description(reading):
    report, shots = reading
    cover = report["cover"]
    assert cover["image"]["width"] >= 1600  # decoded by the engine: 2,400 pixels high, A5 proportions
    assert cover["image"]["alt"].startswith("Couverture") and "L’Europe à poids ouverts" in cover["image"]["alt"]
    assert (shots / "cover.png").stat().st_size > 10_000


def test_a_chapter_with_a_footnote_renders_its_text_call_and_note(reading):
    report, shots = reading
    chapter = report["chapter"]
    assert chapter["label"] == "1. Deux empires et un continent"
    assert "Pour comprendre la stratégie européenne" in chapter["text"]
    assert chapter["noterefs"] >= 1 and len(chapter["footnotes"]) == chapter["noterefs"]
    assert chapter["pagebreaks"] >= 1
    assert (shots / "chapter.png").stat().st_size > 10_000


def test_a_fixture_book_opens_too(tmp_path):
    report = read_in_foliate(built(FIXTURES / "two-authors").output("epub"), tmp_path)
    assert report["opened"] is True and report["errors"] == [] and report["chapter"]["text"]
