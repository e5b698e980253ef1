"""The Markdown reader: Python-Markdown configured to read the CommonMark, GitHub and Pandoc habits authors have.

One module per syntax family (fences, lists, divs, spans, lines, captions, inline notes, tasks),
each a Python-Markdown extension with its own priorities; ``markdown.py`` assembles them.
"""

from publish.convert.reader.markdown import read_markdown

__all__ = ["read_markdown"]
