"""Typography by language: quotes, spaces, dashes, numbers and superscripts, applied to HTML trees.

The pass runs on the tree Python-Markdown made (never on raw Markdown), so code,
URLs and attribute values are out of its reach. Each text follows the
language of its nearest `lang` attribute; the conventions of each language are
data (``tables.py``), turned into rules by ``rules.py`` and applied block by
block by ``tree.py``. Running the pass twice changes nothing more.
"""

from __future__ import annotations

from lxml import etree

from publish.convert.typography.tables import LanguageTable, table_for
from publish.convert.typography.tree import typeset_element

__all__ = ["LanguageTable", "table_for", "typeset_element", "typeset_text"]


def typeset_text(text: str, lang: str) -> str:
    """Typeset a plain string (a title, a description): every rule except superscripts."""
    holder = etree.Element("span")
    holder.text = text
    typeset_element(holder, lang, superscripts=False)
    return holder.text or ""
