"""The typographic conventions of each language, as data: one table per language.

A table says *what* a language wants (its quotes, which spaces go before which
marks, which units stay glued to their number, which abbreviations take
superscripts); ``rules.py`` turns a table into the regular expressions that do
it. Adding a language means adding a table here, not writing code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

NBSP = "\u00a0"  # no-break space: before `:` in French, number + unit, "p. 12"
NNBSP = "\u202f"  # narrow no-break space: before `; ! ?`, inside « », thousands, `%`

# Measurement units and currency signs a number keeps on its line when the
# author typed a space between them (no space is ever inserted: "A4", "3D").
COMMON_UNITS = (
    "km",
    "m",
    "cm",
    "mm",
    "µm",
    "nm",
    "km²",
    "m²",
    "m³",
    "ha",
    "kg",
    "g",
    "mg",
    "t",
    "kt",
    "Mt",
    "Gt",
    "h",
    "min",
    "s",
    "ms",
    "µs",
    "ns",
    "Hz",
    "kHz",
    "MHz",
    "GHz",
    "W",
    "kW",
    "MW",
    "GW",
    "TW",
    "Wh",
    "kWh",
    "MWh",
    "GWh",
    "TWh",
    "V",
    "mV",
    "kV",
    "A",
    "mA",
    "bit",
    "bits",
    "kbit/s",
    "Mbit/s",
    "Gbit/s",
    "°C",
    "°F",
    "°",
    "€",
    "$",
    "£",
    "¥",
    "km/h",
)


@dataclass(frozen=True)
class Superscript:
    """``pattern`` matches a whole word; ``base`` and ``sup`` (match templates) rebuild it."""

    pattern: str
    base: str
    sup: str


@dataclass(frozen=True)
class LanguageTable:
    """Everything the typographic pass needs to know about one language.

    Empty values switch a rule off: the fallback table only makes dashes and
    ellipses, and leaves quotes and spacing as the author typed them.
    """

    name: str
    quotes: tuple[str, str] | None = None  # primary (open, close); None: leave quotes alone
    inner_quotes: tuple[str, str] | None = None  # quotes nested in primary ones, and for 'word'
    apostrophe: str = ""  # what a straight ' between letters becomes; "" leaves it
    quote_space: str = ""  # inside primary quotes (French « … »)
    space_before: tuple[tuple[str, str], ...] = ()  # (mark, the one space it wants before)
    remove_space_before: str = ""  # marks that want no space before (typed spaces are removed)
    spaced_hyphen_is_dash: bool = False  # "a - b" -> "a – b"
    incise_space: str = ""  # French: NBSP on the inner side of a pair of spaced dashes
    thousands: str = ""  # joins digit groups the author separated with spaces
    percent_space: str = ""  # put (or inserted) between a number and % or ‰
    unit_space: str = ""  # replaces a typed space between a number and a unit
    units: tuple[str, ...] = ()
    before_number: tuple[str, ...] = ()  # abbreviations glued to the number after them
    before_name: tuple[str, ...] = ()  # titles glued to the capitalised name after them
    elisions: tuple[str, ...] = ()  # words that start with an apostrophe: 'tis, '90s
    superscripts: tuple[Superscript, ...] = ()


_ROMAN = r"(?:(?=[IVXLC]{2})C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})|[IVX])"

FRENCH = LanguageTable(
    name="fr",
    quotes=("«", "»"),
    inner_quotes=("“", "”"),
    apostrophe="’",
    quote_space=NNBSP,
    space_before=((";", NNBSP), ("!", NNBSP), ("?", NNBSP), (":", NBSP)),
    spaced_hyphen_is_dash=True,
    incise_space=NBSP,
    thousands=NNBSP,
    percent_space=NNBSP,
    unit_space=NBSP,
    units=COMMON_UNITS
    + (
        "o",
        "ko",
        "Ko",
        "Mo",
        "Go",
        "To",
        "Po",
        "Mo/s",
        "Go/s",
        "M€",
        "Md€",
        "Mds",
        "million",
        "millions",
        "milliard",
        "milliards",
        "millier",
        "milliers",
    ),
    before_number=("p.", "pp.", "t.", "vol.", "chap.", "fig.", "art.", "éd.", "n°", "N°", "§"),
    before_name=("M.", "MM.", "Mme", "Mmes", "Mlle", "Mlles", "Dr", "Pr", "Me", "Mgr"),
    superscripts=(
        # Each pattern is a whole word (the pass checks nothing glued on the left).
        # Wrong but common forms first, so "2ème" becomes 2ᵉ and not 2 + "ème".
        Superscript(r"(\d+)(?:ième|ème|eme|è)(s?)(?!\w)", r"\1", r"e\2"),
        Superscript(r"(\d+)ère(s?)(?!\w)", r"\1", r"re\2"),
        Superscript(r"(\d+)n(de?s?)(?!\w)", r"\1", r"\2"),
        Superscript(r"(\d+)(ers?|res?|es?|des?|ds?)(?!\w)", r"\1", r"\2"),
        Superscript(r"(" + _ROMAN + r")(?:ième|ème|eme)(s?)(?!\w)", r"\1", r"e\2"),
        Superscript(r"(I)(er)(?!\w)", r"\1", r"\2"),  # François Ier; never "Vers"
        Superscript(r"(" + _ROMAN + r")(es?)(?!\w)", r"\1", r"\2"),
        Superscript(r"(M)(mes?|lles?|grs?)(?!\w)", r"\1", r"\2"),
        Superscript(r"(C)(ies?)(?!\w)", r"\1", r"\2"),
        Superscript(r"([nN])°", r"\1", "o"),  # n°5 as well as n° 5
    ),
)

# What English, German, Spanish and Italian share: no space before the high marks,
# curly apostrophes, dashes, and the same glue for numbers.
_WESTERN = LanguageTable(
    name="",
    apostrophe="’",
    remove_space_before=";:!?",
    spaced_hyphen_is_dash=True,
    thousands=NNBSP,
    unit_space=NBSP,
)
_BYTES = ("kB", "KB", "MB", "GB", "TB", "PB", "B")

ENGLISH = replace(
    _WESTERN,
    name="en",
    quotes=("“", "”"),
    inner_quotes=("‘", "’"),
    units=COMMON_UNITS + _BYTES + ("million", "millions", "billion", "billions"),
    before_number=("p.", "pp.", "vol.", "ch.", "chap.", "fig.", "Fig.", "no.", "No.", "§"),
    before_name=("Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "Prof."),
    elisions=("tis", "twas", "em", "n", "cause", "til"),
)
GERMAN = replace(
    _WESTERN,
    name="de",
    quotes=("„", "“"),
    inner_quotes=("‚", "‘"),
    units=COMMON_UNITS + _BYTES + ("Mio.", "Mrd."),
    before_number=("S.", "Nr.", "Abb.", "Bd.", "Kap.", "§"),
)
SPANISH = replace(
    _WESTERN,
    name="es",
    quotes=("«", "»"),
    inner_quotes=("“", "”"),
    units=COMMON_UNITS + _BYTES,
    before_number=("p.", "pág.", "vol.", "cap.", "fig.", "n.º", "§"),
)
ITALIAN = replace(
    _WESTERN,
    name="it",
    quotes=("«", "»"),
    inner_quotes=("“", "”"),
    units=COMMON_UNITS + _BYTES,
    before_number=("p.", "pp.", "vol.", "cap.", "fig.", "n.", "§"),
)

FALLBACK = LanguageTable(name="")

TABLES = {table.name: table for table in (FRENCH, ENGLISH, GERMAN, SPANISH, ITALIAN)}


def table_for(lang: str) -> LanguageTable:
    """The table of a BCP 47 tag's primary language: "fr-CA" -> French; unknown -> FALLBACK."""
    return TABLES.get(lang.split("-")[0].split("_")[0].strip().lower(), FALLBACK)
