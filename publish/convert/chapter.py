"""Chapter Markdown -> RenderedChapter: one configured Python-Markdown per call."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import markdown as python_markdown
from lxml import html as lxml_html

from publish.convert import checks, repair, structure
from publish.convert.remote import RemotePolicy
from publish.convert.sanitize import find_removals, sanitize
from publish.convert.typography import typeset_element, typeset_text
from publish.errors import ERROR, Diagnostic
from publish.load.source import SourceText
from publish.model import Chapter, Limits, RenderedChapter, slugify

EXTENSIONS = (
    "tables",
    "footnotes",
    "fenced_code",
    "codehilite",
    "attr_list",
    "def_list",
    "abbr",
    "admonition",
    "sane_lists",
    "toc",
)


def _heading_slug(value: str, separator: str) -> str:
    # Ids must be XML names: a heading such as "2025 : le sommet" gets a letter first.
    slug = slugify(value).replace("-", separator) or "section"
    return slug if slug[0].isalpha() else "s" + separator + slug


def _extension_configs() -> dict[str, dict[str, object]]:
    return {
        "footnotes": {"SEPARATOR": "-", "BACKLINK_TEXT": "", "UNIQUE_IDS": False, "USE_DEFINITION_ORDER": False},
        "codehilite": {"css_class": "highlight", "guess_lang": False},
        "toc": {"slugify": _heading_slug, "permalink": False},
    }


def render_chapter(
    chapter: Chapter, book_root: Path, limits: Limits = Limits(), remote: RemotePolicy = RemotePolicy()
) -> RenderedChapter:
    """Convert one chapter. ``book_root`` is the manuscript folder.

    What is wrong in the chapter (a missing image, a broken link, a skipped
    heading level) is returned in ``diagnostics`` rather than raised, so that one
    pass finds every mistake of the book; the pipeline stops on errors.
    """
    converter = python_markdown.Markdown(
        extensions=list(EXTENSIONS), extension_configs=_extension_configs(), output_format="html"
    )
    html = converter.convert(chapter.text)
    source = SourceText(chapter)
    for removal in find_removals(html):
        source.warn(
            f"removed unsafe HTML: {removal.what}",
            removal.needle,
            "raw HTML is limited to a safe list of elements and attributes (README: Raw HTML)",
        )
    html = sanitize(html)
    root = lxml_html.fragment_fromstring(html or "<p></p>", create_parent="div")
    repair.repair_content_model(root)
    checks.check_heading_levels(source)
    checks.check_note_calls(root, source)
    checks.check_duplicate_ids(root, source)
    assets = structure.make_figures(root, source, book_root, limits, remote)
    links, externals = structure.rewrite_links(root, source, book_root)
    structure.scope_table_headers(root)
    typeset_element(root, chapter.lang)  # after figures, so that captions are typeset too
    repair.mark_long_words(root)
    title_html = structure.take_title(root)
    structure.prefix_ids(root, chapter.slug)
    notes, orphans = structure.take_notes(root, chapter.slug)
    structure.number_blocks(root, chapter.slug)
    for label in orphans:
        source.warn(
            f"footnote `[^{label}]` is defined but never called; it is left out",
            f"[^{label}]:",
            f"call it with [^{label}] where it belongs, or delete the definition",
        )
    if not any(f.is_error for f in source.findings):  # a broken image left out empties it
        checks.check_not_empty(root, source)
    headings = structure.collect_headings(root)
    return RenderedChapter(
        chapter=chapter,
        body=structure.inner_html(root),
        headings=headings,
        notes=notes,
        external_links=externals,
        assets=assets,
        links=links,
        ids=frozenset(structure.all_ids(root)) | {chapter.slug} | {n.id for n in notes} | {n.call_id for n in notes},
        title_html=_typeset_title(chapter) if chapter.title_line == 0 or not title_html else title_html,
        title_text=typeset_text(chapter.title, chapter.lang),
        images_described=all(
            (image.get("alt") or "").strip() or "decorative" in (image.get("class") or "").split()
            for image in root.iter("img")
        ),
        diagnostics=tuple(source.findings),
    )


def _typeset_title(chapter: Chapter) -> str:
    """A front-matter title as HTML, typeset like a `#` heading would have been."""
    heading = lxml_html.Element("h1")
    heading.text = chapter.title
    typeset_element(heading, chapter.lang)
    return structure.inner_html(heading)


def check_links(chapters: Sequence[RenderedChapter]) -> tuple[Diagnostic, ...]:
    """Every internal link must reach an id of the book; say where each broken one is written."""
    ids = set().union(*(r.ids for r in chapters))
    return tuple(
        Diagnostic(
            ERROR,
            f"link `{link.written}` points to an anchor that does not exist",
            link.source,
            link.line or None,
            link.column or None,
            "check the file name and the heading id, e.g. chapitre.md#mon-titre; "
            "give the heading an id with `## Titre {#mon-titre}`",
        )
        for rendered in chapters
        for link in rendered.links
        if link.target_id not in ids
    )
