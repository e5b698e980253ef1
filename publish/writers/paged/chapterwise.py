"""Lay out a book whose chapters each start a page, one chapter at a time.

Each chapter is a WeasyPrint document of its own, with the margin boxes switched off:
the chapters are laid out in parallel processes and kept in the store (store.py) under a key
made of their HTML, the stylesheets and the bytes of every file they show, so that an
edit to one chapter lays out that chapter only. The font files the join subsets are kept
there too, under the hash of their bytes.

A *skeleton* document then gives everything that depends on where a chapter lands. It is
the book's own HTML with the front matter (cover, title page, table of contents) in full
and, for each chapter, a hidden stand-in exactly as many pages long: the chapter's head
(so its string-set feeds the running heads), all hidden, and an empty block bearing the id of each
element the front matter links to, on the page where the chapter's layout put it.
WeasyPrint lays the skeleton out with the theme as it is, so the table of contents'
``target-counter()`` numbers, the folios and the running heads come out as in a layout of
the whole book, at a few milliseconds a page. join.py then lays each chapter page under
its skeleton page's margins.

Only a theme that declares ``chapter_by_chapter = true`` is laid out this way (theme.toml,
checked against its CSS when the theme is loaded, theme/loading.py: running elements, ``target-counter()`` outside
the table of contents, counters that run across chapters, chapters that must start on a left
or right page, and @page rules for :first, :left, :right or :blank pages need the whole book).
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import json
import re
import secrets
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote, urljoin, urlparse

from publish.model import PageStart
from publish.processes import process_pool
from publish.store import Fingerprint, Store
from publish.writers.paged import fontshare, pagestarts
from publish.writers.paged.fontshare import keep_fonts
from publish.writers.paged.hyphenation import LAYOUT_MODULES, lay_out_hyphenated
from publish.writers.paged.join import LINK_SCHEME, join_pdf
from publish.writers.paged.pagestarts import page_starts
from publish.writers.paged.weasy import CssSource, LayoutSetup, lay_out, write_pdf

_MARGIN_BOXES = (
    "top-left-corner",
    "top-left",
    "top-center",
    "top-right",
    "top-right-corner",
    "right-top",
    "right-middle",
    "right-bottom",
    "bottom-right-corner",
    "bottom-right",
    "bottom-center",
    "bottom-left",
    "bottom-left-corner",
    "left-bottom",
    "left-middle",
    "left-top",
)
# Chapter documents paint neither the margin boxes nor the page's background: the skeleton does.
_MARGINS_OFF = (
    "@page {\n  background: none !important;\n"
    + "".join(f"  @{box} {{ content: none !important; }}\n" for box in _MARGIN_BOXES)
    + "}\nhtml, body { background: none !important; }\n"
)
_HREF = re.compile(r'href="#([^"]+)"')
_IDS = re.compile(r'\bid="([^"]+)"')
_SECTION_ID = re.compile(r'<body\b.*?<section\b[^>]*\bid="([^"]+)"', re.S)
_REFERENCE = re.compile(r"""(?:\bsrc=|url\()\s*["']?([^"')\s>]+)""")


@dataclass(frozen=True)
class SplitBook:
    """The book's HTML cut where the chapters begin."""

    head: str  # up to and with the <body> tag
    front: str  # what comes before the first chapter: cover, title page, table of contents
    chapters: tuple[str, ...]  # each chapter's <section>…</section>
    tail: str  # </body></html>


@dataclass(frozen=True)
class ChapterLayout:
    pages: int
    anchors: dict[str, int]  # each id -> the first page of the chapter (from 0) where it was laid out
    starts: tuple[PageStart, ...]  # where each page begins, numbered from 1 in the chapter
    warnings: tuple[str, ...]
    fonts: dict[str, str]  # each embedded font's PDF name -> the store key of its original file


@dataclass(frozen=True)
class Joined:
    pages: int
    warnings: tuple[str, ...]
    starts: tuple[PageStart, ...]
    laid_out: int  # chapters laid out in this build (the others came from the cache)
    made_skeleton: bool  # False: the skeleton came from the cache (no chapter changed length)


def split_html(html: str, slugs: Sequence[str]) -> SplitBook | None:
    """None when the chapters are not consecutive <section id="slug"> blocks of the body."""
    body = re.search(r"<body\b[^>]*>", html)
    end = html.rfind("</body>")
    if body is None or end < 0 or not slugs:
        return None
    starts, position = [], body.end()
    for slug in slugs:
        found = re.compile(rf'<section\b[^>]*\bid="{re.escape(slug)}"[^>]*>').search(html, position, end)
        if found is None:
            return None
        starts.append(found.start())
        position = found.end()
    bounds = [*starts, end]
    chapters = tuple(html[a:b] for a, b in itertools.pairwise(bounds))
    if not all(chunk.rstrip().endswith("</section>") for chunk in chapters):
        return None
    return SplitBook(html[: body.end()], html[body.end() : starts[0]], chapters, html[end:])


def chapter_html(split: SplitBook, index: int) -> str:
    """One chapter as a document; a link to another chapter gets a URL join.py turns back."""
    chunk = split.chapters[index]
    own = set(_IDS.findall(chunk))

    def relink(match: re.Match[str]) -> str:
        return match.group(0) if match.group(1) in own else f'href="{LINK_SCHEME}{match.group(1)}"'

    return split.head + _HREF.sub(relink, chunk) + split.tail


def skeleton_html(split: SplitBook, layouts: Sequence[ChapterLayout]) -> str:
    wanted = set(_HREF.findall(split.front))
    stand_ins = "".join(_stand_in(chunk, layout, wanted) for chunk, layout in zip(split.chapters, layouts))
    return split.head + split.front + stand_ins + split.tail


def _stand_in(chunk: str, layout: ChapterLayout, wanted: set[str]) -> str:
    opening = re.match(r"\s*<section\b[^>]*>", chunk)
    assert opening is not None  # split_html found it
    header = re.compile(r"\s*<header\b.*?</header>", re.S).match(chunk, opening.end())
    head = header.group(0) if header else ""
    present = set(_IDS.findall(opening.group(0) + head))
    pages: list[list[str]] = [[] for _ in range(layout.pages)]
    for name, page in layout.anchors.items():
        if name in wanted and name not in present:
            pages[page].append(name)
    marks = ["".join(f'<div id="{name}"></div>' for name in names) for names in pages]
    hidden = opening.group(0).replace("<section", '<section style="visibility: hidden"', 1)
    return (
        hidden
        + head
        + marks[0]
        + "".join(f'<div style="break-before: page">{m}</div>' for m in marks[1:])
        + "</section>\n"
    )


def write_by_chapter(
    html: str,
    slugs: Sequence[str],
    setup: LayoutSetup,
    target: Path,
    store: Store | None,
    workers: int,
    kind: str = "layout-pdf",
) -> Joined | None:
    """Lay out the chapters, then the skeleton (or take them from the ``store``, as entries of
    ``kind``), and join them into ``target``; None when this book must be laid out as one document."""
    split = split_html(html, slugs)
    if split is None:
        return None
    chapter_setup = setup.with_css(CssSource(text=_MARGINS_OFF))
    documents = [chapter_html(split, i) for i in range(len(slugs))]
    keys = [_key(document, chapter_setup) for document in documents]
    with tempfile.TemporaryDirectory(prefix=".chapters-", dir=target.parent) as scratch:
        # Without a store, this build's layouts are kept in a scratch one, for the join only.
        kept = store if store is not None else Store(Path(scratch), secrets.token_bytes(32))
        cached = {key: found for key in keys if store and (found := _cached(kept, kind, key))}
        missing = {key: document for key, document in zip(keys, documents) if key not in cached}
        made = {**cached, **_lay_out_all(missing, chapter_setup, kept, kind, workers)}  # one for every key
        layouts = {key: layout for key, (layout, _) in made.items()}
        pdfs = {key: pdf for key, (_, pdf) in made.items()}
        chosen = [layouts[key] for key in keys]
        # The skeleton changes only when a chapter's length, or a page the contents point to, does.
        document = skeleton_html(split, chosen)
        skeleton_key = "skeleton-" + _key(document, setup)
        found = _cached(kept, kind, skeleton_key) if store else None
        made_skeleton = found is None
        skeleton, skeleton_pdf = found or _lay_out_into(document, setup, kept, kind, skeleton_key, chapter=False)
        front = _front_pages(skeleton, slugs, chosen)
        if front is None:  # a stand-in came out longer than its chapter: a head taller than a page
            return None
        fonts = {name: key for layout in (skeleton, *chosen) for name, key in layout.fonts.items()}
        join_pdf(
            skeleton_pdf,
            front,
            [pdfs[key] for key in keys],
            target,
            lambda name: kept.get(FONTS, fonts[name]) if name in fonts else None,
        )
        if store is not None:
            store.prune(kind, {*keys, skeleton_key})
            store.prune(kind + RECORD, {*keys, skeleton_key})
            store.prune(FONTS, set(fonts.values()))
    starts = list(skeleton.starts[:front])
    offset = front
    for layout in chosen:
        starts += [PageStart(s.number + offset, s.anchor, s.text) for s in layout.starts]
        offset += layout.pages
    warnings = dict.fromkeys([*skeleton.warnings, *(w for layout in chosen for w in layout.warnings)])
    return Joined(offset, tuple(warnings), tuple(starts), len(missing), made_skeleton)


def _front_pages(skeleton: ChapterLayout, slugs: Sequence[str], layouts: Sequence[ChapterLayout]) -> int | None:
    """How many pages come before the first chapter, once every stand-in is checked to start
    where the chapters before it end."""
    front = skeleton.anchors.get(slugs[0])
    if front is None:
        return None
    expected = front
    for slug, layout in zip(slugs, layouts):
        if skeleton.anchors.get(slug) != expected:
            return None
        expected += layout.pages
    return front if expected == skeleton.pages else None


def _key(document: str, setup: LayoutSetup) -> str:
    """The chapter's HTML, the stylesheets, and the bytes of every file either points to."""
    return (
        Fingerprint("layout")
        .text("setup", setup.digest())
        .text("code", _CODE_DIGEST)
        .text("html", document)
        .files(set(_referenced_files(document, setup)))
        .key()
    )


def _code_digest(*modules: ModuleType) -> str:
    digest = hashlib.sha256()
    for module in modules:
        digest.update(hashlib.sha256(inspect.getsource(module).encode()).digest())
    return digest.hexdigest()


# A kept layout changes with the code that made it (the layout's modules, hyphenation.py's second
# pass, settle.py's, weasy_internals.py's reading of the lines) and the code that made its record.
_CODE_DIGEST = _code_digest(*LAYOUT_MODULES, pagestarts, fontshare, sys.modules[__name__])


def _referenced_files(document: str, setup: LayoutSetup) -> Iterator[Path]:
    texts = [(document, setup.base_url)]
    texts += [
        (s.content().decode("utf-8", "replace"), s.path.as_uri() if s.path else setup.base_url) for s in setup.css
    ]
    for text, base in texts:
        for reference in _REFERENCE.findall(text):
            url = urljoin(base, unquote(reference))
            if url.startswith("file:"):
                path = Path(unquote(urlparse(url).path))
                if path.is_file():
                    yield path


FONTS = "font"  # the store's kind for the original font files the join subsets (see fontshare.py)
RECORD = "-record"  # a layout's PDF is an entry of its kind; what the skeleton needs of it, of kind + RECORD


def _cached(store: Store, kind: str, key: str) -> tuple[ChapterLayout, bytes] | None:
    """A kept layout and its PDF, unless either is missing, damaged or not vouched for."""
    record, pdf = store.get(kind + RECORD, key), store.get(kind, key)
    if record is None or pdf is None:
        return None
    try:
        data = json.loads(record.decode("utf-8"))
        layout = ChapterLayout(
            int(data["pages"]),
            {str(k): int(v) for k, v in data["anchors"].items()},
            tuple(PageStart(**s) for s in data["starts"]),
            tuple(map(str, data["warnings"])),
            {str(k): str(v) for k, v in data["fonts"].items()},
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return layout, pdf


def _lay_out_all(
    missing: dict[str, str], setup: LayoutSetup, store: Store, kind: str, workers: int
) -> dict[str, tuple[ChapterLayout, bytes]]:
    jobs = sorted(missing.items(), key=lambda item: -len(item[1]))  # longest first: the workers end together
    if workers < 2 or len(jobs) < 2:
        return {key: _lay_out_into(document, setup, store, kind, key) for key, document in jobs}
    with process_pool(min(workers, len(jobs))) as pool:
        futures = {key: pool.submit(_lay_out_into, document, setup, store, kind, key) for key, document in jobs}
        return {key: future.result() for key, future in futures.items()}


def _lay_out_into(
    document: str, setup: LayoutSetup, store: Store, kind: str, key: str, chapter: bool = True
) -> tuple[ChapterLayout, bytes]:
    """Lay a chapter (or the skeleton) out, and keep its PDF, its record and its fonts in the store.

    A chapter goes through the hyphenation pass; its first page's parity is not known yet, so no
    page may end on a hyphen. The skeleton's visible text (the front matter) is never hyphenated."""
    if chapter:
        slug = _SECTION_ID.search(document)
        html_document, warnings, _ = lay_out_hyphenated(
            document, setup, recto_known=False, chapter=slug.group(1) if slug else ""
        )
    else:
        html_document, warnings = lay_out(document, setup)
    with tempfile.TemporaryDirectory(prefix="publish-layout-") as scratch:
        written = Path(scratch) / "layout.pdf"
        warnings += write_pdf(html_document, setup, written)
        pdf = written.read_bytes()
    fonts = keep_fonts(html_document, partial(_keep_font, store))
    anchors: dict[str, int] = {}
    for index, page in enumerate(html_document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
    layout = ChapterLayout(len(html_document.pages), anchors, page_starts(html_document), tuple(warnings), fonts)
    store.put(kind, key, pdf)
    store.put(kind + RECORD, key, json.dumps(asdict(layout)).encode("utf-8"))
    return layout, pdf


def _keep_font(store: Store, data: bytes) -> str:
    """Keep a font file under the hash of its bytes (a font upgrade is a new entry); its key."""
    key = Fingerprint(FONTS).data("font", data).key()
    if store.get(FONTS, key) is None:  # absent, damaged or sealed elsewhere: written again
        store.put(FONTS, key, data)
    return key
