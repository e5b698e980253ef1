"""Our own HTML of a book, as one file WeasyPrint's command line can lay out by itself.

`python -m bench.floor BOOK OUT.html` writes the HTML the paged writer gives WeasyPrint,
with the theme's stylesheets, fonts and page size inlined; laying it out with
`python -m weasyprint --pdf-tags OUT.html OUT.pdf` is the floor our PDF build is compared with.
"""

from __future__ import annotations

import sys
from pathlib import Path

from publish.build.prepare import check_book
from publish.theme.loading import font_face_css
from publish.writers.paged.writer import PAGED_OUTPUTS, render_html


def write_floor_html(book_folder: Path, target: Path) -> None:
    checked = check_book(book_folder)
    output = PAGED_OUTPUTS["pdf"]
    html = render_html(checked.prepared, checked.theme, output)
    css = font_face_css(checked.theme.fonts, lambda face: face.path.as_uri())
    css += "\n".join(path.read_text(encoding="utf-8") for path in checked.theme.stylesheets[output.stylesheets])
    css += output.page_css(checked.book, None)
    html = html.replace("</head>", f'<base href="{checked.book.root.as_uri()}/">\n<style>\n{css}\n</style>\n</head>', 1)
    target.write_text(html, encoding="utf-8")


if __name__ == "__main__":
    write_floor_html(Path(sys.argv[1]), Path(sys.argv[2]))
