"""Themes are folders: templates, stylesheets per medium, fonts and localised words."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from publish.confinement import Confinement
from publish.errors import WARNING, Diagnostic, PublishError
from publish.load.source import source_lines
from publish.load.toml_files import read_toml
from publish.theme.contract import (
    MEDIA,
    STYLESHEET_KEYS,
    FontFaceEntry,
    ThemeManifest,
    read_manifest,
    stylesheet_errors,
    stylesheet_references,
    whole_book_features,
)

FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path.home() / ".fonts",
)
FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2"}


@dataclass(frozen=True)
class FontFace:
    family: str
    path: Path
    weight: int
    style: str  # "normal" or "italic"

    @property
    def media_type(self) -> str:
        return FONT_TYPES[self.path.suffix.lower()]


@dataclass(frozen=True)
class Theme:
    """A resolved theme: the folders to search, in order, and what theme.toml declares."""

    name: str
    folders: tuple[Path, ...]  # the theme first, then the themes it extends, the default theme last
    stylesheets: dict[str, tuple[Path, ...]]  # medium or layer -> files, shared layer first
    fonts: tuple[FontFace, ...]
    words: dict[str, object]
    warnings: tuple[Diagnostic, ...] = ()  # e.g. no words for the book's language
    media: tuple[str, ...] = MEDIA  # the outputs it serves
    media_declared_in: Path | None = None  # the theme.toml that lists them
    chapter_by_chapter: bool = False  # its paged CSS lets the book PDF be laid out one chapter at a time

    def template_dirs(self, *media: str) -> list[Path]:
        """Per-medium templates override shared ones; a custom theme overrides the default.

        A template folder that is a link out of its theme is an error: everything under it
        would count as the theme's."""
        pairs = [(folder, folder / "templates" / medium) for medium in media for folder in self.folders]
        pairs += [(folder, folder / "templates") for folder in self.folders]
        for folder, path in pairs:
            if path.is_dir():
                Confinement.of(folder).resolve(path, folder=True)
        return [path for _, path in pairs if path.is_dir()]

    def allowed_roots(self) -> tuple[Path, ...]:
        return self.folders + tuple(sorted({face.path.parent for face in self.fonts}))


def builtin_styles() -> Path:
    """`styles/` beside the package in a checkout, or bundled inside it in a wheel."""
    here = Path(__file__).resolve().parent.parent  # the publish package
    for candidate in (here / "styles", here.parent / "styles"):
        if (candidate / "default" / "theme.toml").is_file():
            return candidate
    raise PublishError(
        "the default theme is missing from this installation",
        path=here,
        hint="reinstall publish; its styles/ folder was not installed",
    )


def load_theme(name: str, manuscript_root: Path, lang: str) -> Theme:
    """Find theme ``name`` in ``<manuscript>/styles/`` then in the built-in styles, with the themes it extends."""
    chain = theme_chain(name, manuscript_root)
    folders = tuple(folder for folder, _ in chain)
    manifests = [manifest for _, manifest in chain]
    stylesheets = _stylesheets(manifests, folders)
    _check_stylesheets(stylesheets, Confinement.of(manuscript_root, *folders))
    words, warnings = _words(folders, lang)
    by_chapter, why_not = _chapter_by_chapter(manifests, stylesheets["pdf"])
    theme = Theme(
        name=name,
        folders=folders,
        stylesheets=stylesheets,
        fonts=_fonts(manifests, folders),
        words=words,
        warnings=warnings + why_not,
        media=theme_media_of(manifests),
        media_declared_in=media_declared_in(manifests),
        chapter_by_chapter=by_chapter,
    )
    theme.template_dirs(*MEDIA)  # a template folder linked out of its theme is found now, not when writing
    return theme


def theme_media(name: str, manuscript_root: Path) -> tuple[tuple[str, ...], Path]:
    """The media theme ``name`` serves and the theme.toml that says so, read from the theme.toml
    files alone (no fonts looked up)."""
    manifests = [manifest for _, manifest in theme_chain(name, manuscript_root)]
    return theme_media_of(manifests), media_declared_in(manifests)


def theme_media_of(manifests: list[ThemeManifest]) -> tuple[str, ...]:
    return next((m.media for m in manifests if m.media is not None), MEDIA)


def media_declared_in(manifests: list[ThemeManifest]) -> Path:
    return next((m.path for m in manifests if m.media is not None), manifests[0].path)


