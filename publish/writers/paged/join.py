"""Join chapters laid out apart into one tagged PDF (see chapterwise.py).

The skeleton PDF is the base: its front pages, its metadata (title, language, XMP, PDF/UA
or PDF/A identification) and the margins of every page (folios, running heads) are kept.
Each chapter's pages are copied in, drawn over the skeleton page they replace (its page
background and margin boxes; chapter documents paint neither);
the chapter's structure tree joins the document's, its parent-tree keys renumbered; its
named destinations and bookmarks are merged; a link to another chapter, written
``publish-link:<id>`` in the chapter's own PDF, becomes a link to that named destination.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, Object, Pdf, String

from publish.writers.paged.fontshare import share_fonts

LINK_SCHEME = "publish-link:"


@dataclass
class _Bookmark:
    title: object
    destination: object
    count: int
    children: list[_Bookmark]


def join_pdf(
    skeleton: bytes, front: int, chapters: Sequence[bytes], target: Path, fonts: Callable[[str], bytes | None]
) -> None:
    """Write to ``target`` the skeleton's first ``front`` pages, then every chapter's pages;
    ``fonts`` gives the original file of a font by its PDF name, when it was kept (see fontshare.py)."""
    with ExitStack() as stack:
        pdf = stack.enter_context(pikepdf.open(io.BytesIO(skeleton)))
        sources = [stack.enter_context(pikepdf.open(io.BytesIO(data))) for data in chapters]
        _join(pdf, front, sources)
        share_fonts(pdf, fonts)
        joined = io.BytesIO()
        pdf.save(joined, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    # Written by us, not by QPDF: a full disk is then an OSError the build reports, where
    # QPDF would abort the process and leave its own temporary file beside the output.
    target.write_bytes(joined.getbuffer())


@dataclass
class _Parts:
    """What the joined document gathers from the skeleton's front pages, then from each chapter."""

    front: int  # pages before the first chapter
    elements: list  # the structure tree's top-level elements, in page order
    trees: list[dict[int, Object]]  # each page of the join: the parent-tree entries of its source
    keys: list[int]  # each page of the join: its key in that source's parent tree
    destinations: list[tuple[String, Array]]
    bookmarks: list[_Bookmark]


def _join(pdf: Pdf, front: int, sources: list[Pdf]) -> None:
    stubs = len(pdf.pages) - front
    parts = _front_parts(pdf, front)
    margins = [_margins_form(pdf, pdf.pages[front + i]) for i in range(stubs)]
    for source in sources:
        _append_chapter(pdf, source, margins, parts)
    del pdf.pages[front : front + stubs]
    _write_parts(pdf, parts)


def _front_parts(pdf: Pdf, front: int) -> _Parts:
    """The skeleton's front pages and what belongs to them; its stand-ins' parts are dropped."""
    index_of = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    elements = [e for e in pdf.Root.StructTreeRoot.K[0].K if (_page_index(e, index_of) or 0) < front]
    kept = {page.obj.objgen: page.obj for page in pdf.pages[:front]}
    return _Parts(
        front,
        elements,
        [_numbers(pdf.Root.StructTreeRoot.ParentTree)] * front,
        list(range(front)),
        _destinations(pdf, kept),
        [b for b in _bookmarks(pdf, kept) if b.destination is not None],
    )


def _append_chapter(pdf: Pdf, source: Pdf, margins: list[pikepdf.Object], parts: _Parts) -> None:
    """Copy a chapter's pages after the others, each over its skeleton page's margins, and its
    structure, destinations and bookmarks with them."""
    first = len(pdf.pages)
    for page in source.pages:
        pdf.pages.append(page)
    page_map = {page.obj.objgen: pdf.pages[first + i].obj for i, page in enumerate(source.pages)}
    copied = pdf.copy_foreign(source.Root.StructTreeRoot)  # the same copier: /Pg points at the copied pages
    tree = _numbers(copied.ParentTree)
    for element in copied.K[0].K:
        element.P = pdf.Root.StructTreeRoot.K[0]
        parts.elements.append(element)
    for i in range(len(source.pages)):
        final = len(parts.keys)
        page = pdf.pages[first + i]
        _put_under(pdf, page, margins[final - parts.front])
        parts.keys.append(int(page.StructParents))
        parts.trees.append(tree)
        page.StructParents = final
    parts.destinations += _destinations(source, page_map)
    parts.bookmarks += _bookmarks(source, page_map)


def _write_parts(pdf: Pdf, parts: _Parts) -> None:
    """One structure tree, parent tree, name tree of destinations and outline for the join."""
    root = pdf.Root.StructTreeRoot
    root.K[0].K = Array(parts.elements)
    nums: list[object] = [x for i in range(len(pdf.pages)) for x in (i, parts.trees[i][parts.keys[i]])]
    next_key = len(pdf.pages)
    for i, page in enumerate(pdf.pages):
        for annotation in page.get("/Annots", []):
            _relink(annotation)
            if "/StructParent" in annotation:
                nums += [next_key, parts.trees[i][int(annotation.StructParent)]]
                annotation.StructParent = next_key
                next_key += 1
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=Array(nums)))
    root.ParentTreeNextKey = next_key
    destinations = sorted(parts.destinations, key=lambda item: bytes(item[0]))
    pdf.Root.Names.Dests = Dictionary(Names=Array([x for pair in destinations for x in pair]))
    pdf.Root.Outlines = _outline(pdf, parts.bookmarks)


