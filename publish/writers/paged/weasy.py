"""One WeasyPrint layout: the stylesheets and settings it takes, as plain data that can be hashed
and sent to another process, and the call that turns HTML into a laid-out document."""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import weasyprint

from publish.writers.fetcher import FolderFetcher


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

    def with_css(self, *extra: CssSource) -> LayoutSetup:
        return LayoutSetup(self.base_url, self.roots, self.css + extra, self.pdf_variant, self.replaced)

    def fetcher(self) -> FolderFetcher:
        return FolderFetcher(self.roots, dict(self.replaced))

    def digest(self) -> str:
        """A hash of the stylesheets' text and the settings (not of the files they point to)."""
        digest = hashlib.sha256(f"{weasyprint.__version__}\n{self.base_url}\n{self.pdf_variant}\n".encode())
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
    with captured_warnings() as more:
        document = weasyprint.HTML(string=html, base_url=setup.base_url, url_fetcher=fetcher).render(
            stylesheets=[css for css, _ in parsed]
        )
    return document, warnings + more


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
    """Write a tagged PDF (the structure tree screen readers and PDF/UA need)."""
    with captured_warnings() as warnings:
        document.write_pdf(target, pdf_tags=True, pdf_variant=setup.pdf_variant or None)
    return warnings


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
