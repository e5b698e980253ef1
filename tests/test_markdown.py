"""render_chapter / check_links: the Markdown stage, its markers, ids, figures, links and errors."""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html

from publish.convert.chapter import render_chapter
from publish.convert.links import check_links
from publish.errors import Diagnostic
from publish.load.manuscript import load_manuscript

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n'
XML_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")
MARKER = re.compile(r"<!--publish:(note|url):(\d+)-->")
NOHYPHEN_SPAN = re.compile(r'<span class="nohyphen">([^<]*)</span>')


def render(make_book, chapters, **kwargs):
    book = load_manuscript(make_book(chapters, **kwargs))
    return book, [render_chapter(chapter, book.root) for chapter in book.chapters]


def render_one(make_book, text, **kwargs):
    _book, rendered = render(make_book, {"01-chapitre.md": text}, **kwargs)
    return rendered[0]


class Caught:
    """What the tests read of an error: ``caught.value`` as with pytest.raises."""

    def __init__(self, value: Diagnostic) -> None:
        self.value = value


def tree(body: str):
    return lxml_html.fragment_fromstring(body, create_parent="div")


def _without_nohyphen_spans(body: str) -> str:
    """``body`` as the typography pass left it, before names were kept whole (tests/test_hyphenation.py)."""
    return NOHYPHEN_SPAN.sub(r"\1", body)


def errors_of(book) -> list[Diagnostic]:
    """Every error the Markdown stage finds in the book, in the order it reports them."""
    rendered = [render_chapter(chapter, book.root) for chapter in book.chapters]
    return [d for r in rendered for d in r.errors] + list(check_links(rendered))


def render_error(make_book, chapters, **kwargs) -> tuple[Diagnostic, object]:
    folder = make_book(chapters, **kwargs)
    found = errors_of(load_manuscript(folder))
    assert found, "expected an error"
    return found[0], folder


# --- notes ---------------------------------------------------------------------------------------

NOTES_1 = "# Un\n\nPremière phrase[^a]. Seconde phrase[^b].\n\n[^a]: Note A.\n[^b]: Note B, *en italique*.\n"
NOTES_2 = "# Deux\n\nUne autre note[^1] ici.\n\n[^1]: Note du deuxième.\n"


def test_footnotes_become_markers_and_notes(make_book):
    _, (first, second) = render(make_book, {"01-un.md": NOTES_1, "02-deux.md": NOTES_2})
    assert [m.groups() for m in MARKER.finditer(first.body)] == [("note", "1"), ("note", "2")]
    assert first.body.index("Première phrase<!--publish:note:1-->") < first.body.index(
        "Seconde phrase<!--publish:note:2-->"
    )
    assert [n.number for n in first.notes] == [1, 2]
    assert first.notes[0].paragraphs == ("Note A.",)
    assert first.notes[1].paragraphs == ("Note B, <em>en italique</em>.",)
    # numbering restarts in every chapter
    assert [n.number for n in second.notes] == [1]
    assert second.notes[0].paragraphs == ("Note du deuxième.",)
    assert "<!--publish:note:1-->" in second.body
    # the endnote list itself is gone from the body, as are backlinks
    assert "footnote" not in first.body
    assert "Note A." not in first.body


def test_note_ids_unique_across_chapters(make_book):
    _, rendered = render(make_book, {"01-un.md": NOTES_1, "02-deux.md": NOTES_2, "03-trois.md": NOTES_1})
    ids = [i for r in rendered for n in r.notes for i in (n.id, n.call_id)]
    assert len(ids) == 10
    assert len(set(ids)) == len(ids)
    for r in rendered:
        for note in r.notes:
            assert note.id.startswith(r.chapter.slug + "--") and XML_NAME.match(note.id)
            assert note.call_id.startswith(r.chapter.slug + "--") and XML_NAME.match(note.call_id)
            assert {note.id, note.call_id} <= r.ids


def test_multi_paragraph_note(make_book):
    text = "# T\n\nAppel[^long].\n\n[^long]: Premier paragraphe.\n\n    Second paragraphe.\n"
    note = render_one(make_book, text).notes[0]
    assert note.paragraphs == ("Premier paragraphe.", "Second paragraphe.")


