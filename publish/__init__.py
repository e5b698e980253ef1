"""publish: Markdown chapters to a print-quality PDF, an EPUB 3 and a handout, one theme for all."""

__version__ = "0.1.0"
