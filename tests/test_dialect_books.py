"""Two books typed the way mdBook and Pandoc users type, built end to end: none of their syntax
may show in the outputs, and each construct must become the element a reader expects."""

from __future__ import annotations

import re
import subprocess
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree
from pypdf import PdfReader

from tests.builds import FIXTURES, Built, built, epubcheck_messages, page_texts, squash

FORMATS = ("pdf", "epub", "handout")
NS = {
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "opf": "http://www.idpf.org/2007/opf",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
INCLUDE = "{{#include ../exemples/main.rs}}"  # mdBook's directive, typed inside a code block

# Markup of either dialect that a reader must never see printed.
LEAKS = (":::", "~~", "{width", "```", "<!--", "{.", "{#", "]{", "^[", "[^", "[ ]", "[x]", "{-}")


@dataclass(frozen=True)
class Dialect:
    folder: str
    leaks: tuple[str, ...]  # this book's own markup, on top of LEAKS
    hidden: tuple[str, ...]  # text that is in the manuscript but must not be in the book
    links: tuple[tuple[str, str, str], ...]  # (link text, phrase beside it in the PDF, start of its target)


DIALECTS = {
    "mdbook": Dialect(
        "habitudes-mdbook",
        leaks=("rust,ignore", "\\", "- [", "===", "----"),
        hidden=("TODO(julien)", "Installing the toolchain", "the rustup book", "keep this block in sync"),
        links=(
            ("Gérer les erreurs", "revoyez la section", "Gérer les erreurs"),
            ("Les clés utiles", "décrit au chapitre précédent, dans la section", "Les clés utiles"),
        ),
    ),
    "pandoc": Dialect(
        "habitudes-pandoc",
        leaks=("|", "Table :", "Table:", "lang=en", "title="),
        hidden=(),
        links=(
            ("Gérer les erreurs", "traquant les erreurs décrites dans la section", "Gérer les erreurs"),
            ("La fiche de lecture", "en suivant le gabarit de la section", "La fiche de lecture"),
            ("premier exercice", "Pour le premier exercice", "Exercice 1."),
        ),
    ),
}


def flat(text: str) -> str:
    """squash(), also joining words WeasyPrint hyphenated with U+2010 at a line end."""
    return squash(re.sub(r"\u2010\n\s*", "", text))


def text_of(element: etree._Element) -> str:
    return flat(element.xpath("string()"))


def classes(element: etree._Element) -> set[str]:
    return set((element.get("class") or "").split())


class Outputs:
    """One book's real outputs, each read once: the EPUB's XHTML documents and the two PDFs."""

    def __init__(self, build: Built) -> None:
        self.build = build

    @cached_property
    def documents(self) -> dict[str, etree._Element]:
        """Every XHTML document of the EPUB, by its path in the archive."""
        with zipfile.ZipFile(self.build.output("epub")) as archive:
            return {
                name: etree.fromstring(archive.read(name)) for name in archive.namelist() if name.endswith(".xhtml")
            }

    @cached_property
    def chapters(self) -> dict[str, etree._Element]:
        """The documents a reader reads as text: all but the navigation document (its TOC repeats the headings)."""
        with zipfile.ZipFile(self.build.output("epub")) as archive:
            container = etree.fromstring(archive.read("META-INF/container.xml"))
            opf_path = container.xpath("//*[local-name()='rootfile']/@full-path")[0]
            opf = etree.fromstring(archive.read(opf_path))
        base = PurePosixPath(opf_path).parent
        nav = {str(base / h) for h in opf.xpath("//opf:item[contains(@properties, 'nav')]/@href", namespaces=NS)}
        return {name: doc for name, doc in self.documents.items() if name not in nav}

    def find(self, xpath: str) -> list:
        return [found for doc in self.chapters.values() for found in doc.xpath(xpath, namespaces=NS)]

    def containing(self, tag: str, text: str) -> list[etree._Element]:
        """The ``tag`` elements of the chapters whose text contains ``text``."""
        return [element for element in self.find(f"//x:{tag}") if text in text_of(element)]

    def starting(self, tag: str, text: str) -> etree._Element:
        """The one ``tag`` element of the chapters whose text starts with ``text``."""
        found = [element for element in self.find(f"//x:{tag}") if text_of(element).startswith(text)]
        assert len(found) == 1, f"{len(found)} <{tag}> start with {text!r}"
        return found[0]

    def innermost(self, *texts: str) -> etree._Element:
        """The deepest element of the chapters that holds all of ``texts``."""
        found = [e for doc in self.chapters.values() for e in doc.iter("{*}*") if all(t in text_of(e) for t in texts)]
        assert found, f"no element holds {texts!r}"
        return max(found, key=lambda e: len(list(e.iterancestors())))

    @cached_property
    def pdf_pages(self) -> list[str]:
        return page_texts(self.build.output("pdf"))

    @cached_property
    def handout_pages(self) -> list[str]:
        return page_texts(self.build.output("handout"))

    @cached_property
    def first_body_page(self) -> int:
        """Index of the first PDF page after the table of contents (pages of dot leaders)."""
        toc = [i for i, text in enumerate(self.pdf_pages[:12]) if re.search(r"(\.\s?){5,}\s*\d+", text)]
        assert toc, "no table of contents in the PDF"
        return max(toc) + 1

    def body_page_of(self, phrase: str) -> int:
        """Index of the first page after the table of contents where ``phrase`` is printed."""
        for index in range(self.first_body_page, len(self.pdf_pages)):
            if phrase in flat(self.pdf_pages[index]):
                return index
        raise AssertionError(f"{phrase!r} is printed on no page of the PDF")


def _build(key: str) -> Outputs:
    return Outputs(built(FIXTURES / DIALECTS[key].folder, FORMATS))


@pytest.fixture(scope="module")
def mdbook() -> Outputs:
    return _build("mdbook")


@pytest.fixture(scope="module")
def pandoc() -> Outputs:
    return _build("pandoc")


@pytest.fixture(scope="module", params=sorted(DIALECTS))
def book(request: pytest.FixtureRequest) -> tuple[Dialect, Outputs]:
    return DIALECTS[request.param], request.getfixturevalue(request.param)


@dataclass(frozen=True)
class PdfLink:
    page: int  # index of the page the link is on
    text: str  # the words under its rectangle
    target: int | None  # index of the page it leads to; None if nowhere


def _words(path: Path) -> list[list[tuple[float, float, str]]]:
    """Per page, the centre (x, y from the top, in points) and text of every word poppler reads."""
    xml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True).stdout
    pages = etree.fromstring(xml).iterfind(".//x:page", NS)
    return [
        [
            (
                (float(w.get("xMin")) + float(w.get("xMax"))) / 2,
                (float(w.get("yMin")) + float(w.get("yMax"))) / 2,
                w.text,
            )
            for w in page.iterfind("x:word", NS)
        ]
        for page in pages
    ]


