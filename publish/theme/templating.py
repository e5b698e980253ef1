"""The Jinja environment: sandboxed, autoescaped, strict; template errors name the template and line."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from publish.confinement import Confinement
from publish.convert.typography.display import balance_lines, bind_tail
from publish.errors import PublishError
from publish.theme.loading import Theme


def make_environment(theme: Theme, *media: str) -> jinja2.Environment:
    """Manuscript text only ever arrives as variables, never as template source."""
    environment = SandboxedEnvironment(
        loader=ConfinedLoader(theme.template_dirs(*media)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["wrap_lines"] = _wrap_lines
    environment.filters["display_line"] = _display_line
    return environment


class ConfinedLoader(jinja2.BaseLoader):
    """Jinja's file loader, but a template (or an `{% include %}`) is read only when it lies,
    links followed, inside the theme's template folders and is a plain file."""

    def __init__(self, folders: list[Path]) -> None:
        self.folders = folders
        self.confinement = Confinement.of(*folders)

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = jinja2.loaders.split_template_path(template)  # refuses `..`
        for folder in self.folders:
            path = folder.joinpath(*pieces)
            if os.path.lexists(path):
                self.confinement.resolve(path)  # a link out or a FIFO is an error, not a skipped template
            if path.is_file():
                return self.confinement.read_text(path), str(path), _unchanged(path)
        raise jinja2.TemplateNotFound(template)


def _unchanged(path: Path) -> Callable[[], bool]:
    """Whether ``path`` is still the file Jinja compiled (its cache asks before reusing it)."""
    mtime = os.path.getmtime(path)
    return lambda: os.path.exists(path) and os.path.getmtime(path) == mtime


def render(environment: jinja2.Environment, name: str, **context: Any) -> str:
    try:
        return environment.get_template(name).render(**context)
    except PublishError as error:  # a template refused by the loader: say which template asked for it
        path, line = _template_position(error)
        if path is None:
            raise
        raise PublishError(error.message, path=path, line=line, hint=error.hint) from None
    except jinja2.TemplateSyntaxError as error:
        raise PublishError(f"template error: {error.message}", path=error.filename or name, line=error.lineno) from None
    except jinja2.TemplateNotFound as error:
        raise PublishError(
            f"template `{error.name}` not found in the theme",
            path=name,
            hint="themes keep templates in styles/<theme>/templates/",
        ) from None
    except (jinja2.UndefinedError, jinja2.exceptions.SecurityError, TypeError) as error:
        path, line = _template_position(error)
        hint = None
        if "'epub' is undefined" in str(error):
            hint = "medium differences live in per-medium template folders and semantics.html (styles/README.md)"
        raise PublishError(f"template error: {error}", path=path or name, line=line, hint=hint) from None
    except jinja2.TemplateError as error:  # any other mistake of a theme's template is the theme author's
        path, line = _template_position(error)
        raise PublishError(f"template error: {error}", path=path or name, line=line) from None


def html(text: str) -> Markup:
    """Mark HTML that the Markdown stage produced as safe to insert."""
    return Markup(text)


def _wrap_lines(text: str, width: int) -> list[str]:
    """Lines of about ``width`` characters for text that SVG cannot wrap (the cover), balanced."""
    return balance_lines(text, width)


def _display_line(text: str) -> str:
    """A title or subtitle (plain text) whose last line never holds a lone short word."""
    if isinstance(text, Markup):
        raise TypeError("display_line takes plain text, not HTML")
    return bind_tail(text)


def _template_position(error: BaseException) -> tuple[str | None, int | None]:
    """Jinja rewrites tracebacks so that template frames carry the template's file and line."""
    traceback = error.__traceback__
    found: tuple[str | None, int | None] = (None, None)
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if not filename.endswith(".py") and not filename.startswith("<"):
            found = (filename, traceback.tb_lineno)
        traceback = traceback.tb_next
    return found
