"""Conformance of the Markdown reader with an oracle (markdown-it-py + mdit-py-plugins), on our own cases.

Cases live in ``tests/fixtures/markdown/<family>_<syntax>.txt``; the family is the file name's prefix
(``commonmark``, ``gfm``, ``pandoc``). Text before a file's first case is a free preamble. A case is::

    @@ case: what the case shows, in English, on one line
    @@ differs: why we deliberately render it otherwise than the oracle (optional, one line)
    @@ gap: why our reader does not render it as wanted yet (optional, one line)
    Le Markdown du cas, en français, sur autant de lignes qu'il faut.
    @@ expect:
    <p>The HTML we want, written by hand (optional)</p>

Blank lines around the Markdown and the expected HTML are trimmed. In both, ``␠`` stands for a space
(trailing spaces survive editors) and ``⇥`` for a tab. A case's test id is ``file:line`` of its ``@@ case:``.

What a case checks:

- no ``expect``: our HTML has the oracle's structure (see ``canonical``). These are the agreement cases.
- ``expect`` alone: the oracle cannot render the construct (line blocks, captions, heading attributes...);
  our HTML has the expected structure, and ``test_hand_written_expectations_are_needed`` checks that the
  oracle really renders it otherwise.
- ``expect`` with ``differs``: a deliberate difference; our HTML has the expected structure, and the oracle
  still renders it otherwise (when it stops doing so the annotation is stale: drop both lines).

``gap`` goes with any of the three: our reader knowingly disagrees with what is wanted (the oracle's
structure, or the expected HTML) and is not fixed yet. It needs no ``expect``. The case runs as a strict
expected failure (``xfail(strict=True)``): once the reader renders it as wanted, the test fails and says to
drop the ``@@ gap:`` line. A gap counts as a disagreement in the agreement figures, even once fixed.

``python -m tests.test_markdown_conformance`` prints the agreement per family, the deliberate differences and
the known gaps with their reasons, and the cases that fail.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from urllib.parse import unquote

import pytest
from lxml import etree
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.attrs.parse import ParseError, parse
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin
from mdit_py_plugins.subscript import sub_plugin
from mdit_py_plugins.superscript import superscript_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from publish.convert.reader import read_markdown

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "markdown"
FAMILIES = {"commonmark": "CommonMark", "gfm": "GFM", "pandoc": "Pandoc"}
MINIMUM_CASES = {"CommonMark": 120, "GFM": 50, "Pandoc": 80}
MARKERS = {"␠": " ", "⇥": "\t"}
# Fenced div names the oracle knows (markdown-it-container registers one rule per name): add the name here
# when a case uses a new one; test_every_div_name_is_known_to_the_oracle says so.
DIV_NAMES = (
    "note", "tip", "warning", "important", "caution", "epigraph", "dedication", "aside", "sidebar",
    "center", "pagebreak", "encadre", "exercice", "resume",
)  # fmt: skip


# --- case files -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    path: Path
    line: int
    name: str
    markdown: str
    expected: str | None = None
    differs: str | None = None
    gap: str | None = None

    @property
    def family(self) -> str:
        return FAMILIES[self.path.stem.split("_")[0]]

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}"


@dataclass
class _Draft:
    line: int
    name: str
    differs: str | None = None
    gap: str | None = None
    markdown: list[str] = field(default_factory=list)
    expected: list[str] | None = None


def _block_text(lines: list[str]) -> str:
    text = "\n".join(lines).strip("\n")
    for marker, char in MARKERS.items():
        text = text.replace(marker, char)
    return text + "\n"


def _finish(path: Path, draft: _Draft) -> Case:
    where = f"{path.name}:{draft.line}"
    if not draft.name or not "".join(draft.markdown).strip():
        raise ValueError(f"{where}: a case needs a name after `@@ case:` and some Markdown")
    if draft.differs is not None and draft.expected is None:
        raise ValueError(f"{where}: a deliberate difference says what we render: add `@@ expect:`")
    if draft.gap == "":
        raise ValueError(f"{where}: a known gap says why, on the `@@ gap:` line")
    expected = None if draft.expected is None else _block_text(draft.expected)
    return Case(path, draft.line, draft.name, _block_text(draft.markdown), expected, draft.differs, draft.gap)


def load_cases(path: Path) -> list[Case]:
    """The cases of one file, in order (the format is in the module docstring)."""
    if path.stem.split("_")[0] not in FAMILIES:
        raise ValueError(f"{path.name}: a case file's name starts with one of {sorted(FAMILIES)} and `_`")
    cases, draft = [], None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("@@ case:"):
            if draft:
                cases.append(_finish(path, draft))
            draft = _Draft(number, line.removeprefix("@@ case:").strip())
        elif draft is None:
            continue  # the preamble
        elif line.startswith("@@ differs:"):
            draft.differs = line.removeprefix("@@ differs:").strip()
        elif line.startswith("@@ gap:"):
            if draft.gap is not None:
                raise ValueError(f"{path.name}:{number}: a case has one `@@ gap:`; put its reasons on one line")
            draft.gap = line.removeprefix("@@ gap:").strip()
        elif line.rstrip() == "@@ expect:":
            draft.expected = []
        elif line.startswith("@@"):
            raise ValueError(
                f"{path.name}:{number}: unknown directive; use `@@ case:`, `@@ differs:`, `@@ gap:`, `@@ expect:`"
            )
        else:
            (draft.markdown if draft.expected is None else draft.expected).append(line)
    if draft:
        cases.append(_finish(path, draft))
    return cases


CASES = [case for path in sorted(FIXTURES.glob("*.txt")) for case in load_cases(path)]


def case_param(case: Case) -> object:
    """A case as a test parameter: a known gap is a strict expected failure, whose reason says what to do
    once it passes."""
    if case.gap is None:
        return pytest.param(case, id=str(case))
    reason = f"known gap: {case.gap} (if this passes, the reader is fixed: drop `@@ gap:` from {case})"
    return pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=reason), id=str(case))


# --- the oracle -------------------------------------------------------------------------------------------


def _div_attributes(params: str) -> dict[str, str]:
    """A Pandoc div fence's attributes: `name` (a class) or `{#id .class key=value}`; trailing colons go."""
    params = params.strip().rstrip(":").strip()
    if not params.startswith("{"):
        return {"class": params} if re.fullmatch(r"[\w-]+", params) else {}
    try:
        return parse(params)[1]
    except ParseError:
        return {}


