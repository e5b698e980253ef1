"""Generated words: the colophon credits the typefaces the book uses, prints no made-up UUID, and
the EPUB's colophon date has its ordinal in superscript ("1<sup>er</sup> mars")."""

from __future__ import annotations

import re
import subprocess
import tomllib
import zipfile
from pathlib import Path

import pikepdf
from lxml import etree

STYLES = Path(__file__).resolve().parents[2] / "styles" / "default"
XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
CODE = {f"{XHTML}{tag}" for tag in ("code", "pre", "kbd", "samp")}


def _families() -> tuple[str, ...]:
    """The default theme's typefaces, as theme.toml declares them."""
    theme = tomllib.loads((STYLES / "theme.toml").read_text(encoding="utf-8"))
    return tuple(entry["family"] for entry in theme["fonts"])


def _credit_patterns() -> list[re.Pattern[str]]:
    """The credit sentence of each language of the default theme, its typefaces captured."""
    patterns = []
    for path in sorted((STYLES / "words").glob("*.toml")):
        frame = str(tomllib.loads(path.read_text(encoding="utf-8"))["typeset_with"])
        before, _, after = frame.partition("{typefaces}")
        patterns.append(re.compile(re.escape(before).replace(r"\ ", r"\s+") + r"(?P<faces>[^.]+?)" + re.escape(after)))
    return patterns


FAMILIES = _families()
CREDITS = _credit_patterns()
_FIRST_OF_MONTH = re.compile(
    r"(?<![\w>])1(?:er|re)\s+(?:janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)"
)


def _credited(text: str) -> set[str] | None:
    """The typefaces the colophon names, or None when the text holds no credit sentence."""
    flat = re.sub(r"\s+", " ", text)
    for pattern in CREDITS:
        match = pattern.search(flat)
        if match:
            return {family for family in FAMILIES if family in match.group("faces")}
    return None


def _squashed(name: str) -> str:
    return re.sub(r"[\s_-]", "", name).lower()


def _embedded_families(pdf: pikepdf.Pdf) -> set[str]:
    """The theme's families among the fonts a PDF embeds (page resources and Form XObjects alike)."""
    names = set()
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.Font and "/BaseFont" in obj:
            names.add(_squashed(str(obj.BaseFont).lstrip("/").split("+", 1)[-1]))
    return {family for family in FAMILIES if any(name.startswith(_squashed(family)) for name in names)}


def check_pdf(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True).stdout
    found, embedded = [], None
    for number, page in enumerate(text.split("\f"), start=1):
        if "urn:uuid" in page:
            found.append(f"page {number}: prints a raw urn:uuid identifier to readers")
        credited = _credited(page)
        if credited is None:
            continue
        if embedded is None:
            with pikepdf.open(path) as pdf:
                embedded = _embedded_families(pdf)
        found += [f"page {number}: the colophon credits {f}, which the PDF does not use" for f in credited - embedded]
        found += [f"page {number}: the PDF uses {f}, which the colophon does not credit" for f in embedded - credited]
    return found


def _texts_outside_code(element: etree._Element) -> list[str]:
    """Each text node of ``element`` apart, code left out: "1" + <sup>er</sup> is not "1er"."""
    texts = []
    for text in element.xpath(".//text()"):
        owner = text.getparent()
        if text.is_tail:
            owner = owner.getparent()
        if owner is not None and not any(e.tag in CODE for e in (owner, *owner.iterancestors())):
            texts.append(str(text))
    return texts


def check_epub(path: Path) -> list[str]:
    found, has_code, credits = [], False, []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not name.endswith(".xhtml") or name.endswith("nav.xhtml"):
                continue
            try:
                body = etree.fromstring(archive.read(name)).find(f"{XHTML}body")
            except etree.XMLSyntaxError:
                continue  # not this rule's business: EPUBCheck reports it
            if body is None:
                continue
            has_code = has_code or any(e.tag in CODE for e in body.iter())
            for page in body.iter(f"{XHTML}section"):
                if "copyright-page" in (page.get(EPUB_TYPE) or ""):
                    found += _check_colophon(name, page)
                    credited = _credited(" ".join(page.itertext()))
                    if credited is not None:
                        credits.append((name, credited))
    code_faces = {f for f in FAMILIES if "mono" in f.lower()}
    for name, credited in credits:
        if has_code and not code_faces <= credited:
            found.append(f"{name}: the book has code; the colophon does not credit {', '.join(sorted(code_faces))}")
        if not has_code and code_faces & credited:
            found.append(
                f"{name}: the colophon credits {', '.join(sorted(code_faces & credited))}; the book has no code"
            )
    return found


def _check_colophon(name: str, page: etree._Element) -> list[str]:
    found = []
    for text in _texts_outside_code(page):
        if "urn:uuid" in text:
            found.append(f"{name}: prints a raw urn:uuid identifier to readers")
        found += [f"{name}: `{m.group()}` has no superscript (1<sup>er</sup>)" for m in _FIRST_OF_MONTH.finditer(text)]
    return found
