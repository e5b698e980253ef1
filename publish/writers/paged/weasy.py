"""One WeasyPrint layout: the stylesheets and settings it takes, as plain data that can be hashed
and sent to another process, and the call that turns HTML into a laid-out document."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import weasyprint

from publish.writers.fetcher import FolderFetcher
from publish.writers.paged.settle import settle


@dataclass(frozen=True)
class CssSource:
    """A stylesheet: a file of the theme, or text the writer makes (fonts, page size)."""

    path: Path | None = None
    text: str | None = None

    def content(self) -> bytes:
        return self.path.read_bytes() if self.path is not None else (self.text or "").encode()


@dataclass(frozen=True)
class LayoutSetup:
    """Everything but the HTML that decides how WeasyPrint lays a document out and writes it."""

    base_url: str
    roots: tuple[Path, ...]  # the only folders the layout may read from
    css: tuple[CssSource, ...]
    pdf_variant: str | None
    # Files served with other bytes than their own: the SVGs the image check made safe
    replaced: tuple[tuple[Path, bytes], ...] = ()
    # Raster images drawn at more than this many pixels per inch are downsampled (0: kept whole)
    max_dpi: int = 0
    # A last page holding fewer lines of text is pulled back by a tighter layout (0: as it falls)
    last_page_lines: int = 0

    def with_css(self, *extra: CssSource) -> LayoutSetup:
        return replace(self, css=self.css + extra)

    def fetcher(self) -> FolderFetcher:
        return FolderFetcher(self.roots, dict(self.replaced))

    def digest(self) -> str:
        """A hash of the stylesheets' text and the settings (not of the files they point to)."""
        digest = hashlib.sha256(
            f"{weasyprint.__version__}\n{self.base_url}\n{self.pdf_variant}\n{self.max_dpi}\n{self.last_page_lines}\n".encode()
        )
        for source in self.css:
            digest.update(hashlib.sha256(source.content()).digest())
        for path, content in self.replaced:
            digest.update(f"{path}\n".encode() + hashlib.sha256(content).digest())
        return digest.hexdigest()


def lay_out(html: str, setup: LayoutSetup) -> tuple[weasyprint.Document, list[str]]:
    """Lay ``html`` out; what WeasyPrint warned about (the theme's ignored CSS too) comes back."""
    fetcher = setup.fetcher()
    parsed = [_parse(source, source.content(), setup.roots) for source in setup.css]
    warnings = [w for _, found in parsed for w in found]

    def render(extra: Sequence[str]) -> weasyprint.Document:
        return weasyprint.HTML(string=html, base_url=setup.base_url, url_fetcher=fetcher).render(
            stylesheets=[css for css, _ in parsed] + [weasyprint.CSS(string=text) for text in extra],
            dpi=setup.max_dpi or None,
        )

    with captured_warnings() as more:
        # The second pass (settle.py): notes back on their call's page, a short last page pulled back.
        document, misplaced = settle(render, setup.last_page_lines)
    # settle() renders up to a few times, and each render logs the same things again: once each, in order.
    return document, list(dict.fromkeys(warnings + more + misplaced))


@functools.lru_cache(maxsize=64)
def _parse(source: CssSource, content: bytes, roots: tuple[Path, ...]) -> tuple[weasyprint.CSS, tuple[str, ...]]:
    """A stylesheet parsed once per process and content (a book's chapters share the theme's),
    with the warnings its parsing gave, which every layout using it reports again."""
    fetcher = FolderFetcher(roots)
    with captured_warnings() as warnings:
        if source.path is not None:
            css = weasyprint.CSS(string=content.decode("utf-8"), base_url=source.path.as_uri(), url_fetcher=fetcher)
        else:
            css = weasyprint.CSS(string=source.text or "", url_fetcher=fetcher)
    return css, tuple(warnings)


def write_pdf(document: weasyprint.Document, setup: LayoutSetup, target: Path) -> list[str]:
    """Write a tagged PDF (the structure tree screen readers and PDF/UA need), one link
    annotation per link area."""
    for page in document.pages:
        page.links[:] = _merged_links(page.links)
    # PDF/X needs an output intent: the theme's `@color-profile device-cmyk` (the print shop's
    # profile) when it gives one, else sRGB, which WeasyPrint ships.
    intent = "srgb" if (setup.pdf_variant or "").startswith("pdf/x") else None
    with captured_warnings() as warnings:
        document.write_pdf(target, pdf_tags=True, pdf_variant=setup.pdf_variant or None, output_intent=intent)
    if intent and "device-cmyk" not in document.color_profiles:
        warnings.append(
            f"{setup.pdf_variant}: the theme gives no `@color-profile device-cmyk` (the print shop's ICC "
            "profile), so the output intent is sRGB, a screen profile a strict PDF/X preflight refuses: "
            "ask the print shop for its profile and declare it in the theme's print CSS"
        )
    return warnings


def _merged_links(links: list) -> list:
    """WeasyPrint gives every box inside a link a link of its own: a contents entry (its block,
    number, title and leader with the page number) made four or five annotations over each other.
    Links to the same target whose areas overlap become the first one, grown to cover them all;
    the first is the link element's own box, the one the structure tree's Link element refers to."""
    kept: list = []
    for kind, target, (left, top, right, bottom), box in links:
        for index, (k, t, (l2, t2, r2, b2), b) in enumerate(kept):
            if (k, t) == (kind, target) and left < r2 and l2 < right and top < b2 and t2 < bottom:
                kept[index] = (k, t, (min(left, l2), min(top, t2), max(right, r2), max(bottom, b2)), b)
                break
        else:
            kept.append((kind, target, (left, top, right, bottom), box))
    return kept


class captured_warnings:
    """Collects what WeasyPrint logs at WARNING and above while it is active."""

    def __enter__(self) -> list[str]:
        self.messages: list[str] = []
        self.handler = _Collector(self.messages)
        self.logger = logging.getLogger("weasyprint")
        self.logger.addHandler(self.handler)
        return self.messages

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self.handler)


class _Collector(logging.Handler):
    """A handler that keeps the messages of the records at WARNING and above in ``messages``."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(level=logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
