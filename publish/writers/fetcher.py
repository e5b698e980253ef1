"""A WeasyPrint URL fetcher that serves only files from allowed folders; shared by the writers (pages, EPUB cover)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher


class FolderFetcher(URLFetcher):
    """Serves ``file:`` URLs under ``roots`` and ``data:`` URLs; refuses everything else.

    A refused URL raises, which WeasyPrint reports as a warning; the paged writer
    turns WeasyPrint's warnings into build warnings naming the resource.
    """

    def __init__(self, roots: tuple[Path, ...]) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self.roots = tuple(root.resolve() for root in roots)

    def fetch(self, url: str, headers: object = None) -> object:
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise ValueError(f"{path} is outside the manuscript and theme folders")
        elif parts.scheme != "data":
            raise ValueError(f"remote resources are not fetched: {url}")
        return super().fetch(url, headers)