def test_second_call_of_the_same_note_is_not_a_second_marker(make_book):
    rendered = render_one(make_book, "# T\n\nUn[^x] et deux[^x].\n\n[^x]: La note.\n")
    assert len(rendered.notes) == 1
    assert rendered.body.count("<!--publish:note:1-->") == 1


def test_body_with_replaces_markers(make_book):
    text = "# T\n\nVoir [le site](https://example.org/a) et une note[^n].\n\n[^n]: Le texte de la note.\n"
    rendered = render_one(make_book, text)
    body = rendered.body_with(
        lambda note: f"[N{note.number}:{note.paragraphs[0]}]", lambda link: f"[U{link.number}:{link.url}]"
    )
    assert "<!--publish:" not in body
    assert "une note[N1:Le texte de la note.]" in body
    assert "le site</a>[U1:https://example.org/a]" in body
    # the default for URLs is to drop the marker
    plain = rendered.body_with(lambda note: "*")
    assert "<!--publish:" not in plain and "https://example.org/a" in plain and "une note*" in plain


# Regression: notes were numbered in definition order, so the first call could read 2.
def test_notes_numbered_in_order_of_calls(make_book):
    text = "# T\n\nD'abord[^z], ensuite[^a].\n\n[^a]: Définie en premier.\n[^z]: Définie en second.\n"
    rendered = render_one(make_book, text)
    assert [m.group(2) for m in MARKER.finditer(rendered.body)] == ["1", "2"]
    assert rendered.notes[0].paragraphs == ("Définie en second.",)


# Regression: `## Note 1` got the id of note 1.
def test_note_ids_do_not_collide_with_heading_ids(make_book):
    rendered = render_one(make_book, "# T\n\n## Note 1\n\nTexte[^x].\n\n[^x]: Une note.\n")
    heading_ids = {h.id for h in rendered.headings}
    note_ids = {i for n in rendered.notes for i in (n.id, n.call_id)}
    assert heading_ids and note_ids
    assert not heading_ids & note_ids


# --- ids, headings, title ------------------------------------------------------------------------


def test_ids_are_prefixed_with_the_chapter_slug(make_book):
    text = "# T\n\n## Section {#ma-section}\n\n### Sous-section\n\nTexte[^1].\n\n[^1]: Note.\n"
    _, (rendered,) = render(make_book, {"01-chapitre.md": text})
    slug = rendered.chapter.slug
    ids = [e.get("id") for e in tree(rendered.body).iter() if isinstance(e.tag, str) and e.get("id")]
    assert ids, "headings carry ids"
    assert all(i.startswith(slug + "--") for i in ids), ids
    assert f"{slug}--ma-section" in ids
    assert next(h.id for h in rendered.headings) == f"{slug}--ma-section"
    assert slug in rendered.ids  # the chapter itself is a link target


def test_title_is_taken_out_of_the_body(make_book):
    rendered = render_one(make_book, "# Le *grand* titre\n\nTexte.\n")
    assert "<h1" not in rendered.body
    assert rendered.title_html == "Le <em>grand</em>\u00a0titre"  # the last words bound, as every display line
    assert "Texte." in rendered.body


# Regression: the rendered title came from `#` even when front matter `title:` overrode it.
def test_front_matter_title_is_the_rendered_title(make_book):
    rendered = render_one(make_book, "---\ntitle: Nouveau titre\n---\n# Ancien titre\n\nTexte.\n")
    assert rendered.chapter.title == "Nouveau titre"
    assert rendered.title_html == "Nouveau\u00a0titre"


def test_front_matter_title_without_heading_is_escaped(make_book):
    rendered = render_one(make_book, "---\ntitle: Q&A <court>\n---\nTexte.\n")
    assert rendered.title_html == "Q&amp;A\u00a0&lt;court&gt;"


