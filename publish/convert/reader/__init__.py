"""The Markdown reader: Python-Markdown configured to read the CommonMark, GitHub and Pandoc habits authors have.

One module per syntax family (fences, lists, blocks, divs, spans, attributes, lines, tables,
inline notes, inlines, tasks, heading ids; quotes runs line rewriters inside block quotes),
each a Python-Markdown extension with its own priorities; ``converter.py`` assembles them.
"""

from publish.convert.reader.converter import read_markdown

__all__ = ["read_markdown"]
