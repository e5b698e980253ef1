"""Chapter titles that name a book's front or back matter, per language: such a chapter is unnumbered by default.

The lists live in the load stage, not in a theme's words: they decide the book's structure
(chapter numbers, hence the contents, running heads, cross-references and `--chapters 2-3`),
which every medium and every theme must agree on, and numbering is settled when the
manuscript is read, before any theme is loaded.
"""

from __future__ import annotations

import re
import unicodedata

# As a typesetter would write them; compared without case or accents ("EPILOGUE", "Epilogue").
MATTER_TITLES: dict[str, tuple[str, ...]] = {
    "fr": (
        "Introduction",
        "Introduction générale",
        "Avant-propos",
        "Préface",
        "Préambule",
        "Avertissement",
        "Prologue",
        "Conclusion",
        "Conclusion générale",
        "Épilogue",
        "Postface",
        "Remerciements",
    ),
    "en": (
        "Introduction",
        "Foreword",
        "Preface",
        "Prologue",
        "Conclusion",
        "Epilogue",
        "Afterword",
        "Acknowledgments",
        "Acknowledgements",
    ),
    "de": (
        "Einleitung",
        "Einführung",
        "Vorwort",
        "Geleitwort",
        "Prolog",
        "Schluss",
        "Schlusswort",
        "Schlussbetrachtung",
        "Fazit",
        "Epilog",
        "Nachwort",
        "Danksagung",
    ),
    "es": (
        "Introducción",
        "Prefacio",
        "Prólogo",
        "Conclusión",
        "Conclusiones",
        "Epílogo",
        "Posfacio",
        "Agradecimientos",
    ),
    "it": (
        "Introduzione",
        "Premessa",
        "Prefazione",
        "Prologo",
        "Conclusione",
        "Conclusioni",
        "Epilogo",
        "Postfazione",
        "Ringraziamenti",
    ),
}

# What may follow the word in a title that still names the matter: "Introduction : un continent…",
# "Conclusion. Ce que nous voulons", "Prologue — 1914". "Introduction to Python" is a chapter.
_AFTER = re.compile(r"\s*(?:[:.,;—–]|\s-\s|$)")


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\u2019", "'")


_FOLDED = {
    lang: tuple(sorted((_folded(t) for t in titles), key=len, reverse=True)) for lang, titles in MATTER_TITLES.items()
}


def is_matter_title(title: str, lang: str) -> bool:
    """Whether ``title`` names front or back matter in ``lang`` (a BCP 47 tag: "fr-CA" reads as "fr")."""
    folded = _folded(title.strip())
    for word in _FOLDED.get(lang.split("-")[0].lower(), ()):
        if folded.startswith(word) and _AFTER.match(folded, len(word)):
            return True
    return False