def _opens_div(name: str, params: str, *_markup: str) -> bool:
    return _div_attributes(params).get("class", "").split(" ")[0] == name


def _render_div(renderer, tokens, idx, options, env) -> str:
    if tokens[idx].nesting == 1:
        for key, value in _div_attributes(tokens[idx].info).items():
            tokens[idx].attrSet(key, value)
    return renderer.renderToken(tokens, idx, options, env)


def make_oracle() -> MarkdownIt:
    """CommonMark with GFM tables, `~~strikethrough~~`, task lists and bare-URL autolinks; footnotes with
    inline `^[notes]`; attributes after spans, links, images and code; definition lists; `~sub~` and
    `^sup^` (so a single tilde is Pandoc's subscript, not GitHub's strikethrough); Pandoc fenced divs."""
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.use(gfm_autolink_plugin).use(tasklists_plugin).use(footnote_plugin, inline=True)
    md.use(attrs_plugin, spans=True).use(attrs_block_plugin).use(deflist_plugin)
    md.use(sub_plugin).use(superscript_plugin)
    for name in DIV_NAMES:
        md.use(container_plugin, name, validate=partial(_opens_div, name), render=_render_div)
    return md


@cache
def oracle_html(markdown: str) -> str:
    return make_oracle().render(markdown)


@cache
def our_html(markdown: str) -> str:
    return read_markdown(markdown)


# --- normalisation ----------------------------------------------------------------------------------------