def test_heading_ids_are_ascii_xml_names_unique_and_stable(make_book):
    text = (
        "# T\n\n## Éléments : à voir\n\n## 2025 : le sommet\n\n## 日本語\n\n## Éléments : à voir\n\n"
        "## Œuvres complètes\n"
    )
    _, (first,) = render(make_book, {"01-chapitre.md": text})
    slug = first.chapter.slug
    ids = [h.id for h in first.headings]
    assert len(ids) == 5
    for heading_id in ids:
        assert heading_id.isascii() and XML_NAME.match(heading_id), heading_id
    assert len(set(ids)) == len(ids)
    assert ids[0] == f"{slug}--elements-a-voir"
    assert next(h.text for h in first.headings) == "Éléments\u00a0: à\u00a0voir"  # typeset, tail bound, id unchanged
    # stable: the same text in another book, behind another chapter, gives the same ids
    _, rendered = render(make_book, {"00-avant.md": "# Avant\n\n## Éléments : à voir\n", "01-chapitre.md": text})
    assert [h.id for h in rendered[1].headings] == ids


# --- links ---------------------------------------------------------------------------------------


def test_cross_chapter_link_to_anchor(make_book):
    chapters = {
        "01-un.md": "# Un\n\nVoir [la mesure](02-x.md#mesure) et [le chapitre](02-x.md).\n",
        "02-x.md": "# Deux\n\n## La mesure {#mesure}\n\nTexte.\n",
    }
    _, (first, second) = render(make_book, chapters)
    hrefs = [a.get("href") for a in tree(first.body).iter("a")]
    assert hrefs == [f"#{second.chapter.slug}--mesure", f"#{second.chapter.slug}"]
    assert [link.target_id for link in first.links] == [f"{second.chapter.slug}--mesure", second.chapter.slug]
    assert first.links[0].line == 3 and first.links[0].source == first.chapter.source
    assert list(check_links([first, second])) == []  # both targets exist


def test_same_chapter_anchor_link(make_book):
    rendered = render_one(make_book, "# T\n\n## Une section\n\nRetour à [la section](#une-section).\n")
    href = next(tree(rendered.body).iter("a")).get("href")
    assert href == f"#{rendered.chapter.slug}--une-section"
    assert href[1:] in rendered.ids
    assert list(check_links([rendered])) == []


def test_link_to_missing_chapter_file(make_book):
    text = "# Un\n\nTexte.\n\nVoir [la suite](03-absent.md#x).\n"
    folder = make_book({"01-un.md": text, "02-deux.md": "# Deux\n"})
    book = load_manuscript(folder)
    caught = Caught(errors_of(book)[0])
    assert caught.value.path == folder / "chapters" / "01-un.md"
    assert caught.value.line == 5
    assert "03-absent.md" in caught.value.message


def test_link_to_missing_anchor_in_other_chapter(make_book):
    chapters = {
        "01-un.md": "---\nnumbered: false\n---\n# Un\n\nTexte.\n\nVoir [ici](02-deux.md#nulle-part).\n",
        "02-deux.md": "# Deux\n\n## Quelque part\n",
    }
    error, folder = render_error(make_book, chapters)
    assert error.path == folder / "chapters" / "01-un.md"
    assert error.line == 8  # counts the front matter
    assert "02-deux.md#nulle-part" in error.message


def test_link_to_missing_anchor_in_same_chapter(make_book):
    error, folder = render_error(make_book, {"01-un.md": "# Un\n\n## Section\n\n[x](#absente)\n"})
    assert (error.path, error.line) == (folder / "chapters" / "01-un.md", 5)


def test_link_to_a_chapter_left_out_of_the_book_is_an_error(make_book):
    chapters = {"01-un.md": "# Un\n\n[x](02-deux.md)\n", "02-deux.md": "# Deux\n"}
    error, folder = render_error(make_book, chapters, extra_toml='chapters = ["01-un.md"]\n')
    assert (error.path, error.line) == (folder / "chapters" / "01-un.md", 3)


def test_link_to_a_non_chapter_file_is_an_error(make_book):
    folder = make_book({"01-un.md": "# Un\n\n[la config](../book.toml)\n"})
    book = load_manuscript(folder)
    caught = Caught(errors_of(book)[0])
    assert caught.value.line == 3


# Regression: link lines were found by substring, so `#intro` was blamed on `#introduction`.
def test_broken_link_line_is_exact(make_book):
    text = "# A\n\n## Introduction\n\nVoir [ici](#introduction).\n\nEt [là](#intro).\n"
    error, _ = render_error(make_book, {"01.md": text})
    assert error.line == 7


