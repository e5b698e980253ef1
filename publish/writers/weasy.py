"""One WeasyPrint layout: the stylesheets and settings it takes, as plain data that can be hashed
and sent to another process, and the call that turns HTML into a laid-out document."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import weasyprint

from publish.fetch import FolderFetcher


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

    def with_css(self, *extra: CssSource) -> LayoutSetup:
        return LayoutSetup(self.base_url, self.roots, self.css + extra, self.pdf_variant)

    def digest(self) -> str:
        """A hash of the stylesheets' text and the settings (not of the files they point to)."""
        digest = hashlib.sha256(f"{weasyprint.__version__}\n{self.base_url}\n{self.pdf_variant}\n".encode())
        for source in self.css:
            digest.update(hashlib.sha256(source.content()).digest())
        return digest.hexdigest()


def lay_out(html: str, setup: LayoutSetup) -> tuple[weasyprint.Document, list[str]]:
    """Parse the stylesheets and lay ``html`` out; what WeasyPrint warned about comes back too."""
    fetcher = FolderFetcher(setup.roots)
    with captured_warnings() as warnings:  # CSS is parsed here: the theme's ignored rules are reported too
        stylesheets = [weasyprint.CSS(filename=str(s.path), url_fetcher=fetcher) if s.path is not None
                       else weasyprint.CSS(string=s.text or "", url_fetcher=fetcher) for s in setup.css]
        document = weasyprint.HTML(string=html, base_url=setup.base_url, url_fetcher=fetcher).render(
            stylesheets=stylesheets)
    return document, warnings


def write_pdf(document: weasyprint.Document, setup: LayoutSetup, target: Path) -> list[str]:
    """Write a tagged PDF (the structure tree screen readers and PDF/UA need)."""
    with captured_warnings() as warnings:
        document.write_pdf(target, pdf_tags=True, pdf_variant=setup.pdf_variant or None)
    return warnings


class captured_warnings:
    """Collects what WeasyPrint logs at WARNING and above while it is active."""

    def __enter__(self) -> list[str]:
        self.messages: list[str] = []
        self.handler = logging.Handler(level=logging.WARNING)
        self.handler.emit = lambda record: self.messages.append(record.getMessage())  # type: ignore[method-assign]
        self.logger = logging.getLogger("weasyprint")
        self.logger.addHandler(self.handler)
        return self.messages

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self.handler)
