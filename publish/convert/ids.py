"""Ids: unique across the book (`<chapter>--<anchor>`), on every block a reader may be sent to."""

from __future__ import annotations

import unicodedata

from lxml import etree

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O"})


def fold_accents(anchor: str) -> str:
    """`gérer-les-erreurs` -> `gerer-les-erreurs`: ids and link fragments stay ASCII where Latin letters allow.

    Serialisers percent-encode other characters in an href (`g%C3%A9rer`), which the id does not
    match in every reader; GitHub-style links keep accents, our ids never do, so both are folded.
    """
    if anchor.isascii():
        return anchor
    decomposed = unicodedata.normalize("NFKD", anchor.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def prefix_ids(root: etree._Element, slug: str) -> None:
    """Make ids unique book-wide: `<chapter-slug>--<id>`; rewrite same-chapter note hrefs too."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.get("id"):
            element.set("id", f"{slug}--{fold_accents(element.get('id'))}")
        if element.get("class") in ("footnote-ref", "footnote-backref") and element.get("href", "").startswith("#"):
            element.set("href", f"#{slug}--{element.get('href')[1:]}")


_NUMBERED_BLOCKS = ("p", "li", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "pre", "figcaption", "td", "th")


def number_blocks(root: etree._Element, slug: str) -> None:
    """Give every text block an id (`<slug>--_<n>`), so that where a PDF page begins can be
    named in the EPUB (its page markers). Authors' ids never start with `_`."""
    for number, element in enumerate(root.iter(*_NUMBERED_BLOCKS), start=1):
        if not element.get("id"):
            element.set("id", f"{slug}--_{number}")


def all_ids(root: etree._Element) -> list[str]:
    return [e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")]