def test_external_links_get_url_markers(make_book):
    text = (
        "# T\n\nLire [la doc](https://example.org/docs), [le blog](http://blog.example.org/) "
        "ou [écrire](mailto:auteur@example.org).\n"
    )
    rendered = render_one(make_book, text)
    assert [(link.number, link.url) for link in rendered.external_links] == [
        (1, "https://example.org/docs"),
        (2, "http://blog.example.org/"),
    ]
    assert "la doc</a><!--publish:url:1-->" in rendered.body
    assert "le blog</a><!--publish:url:2-->" in rendered.body
    assert "publish:url:3" not in rendered.body  # mailto: is not printed as a URL note
    assert not rendered.links  # nothing internal to check
    classes = [a.get("class") for a in tree(rendered.body).iter("a")]
    assert all("external" in c for c in classes)


# --- figures and images --------------------------------------------------------------------------


def test_lone_image_with_alt_becomes_a_figure(make_book):
    text = "# T\n\nAvant.\n\n![Un graphique en barres](../images/barres.svg)\n\nAprès.\n"
    rendered = render_one(make_book, text, files={"images/barres.svg": SVG})
    root = tree(rendered.body)
    figures = list(root.iter("figure"))
    assert len(figures) == 1
    figure = figures[0]
    assert figure.find("img").get("src") == "images/barres.svg"  # book-relative
    assert figure.find("figcaption").text_content() == "Un graphique en barres"
    assert figure.getparent().tag != "p"
    assert [(a.href, a.media_type) for a in rendered.assets] == [("images/barres.svg", "image/svg+xml")]
    assert rendered.assets[0].source == rendered.chapter.source.parent.parent / "images" / "barres.svg"


def test_inline_image_or_image_without_alt_is_not_a_figure(make_book):
    text = "# T\n\nUne icône ![i](../images/a.svg) dans le texte.\n\n![](../images/a.svg)\n"
    rendered = render_one(make_book, text, files={"images/a.svg": SVG})
    root = tree(rendered.body)
    assert not list(root.iter("figure"))
    assert len(list(root.iter("img"))) == 2
    assert len(rendered.assets) == 1  # one file, used twice


def test_missing_image(make_book):
    text = "---\nnumbered: false\n---\n# T\n\nTexte.\n\n![Absent](../images/absent.png)\n"
    folder = make_book({"01-a.md": text})
    book = load_manuscript(folder)
    caught = Caught(errors_of(book)[0])
    assert caught.value.path == folder / "chapters" / "01-a.md"
    assert caught.value.line == 8
    assert re.search(r"01-a\.md:8:\d+: error: .*absent\.png", str(caught.value))


@pytest.mark.parametrize("src", ["../../dehors.svg", "/tmp/dehors.svg", "https://example.org/x.png"])
def test_image_outside_the_manuscript(make_book, tmp_path, src):
    (tmp_path / "dehors.svg").write_text(SVG)  # exists, next to the manuscript folder
    folder = make_book({"01-a.md": f"# T\n\n![Dehors]({src})\n"})
    assert (folder.parent / "dehors.svg").is_file()
    book = load_manuscript(folder)
    caught = Caught(errors_of(book)[0])
    assert (caught.value.path, caught.value.line) == (folder / "chapters" / "01-a.md", 3)


def test_unsupported_image_type(make_book):
    folder = make_book({"01-a.md": "# T\n\n![Doc](../images/doc.pdf)\n"}, files={"images/doc.pdf": b"%PDF-1.4"})
    book = load_manuscript(folder)
    caught = Caught(errors_of(book)[0])
    assert caught.value.line == 3


# --- literal text and extensions -----------------------------------------------------------------


def test_template_syntax_survives_in_text_and_code(make_book):
    text = (
        "# T\n\nÉcrire {{ x }} et {% if y %} tel quel.\n\n```\n{{ x }}\n```\n\n"
        "```python\nd = {{ x }}\n```\n\nEn ligne : `{{ x }}`.\n"
    )
    rendered = render_one(make_book, text)
    root = tree(rendered.body)
    paragraphs = [p.text_content() for p in root.iter("p")]
    assert "Écrire {{ x }} et {% if y %} tel quel." in paragraphs
    assert "En ligne\u00a0: {{ x }}." in paragraphs
    blocks = [pre.text_content() for pre in root.iter("pre")]
    assert blocks == ["{{ x }}\n", "d = {{ x }}\n"]


