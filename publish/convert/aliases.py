"""Heading ids as other tools make them, so the links authors already wrote keep working.

Our ids are ASCII (`gerer-les-erreurs`); GitHub, mdBook and VS Code keep accents and drop
punctuation (`gérer-les-erreurs`, `quest-ce-que-`), Pandoc also drops what comes before the
first letter. For each heading, the ids those tools would give it are added as empty anchors
at its start when they differ from its own id, so `chapitre.md#gérer-les-erreurs` reaches the
heading in both outputs (accents are folded in ids and links alike:
see ids.fold_accents). An explicit `{#id}` is the heading's id and wins; an alias already
taken by another element of the chapter is not added.
"""

from __future__ import annotations

import re
from collections import Counter

from lxml import etree

from publish.convert.ids import fold_accents

HEADINGS = ("h2", "h3", "h4", "h5", "h6")  # a link to the `#` title reaches the chapter by its file name
ALIAS_CLASS = "heading-alias"


def github_slug(text: str) -> str:
    """GitHub's and mdBook's: lower case, letters (accents kept), digits, `-` and `_`; spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def pandoc_slug(text: str) -> str:
    """Pandoc's auto_identifiers: as above plus `.`, one hyphen between words, nothing before the first letter."""
    kept = "-".join(re.sub(r"[^\w\-. ]", "", text.lower()).split())
    first = re.search(r"[^\W\d_]", kept)
    return kept[first.start() :] if first else ""


def add_heading_aliases(root: etree._Element) -> None:
    taken = {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    seen: Counter[str] = Counter()  # GitHub numbers repeated headings: x, x-1, x-2
    for heading in root.iter(*HEADINGS):
        text = " ".join("".join(heading.itertext()).split())
        github = github_slug(text)
        numbered = f"{github}-{seen[github]}" if seen[github] else github
        seen[github] += 1
        for alias in dict.fromkeys(fold_accents(a) for a in (numbered, pandoc_slug(text))):
            if not alias or alias in taken or not _is_name(alias):
                continue
            anchor = etree.Element("span", {"id": alias, "class": ALIAS_CLASS})
            anchor.tail, heading.text = heading.text, None
            heading.insert(0, anchor)
            taken.add(alias)


def _is_name(alias: str) -> bool:
    """Prefixed with the chapter's slug, the alias must still be an XML name."""
    return re.fullmatch(r"[\w.-]+", alias) is not None