def _internal_links(path: Path) -> list[PdfLink]:
    """Every link of the PDF that stays inside it, with the text it is set on and where it leads."""
    reader = PdfReader(path)
    named = {name: reader.get_destination_page_number(d) for name, d in reader.named_destinations.items()}
    pages = {page.indirect_reference.idnum: index for index, page in enumerate(reader.pages)}
    words = _words(path)
    found = []
    for index, page in enumerate(reader.pages):
        height = float(page.mediabox.top)
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            destination = annotation.get("/Dest", action.get("/D") if action is not None else None)
            if destination is None:
                continue
            if isinstance(destination, bytes):
                destination = destination.decode("utf-8")
            if isinstance(destination, str):
                target = named.get(str(destination))
            else:  # an explicit destination: [page, /XYZ, left, top, zoom]
                target = pages.get(destination[0].idnum)
            x1, y1, x2, y2 = (float(v) for v in annotation["/Rect"])
            (left, right), (bottom, top) = sorted((x1, x2)), sorted((y1, y2))  # WeasyPrint writes top first
            under = [w for x, y, w in words[index] if left <= x <= right and height - top <= y <= height - bottom]
            found.append(PdfLink(index, " ".join(under), target))
    return found


def _is_set_on(link: PdfLink, text: str) -> bool:
    """Whether ``link`` is set on ``text`` or on part of it: a link broken over two lines is two rectangles."""
    words = flat(link.text).strip(".,;:")  # poppler's words keep the punctuation after them
    return len(words) > 2 and words in text