BLOCKS = frozenset(
    "address article aside blockquote caption dd details div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6"
    " header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
GROUPED = frozenset({"li", "dd"})  # loose items wrap their text in <p>, tight ones do not
HIGHLIGHT_WRAPPERS = frozenset({"highlight", "codehilite", "sourceCode"})
NOTE_HOLDERS = frozenset({"ol", "ul", "section", "div", "aside", "footer"})
ALWAYS_KEPT = {
    "a": ("href", "title"),
    "img": ("src", "alt", "title"),
    "td": ("colspan", "rowspan"),
    "th": ("colspan", "rowspan"),
    "pre": ("title",),
    "li": ("task",),
}
URLS = frozenset({"href", "src"})
SAME_TAGS = {"s": "del", "strike": "del"}  # strikethrough is compared as <del>, whatever the writer chose
SPACES = re.compile(r"[ \t\n\r\f]+")  # ASCII whitespace only: a no-break space typed by the author is text


@dataclass(frozen=True)
class Written:
    """The classes and attribute names the author wrote in a case's Markdown: only these are compared."""

    classes: frozenset[str]
    names: frozenset[str]


def written_attributes(markdown: str) -> Written:
    """Rule: classes and attributes count only when the author wrote them: `.name` or `key=` inside `{…}`
    (`{-}` is the class `unnumbered`), a bare word after a div fence's colons, `class="…"` in raw HTML.
    So the classes a converter adds (highlight, footnote, task, callout…) are never compared."""
    classes, names = set(), set()
    for braces in re.findall(r"\{([^{}\n]*)\}", markdown):
        classes.update(re.findall(r"(?:^|\s)\.([\w-]+)", braces))
        names.update(re.findall(r"(?:^|\s)([A-Za-z][\w:-]*)=", braces))
        if re.search(r"(?:^|\s)-(?:\s|$)", braces):
            classes.add("unnumbered")
    classes.update(re.findall(r"^[ \t>]*:{3,}[ \t]*([\w-]+)", markdown, flags=re.M))
    for value in re.findall(r'\bclass="([^"]*)"', markdown):
        classes.update(value.split())
    return Written(frozenset(classes), frozenset(names) - {"id", "class"})


def _classes(element: etree._Element) -> list[str]:
    return (element.get("class") or "").split()


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _remove(element: etree._Element) -> None:
    """Take an element (or comment) out of the tree, keeping the text that follows it (lxml's tail)."""
    parent = element.getparent()
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _replace(old: etree._Element, new: etree._Element) -> None:
    new.tail = old.tail
    old.getparent().replace(old, new)


def drop_comments(root: etree._Element) -> None:
    """Rule: HTML comments (and processing instructions) are not content; ours never carry them."""
    for node in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _remove(node)


def _is_note_call(link: etree._Element, by_id: dict[str, etree._Element]) -> bool:
    href = link.get("href") or ""
    if not href.startswith("#") or href[1:] not in by_id:
        return False
    marks = " ".join([link.get("role") or "", link.get("epub:type") or "", *_classes(link)])
    return "noteref" in marks or "footnote-ref" in marks or any(a.tag == "sup" for a in link.iterancestors())


def _note_text(note: etree._Element, call_ids: set[str]) -> str:
    note = lxml_html.fromstring(etree.tostring(note, encoding="unicode"))
    for link in list(note.iter("a")):
        target = (link.get("href") or "").removeprefix("#")
        backlink = target in call_ids or "backref" in (link.get("class") or "") or link.get("role") == "doc-backlink"
        if backlink or link.text_content().strip() in {"↩", "↩︎", "↑"}:
            _remove(link)
    return " ".join(note.text_content().split())


def _call_holder(link: etree._Element) -> etree._Element:
    parent = link.getparent()
    alone = parent is not None and parent.tag == "sup" and len(parent) == 1 and not (parent.text or "").strip()
    return parent if alone and not (link.tail or "").strip() else link


def _drop_note(note: etree._Element, root: etree._Element) -> None:
    parent = note.getparent()
    _remove(note)
    while parent is not root and parent.tag in NOTE_HOLDERS and parent.getparent() is not None:
        if any(child.tag != "hr" for child in parent) or parent.text_content().strip():
            break
        holder, parent = parent, parent.getparent()
        _remove(holder)


def detach_notes(root: etree._Element) -> list[str]:
    """Rule: footnotes are compared as calls in place plus the set of note texts, never by layout.
    A call (a link to an element of the fragment from inside a <sup>, or marked noteref / footnote-ref by
    its role, epub:type or class) becomes an empty <footnote-call> where it stood; the note it points to
    leaves the tree, with the lists, sections and rules that held only notes. An inline
    <span class="footnote"> (a note set at its call) counts as call and note. Returns the sorted, distinct
    texts of the notes, backlinks removed and whitespace collapsed."""
    by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    calls = [link for link in root.iter("a") if _is_note_call(link, by_id)]
    notes, texts = [], set()
    for link in calls:
        note = by_id[link.get("href")[1:]]
        call_ids = {el.get("id") for el in [link, *link.iterancestors()] if el.get("id")}
        texts.add(_note_text(note, call_ids))
        notes.append(note)
    for link in calls:
        _replace(_call_holder(link), etree.Element("footnote-call"))
    for note in dict.fromkeys(notes):
        if note.getparent() is not None:
            _drop_note(note, root)
    for rule in root.xpath(".//hr[contains(@class, 'footnote')]"):
        _remove(rule)
    for span in root.xpath(f".//span[{_has_class('footnote')}]"):
        texts.add(" ".join(span.text_content().split()))
        _replace(span, etree.Element("footnote-call"))
    return sorted(texts)


def mark_tasks(root: etree._Element) -> None:
    """Rule: a task item is an <li> with attribute task="[x]" or task="[ ]". The oracle's
    <input type="checkbox" [checked]> and our <span class="task-box [done]">, at the start of the item or
    of its first paragraph, are read for the state and then leave the tree."""
    for item in list(root.iter("li")):
        found = [
            box
            for box in item.xpath("./input | ./span | ./p[1]/input | ./p[1]/span")
            if box.get("type") == "checkbox" or "task-box" in _classes(box)
        ]
        if found:
            done = found[0].get("checked") is not None or "done" in _classes(found[0])
            item.set("task", "[x]" if done else "[ ]")
            _remove(found[0])


def fold_code_blocks(root: etree._Element) -> None:
    """Rule: a code block is <pre><code>TEXT</code></pre>, TEXT being the code as written: highlighting
    spans go, leading blank lines and trailing whitespace are trimmed (Pygments trims them), nothing else is
    touched. A wrapper <div> a highlighter adds (class highlight, codehilite or sourceCode) is unwrapped; a
    <p class="code-title"> just before the block becomes its title attribute. Languages are not compared."""
    for pre in list(root.iter("pre")):
        text = re.sub(r"\A(?:[ \t]*\n)+", "", pre.text_content()).rstrip()
        block = pre
        wrapper = pre.getparent()
        if wrapper is not root and wrapper.tag == "div" and HIGHLIGHT_WRAPPERS & set(_classes(wrapper)):
            block = wrapper
        folded = etree.Element("pre")
        etree.SubElement(folded, "code").text = text
        for candidate in dict.fromkeys([pre.getprevious(), block.getprevious()]):
            if candidate is not None and candidate.tag == "p" and "code-title" in _classes(candidate):
                folded.set("title", " ".join(candidate.text_content().split()))
                _remove(candidate)
        _replace(block, folded)


def flatten_inline_code(root: etree._Element) -> None:
    """Rule: inline code is compared as its text, like code blocks (highlighting spans go)."""
    for code in list(root.iter("code")):
        if code.getparent().tag != "pre" and len(code):
            text = code.text_content()
            for child in list(code):
                code.remove(child)
            code.text = text


def drop_callout_titles(root: etree._Element) -> None:
    """Rule: the title our callouts (note, tip, warning…) get, <p class="callout-title">, is not compared."""
    for title in root.xpath(f".//p[{_has_class('callout-title')}]"):
        _remove(title)


def _alignment(element: etree._Element) -> str | None:
    """A cell's alignment, from style="text-align: x", align="x" or a class such as `right` or `align-right`."""
    style = re.search(r"text-align:\s*(\w+)", element.get("style") or "")
    if style:
        return style[1]
    if element.get("align"):
        return element.get("align")
    for name in _classes(element):
        match = re.fullmatch(r"(?:[\w-]*-)?(left|center|right)", name)
        if match:
            return match[1]
    return None


def meaningful_attributes(element: etree._Element, written: Written) -> list[str]:
    """Rule: the attributes compared are href and title on links; src, alt and title on images; start on
    lists (but 1); colspan, rowspan and alignment on cells; lang anywhere; the classes and the key=value
    attributes the author wrote (a value may come from style="width: 50%", as Pandoc writes it). Ids,
    roles and the rest are not compared. URLs are compared percent-decoded."""
    kept = {}
    for name in ALWAYS_KEPT.get(element.tag, ()) + ("lang",) + tuple(sorted(written.names)):
        value = element.get(name)
        if value is None and name in written.names:
            style = re.search(rf"(?:^|;)\s*{re.escape(name)}\s*:\s*([^;]+)", element.get("style") or "")
            value = style[1].strip() if style else None
        if value is not None:
            kept[name] = unquote(value) if name in URLS else value
    if element.tag == "ol" and element.get("start", "1") != "1":
        kept["start"] = element.get("start")
    if element.tag in ("td", "th") and _alignment(element):
        kept["align"] = _alignment(element)
    classes = sorted(set(_classes(element)) & written.classes)
    if classes:
        kept["class"] = " ".join(classes)
    return [f"{name}={json.dumps(kept[name], ensure_ascii=False)}" for name in sorted(kept)]


def _runs(element: etree._Element) -> list[tuple[bool, list[str | etree._Element]]]:
    """The element's content as runs of inline items (text, inline elements) between its block children,
    each run flagged True, and the block children, each alone, flagged False."""
    runs: list[tuple[bool, list[str | etree._Element]]] = [(True, [])]
    for item in [element.text or "", *[x for child in element for x in (child, child.tail or "")]]:
        if isinstance(item, str) or item.tag not in BLOCKS:
            runs[-1][1].append(item)
        else:
            runs.extend([(False, [item]), (True, [])])
    return runs


def _tidy(run: list[str | etree._Element], is_block: bool) -> list[str | etree._Element]:
    """Rule: text is whitespace-collapsed; at the edges of a block and around <br> it is trimmed."""
    items: list[str | etree._Element] = []
    for item in run:
        if isinstance(item, str) and items and isinstance(items[-1], str):
            items[-1] += item
        else:
            items.append(item)
    items = [SPACES.sub(" ", x) if isinstance(x, str) else x for x in items]
    for i, item in enumerate(items):
        if not isinstance(item, str):
            continue
        before = items[i - 1] if i else None
        after = items[i + 1] if i + 1 < len(items) else None
        if (before is None and is_block) or (before is not None and not isinstance(before, str) and before.tag == "br"):
            item = item.lstrip(" ")
        if (after is None and is_block) or (after is not None and not isinstance(after, str) and after.tag == "br"):
            item = item.rstrip(" ")
        items[i] = item
    return [x for x in items if not isinstance(x, str) or x]


def outline(element: etree._Element, written: Written, depth: int = 0) -> list[str]:
    """The element's children as indented lines: `tag attr="value"` for an element, a JSON string for text.
    Rule: in <li> and <dd>, text and inline elements outside a paragraph are put in one (tight = loose)."""
    lines, pad = [], "  " * depth
    if element.tag == "code" and element.getparent() is not None and element.getparent().tag == "pre":
        return [pad + json.dumps(element.text or "", ensure_ascii=False)]
    is_block = element.tag in BLOCKS or element.getparent() is None
    for inline, run in _runs(element):
        items = _tidy(run, is_block)
        if items and inline and element.tag in GROUPED:
            lines.append(pad + "p")
            lines.extend(_lines(items, written, depth + 1))
        else:
            lines.extend(_lines(items, written, depth))
    return lines


def _lines(items: Iterable[str | etree._Element], written: Written, depth: int) -> list[str]:
    lines, pad = [], "  " * depth
    for item in items:
        if isinstance(item, str):
            lines.append(pad + json.dumps(item, ensure_ascii=False))
        else:
            tag = SAME_TAGS.get(item.tag, item.tag)
            lines.append(" ".join([pad + tag, *meaningful_attributes(item, written)]))
            lines.extend(outline(item, written, depth + 1))
    return lines


def canonical(html: str, markdown: str) -> str:
    """The structure of an HTML fragment, as compared: the rules above, applied in this order."""
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    drop_comments(root)
    notes = detach_notes(root)
    mark_tasks(root)
    fold_code_blocks(root)
    flatten_inline_code(root)
    drop_callout_titles(root)
    lines = outline(root, written_attributes(markdown))
    return "\n".join(lines + [f"note: {json.dumps(text, ensure_ascii=False)}" for text in notes])


# --- verdicts ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    case: Case
    ours: str  # canonical forms
    oracle: str
    wanted: str  # the oracle's, or the expected HTML's

    @property
    def passed(self) -> bool:
        return self.ours == self.wanted and (self.case.differs is None or self.oracle != self.wanted)


@cache
def judge(case: Case) -> Verdict:
    oracle = canonical(oracle_html(case.markdown), case.markdown)
    wanted = oracle if case.expected is None else canonical(case.expected, case.markdown)
    return Verdict(case, canonical(our_html(case.markdown), case.markdown), oracle, wanted)


def _explain(case: Case) -> str:
    where = f"{case.path.relative_to(FIXTURES.parent.parent.parent)}:{case.line}"
    wanted = case.expected or oracle_html(case.markdown)
    return "\n".join(
        [
            f"{where} ({case.family}): {case.name}",
            f"--- markdown\n{case.markdown.rstrip()}",
            f"--- ours\n{our_html(case.markdown).rstrip()}",
            f"--- {'oracle' if case.expected is None else 'expected'}\n{wanted.rstrip()}",
            "--- compared (ours, then wanted):",
        ]
    )


@pytest.mark.parametrize("case", [case_param(case) for case in CASES])
def test_case(case: Case) -> None:
    verdict = judge(case)
    assert verdict.ours == verdict.wanted, _explain(case)
    if case.differs is not None:
        assert verdict.oracle != verdict.wanted, f"{case}: the oracle now renders this too; drop `@@ differs:`"


def test_there_are_enough_cases_per_family() -> None:
    counts = {family: sum(1 for case in CASES if case.family == family) for family in MINIMUM_CASES}
    assert all(counts[family] >= minimum for family, minimum in MINIMUM_CASES.items()), counts
    assert len({str(case) for case in CASES}) == len(CASES)


def test_hand_written_expectations_are_needed() -> None:
    """An expectation the oracle already renders belongs to the oracle: drop `@@ expect:`."""
    redundant = [str(c) for c in CASES if c.expected and not c.differs and judge(c).oracle == judge(c).wanted]
    assert not redundant


def test_every_div_name_is_known_to_the_oracle() -> None:
    fences = re.compile(r"^[ \t>]*:{3,}(.*)$", re.M)
    used = {
        _div_attributes(params).get("class", "").split(" ")[0]
        for case in CASES
        if case.expected is None
        for params in fences.findall(case.markdown)
    }
    assert used - {""} <= set(DIV_NAMES), sorted(used - {""} - set(DIV_NAMES))


# --- the case format itself ---------------------------------------------------------------------------------

GAPS = """Un préambule libre.

@@ case: a gap against the oracle
@@ gap: the reader drops the title
Un [lien](/x "titre").

@@ case: a gap against a hand-written expectation, also a deliberate difference
@@ differs: Pandoc keeps the span
@@ gap: the reader drops the class
[mot]{.smallcaps}
@@ expect:
<p><span class="smallcaps">mot</span></p>

@@ case: no gap
Un paragraphe.
"""


def test_load_cases_reads_gaps(tmp_path: Path) -> None:
    path = tmp_path / "pandoc_gaps.txt"
    path.write_text(GAPS, encoding="utf-8")
    first, second, third = load_cases(path)
    assert (first.line, first.gap, first.expected, first.differs) == (3, "the reader drops the title", None, None)
    assert first.markdown == 'Un [lien](/x "titre").\n'
    assert (second.gap, second.differs) == ("the reader drops the class", "Pandoc keeps the span")
    assert second.markdown == "[mot]{.smallcaps}\n"
    assert second.expected == '<p><span class="smallcaps">mot</span></p>\n'
    assert third.gap is None


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("@@ case: x\n@@ gap:\nUn paragraphe.\n", r"pandoc_bad.txt:1: a known gap says why"),
        ("@@ case: x\n@@ gap: a\n@@ gap: b\nUn paragraphe.\n", r"pandoc_bad.txt:3: a case has one `@@ gap:`"),
        ("@@ case: x\n@@ gap\nUn paragraphe.\n", r"pandoc_bad.txt:2: unknown directive"),
    ],
    ids=["no reason", "two gaps", "no colon"],
)
def test_load_cases_rejects_malformed_gaps(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "pandoc_bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        load_cases(path)


def test_a_gap_is_a_strict_expected_failure() -> None:
    gap = Case(FIXTURES / "pandoc_x.txt", 7, "x", "Un paragraphe.\n", gap="not yet")
    (mark,) = case_param(gap).marks
    assert mark.name == "xfail" and mark.kwargs["strict"] is True
    assert "not yet" in mark.kwargs["reason"] and "drop `@@ gap:` from pandoc_x.txt:7" in mark.kwargs["reason"]
    assert case_param(Case(FIXTURES / "pandoc_x.txt", 7, "x", "Un paragraphe.\n")).marks == ()


def test_a_gap_counts_as_a_disagreement_and_is_listed_apart() -> None:
    """Even when the reader renders it as wanted (the annotation is then stale, and the case listed as failing)."""
    agreeing = Case(FIXTURES / "pandoc_x.txt", 1, "agreeing", "Un paragraphe.\n")
    gap = Case(FIXTURES / "pandoc_x.txt", 4, "fixed gap", "Un paragraphe.\n", gap="not yet")
    total = agreement([agreeing, gap])["Total"]
    assert (total.agreeing, total.with_oracle, total.gaps) == (1, 2, 1)
    summary = format_agreement([agreeing, gap])
    assert "Known gaps (1):\n  pandoc_x.txt:4  not yet\n" in summary
    assert summary.endswith("Failing cases (1):\n  pandoc_x.txt:4  fixed gap  [gap fixed: drop `@@ gap:`]")


# --- the normalisation itself: writings that must compare alike, and differences it must keep ---------------

NOTES_OURS = (
    '<p>Texte<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>.</p><div class="footnote"><hr><ol>'
    '<li id="fn:1"><p>La note.&#160;<a class="footnote-backref" href="#fnref:1">&#8617;</a></p></li></ol></div>'
)
NOTES_ORACLE = (
    '<p>Texte<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>.</p><hr class="footnotes-sep">'
    '<section class="footnotes"><ol class="footnotes-list"><li id="fn1" class="footnote-item"><p>La note. '
    '<a href="#fnref1" class="footnote-backref">↩︎</a></p></li></ol></section>'
)
ALIKE = {
    "tight and loose items": ("<ul><li>un</li></ul>", "<ul>\n<li>\n<p>un</p>\n</li>\n</ul>", ""),
    "task boxes": (
        '<ul><li class="task"><span class="task-box done">☑</span> fait</li></ul>',
        '<ul class="contains-task-list"><li class="task-list-item"><input checked="checked" type="checkbox"> fait</li></ul>',
        "",
    ),
    "highlighted code": (
        '<div class="highlight"><pre><span></span><code><span class="n">x</span> = 1\n</code></pre></div>',
        '<pre><code class="language-python">x = 1\n</code></pre>',
        "",
    ),
    "footnote layouts": (NOTES_OURS, NOTES_ORACLE, ""),
    "comments": ("<p>a <!-- caché --> b</p>", "<p>a  b</p>", ""),
    "callout titles": (
        '<div class="note callout" role="note"><p class="callout-title">Remarque</p><p>x</p></div>',
        '<div class="note"><p>x</p></div>',
        "::: note",
    ),
    "cell alignment": ('<td class="align-right">1</td>', '<td style="text-align:right">1</td>', ""),
    "strikethrough": ("<p><del>x</del></p>", "<p><s>x</s></p>", ""),
    "ids and classes we add": ('<h2 id="a" class="titre">T</h2>', "<h2>T</h2>", ""),
}
UNLIKE = {
    "a class the author wrote": ('<span class="smallcaps">x</span>', "<span>x</span>", "[x]{.smallcaps}"),
    "nesting order": ("<p><em><strong>x</strong></em></p>", "<p><strong><em>x</em></strong></p>", ""),
    "list start": ('<ol start="3"><li>x</li></ol>', "<ol><li>x</li></ol>", ""),
    "task state": (
        '<ul><li><span class="task-box done">☑</span> x</li></ul>',
        '<ul><li><span class="task-box">☐</span> x</li></ul>',
        "",
    ),
    "code text": ("<pre><code>x = 1</code></pre>", "<pre><code>x  =  1</code></pre>", ""),
    "note text": (NOTES_OURS, NOTES_ORACLE.replace("La note.", "Une autre note."), ""),
}


@pytest.mark.parametrize(("first", "second", "markdown"), ALIKE.values(), ids=ALIKE.keys())
def test_normalisation_makes_alike(first: str, second: str, markdown: str) -> None:
    assert canonical(first, markdown) == canonical(second, markdown)


@pytest.mark.parametrize(("first", "second", "markdown"), UNLIKE.values(), ids=UNLIKE.keys())
def test_normalisation_keeps_apart(first: str, second: str, markdown: str) -> None:
    assert canonical(first, markdown) != canonical(second, markdown)


# --- the agreement table ----------------------------------------------------------------------------------


@dataclass
class Tally:
    agreeing: int = 0
    with_oracle: int = 0
    hand_passing: int = 0
    hand_written: int = 0
    deliberate: int = 0
    gaps: int = 0

    def add(self, other: Tally) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _verdict_or_none(case: Case) -> Verdict | None:
    try:
        return judge(case)
    except Exception:  # a reader that raises disagrees; the case's own test shows the error
        return None


def _renders_as_wanted(case: Case) -> bool:
    verdict = _verdict_or_none(case)
    return verdict is not None and verdict.passed


def agreement(cases: Sequence[Case]) -> dict[str, Tally]:
    """Per family (and `Total`): cases matching the oracle / cases with an oracle; hand-written cases
    passing / hand-written cases (deliberate differences included, also counted apart). A known gap counts
    as a disagreement (even once fixed: its test says so), and is also counted apart."""
    table = {family: Tally() for family in FAMILIES.values()}
    for case in cases:
        tally = table[case.family]
        passed = case.gap is None and _renders_as_wanted(case)
        tally.gaps += case.gap is not None
        if case.expected is None:
            tally.with_oracle += 1
            tally.agreeing += passed
        else:
            tally.hand_written += 1
            tally.hand_passing += passed
            tally.deliberate += case.differs is not None
    total = Tally()
    for tally in table.values():
        total.add(tally)
    return table | {"Total": total}


def format_agreement(cases: Sequence[Case]) -> str:
    """The agreement table, the deliberate differences and the known gaps with their reasons, and the
    failing cases: those that do not render as wanted, and the known gaps that now do (stale annotations)."""
    lines = [f"{'family':<12}{'oracle agreement':>24}{'hand-written':>16}{'deliberate':>12}{'gaps':>8}"]
    for family, t in agreement(cases).items():
        share = f"{100 * t.agreeing / t.with_oracle:5.1f} %" if t.with_oracle else "    -  "
        lines.append(
            f"{family:<12}{f'{t.agreeing}/{t.with_oracle}':>15} {share}{f'{t.hand_passing}/{t.hand_written}':>16}"
            f"{t.deliberate:>12}{t.gaps:>8}"
        )
    lines += ["", "Deliberate differences:"]
    lines += [f"  {case}  {case.differs}" for case in cases if case.differs]
    gaps = [case for case in cases if case.gap is not None]
    lines += ["", f"Known gaps ({len(gaps)}):"] + [f"  {case}  {case.gap}" for case in gaps]
    failing = [
        f"  {case}  {case.name}" + ("  [gap fixed: drop `@@ gap:`]" if case.gap is not None else "")
        for case in cases
        if _renders_as_wanted(case) == (case.gap is not None)
    ]
    lines += ["", f"Failing cases ({len(failing)}):", *failing]
    return "\n".join(lines)


def test_agreement_table_counts_every_case() -> None:
    """`pytest -s -k agreement` prints the table."""
    total = agreement(CASES)["Total"]
    assert total.with_oracle + total.hand_written == len(CASES)
    assert total.deliberate == sum(1 for case in CASES if case.differs)
    assert total.gaps == sum(1 for case in CASES if case.gap is not None)
    print("\n" + format_agreement(CASES))


def main() -> int:
    print(format_agreement(CASES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