def test_table_alignment_uses_style(make_book):
    text = "# T\n\n| A | B | C |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n"
    root = tree(render_one(make_book, text).body)
    cells = list(root.iter("th")) + list(root.iter("td"))
    assert len(cells) == 6
    assert all(c.get("align") is None for c in cells)
    styles = [re.sub(r"[\s;]", "", c.get("style") or "") for c in cells]
    assert styles == ["text-align:left", "text-align:center", "text-align:right"] * 2


def test_markdown_extensions(make_book):
    text = (
        "# T\n\n"
        "| Modèle | Poids |\n|---|---|\n| Ouvert | léger |\n\n"
        "Terme\n:   Sa définition.\n\n"
        "Le HTML est partout.\n\n*[HTML]: HyperText Markup Language\n\n"
        '!!! note "À retenir"\n    Le contenu.\n\n'
        "```python\ndef f():\n    return 1\n```\n"
    )
    root = tree(render_one(make_book, text).body)
    assert [c.text for c in root.iter("td")] == ["Ouvert", "léger"]
    assert [e.text for e in root.iter("dt")] == ["Terme"] and [e.text for e in root.iter("dd")] == ["Sa définition."]
    abbr = next(root.iter("abbr"))
    assert (abbr.text, abbr.get("title")) == ("HTML", "HyperText Markup Language")
    admonition = next(d for d in root.iter("div") if "admonition" in (d.get("class") or ""))
    assert "note" in admonition.get("class").split()
    assert admonition.find("p").text == "À retenir"
    highlight = next(d for d in root.iter("div") if d.get("class") == "highlight")
    keywords = [s.text for s in highlight.iter("span") if s.get("class") == "k"]
    assert keywords == ["def", "return"]
    assert highlight.find("pre").text_content() == "def f():\n    return 1\n"


def test_sane_lists_and_attr_list(make_book):
    text = "# T\n\n1. un\n2. deux\n\n* a\n* b\n\nUn paragraphe.\n{: .chapeau }\n"
    root = tree(render_one(make_book, text).body)
    assert [len(list(root.iter(tag))) for tag in ("ol", "ul")] == [1, 1]
    assert any(p.get("class") == "chapeau" for p in root.iter("p"))


def test_typography_follows_lang_attributes_front_matter_and_notypo(make_book):
    _, (french, english) = render(
        make_book,
        {
            "01-fr.md": '# Vraiment?\n\nElle dit *Really?*{lang=en} puis "oui"?\n\nBrut "ici"?\n{.notypo}\n\n'
            "Une note[^1].\n\n[^1]: Voir p. 12: c'est dit!\n",
            "02-en.md": '---\nlang: en\n---\n\n# Really?\n\n"Yes," she said -- it\'s done...\n',
        },
    )
    assert french.title_html == "Vraiment\u202f?"
    assert '<em lang="en">Really?</em> puis «\u202foui\u202f»\u202f?' in _without_nohyphen_spans(french.body)
    assert re.search(r"<p class=\"notypo\"[^>]*>Brut \"ici\"\?</p>", french.body)
    assert french.notes[0].paragraphs == ("Voir p.\u00a012\u00a0: c’est dit\u202f!",)
    assert english.title_html == "Really?"
    assert "“Yes,” she said – it’s done…" in english.body


def test_front_matter_title_is_typeset_too(make_book):
    _, (chapter,) = render(make_book, {"01-x.md": '---\ntitle: "Le XIXe siècle: quoi de neuf?"\n---\n\nTexte.\n'})
    assert chapter.title_html == "Le XIX<sup>e</sup> siècle\u00a0: quoi\u00a0de\u00a0neuf\u202f?"


def test_a_footnote_defined_but_never_called_is_left_out_with_a_warning(make_book, find_line):
    text = "# T\n\nUn appel[^a].\n\n[^a]: Appelée.\n[^b]: Jamais appelée.\n"
    _, (chapter,) = render(make_book, {"01-notes.md": text})
    assert [n.paragraphs for n in chapter.notes] == [("Appelée.",)]
    assert len(chapter.diagnostics) == 1
    assert str(chapter.diagnostics[0]).startswith(
        f"{chapter.chapter.source}:{find_line(text, '[^b]:')}:1: warning: footnote `[^b]`"
    )


