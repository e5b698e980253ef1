"""Themes are folders: templates, stylesheets per medium, fonts and localised words."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from publish.errors import WARNING, Diagnostic, PublishError

# The stylesheet lists of theme.toml [stylesheets]: one per output, plus optional layers.
STYLESHEET_LISTS = ("pdf", "print", "handout", "handout-notes-margin", "epub", "screen")
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
    folders: tuple[Path, ...]  # the theme first, then the themes it falls back on
    stylesheets: dict[str, tuple[Path, ...]]  # medium -> files, shared layer first
    fonts: tuple[FontFace, ...]
    words: dict[str, object]
    warnings: tuple[Diagnostic, ...] = ()  # e.g. no words for the book's language

    def template_dirs(self, *media: str) -> list[Path]:
        """Per-medium templates override shared ones; a custom theme overrides the default."""
        dirs = [folder / "templates" / medium for medium in media for folder in self.folders]
        dirs += [folder / "templates" for folder in self.folders]
        return [d for d in dirs if d.is_dir()]

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
    """Find theme ``name`` in ``<manuscript>/styles/`` then in the built-in styles."""
    builtin = builtin_styles()
    candidates = [manuscript_root / "styles" / name, builtin / name]
    folder = next((c for c in candidates if (c / "theme.toml").is_file()), None)
    if folder is None:
        known = sorted(p.name for p in builtin.iterdir() if (p / "theme.toml").is_file())
        raise PublishError(
            f"unknown theme `{name}`",
            path=manuscript_root / "book.toml",
            hint="themes live in styles/<name>/theme.toml; built in: " + ", ".join(known),
        )
    folders = (
        (folder.resolve(),)
        if folder.resolve() == (builtin / "default").resolve()
        else (folder.resolve(), (builtin / "default").resolve())
    )
    settings = _read_toml(folder / "theme.toml")
    if folders[0] != folders[-1]:  # a custom theme: what it does not declare comes from the default
        default = _read_toml(folders[-1] / "theme.toml")
        stylesheets = {**default.get("stylesheets", {}), **settings.get("stylesheets", {})}
        settings = {**default, **settings, "stylesheets": stylesheets}
    words, warnings = _words(folders, lang)
    return Theme(
        name=name,
        folders=folders,
        stylesheets=_stylesheets(settings, folders, folder / "theme.toml"),
        fonts=_fonts(settings, folders, folder / "theme.toml"),
        words=words,
        warnings=warnings,
    )


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise PublishError(f"invalid TOML: {error}", path=path) from None


def _find(relative: str, folders: tuple[Path, ...]) -> Path | None:
    return next((f / relative for f in folders if (f / relative).is_file()), None)


def _stylesheets(settings: dict, folders: tuple[Path, ...], toml: Path) -> dict[str, tuple[Path, ...]]:
    declared = settings.get("stylesheets", {})
    result = {}
    for medium in STYLESHEET_LISTS:
        files = []
        for relative in declared.get(medium, []):
            path = _find(relative, folders)
            if path is None:
                raise PublishError(
                    f"stylesheet `{relative}` for {medium} not found",
                    path=toml,
                    hint="paths are relative to the theme folder",
                )
            files.append(path)
        result[medium] = tuple(files)
    return result


def _fonts(settings: dict, folders: tuple[Path, ...], toml: Path) -> tuple[FontFace, ...]:
    faces = []
    index: dict[str, Path] | None = None
    for font in settings.get("fonts", []):
        for face in font.get("faces", []):
            path = _find("fonts/" + face["file"], folders)
            if path is None:
                if index is None:
                    index = _system_fonts()
                path = index.get(face["file"])
            if path is None:
                package = font.get("package")
                hint = f"install the Debian package {package} or " if package else ""
                raise PublishError(
                    f"font file {face['file']} ({font['family']}) not found",
                    path=toml,
                    hint=hint + "put the file in the theme's fonts/ folder",
                )
            faces.append(
                FontFace(font["family"], path.resolve(), int(face.get("weight", 400)), face.get("style", "normal"))
            )
    return tuple(faces)


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
            if path.is_file():
                words.update(_read_toml(path))
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
