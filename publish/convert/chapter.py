"""Chapter Markdown -> RenderedChapter: the Markdown reader, then the HTML passes in the order PASSES lists.

Each pass reshapes the chapter's tree or takes something out of it as data (assets, links,
notes, the title), and records what is wrong in the chapter's SourceText, located in the
source. A new pass (numbering, citations, an index) is one more named entry, in its place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from publish.convert import (
    aliases,
    checks,
    content_model,
    figures,
    headings,
    ids,
    links,
    long_words,
    notes,
    tables,
    unsupported,
)
from publish.convert.html_tree import MAX_DEPTH, inner_html, too_deep
from publish.convert.reader import read_markdown
from publish.convert.remote_images import RemotePolicy
from publish.convert.sanitize import find_removals, sanitize
from publish.convert.typography import typeset_element, typeset_text
from publish.convert.typography.display import bind_display_lines, bind_element_tail
from publish.convert.typography.unbreakable import mark_unbreakable_words
from publish.errors import WARNING, PublishError
from publish.load.source import SourceText
from publish.model import Asset, Chapter, ExternalLink, Limits, Link, Note, RenderedChapter


@dataclass
class ChapterTree:
    """One chapter's conversion under way: the tree the passes reshape, and what they take out of it."""

    chapter: Chapter
    root: etree._Element
    source: SourceText
    book_root: Path
    limits: Limits
    remote: RemotePolicy
    assets: tuple[Asset, ...] = ()
    links: tuple[Link, ...] = ()
    external_links: tuple[ExternalLink, ...] = ()
    title_html: str = ""
    notes: tuple[Note, ...] = ()


def _figures(tree: ChapterTree) -> None:
    tree.assets = figures.make_figures(tree.root, tree.source, tree.book_root, tree.limits, tree.remote)


def _links(tree: ChapterTree) -> None:
    tree.links, tree.external_links = links.rewrite_links(tree.root, tree.source, tree.book_root)


def _title(tree: ChapterTree) -> None:
    tree.title_html = headings.take_title(tree.root)


def _title_note_calls(tree: ChapterTree) -> None:
    """A note call in the chapter's title would follow it into the contents and running heads,
    with no note there: it is left out, and the author told."""
    for heading in tree.root.iter("h1"):
        for label in notes.drop_calls(heading):
            tree.source.report_at(
                WARNING,
                f"footnote call `[^{label}]` in the chapter title is left out",
                tree.chapter.title_line or None,
                None,
                "call the note in the text, after the title",
            )
        break


def _notes(tree: ChapterTree) -> None:
    tree.notes, orphans, nested = notes.take_notes(tree.root, tree.chapter.slug)
    for label in nested:
        tree.source.warn(
            f"footnote call `[^{label}]` inside a note is left out",
            f"[^{label}]",
            "a note cannot call another: call it from the text, or write its text into this note",
        )
    for label in orphans:
        tree.source.warn(
            f"footnote `[^{label}]` is defined but never called; it is left out",
            f"[^{label}]:",
            f"call it with [^{label}] where it belongs, or delete the definition",
        )


def _not_empty(tree: ChapterTree) -> None:
    if not any(f.is_error for f in tree.source.findings):  # a broken image left out empties it
        checks.check_not_empty(tree.root, tree.source)


PASSES: tuple[tuple[str, Callable[[ChapterTree], None]], ...] = (
    ("content model", lambda tree: content_model.repair_content_model(tree.root)),
    ("unsupported syntax", lambda tree: unsupported.report_unsupported(tree.source)),
    ("heading aliases", lambda tree: aliases.add_heading_aliases(tree.root)),  # before typography changes the text
    ("heading levels", lambda tree: checks.check_heading_levels(tree.source)),
    ("note calls", lambda tree: checks.check_note_calls(tree.root, tree.source)),
    ("duplicate ids", lambda tree: checks.check_duplicate_ids(tree.root, tree.source)),
    ("figures", _figures),
    ("links", _links),
    ("table headers", lambda tree: tables.scope_table_headers(tree.root)),
    ("typography", lambda tree: typeset_element(tree.root, tree.chapter.lang)),  # after figures: captions too
    ("long words", lambda tree: long_words.mark_long_words(tree.root)),
    ("unbreakable words", lambda tree: mark_unbreakable_words(tree.root)),  # after long words: spans of its own
    ("display lines", lambda tree: bind_display_lines(tree.root)),  # after typography: its no-break spaces hold
    ("title note calls", _title_note_calls),
    ("title", _title),
    ("ids", lambda tree: ids.prefix_ids(tree.root, tree.chapter.slug)),
    ("notes", _notes),
    ("block ids", lambda tree: ids.number_blocks(tree.root, tree.chapter.slug)),
    ("not empty", _not_empty),
)