def test_a_block_written_inside_a_heading_or_paragraph_is_unwrapped(make_book):
    text = "# T\n\n#### Un titre <div>bloc</div> fin\n\nUn paragraphe <span><div>dedans</div></span>.\n"
    root = tree(render_one(make_book, text).body)
    assert [h.text_content().replace("\u00a0", " ") for h in root.iter("h4")] == ["Un titre bloc fin"]
    assert not [d for d in root.iter("div") if any(a.tag in ("h4", "p", "span") for a in d.iterancestors())]
    assert "dedans" in root.text_content()


def test_stray_html_inside_lists_is_repaired_without_losing_a_word(make_book):
    text = "# T\n\n- un <b>gras\n  - dedans <div>bloc</div>\n\nTexte <li>orphelin</li> fin.\n"
    rendered = render_one(make_book, text)
    root = tree(rendered.body)
    for listing in list(root.iter("ul")) + list(root.iter("ol")):
        assert all(child.tag == "li" for child in listing), "only items inside a list"
        assert not (listing.text or "").strip()
    assert all(item.getparent().tag in ("ul", "ol") for item in root.iter("li"))
    words = root.text_content().split()
    for word in ("un", "gras", "dedans", "bloc", "Texte", "orphelin", "fin."):
        assert word in words


def test_a_heading_the_sanitiser_emptied_is_dropped(make_book):
    rendered = render_one(make_book, "# T\n\nTexte.\n\n## <script>alert(1)</script>\n\n## Suite\n")
    assert [h.text for h in rendered.headings] == ["Suite"]
    assert "<h2></h2>" not in rendered.body.replace(" ", "")


def test_a_chapter_says_whether_every_image_is_described(make_book):
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'
    files = {"images/a.svg": svg}
    described = render_one(
        make_book, "# T\n\n![Un carré](../images/a.svg)\n\n![](../images/a.svg){.decorative}\n", files=files
    )
    bare = render_one(make_book, "# T\n\n![Un carré](../images/a.svg)\n\nEt ![ ](../images/a.svg) là.\n", files=files)
    assert described.images_described and not bare.images_described
    assert render_one(make_book, "# T\n\nSans image.\n").images_described


def test_the_title_is_typeset_once_for_every_medium(make_book):
    rendered = render_one(make_book, '# Le "vrai" coût: 10 000 euros?\n\nTexte.\n')
    # README, Typography: « » with U+202F inside, U+00A0 before ":", U+202F between digit groups and before "?"
    assert rendered.title_text == "Le «\u202fvrai\u202f» coût\u00a0: 10\u202f000 euros\u202f?"


def test_book_toml_is_read_once_per_build(make_book, tmp_path, monkeypatch):
    import publish.load.config

    reads = []
    read = publish.load.config._read

    def counting(path):
        reads.append(path)
        return read(path)

    monkeypatch.setattr(publish.load.config, "_read", counting)
    from publish.build.pipeline import BuildOptions, build

    build(make_book(), tmp_path / "out", BuildOptions(formats=("epub",)))
    assert [path.name for path in reads] == ["book.toml"]


def test_an_authors_footnote_div_is_not_taken_for_the_notes(make_book):
    text = "# T\n\nTexte[^1].\n\n::: footnote\nMon encadré.\n:::\n\n[^1]: La note.\n"
    rendered = render_one(make_book, text)
    assert "Mon encadré." in rendered.body
    assert [n.paragraphs for n in rendered.notes] == [("La note.",)]


def test_ids_that_differ_only_by_accents_are_a_duplicate(make_book):
    found, _ = render_error(make_book, {"01.md": "# T\n\n## A {#été}\n\n## B {#ete}\n"})
    assert "given to 2 elements" in found.message


def test_a_url_in_a_heading_is_not_a_link(make_book):
    rendered = render_one(make_book, "# T\n\n## Voir https://exemple.org\n\nTexte.\n")
    heading = tree(rendered.body).find(".//h2")
    assert heading.find(".//a") is None and "https://exemple.org" in heading.text_content()
