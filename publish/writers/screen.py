"""One HTML page for a browser: the live preview of `publish watch`, styled by the theme's screen layer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from publish import __version__
from publish.model import Note, PreparedBook
from publish.theme.context import book_view, chapter_view
from publish.theme.loading import Theme, font_face_css
from publish.theme.templating import html, make_environment, render


def render_screen(prepared: PreparedBook, theme: Theme, url_of: Callable[[Path], str], extra_html: str = "") -> str:
    """The whole book as one page; ``url_of`` says where the server serves a theme or font file.

    Notes sit at the end of each chapter, as in the EPUB; ``extra_html`` goes at the
    end of the body (the preview's reload script).
    """
    chapters = prepared.chapters
    environment = make_environment(theme, "screen")
    views = [chapter_view(r, theme.words, r.body_with(_noteref), "#" + r.chapter.slug) for r in chapters]
    fonts = font_face_css(theme.fonts, lambda face: url_of(face.path))
    page = render(
        environment,
        "book.html",
        book=book_view(prepared, theme.words),
        chapters=views,
        chapter_notes=[r.notes for r in chapters],
        words=theme.words,
        generator=f"publish {__version__}",
        with_cover=False,
        cover_image="",
        stylesheets=[url_of(path) for path in theme.stylesheets["screen"]],
        live_reload=html(extra_html),
    )
    return page.replace("</head>", f"<style>\n{fonts}</style>\n</head>", 1)


def _noteref(note: Note) -> str:
    return f'<a class="noteref" id="{note.call_id}" href="#{note.id}" role="doc-noteref">{note.number}</a>'
