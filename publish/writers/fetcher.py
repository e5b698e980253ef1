"""A WeasyPrint URL fetcher that serves only files from allowed folders; shared by the writers (pages, EPUB cover)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from publish.confinement import Confinement


class FolderFetcher(URLFetcher):
    """Serves ``file:`` URLs under ``roots`` and ``data:`` URLs; refuses everything else.

    A refused URL raises, which WeasyPrint reports as a warning; the paged writer
    turns WeasyPrint's warnings into build warnings naming the resource.
    """

    def __init__(self, roots: tuple[Path, ...], replaced: dict[Path, bytes] | None = None) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self.confinement = Confinement.of(*roots)
        self.roots = self.confinement.roots
        # Files served with other bytes: an SVG the image check cleaned is drawn as cleaned.
        self.replaced = {path.resolve(): content for path, content in (replaced or {}).items()}

    def fetch(self, url: str, headers: object = None) -> object:
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = Path(unquote(parts.path))
            refusal = self.confinement.refusal(path)  # links followed; FIFOs, devices refused
            if refusal is not None:
                raise ValueError(refusal)
            if path.resolve() in self.replaced:
                return URLFetcherResponse(url, self.replaced[path.resolve()], {"Content-Type": "image/svg+xml"})
        elif parts.scheme != "data":
            raise ValueError(f"remote resources are not fetched: {url}")
        return super().fetch(url, headers)