def theme_chain(name: str, manuscript_root: Path) -> list[tuple[Path, ThemeManifest]]:
    """The theme and the themes it extends, nearest first, down to the built-in default theme.

    A theme without ``extends`` extends the built-in default theme. A name given by
    ``extends`` (or book.toml) is looked up in the manuscript's styles/ then in the built-in
    styles, skipping folders already in the chain, so that a manuscript's own ``default`` theme
    can extend the built-in one.
    """
    builtin = builtin_styles()
    default = (builtin / "default").resolve()
    chain: list[tuple[Path, ThemeManifest]] = []
    wanted: str | None = name
    asked_by, line, builtin_only = manuscript_root / "book.toml", None, False
    while wanted is not None:
        _check_theme_name(wanted, asked_by, line)
        seen = [folder for folder, _ in chain]
        candidates = [_theme_folder(builtin / wanted, builtin, asked_by, line)]
        if not builtin_only:
            candidates.insert(0, _theme_folder(manuscript_root / "styles" / wanted, manuscript_root, asked_by, line))
        folder = next((c for c in candidates if c not in seen and (c / "theme.toml").is_file()), None)
        if folder is None:
            if any(c in seen for c in candidates):
                loop = " -> ".join([*(m.name for _, m in chain), wanted])
                raise PublishError(f"themes extend each other: {loop}", path=asked_by, line=line, hint="fix `extends`")
            known = sorted(p.name for p in builtin.iterdir() if (p / "theme.toml").is_file())
            raise PublishError(
                f"unknown theme `{wanted}`",
                path=asked_by,
                line=line,
                hint="themes live in styles/<name>/theme.toml; built in: " + ", ".join(known),
            )
        manifest = read_manifest(folder / "theme.toml")
        chain.append((folder, manifest))
        asked_by, line = manifest.path, _line_naming(manifest.path, "extends")
        builtin_only = manifest.extends is None
        wanted = manifest.extends if manifest.extends is not None else (None if folder == default else "default")
    return chain


def _check_theme_name(name: str, asked_by: Path, line: int | None) -> None:
    """A theme is named, never reached by a path: `../x` or `/etc` would leave the styles folders."""
    if not name or name in (".", "..") or "/" in name or "\\" in name:
        raise PublishError(
            f"`{name}` is not a theme name",
            path=asked_by,
            line=line,
            hint='name a folder of styles/, e.g. theme = "maison"',
        )


def _theme_folder(candidate: Path, within: Path, asked_by: Path, line: int | None) -> Path:
    """``candidate`` resolved; a link that leaves ``within`` (the manuscript, or the built-in
    styles) is a located error at the line that names the theme."""
    if os.path.lexists(candidate):
        Confinement.of(within).resolve(candidate, asked_by, line, folder=True)
    return candidate.resolve()


def _read_toml(path: Path, folder: Path) -> dict[str, object]:
    return read_toml(path, Confinement.of(folder))[1]


def _find(relative: str, folders: tuple[Path, ...], declared_in: Path, written: str = "") -> Path | None:
    """``relative`` in the first theme folder that has it; it must stay inside that folder,
    links followed, and be a plain file: a located error at the theme.toml line that names
    it (as ``written`` there, when that differs)."""
    for folder in folders:
        candidate = folder / relative
        if os.path.lexists(candidate):
            line = _line_naming(declared_in, written or relative)
            Confinement.of(folder).resolve(candidate, declared_in, line)
            if candidate.is_file():  # not a link to nothing
                return candidate
    return None


def _stylesheets(manifests: list[ThemeManifest], folders: tuple[Path, ...]) -> dict[str, tuple[Path, ...]]:
    """Each medium's files: the nearest list that names it, then every theme's additions, from
    the default theme up. A file is looked up in the theme first, so a theme can override any
    inherited stylesheet file by file without restating a list."""
    lists: dict[str, tuple[tuple[str, Path], ...]] = dict.fromkeys(STYLESHEET_KEYS, ())  # (file, theme.toml)
    for manifest in reversed(manifests):
        for medium, files in manifest.stylesheets.items():
            lists[medium] = tuple((name, manifest.path) for name in files)
        for medium, files in manifest.append_stylesheets.items():
            for target in MEDIA if medium == "all" else (medium,):
                lists[target] += tuple((name, manifest.path) for name in files)
    result = {}
    for medium, names in lists.items():
        paths = []
        for relative, declared_in in names:
            path = _find(relative, folders, declared_in)
            if path is None:
                raise PublishError(
                    f"stylesheet `{relative}` for {medium} not found",
                    path=declared_in,
                    line=_line_naming(declared_in, relative),
                    hint="paths are relative to the theme folder (or to a theme it extends)",
                )
            paths.append(path)
        result[medium] = tuple(paths)
    return result


