"""Footnotes: Python-Markdown's endnotes taken out of the tree as Note objects, a marker left at each call."""

from __future__ import annotations

import copy

from lxml import etree

from publish.convert.html_tree import inner_html, remove_keeping_tail
from publish.model import Note

CALL_CLASS = "footnote-ref"  # Python-Markdown's <a> of a call, inside a <sup>


def note_calls(element: etree._Element) -> list[etree._Element]:
    return [a for a in element.iter("a") if a.get("class") == CALL_CLASS]


def drop_calls(element: etree._Element) -> list[str]:
    """Remove the note calls inside ``element`` (their number too); return their labels."""
    labels = []
    for call in note_calls(element):
        holder = call.getparent() if call.getparent() is not None and call.getparent().tag == "sup" else call
        labels.append(call.get("href", "").rsplit("--", 1)[-1].removeprefix("#").removeprefix("fn-"))
        remove_keeping_tail(holder)
    return labels


def text_without_calls(element: etree._Element) -> str:
    """The element's text as a reader sees it in the contents, where note calls are left out."""
    bare = copy.deepcopy(element)
    drop_calls(bare)
    return str(bare.text_content())


def take_notes(root: etree._Element, slug: str) -> tuple[tuple[Note, ...], tuple[str, ...], tuple[str, ...]]:
    """Lift Python-Markdown's endnote list out of the text; leave a marker at each call.

    Returns the notes, the labels of definitions no call refers to (dropped: a note
    nobody can reach would have a back link to nowhere), and the labels of calls
    written inside a note (left out: a pop-up cannot open another, and its back link
    would have no call to return to).
    """
    # Python-Markdown's list comes last, at the top; an author's `::: footnote` div is not it.
    made = [d for d in root if d.tag == "div" and d.get("class") == "footnote" and d.find("ol") is not None]
    container = made[-1] if made else None
    if container is None:
        return (), (), ()
    nested = drop_calls(container)
    called = {a.get("href", "")[1:] for a in note_calls(root)}
    notes: list[Note] = []
    number_of: dict[str, int] = {}
    orphans: list[str] = []
    for item in container.iter("li"):
        if item.get("id", "") not in called:
            orphans.append(item.get("id", "").rsplit("--", 1)[-1].removeprefix("fn-"))
            continue
        for backref in [a for a in item.iter("a") if a.get("class") == "footnote-backref"]:
            remove_keeping_tail(backref)
        paragraphs = [p for p in item if p.tag == "p"] or [item]
        number = len(notes) + 1
        number_of[item.get("id", "")] = number
        notes.append(
            Note(
                number=number,
                id=f"{slug}--note--{number}",  # slugs never hold "--": no clash with heading ids
                call_id=f"{slug}--call--{number}",
                paragraphs=tuple(inner_html(p).strip() for p in paragraphs),
            )
        )
    container.getparent().remove(container)
    seen: set[int] = set()
    for call in [a for a in root.iter("a") if a.get("class") == "footnote-ref"]:
        note_number = number_of.get(call.get("href", "")[1:])
        sup = call.getparent()
        holder = sup if sup is not None and sup.tag == "sup" else call
        if note_number is None:
            continue
        if note_number in seen:  # a second call of the same note: a plain number, no second copy
            replacement = etree.Element("sup", {"class": "note-call-again"})
            replacement.text = str(note_number)
        else:
            replacement = etree.Comment(f"publish:note:{note_number}")
        seen.add(note_number)
        replacement.tail = holder.tail
        holder.getparent().replace(holder, replacement)
    return tuple(notes), tuple(orphans), tuple(nested)


def inside_notes(element: etree._Element) -> bool:
    return any(a.tag == "div" and a.get("class") == "footnote" for a in element.iterancestors())
