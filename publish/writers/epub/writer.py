"""ebooklib: one XHTML per chapter, nav + NCX + landmarks, cover, pop-up notes, fonts, fixed bytes."""

from __future__ import annotations

import datetime
import html as html_module
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from ebooklib import epub

from publish.convert.checks import ACCESSIBILITY
from publish.convert.html_tree import escape
from publish.model import Asset, Book, Note, PageStart, PreparedBook, RenderedChapter, slugify
from publish.theme.context import BookView, book_view, chapter_view
from publish.theme.loading import Theme
from publish.theme.templating import html, make_environment, render
from publish.writers.epub.cssvars import resolve_custom_properties
from publish.writers.epub.fonts import embed_fonts
from publish.writers.epub.pagemarks import assign_pages, edit_nav, insert_markers
from publish.writers.resample import EPUB_MAX_WIDTH, downsample_image

STYLESHEET = "styles/book.css"
PACKAGE = "EPUB/content.opf"
# Apple Books draws the book's own fonts only when this file says so (its "Original" font).
APPLE_OPTIONS = "META-INF/com.apple.ibooks.display-options.xml"
# Ids of the front matter, in the PDF's HTML, and the EPUB document that holds each.
_FRONT_FILES = {"cover": "cover.xhtml", "title-page": "title.xhtml", "copyright": "copyright.xhtml", "toc": "nav.xhtml"}
# What we generate sits at the top of the container, where nothing of the author's may go: their
# images are all kept under images/ (_container_names), and a chapter never takes a front page's name
# (_file_names), so a chapter `title.md` or an image `images/cover.jpg` replaces nothing of ours.
COVER_IMAGE = "cover.jpg"
AUTHOR_IMAGES = "images/"
# ZIP cannot store a time before 1980: a book dated 1950 keeps its date in the OPF, its entries get ZIP's floor.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class EpubResult:
    files: int  # content documents in the spine


def write_epub(
    prepared: PreparedBook,
    theme: Theme,
    target: Path,
    cover: bytes,
    timestamp: datetime.datetime,
    pages: Sequence[PageStart] = (),
    page_source: str = "",
) -> EpubResult:
    """Write the EPUB 3 to ``target``; ``timestamp`` fixes dcterms:modified and zip times.

    ``pages`` (where each page of the PDF built alongside begins) adds page-break
    markers, a `page-list` and ``page_source`` as the `pageBreakSource`.
    """
    book, chapters = prepared.book, prepared.chapters
    environment = make_environment(theme, "epub")
    words = theme.words
    view = book_view(prepared, words)
    files = _file_names(chapters)
    owner = {id_: files[r.chapter.slug] for r in chapters for id_ in r.ids}

    titles = {f"{r.chapter.slug}--chapter--title": files[r.chapter.slug] for r in chapters}  # made by chapter.html
    placed = assign_pages(pages, {**owner, **titles, **_FRONT_FILES})
    doc = epub.EpubBook()
    _set_metadata(doc, book, view, words, chapters, page_source if pages else "")
    css = epub.EpubItem(
        uid="style-book",
        file_name=STYLESHEET,
        media_type="text/css",
        content=_stylesheet(theme).encode("utf-8"),
    )
    doc.add_item(css)  # the fonts come once the documents are written: only the faces they use
    assets = sorted({a.href: a for r in chapters for a in r.assets}.values(), key=lambda a: a.href)
    container = _container_names([a.href for a in assets])
    for index, asset in enumerate(assets, start=1):  # ids by place: slugs of `a-b.png` and `a/b.png` meet
        doc.add_item(
            epub.EpubItem(
                uid=f"img-{index}",
                file_name=container[asset.href],
                media_type=asset.media_type,
                content=_image_bytes(asset),
            )
        )
    doc.add_item(epub.EpubCover(uid="cover-image", file_name=COVER_IMAGE))
    doc.get_item_with_id("cover-image").content = cover
    doc.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})

    def page(uid: str, file_name: str, title: str, content: str, lang: str) -> epub.EpubHtml:
        item = epub.EpubHtml(uid=uid, file_name=file_name, title=title, lang=lang)
        item.content = insert_markers(
            render(environment, "page.xhtml", title=title, lang=lang, content=html(content)), placed.get(file_name, ())
        )
        item.add_item(css)
        doc.add_item(item)
        return item

    common = {"book": view, "words": words}
    lang = book.metadata.lang
    cover_page = page(
        "cover",
        "cover.xhtml",
        str(words["cover"]),
        render(environment, "cover.html", cover_href=COVER_IMAGE, **common),
        lang,
    )
    title_page = page(
        "title-page", "title.xhtml", str(words["title_page"]), render(environment, "title-page.html", **common), lang
    )
    copyright_page = page(
        "copyright", "copyright.xhtml", str(words["copyright"]), render(environment, "copyright.html", **common), lang
    )
    chapter_items = []
    for rendered in chapters:
        body = rendered.body_with(lambda note: _noteref(note))
        body += render(environment, "notes.html", notes=rendered.notes, **common)
        body = _retarget_links(body, owner, files[rendered.chapter.slug])
        body = _rename_images(body, container)
        chapter = chapter_view(rendered, words, body, files[rendered.chapter.slug])
        chapter_items.append(
            page(
                rendered.chapter.slug,
                chapter.href,
                chapter.title,
                render(environment, "chapter.html", chapter=chapter, **common),
                chapter.lang,
            )
        )

    doc.toc = [_toc_entry(r, item) for r, item in zip(chapters, chapter_items, strict=True)]
    doc.add_item(epub.EpubNcx())
    nav = epub.EpubNav(title=str(words["contents"]))
    nav.add_item(css)
    doc.add_item(nav)
    doc.guide = [
        {"type": "cover", "href": cover_page.file_name, "title": str(words["cover"])},
        {"type": "toc", "href": "nav.xhtml", "title": str(words["contents"])},
        {"type": "text", "href": chapter_items[0].file_name, "title": str(words["start"])},
    ]
    doc.spine = [cover_page, title_page, copyright_page, nav, *chapter_items]

    raw = io.BytesIO()
    epub.write_epub(raw, doc, {"mtime": timestamp, "epub3_pages": False, "landmark_title": str(words["contents"])})
    order = {item.file_name: index for index, item in enumerate(doc.spine)}
    page_list = [(f, s.number) for f, found in sorted(placed.items(), key=lambda i: order.get(i[0], 0)) for s in found]
    edits = {
        PACKAGE: lambda text: _package_lang(text, book.metadata.lang),
        "EPUB/nav.xhtml": lambda text: _hide_landmarks(
            edit_nav(text, placed.get("nav.xhtml", ()), page_list, str(words["pages"]))
        ),
    }
    entries = _entries(raw.getvalue(), edits)
    if book.epub.embed_fonts:
        entries = embed_fonts(entries, theme.fonts, PACKAGE, "EPUB/" + STYLESHEET)
    entries[APPLE_OPTIONS] = render(environment, "display-options.xml").encode("utf-8")
    target.write_bytes(_pack(entries, timestamp))
    return EpubResult(files=len(doc.spine))


