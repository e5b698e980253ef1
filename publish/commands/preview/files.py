"""What the preview may serve: the files its page loads (stylesheets, fonts, images), by URL, and nothing else."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from publish.confinement import Confinement
from publish.errors import PublishError
from publish.model import Asset


@dataclass(frozen=True)
class ServedFiles:
    """One rebuild's table of decoded URL path -> file; a request for any other path is a 404.

    A table rather than a folder mapped onto URLs: the manuscript also holds `.git/`,
    `book.toml` and the store, which are nobody's business but the author's.
    """

    urls: Mapping[str, Path] = field(default_factory=dict)
    confinement: Confinement = field(default_factory=lambda: Confinement(()))
    cleaned: Mapping[str, bytes] = field(default_factory=dict)  # SVGs as the image check made them safe

    def read(self, url_path: str) -> bytes | None:
        """The file's bytes, or None: not in the table, gone, or (since the rebuild) a link out or not a file.
        An SVG is served as cleaned, never as written: opened on its own, it would run in the preview's origin."""
        if url_path in self.cleaned:
            return self.cleaned[url_path]
        path = self.urls.get(url_path)
        if path is None:
            return None
        try:
            return self.confinement.read_bytes(path)
        except (PublishError, OSError):
            return None


class FileTable:
    """Collects the URLs a rebuild hands out, then freezes them into ``ServedFiles``."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.urls: dict[str, Path] = {}
        self.cleaned: dict[str, bytes] = {}
        self.outside: list[Path] = []  # theme files outside the manuscript: numbered, for short unique URLs

    def url_of(self, path: Path) -> str:
        """The URL the page gives ``path`` (a theme stylesheet or font), recorded as servable."""
        path = path.resolve()
        if path.is_relative_to(self.root):
            url_path = "/" + path.relative_to(self.root).as_posix()
        else:
            if path not in self.outside:
                self.outside.append(path)
            url_path = f"/_theme/{self.outside.index(path)}/{path.name}"
        self.urls[url_path] = path
        return quote(url_path)

    def add_assets(self, assets: Iterable[Asset]) -> None:
        # The page is served at `/` and gives each image its manuscript-relative href as `src`.
        for asset in assets:
            self.urls["/" + asset.href] = asset.source
            if asset.content is not None:
                self.cleaned["/" + asset.href] = asset.content.encode("utf-8")

    def freeze(self, roots: Iterable[Path]) -> ServedFiles:
        return ServedFiles(dict(self.urls), Confinement.of(self.root, *roots), dict(self.cleaned))
