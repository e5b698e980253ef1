"""Tables: header cells say what they head, for screen readers."""

from __future__ import annotations

from lxml import etree


def scope_table_headers(root: etree._Element) -> None:
    """`scope` on header cells, so that a screen reader announces each cell with its column
    (or row) header: header cells of the table head head columns, the others head rows."""
    for cell in root.iter("th"):
        if not cell.get("scope"):
            cell.set("scope", "col" if any(a.tag == "thead" for a in cell.iterancestors()) else "row")