def _check_stylesheets(stylesheets: dict[str, tuple[Path, ...]], confinement: Confinement) -> None:
    """Every stylesheet parses and uses only the theme's files: one located error per place
    that does not, all at once."""
    paths = dict.fromkeys(path for paths in stylesheets.values() for path in paths)
    found = []
    for path in paths:
        css = confinement.read_bytes(path).decode("utf-8", "replace")
        found += [*stylesheet_errors(path, css), *stylesheet_references(path, css, confinement)]
    if found:
        raise PublishError.of(found)


def _line_naming(path: Path, text: str) -> int | None:
    """The first line of ``path`` that holds ``text`` (tomllib keeps no positions)."""
    try:
        lines = source_lines(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return next((number for number, line in enumerate(lines, 1) if text in line), None)


def _chapter_by_chapter(
    manifests: list[ThemeManifest], pdf_css: tuple[Path, ...]
) -> tuple[bool, tuple[Diagnostic, ...]]:
    """The nearest declaration, checked against the book PDF's stylesheets: a declaration its
    CSS contradicts would give wrong pages, so the book is laid out whole, with a warning."""
    declared = next((m.chapter_by_chapter for m in manifests if m.chapter_by_chapter is not None), False)
    if not declared:
        return False, ()
    for path in pdf_css:
        reason = whole_book_features(path.read_bytes().decode("utf-8", errors="replace"))
        if reason:
            declaring = next(m for m in manifests if m.chapter_by_chapter is not None)
            said = "declares" if declaring is manifests[0] else f"inherits from `{declaring.name}`"
            return False, (
                Diagnostic(
                    WARNING,
                    f"{path.name} uses {reason}, which needs the whole book at once, but the theme {said} "
                    "chapter_by_chapter = true: the book PDF is laid out as one document",
                    path,
                    hint=f"write chapter_by_chapter = false in {manifests[0].path}, or remove that rule",
                ),
            )
    return True, ()


def _fonts(manifests: list[ThemeManifest], folders: tuple[Path, ...]) -> tuple[FontFace, ...]:
    """The nearest [[fonts]] list (a theme that declares fonts replaces the inherited ones)."""
    manifest = next((m for m in manifests if m.fonts is not None), None)
    if manifest is None or manifest.fonts is None:
        return ()
    faces = []
    index: dict[str, Path] | None = None
    for entry in manifest.fonts:
        path = _find("fonts/" + entry.file, folders, manifest.path, entry.file)
        if path is None:
            if index is None:
                index = _system_fonts()
            path = index.get(entry.file)
        if path is None:
            raise PublishError(
                f"font file {entry.file} ({entry.family}) not found",
                path=manifest.path,
                line=_line_naming(manifest.path, entry.file),
                hint=_font_hint(entry) + "put the file in the theme's fonts/ folder",
            )
        faces.append(FontFace(entry.family, path.resolve(), entry.weight, entry.style))
    return tuple(faces)


def _font_hint(entry: FontFaceEntry) -> str:
    return f"install the Debian package {entry.package} or " if entry.package else ""


def _system_fonts() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in FONT_DIRS:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.suffix.lower() in FONT_TYPES:
                    found.setdefault(path.name, path)
    return found


def _words(folders: tuple[Path, ...], lang: str) -> tuple[dict[str, object], tuple[Diagnostic, ...]]:
    """Localised words: the default theme's English, then the language, then the region.

    A language no theme folder has a table for falls back to English, with a warning.
    """
    base = lang.split("-")[0].lower()
    words: dict[str, object] = {}
    found = base == "en"
    for name in ("en", base, lang.lower()):
        for folder in reversed(folders):
            path = folder / "words" / f"{name}.toml"
            if os.path.lexists(path):
                Confinement.of(folder).resolve(path)  # a link out or a FIFO is an error, not a skipped file
            if path.is_file():
                words.update(_read_toml(path, folder))
                found = found or name != "en"
    warnings = (
        ()
        if found
        else (
            Diagnostic(
                WARNING,
                f"the theme has no words for language `{lang}`; generated text (contents, chapter, notes...) "
                "is in English",
                folders[0] / "words",
                hint=f"add styles/<theme>/words/{base}.toml to translate it",
            ),
        )
    )
    return words, warnings


def font_face_css(fonts: tuple[FontFace, ...], url_of: Callable[[FontFace], str]) -> str:
    """@font-face rules for the theme's fonts; each medium says where the files are."""
    rules = []
    for face in fonts:
        rules.append(
            "@font-face {\n"
            f'  font-family: "{face.family}";\n'
            f"  font-weight: {face.weight};\n"
            f"  font-style: {face.style};\n"
            f'  src: url("{url_of(face)}");\n'
            "}\n"
        )
    return "".join(rules)
