"""Rule: every note sits on the page of its call; in a handout, no two notes of a page share a number.

Read from the PDF alone. The paged writer anchors each call and each note: a note
``<x>--note--<n>`` (or a URL note ``<x>--url-note--<n>``) is a named destination, and so
is its call ``<x>--call--<n>`` (``<x>--url-call--<n>``), which is also a link to the note.
A note's printed number is the word ("3.") that starts where the note's destination points.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pypdf import PdfReader

_NOTE = re.compile(r"(?P<base>.+)--(?P<kind>note|url-note)--(?P<number>\d+)")
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>')
_PAGE = re.compile(r"<page width=")


def check_pdf(path: Path) -> list[str]:
    reader = PdfReader(path)
    places = _destinations(reader)
    problems = []
    for name, (page, _, _) in sorted(places.items()):
        match = _NOTE.fullmatch(name)
        if match is None:
            continue
        call = f"{match['base']}--{'call' if match['kind'] == 'note' else 'url-call'}--{match['number']}"
        if call not in places:
            problems.append(f"{path.name}: page {page}: note {name} has no call anchor {call}")
        elif places[call][0] != page:
            problems.append(f"{path.name}: note {name} is on page {page}, its call on page {places[call][0]}")
    problems += _links_to_notes(reader, places, path.name)
    if path.name.endswith("-handout.pdf"):
        problems += _numbers_repeated(path)
    return problems


def _destinations(reader: PdfReader) -> dict[str, tuple[int, float, float]]:
    """Named destination -> (1-based page, left, top in PDF points from the bottom)."""
    found = {}
    for name, destination in reader.named_destinations.items():
        page = reader.get_destination_page_number(destination)
        if page >= 0:
            found[str(name)] = (page + 1, float(destination.left or 0), float(destination.top or 0))
    return found


def _links_to_notes(reader: PdfReader, places: dict[str, tuple[int, float, float]], name: str) -> list[str]:
    """A call is a link to its note: clicking it stays on the page."""
    problems = []
    for number, page in enumerate(reader.pages, start=1):
        for annotation in page.get("/Annots") or []:
            target = annotation.get_object().get("/Dest")
            if isinstance(target, str) and _NOTE.fullmatch(target) and places.get(target, (number,))[0] != number:
                problems.append(f"{name}: page {number}: the call links to {target}, on page {places[target][0]}")
    return problems


def note_numbers(path: Path) -> dict[str, tuple[int, str | None]]:
    """Each note's page and the number printed where it starts (None: no number found there)."""
    words = _words_by_page(path)
    found: dict[str, tuple[int, str | None]] = {}
    for name, (page, left, top) in _destinations(PdfReader(path)).items():
        if _NOTE.fullmatch(name) is None or page > len(words):
            continue
        height, page_words = words[page - 1]
        # The first word at the note's left edge, at or below its top: the marker; a URL note's QR code
        # (15 mm, centred on the line) puts the marker's line well below the top of the note's box.
        below = [(y - (height - top), text) for x, y, text in page_words if abs(x - left) < 4 and y > height - top - 3]
        start = min((item for item in below if item[0] < 48), default=None)
        number = re.match(r"\d+", start[1]) if start else None
        found[name] = (page, number.group() if number else None)
    return found


def _numbers_repeated(path: Path) -> list[str]:
    """A number twice on a page leaves the reader guessing which note a call means."""
    seen: dict[tuple[int, str], str] = {}
    problems = []
    for name, (page, number) in sorted(note_numbers(path).items()):
        if number is None:
            problems.append(f"{path.name}: page {page}: no number printed at the start of note {name}")
            continue
        other = seen.setdefault((page, number), name)
        if other != name:
            problems.append(f"{path.name}: page {page}: notes {other} and {name} are both numbered {number}")
    return problems


def _words_by_page(path: Path) -> list[tuple[float, list[tuple[float, float, str]]]]:
    """Each page's height and its words (left, top from the page's top, text), via pdftotext -bbox."""
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True).stdout
    pages = []
    for chunk in _PAGE.split(html)[1:]:
        height = float(re.search(r'height="([\d.]+)"', chunk).group(1))  # type: ignore[union-attr]
        pages.append((height, [(float(x), float(y), text) for x, y, text in _WORD.findall(chunk)]))
    return pages