def _resolve(outputs: Outputs, document: str, href: str) -> tuple[str, etree._Element | None]:
    """The document an EPUB href leads to (from ``document``) and the element of its fragment."""
    parts = urlsplit(href)
    target = str(PurePosixPath(document).parent / unquote(parts.path)) if parts.path else document
    assert target in outputs.documents, f"{document}: link {href!r} leads to a missing document"
    if not parts.fragment:
        return target, None
    elements = outputs.documents[target].xpath("//*[@id=$id]", id=unquote(parts.fragment))
    assert elements, f"{document}: link {href!r} leads to no id of {target}"
    return target, elements[0]


# Both books ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_builds_without_warnings_or_errors(book):
    _, outputs = book  # an error would have stopped the build in the fixture
    assert [f"{w.path}:{w.line}: {w.message}" for w in outputs.build.report.warnings] == []


@pytest.mark.slow
@pytest.mark.epubcheck
def test_epubcheck_has_nothing_to_say(book):
    _, outputs = book
    assert epubcheck_messages(outputs.build.output("epub")) == []


@pytest.mark.slow
def test_no_markup_and_no_commented_out_text_is_printed(book):
    dialect, outputs = book
    for name, pages in (("pdf", outputs.pdf_pages), ("handout", outputs.handout_pages)):
        text = re.sub(r"\{\{#include \S+\}\}", "", flat("\n".join(pages)))  # code, as typed: its `{#` is no leak
        assert [leak for leak in LEAKS + dialect.leaks if leak in text] == [], name
        assert [hidden for hidden in dialect.hidden if hidden in text] == [], name


@pytest.mark.slow
def test_every_epub_link_lands_on_an_existing_document_and_id(book):
    _, outputs = book
    for name, document in outputs.documents.items():
        for href in document.xpath("//x:a/@href", namespaces=NS):
            if not urlsplit(href).scheme:
                _resolve(outputs, name, href)


@pytest.mark.slow
def test_links_to_other_chapters_and_to_ids_reach_their_target_in_the_epub(book):
    dialect, outputs = book
    anchors = [(name, a) for name, doc in outputs.chapters.items() for a in doc.iterfind(".//x:a", NS)]
    for link_text, _, target_text in dialect.links:
        links = [(name, a) for name, a in anchors if text_of(a) == link_text]
        assert links, f"no link reads {link_text!r}"
        for name, anchor in links:
            _, element = _resolve(outputs, name, anchor.get("href", ""))
            assert element is not None and text_of(element).startswith(target_text), (link_text, anchor.get("href"))


@pytest.mark.slow
def test_links_to_other_chapters_and_to_ids_reach_their_target_in_the_pdf(book):
    dialect, outputs = book
    links = _internal_links(outputs.build.output("pdf"))
    assert [link.page + 1 for link in links if link.target is None] == [], "pages with a link that leads nowhere"
    for link_text, beside, target_text in dialect.links:
        source = outputs.body_page_of(beside)  # not the table of contents, which links the same words
        parts = [link for link in links if link.page in (source, source + 1) and _is_set_on(link, link_text)]
        assert parts, f"no link on page {source + 1} is set on {link_text!r}"
        for part in parts:
            assert part.target is not None and part.target >= outputs.first_body_page, link_text
            assert target_text in flat(outputs.pdf_pages[part.target]), (
                f"{link_text!r} on page {source + 1} leads to page {part.target + 1}, not to {target_text!r}"
            )


# The mdBook / GitHub book --------------------------------------------------------------------