def render_chapter(
    chapter: Chapter, book_root: Path, limits: Limits = Limits(), remote: RemotePolicy = RemotePolicy()
) -> RenderedChapter:
    """Convert one chapter. ``book_root`` is the manuscript folder.

    What is wrong in the chapter (a missing image, a broken link, a skipped
    heading level) is returned in ``diagnostics`` rather than raised, so that one
    pass finds every mistake of the book; the pipeline stops on errors.
    """
    source = SourceText(chapter)
    html = _read(chapter, source)
    places = checks.Places(source)
    for removal in find_removals(html):
        line, column = places.next(removal.needle)
        source.report_at(
            WARNING,
            f"removed unsafe HTML: {removal.what}",
            line,
            column,
            "raw HTML is limited to a safe list of elements and attributes (README: Raw HTML)",
        )
    root = lxml_html.fragment_fromstring(sanitize(html) or "<p></p>", create_parent="div")
    tree = ChapterTree(chapter, root, source, book_root, limits, remote)
    for _name, run in PASSES:
        run(tree)
    chapter_notes = tree.notes
    return RenderedChapter(
        chapter=chapter,
        body=inner_html(root),
        headings=headings.collect_headings(root),
        notes=chapter_notes,
        external_links=tree.external_links,
        assets=tree.assets,
        links=tree.links,
        ids=frozenset(ids.all_ids(root))
        | {chapter.slug}
        | {n.id for n in chapter_notes}
        | {n.call_id for n in chapter_notes},
        title_html=_typeset_title(chapter) if chapter.title_line == 0 or not tree.title_html else tree.title_html,
        title_text=typeset_text(chapter.title, chapter.lang),
        images_described=all(
            (image.get("alt") or "").strip() or "decorative" in (image.get("class") or "").split()
            for image in root.iter("img")
        ),
        diagnostics=tuple(source.findings),
    )


_TOO_DEEP_HINT = (
    f"no book needs more than {MAX_DEPTH} levels of quotes, lists or HTML elements one inside another: "
    "write them flatter"
)


def _read(chapter: Chapter, source: SourceText) -> str:
    """The chapter's HTML, refused when it nests deeper than the tree can hold (never cut silently)."""
    try:
        html = read_markdown(chapter.text, chapter.lang)
    except RecursionError:  # the Markdown reader recurses once per level of lists and quotes
        line = _deepest_line(source)
        raise PublishError(
            "this chapter nests lists or quotes too deep to be read", chapter.source, line, _TOO_DEEP_HINT
        ) from None
    deep = too_deep(html)
    if deep is not None:
        error = source.fatal(f"this text is nested more than {MAX_DEPTH} levels deep", deep[:80], _TOO_DEEP_HINT)
        if error.line is None:
            error = PublishError(error.message, chapter.source, _deepest_line(source), _TOO_DEEP_HINT)
        raise error
    return html


def _deepest_line(source: SourceText) -> int:
    """The first line behind MAX_DEPTH levels of `>` or list indents (two columns or more each),
    else the deepest: where a nesting too deep for the reader is."""

    def depth(line: str) -> int:
        marks = re.match(r"[ \t>]*", line)
        prefix = marks.group() if marks else ""
        return prefix.count(">") * 2 + len(prefix.replace(">", ""))

    depths = [depth(line) for line in source.lines] or [0]
    index = next((i for i, d in enumerate(depths) if d >= 2 * MAX_DEPTH), depths.index(max(depths)))
    return source.chapter.first_line + index


def _typeset_title(chapter: Chapter) -> str:
    """A front-matter title as HTML, typeset like a `#` heading would have been."""
    heading = lxml_html.Element("h1")
    heading.text = chapter.title
    typeset_element(heading, chapter.lang)
    bind_element_tail(heading)
    return inner_html(heading)