def _numbers(tree: Object) -> dict[int, Object]:
    """A parent tree as WeasyPrint writes it: one flat /Nums array."""
    flat = list(tree.Nums)
    return {int(flat[i]): flat[i + 1] for i in range(0, len(flat), 2)}


def _page_index(element: Object, index_of: Mapping[tuple[int, int], int]) -> int | None:
    """The page a structure element (or its first descendant with a page) is on."""
    if "/Pg" in element:
        return index_of.get(element.Pg.objgen)
    kids = element.get("/K")
    for kid in kids if isinstance(kids, Array) else [kids] if kids is not None else []:
        if isinstance(kid, Dictionary):
            found = _page_index(kid, index_of)
            if found is not None:
                return found
    return None


def _margins_form(pdf: Pdf, stub: pikepdf.Page) -> pikepdf.Object:
    """The skeleton page as a form, its marked content made artifacts: running heads and folios
    are pagination artifacts, and the skeleton's structure tree (which WeasyPrint gives the
    margin boxes' text) is not carried into the join."""
    content = [
        ([Name.Artifact], pikepdf.Operator("BMC"))
        if str(instruction.operator) == "BDC"
        else (instruction.operands, instruction.operator)
        for instruction in pikepdf.parse_content_stream(stub)
    ]
    stub.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(content))
    return stub.as_form_xobject()


def _put_under(pdf: Pdf, page: pikepdf.Page, margins: pikepdf.Object) -> None:
    """Draw ``margins`` first, as an artifact, then the page's own content over it."""
    # WeasyPrint shares one resource dictionary between all pages: this page gets its own,
    # or every page would list every page's margins.
    resources = Dictionary(dict(page.obj.Resources.items()))
    xobjects = dict(resources.get("/XObject", Dictionary()).items())
    resources.XObject = Dictionary({**xobjects, _MARGINS: margins})
    page.obj.Resources = resources
    page.contents_add(pdf.make_stream(f"q /Artifact BMC {_MARGINS} Do EMC Q\n".encode()), prepend=True)


_MARGINS = "/PublishMargins"


def _relink(annotation: Object) -> None:
    """``publish-link:<id>`` (a link to another chapter) -> a link to the named destination."""
    action = annotation.get("/A")
    uri = str(action.get("/URI", "")) if isinstance(action, Dictionary) else ""
    if uri.startswith(LINK_SCHEME):
        name = uri[len(LINK_SCHEME) :]
        del annotation["/A"]
        annotation.Dest = String(name)
        annotation.Contents = String(name)


def _destinations(source: Pdf, pages: Mapping[tuple[int, int], Dictionary]) -> list[tuple[String, Array]]:
    """The named destinations that point to one of ``pages`` (source page -> page of the join)."""
    names = source.Root.get("/Names")
    dests = names.get("/Dests") if names is not None else None
    flat = list(dests.Names) if dests is not None else []
    found = [(String(bytes(flat[i])), _moved(flat[i + 1], pages)) for i in range(0, len(flat), 2)]
    return [(name, destination) for name, destination in found if destination is not None]


def _moved(destination: object, pages: Mapping[tuple[int, int], Dictionary]) -> Array | None:
    """[page /XYZ x y zoom] pointing at the page's copy; None for a page left out."""
    if not isinstance(destination, Array) or not len(destination) or destination[0].objgen not in pages:
        return None
    return Array([pages[destination[0].objgen], *destination[1:]])


def _bookmarks(source: Pdf, pages: Mapping[tuple[int, int], Dictionary]) -> list[_Bookmark]:
    outlines = source.Root.get("/Outlines")
    return list(_read_items(outlines, pages)) if outlines is not None else []


def _read_items(parent: Object, pages: Mapping[tuple[int, int], Dictionary]) -> Iterator[_Bookmark]:
    item = parent.get("/First")
    while item is not None:
        yield _Bookmark(
            String(bytes(item.Title)),
            _moved(item.get("/Dest"), pages),
            int(item.get("/Count", 0)),
            [b for b in _read_items(item, pages) if b.destination is not None],
        )
        item = item.get("/Next")


def _outline(pdf: Pdf, bookmarks: list[_Bookmark]) -> Dictionary:
    root = pdf.make_indirect(Dictionary(Type=Name.Outlines))
    visible = _link_items(pdf, root, bookmarks)
    root.Count = visible
    return root


def _link_items(pdf: Pdf, parent: Dictionary, bookmarks: list[_Bookmark]) -> int:
    """Write ``bookmarks`` under ``parent``; the number of items shown when all open ones are."""
    items = [pdf.make_indirect(Dictionary(Title=b.title, Dest=b.destination, Parent=parent)) for b in bookmarks]
    visible = len(items)
    for i, (item, bookmark) in enumerate(zip(items, bookmarks)):
        if i:
            item.Prev = items[i - 1]
        if i + 1 < len(items):
            item.Next = items[i + 1]
        shown = _link_items(pdf, item, bookmark.children)
        if bookmark.children:
            item.Count = shown if bookmark.count >= 0 else -shown
            visible += shown if bookmark.count >= 0 else 0
    if items:
        parent.First, parent.Last = items[0], items[-1]
    return visible