@pytest.mark.slow
def test_list_right_after_a_paragraph_is_a_list(mdbook):
    for lead, first_item in [
        ("Pour suivre, il vous faudra", "un terminal"),
        ("Chaque chapitre part d'un besoin concret", "installer et mettre à jour"),
    ]:
        paragraph = mdbook.starting("p", lead)
        assert first_item not in text_of(paragraph)
        following = paragraph.getnext()
        assert following is not None and etree.QName(following).localname == "ul"
        assert text_of(following.find("x:li", NS)).startswith(first_item)


@pytest.mark.slow
def test_list_nested_by_two_spaces_is_a_nested_list(mdbook):
    item = mdbook.starting("li", "installer et mettre à jour les outils")
    nested = item.xpath("x:ul/x:li", namespaces=NS)
    assert [text_of(li).split()[0] for li in nested] == ["rustup", "Cargo"]
    assert len(item.getparent().xpath("x:li", namespaces=NS)) == 4


@pytest.mark.slow
def test_ordered_list_keeps_the_number_it_starts_at(mdbook):
    item = mdbook.starting("li", "installez les composants")
    assert etree.QName(item.getparent()).localname == "ol"
    assert item.getparent().get("start") == "3"


@pytest.mark.slow
def test_list_numbered_with_parentheses_is_an_ordered_list(mdbook):
    item = mdbook.starting("li", "ouvrez Cargo.toml")
    items = item.getparent().xpath("x:li", namespaces=NS)
    assert etree.QName(item.getparent()).localname == "ol"
    assert [text_of(li).split()[0] for li in items] == ["ouvrez", "ajoutez", "lancez"]


@pytest.mark.slow
def test_code_fenced_inside_a_list_item_stays_in_that_item(mdbook):
    for item_start, code in [
        ("Téléchargez et lancez l'installeur", "https://sh.rustup.rs"),  # 3 spaces under `1.`
        ("Ouvrez un nouveau terminal", "rustc --version"),
        ("src/main.rs, le programme", 'println!("Bonjour'),  # 2 spaces under `-`
    ]:
        item = mdbook.starting("li", item_start)
        assert [text_of(pre) for pre in item.iterfind(".//x:pre", NS) if code in text_of(pre)], item_start
    steps = mdbook.starting("li", "Téléchargez et lancez").getparent()
    assert len(steps.xpath("x:li", namespaces=NS)) == 2, "the fence splits the numbered list"
    files = mdbook.starting("li", "src/main.rs, le programme").getparent()
    assert len(files.xpath("x:li", namespaces=NS)) == 3, "the fence splits the bulleted list"


@pytest.mark.slow
def test_code_fenced_inside_a_block_quote_stays_in_the_quote(mdbook):
    quote = mdbook.innermost("rustup a besoin de l'éditeur de liens", "puis relancez")
    assert quote.xpath("ancestor-or-self::x:blockquote", namespaces=NS)
    assert [pre for pre in quote.iterfind(".//x:pre", NS) if "winget install" in text_of(pre)]


@pytest.mark.slow
def test_tilde_fences_are_code_blocks(mdbook):
    assert mdbook.containing("pre", "rustup component add rust-analyzer")
    assert mdbook.containing("pre", 'format_date = "%d/%m/%Y"')


@pytest.mark.slow
def test_rust_ignore_block_is_highlighted_as_rust(mdbook):
    blocks = mdbook.containing("pre", "fn lire_configuration")
    assert len(blocks) == 1, "the `rust,ignore` fence is not a code block"
    keywords = [span for span in blocks[0].iterfind(".//x:span", NS) if text_of(span) in ("fn", "use", "let")]
    assert keywords and all(sorted(classes(span))[0].startswith("k") for span in keywords)  # Pygments: Keyword
    assert not mdbook.containing("p", "rust,ignore")


@pytest.mark.slow
def test_include_directive_inside_code_stays_as_typed(mdbook):
    assert mdbook.containing("pre", INCLUDE), "the directive is not in a code block as typed"
    assert INCLUDE in flat("\n".join(mdbook.pdf_pages))