def _set_metadata(
    doc: epub.EpubBook,
    book: Book,
    view: BookView,
    words: dict[str, object],
    chapters: Sequence[RenderedChapter],
    page_source: str,
) -> None:
    """Dublin Core and accessibility metadata; titles and descriptions as typeset for display."""
    meta = book.metadata
    doc.set_identifier(meta.identifier)
    doc.set_title(view.title)
    doc.set_language(meta.lang)
    for index, author in enumerate(meta.authors, start=1):
        doc.add_author(author, uid=f"creator-{index}")
    doc.add_metadata("DC", "date", meta.date.isoformat())
    for name, value in (("publisher", meta.publisher), ("rights", view.rights), ("description", view.description)):
        if value:
            doc.add_metadata("DC", name, value)
    if view.subtitle:
        doc.add_metadata("DC", "title", view.subtitle, {"id": "subtitle"})
        doc.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"})
    images = [a for r in chapters for a in r.assets]
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    described = all(r.images_described for r in chapters)
    if images and described:
        features.append("alternativeText")
    if page_source:  # the page list and markers are there: say so, and which edition they follow
        features += ["pageBreakMarkers", "pageNavigation", "printPageNumbers"]
        doc.add_metadata(None, "meta", page_source, {"property": "pageBreakSource"})
    modes = ["textual", "visual"] if images else ["textual"]
    for mode in modes:
        doc.add_metadata(None, "meta", mode, {"property": "schema:accessMode"})
    # Text alone suffices when every image is described; otherwise sight is needed too.
    sufficient = "textual" if described else "textual,visual"
    doc.add_metadata(None, "meta", sufficient, {"property": "schema:accessModeSufficient"})
    for feature in features:
        doc.add_metadata(None, "meta", feature, {"property": "schema:accessibilityFeature"})
    doc.add_metadata(None, "meta", "none", {"property": "schema:accessibilityHazard"})
    # Claimed only when our own checks found nothing against it (every image described, no
    # heading level skipped); Ace by DAISY confirms it in the test suite.
    if described and not any(d.code in ACCESSIBILITY for r in chapters for d in r.diagnostics):
        doc.add_metadata(None, "meta", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA", {"property": "dcterms:conformsTo"})
        # Naming who checked is a claim only the book can make: our checks certify nobody.
        if book.epub.accessibility_certified_by.strip():
            certifier = book.epub.accessibility_certified_by.strip()
            doc.add_metadata(None, "meta", certifier, {"property": "a11y:certifiedBy"})
    doc.add_metadata(None, "meta", str(words["accessibility_summary"]), {"property": "schema:accessibilitySummary"})


def _file_names(chapters: Sequence[RenderedChapter]) -> dict[str, str]:
    """Each chapter's document, by slug: its file's name, never a front page's nor another chapter's.

    `title.md` -> `title-2.xhtml` (title.xhtml is the title page); `a/intro.md` and `b/intro.md`
    -> `intro.xhtml` and `intro-2.xhtml`.
    """
    taken = set(_FRONT_FILES.values())
    names: dict[str, str] = {}
    for rendered in chapters:
        base = slugify(rendered.chapter.file_stem) or rendered.chapter.slug
        candidate, counter = base + ".xhtml", 1
        while candidate in taken:
            counter += 1
            candidate = f"{base}-{counter}.xhtml"
        taken.add(candidate)
        names[rendered.chapter.slug] = candidate
    return names


def _noteref(note: Note) -> str:
    return (
        f'<a class="noteref" id="{note.call_id}" href="#{note.id}" epub:type="noteref" '
        f'role="doc-noteref">{note.number}</a>'
    )


_HREF = re.compile(r'href="#([^"]+)"')
_SRC = re.compile(r'src="([^"]+)"')


def _container_names(hrefs: list[str]) -> dict[str, str]:
    """Image paths as the EPUB stores them: ASCII, no spaces (EPUBCheck warns, old readers fail),
    all under images/, where nothing we generate goes.

    `images/photo d'été.png` -> `images/photo-d-ete.png`, `cover.jpg` -> `images/cover.jpg`;
    a clash gets `-2`, `-3`...
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for href in hrefs:
        folder, _, name = href.removeprefix(AUTHOR_IMAGES).rpartition("/")
        folder = "/".join(part.lstrip(".") for part in folder.split("/")) if folder else ""  # .publish/remote
        stem, dot, suffix = name.rpartition(".")
        base = AUTHOR_IMAGES + (folder + "/" if folder else "") + (slugify(stem) or "image")
        candidate, counter = base + dot + suffix.lower(), 1
        while candidate in taken:
            counter += 1
            candidate = f"{base}-{counter}{dot}{suffix.lower()}"
        taken.add(candidate)
        names[href] = candidate
    return names


def _image_bytes(asset: Asset) -> bytes:
    """An SVG as cleaned at conversion; a raster image no wider than a reading system's screen
    (a 3000 px photo would weigh megabytes for nothing)."""
    if asset.content is not None:
        return asset.content.encode("utf-8")
    return downsample_image(asset.source.read_bytes(), EPUB_MAX_WIDTH)


def _rename_images(body: str, names: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        source = unquote(html_module.unescape(match.group(1)))  # lxml percent-encodes non-ASCII in src
        return f'src="{escape(names[source])}"' if source in names else match.group(0)

    return _SRC.sub(replace, body)


def _retarget_links(body: str, owner: dict[str, str], here: str) -> str:
    """`#id` -> `file.xhtml#id` when the id lives in another chapter's file."""

    def replace(match: re.Match[str]) -> str:
        target = unquote(match.group(1))  # the serialiser percent-encodes ids with accents (#gérer-…)
        file_name = owner.get(target)
        if file_name is None or file_name == here:
            return match.group(0)
        if target.startswith("ch-") and "--" not in target:  # the chapter itself
            return f'href="{file_name}"'
        return f'href="{file_name}#{match.group(1)}"'

    return _HREF.sub(replace, body)


def _toc_entry(rendered: RenderedChapter, item: epub.EpubHtml) -> object:
    chapter = rendered.chapter
    plain = rendered.title_text
    title = f"{chapter.number}. {plain}" if chapter.number else plain
    sections = [h for h in rendered.headings if h.level == 2]
    if not sections:
        return epub.Link(item.file_name, title, chapter.slug)
    children = [epub.Link(f"{item.file_name}#{h.id}", h.text, f"toc-{h.id}") for h in sections]
    return (epub.Section(title, href=item.file_name), children)


def _stylesheet(theme: Theme) -> str:
    css = "\n".join(path.read_text(encoding="utf-8") for path in theme.stylesheets["epub"])
    css = re.sub(r"/\*.*?\*/\s*", "", css, flags=re.S)  # comments are for theme authors, not readers
    return resolve_custom_properties(css)


def _hide_landmarks(nav: str) -> str:
    """The landmarks are for the reading system's menus: in the spine, the navigation document
    shows only the table of contents."""
    return re.sub(r'<nav epub:type="landmarks"(?![^>]*hidden)', '<nav epub:type="landmarks" hidden=""', nav, count=1)


def _package_lang(opf: str, lang: str) -> str:
    """xml:lang on <package>: the publication's language for assistive technology (Ace's epub-lang)."""
    return opf.replace("<package ", f'<package xml:lang="{lang}" ', 1) if "<package xml:lang" not in opf else opf


def _entries(data: bytes, edits: dict[str, Callable[[str], str]]) -> dict[str, bytes]:
    """The container's files by name, with ``edits`` applied to the text of those they name."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    for name, edit in edits.items():
        entries[name] = edit(entries[name].decode("utf-8")).encode("utf-8")
    return entries


def _pack(entries: dict[str, bytes], timestamp: datetime.datetime) -> bytes:
    """Fixed times and order: mimetype first and stored, the rest deflated."""
    date_time = max(timestamp.timetuple()[:6], _ZIP_EPOCH)
    ordered = ["mimetype"] + sorted(n for n in entries if n != "mimetype")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in ordered:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            target.writestr(info, entries[name], compresslevel=9 if name != "mimetype" else None)
    return out.getvalue()