@pytest.mark.slow
def test_task_list_items_show_ballot_boxes(mdbook):
    for start, box in [
        ("Installer la chaîne d'outils", "☑"),
        ("Publier et maintenir (les captures", "☐"),
        ("les tests passent", "☑"),
        ("le fichier CHANGELOG.md", "☐"),
    ]:
        items = [
            li for li in mdbook.find("//x:li") if re.sub(r"^(\[[ xX]\]|[☐☑])\s*", "", text_of(li)).startswith(start)
        ]
        assert len(items) == 1, f"{len(items)} list items read {start!r}"
        assert text_of(items[0]).startswith(box), (start, text_of(items[0])[:20])
    assert not [li for li in mdbook.find("//x:li") if re.match(r"\[[ x]\]", text_of(li))]


@pytest.mark.slow
def test_strikethrough_is_del(mdbook):
    struck = sorted(text_of(d) for d in mdbook.find("//x:del"))
    assert struck == ["mais personne ne l'a jamais terminé", "publier depuis le poste du responsable"]


@pytest.mark.slow
def test_bare_urls_and_autolinks_are_links_but_not_inside_code(mdbook):
    hrefs = set(mdbook.find("//x:a/@href"))
    bare = {"https://doc.rust-lang.org/book/", "https://releases.rs", "https://crates.io/settings/tokens"}
    angle = {"https://doc.rust-lang.org/std/", "https://github.com/exemple/outiller-rust"}
    assert bare | angle <= hrefs  # a bare URL ends before its sentence's comma
    assert mdbook.find("//x:pre//x:a") == []


@pytest.mark.slow
def test_html_comments_are_neither_shown_nor_read_as_markdown(mdbook):
    text = " ".join(text_of(doc) for doc in mdbook.chapters.values())
    assert [hidden for hidden in DIALECTS["mdbook"].hidden if hidden in text] == []
    assert not [h for h in mdbook.find("//x:h1") if "Installing" in text_of(h)]
    assert not [href for href in mdbook.find("//x:a/@href") if "rust-lang.github.io/rustup" in href]


@pytest.mark.slow
def test_backslash_at_line_end_is_a_line_break(mdbook):
    signature = mdbook.starting("p", "Bonne lecture")
    assert len(signature.findall("x:br", NS)) == 2
    assert "\\" not in text_of(signature)


@pytest.mark.slow
def test_setext_headings_are_headings(mdbook):
    assert [text_of(h) for h in mdbook.find("//x:h1") if "premier programme" in text_of(h)] == ["Un premier programme"]
    assert [text_of(h) for h in mdbook.find("//x:h2") if "plus loin" in text_of(h)] == ["Pour aller plus loin"]


@pytest.mark.slow
def test_graphviz_svg_with_its_doctype_is_a_figure(mdbook):
    images = [img for img in mdbook.find("//x:figure//x:img") if img.get("alt", "").startswith("Graphe des")]
    assert len(images) == 1, "the graph is not a figure"
    with zipfile.ZipFile(mdbook.build.output("epub")) as archive:
        assert any(name.endswith(Path(images[0].get("src")).name) for name in archive.namelist())


@pytest.mark.slow
def test_gfm_table_and_named_footnotes(mdbook):
    tables = [t for t in mdbook.find("//x:table") if "opt-level" in text_of(t)]
    assert len(tables) == 1
    assert len(tables[0].xpath(".//x:tbody/x:tr", namespaces=NS)) == 4
    notes = [text_of(n) for n in mdbook.find("//*[@epub:type='footnote']")]
    assert any("Advanced Features" in n for n in notes) and any("cargo depgraph" in n for n in notes)


# The Pandoc / Quarto book --------------------------------------------------------------------


def _element_with_id(outputs: Outputs, wanted: str) -> etree._Element:
    """The one element whose id is ``wanted``, whatever prefix the writer puts before chapter ids."""
    found = [e for e in outputs.find("//*[@id]") if re.fullmatch(rf"(.*-)?{wanted}", e.get("id"))]
    assert len(found) == 1, f"{len(found)} elements have the id {wanted!r}"
    return found[0]


CALLOUTS = [  # (title shown, text inside), in reading order
    ("Remarque", "Ces durées sont celles d'un article"),
    ("Astuce", "Un gabarit de fiche vierge"),
    ("Attention", "Un plan que l'on ne peut pas résumer"),
    ("À ne jamais oublier", "Toute idée empruntée est citée"),
    ("Prudence", "Les outils de reformulation automatique"),
    ("Les citations de seconde main", "Si vous citez un auteur à travers un autre"),
    ("Important", "Relisez sur papier"),
    ("Une piste", "Commencez par la dernière phrase"),
]


@pytest.mark.slow
def test_callouts_have_a_french_or_given_title_and_the_note_role(pandoc):
    found = []
    for title in pandoc.find("//*[contains(concat(' ', normalize-space(@class), ' '), ' callout-title ')]"):
        box = title.xpath("ancestor::*[@role][1]")
        assert box and box[0].get("role") == "note", text_of(title)
        body = text_of(box[0])
        found.append((text_of(title), next((text for _, text in CALLOUTS if text in body), body[:40])))
    assert found == CALLOUTS


@pytest.mark.slow
def test_named_divs_keep_their_name_as_a_class(pandoc):
    for name, inside in [
        ("dedication", "À mes étudiantes"),
        ("epigraph", "Ce que l'on conçoit bien"),
        ("aside", "On prête à Hemingway"),
        ("center", "Bon travail"),
    ]:
        holders = [
            e
            for e in pandoc.containing("*", inside)
            if name in classes(e)
            or etree.QName(e).localname == name
            or name in (e.get(f"{{{NS['epub']}}}type") or "").split()
        ]
        assert holders, f"no element named {name!r} around {inside!r}"


@pytest.mark.slow
def test_div_with_class_and_id_keeps_both(pandoc):
    exercise = _element_with_id(pandoc, "ex-1")
    assert "exercice" in classes(exercise)
    assert text_of(exercise).startswith("Exercice 1. Choisissez un article")


@pytest.mark.slow
def test_div_fenced_with_four_colons_holds_the_div_inside_it(pandoc):
    exercise = _element_with_id(pandoc, "ex-2")
    assert "exercice" in classes(exercise)
    assert exercise.xpath(".//*[@role='note']", namespaces=NS), "the tip is not inside the exercise"
    assert "Commencez par la dernière phrase" in text_of(exercise)
    assert "À vous de jouer" not in text_of(exercise)


@pytest.mark.slow
def test_bracketed_spans_become_spans(pandoc):
    smallcaps = sorted(text_of(s) for s in pandoc.find("//x:span") if "smallcaps" in classes(s))
    assert smallcaps == ["Boileau", "Petites Capitales"]
    english = [s for s in pandoc.find("//x:span") if "en" in (s.get("lang"), s.get(XML_LANG))]
    assert [text_of(s) for s in english] == ["to be or not to be"]


@pytest.mark.slow
def test_carets_and_single_tildes_are_superscript_and_subscript(pandoc):
    paragraph = pandoc.starting("p", "Les disciplines scientifiques")
    assert [text_of(s) for s in paragraph.iterfind(".//x:sub", NS)] == ["2", "2"]
    assert "8" in [text_of(s) for s in paragraph.iterfind(".//x:sup", NS)]
    assert "H2O et CO2" in text_of(paragraph) and not paragraph.findall(".//x:del", NS)


@pytest.mark.slow
def test_line_blocks_break_their_lines_with_br(pandoc):
    for first, last, lines in [
        ("Ce que l'on conçoit bien", "arrivent aisément", 2),
        ("Il pleure dans mon cœur", "Qui pénètre mon cœur", 4),
        ("Secrétariat du master", "Paris", 4),
    ]:
        block = pandoc.innermost(first, last)
        assert len(block.findall(".//x:br", NS)) == lines - 1, first
        assert "|" not in text_of(block), first


@pytest.mark.slow
def test_table_captions_both_ways(pandoc):
    captions = {text_of(c): c for c in pandoc.find("//x:table/x:caption")}
    assert set(captions) == {
        "Ce que coûte et ce que rapporte chaque lecture",  # `Table: …`
        "Répartition indicative des pages d'un mémoire",  # `: …`
    }
    assert not pandoc.find("//x:dd[starts-with(normalize-space(), 'Répartition')]")


@pytest.mark.slow
def test_image_width_is_a_style_never_an_attribute(pandoc):
    for alt, width in [("Un plan en trois parties", "width:50%"), ("Une page de brouillon", "width:8cm")]:
        images = [img for img in pandoc.find("//x:img") if img.get("alt", "").startswith(alt)]
        assert len(images) == 1, alt
        image = images[0]
        styles = [e.get("style") or "" for e in (image, image.getparent())]
        assert any(width in re.sub(r"\s", "", style) for style in styles), (alt, styles)
    sizes = [f"{e.get('width')} {e.get('height')}" for e in pandoc.find("//*[@width or @height]")]
    assert [size for size in sizes if re.search(r"[^\d ]", size.replace("None", ""))] == []  # XHTML: integers only


@pytest.mark.slow
def test_definition_list_is_a_dl(pandoc):
    lists = [dl for dl in pandoc.find("//x:dl") if "Lecture de survol" in text_of(dl)]
    assert len(lists) == 1, "the terms are not a definition list"
    terms = lists[0]
    assert [text_of(dt) for dt in terms.iterfind("x:dt", NS)] == [
        "Lecture de survol",
        "Lecture analytique",
        "Lecture de vérification",
    ]
    assert len(terms.findall("x:dd", NS)) == 3


@pytest.mark.slow
def test_inline_note_becomes_a_footnote(pandoc):
    paragraph = pandoc.starting("p", "La fiche de lecture est l'outil central")
    assert "promotion 2023" not in text_of(paragraph)
    assert paragraph.xpath(".//x:a[@epub:type='noteref']", namespaces=NS)
    assert [n for n in pandoc.find("//*[@epub:type='footnote']") if "la question qui fâche" in text_of(n)]


@pytest.mark.slow
def test_heading_attributes_give_the_id_and_are_not_printed(pandoc):
    fiche = pandoc.starting("h2", "La fiche de lecture")
    assert text_of(fiche) == "La fiche de lecture" and fiche.get("id", "").endswith("fiche")
    assert [text_of(h) for h in pandoc.find("//x:h2") if text_of(h).startswith("Remerciements")] == ["Remerciements"]


@pytest.mark.slow
def test_pagebreak_div_starts_the_next_text_on_a_new_page(pandoc):
    epigraph = pandoc.body_page_of("Art poétique")
    assert pandoc.body_page_of("Ce cours est né d'un constat") == epigraph + 1


@pytest.mark.slow
def test_unnumbered_preface_has_no_chapter_number(pandoc):
    chapter_number = re.compile(r"chapitre\s*(\d+|[IVX]+)\b", re.IGNORECASE)
    titles = {name: [text_of(h) for h in doc.iterfind(".//x:h1", NS)] for name, doc in pandoc.chapters.items()}
    assert ["Préface"] in titles.values(), titles
    preface = next(pandoc.chapters[name] for name, found in titles.items() if found == ["Préface"])
    assert not chapter_number.search(text_of(preface))
    reading = next(doc for doc in pandoc.chapters.values() if "Trois manières de lire" in text_of(doc))
    assert [m.group(1) for m in chapter_number.finditer(text_of(reading))][:1] == ["1"]
    opening = flat(pandoc.pdf_pages[pandoc.body_page_of("Préface")])
    assert not chapter_number.search(opening), opening[:80]
    toc = [line for page in pandoc.pdf_pages[: pandoc.first_body_page] for line in page.splitlines()]
    entries = [line.split() for line in toc if "Préface" in line]
    assert entries and entries[0][0] == "Préface", entries  # no number before it
