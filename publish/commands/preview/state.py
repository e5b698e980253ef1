"""What the preview shows, rebuilt on demand: the page (or the errors), a version, the PDF."""

from __future__ import annotations

import html
import os
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from publish.build.prepare import CheckedBook, check_book
from publish.commands.preview.files import FileTable, ServedFiles
from publish.errors import Diagnostic, PublishError
from publish.model import Limits
from publish.store import Store
from publish.writers.paged.writer import PAGED_OUTPUTS, write_paged
from publish.writers.screen import render_screen

RELOAD_SCRIPT = """
<div class="preview-bar" style="position:fixed;top:0.5em;right:0.8em;font:0.8em sans-serif">
  <a href="/book.pdf" id="preview-pdf">PDF</a>
</div>
<script>
(function () {
  var key = "publish-scroll:" + location.pathname;
  var saved = sessionStorage.getItem(key);
  if (saved !== null) { window.scrollTo(0, parseInt(saved, 10)); }
  var events = new EventSource("/events");
  events.addEventListener("reload", function () {
    sessionStorage.setItem(key, String(window.scrollY));
    location.reload();
  });
  events.addEventListener("pdf", function (event) {
    document.getElementById("preview-pdf").textContent = event.data;
  });
})();
</script>
"""


@dataclass(frozen=True)
class Snapshot:
    """One rebuild: the page served at `/`, the files it loads, and the book it came from (None after a fatal error).

    ``problem`` is a bug of ours met by a later rebuild: the page stays the last good one, with the problem on top.
    """

    version: int
    page: str
    checked: CheckedBook | None
    findings: tuple[Diagnostic, ...]
    files: ServedFiles = field(default_factory=ServedFiles)
    problem: str = ""

    def page_shown(self) -> str:
        if not self.problem:
            return self.page
        alert = _alert(html.escape(self.problem))
        if not _BODY.search(self.page):  # no good build yet
            return _page("publish: internal error", alert)
        return _BODY.sub(lambda m: m.group(0) + alert, self.page, count=1)


class Preview:
    """Shared by the server's threads; every change goes through ``self.changed`` (a Condition)."""

    def __init__(self, folder: Path, limits: Limits | None = None) -> None:
        self.folder = folder
        self.limits = limits  # the command line's ceiling (--limit)
        self.changed = threading.Condition()
        self.stopping = False
        self.pdf_status = "PDF"
        self.pdf_path = folder.resolve() / ".publish" / "preview" / "book.pdf"
        self.snapshot = Snapshot(0, "", None, ())
        self.store = Store.of(folder)

    def rebuild(self) -> Snapshot:
        """Read, check and render the book again; a mistake becomes a page, never an exit."""
        started = time.perf_counter()
        checked: CheckedBook | None = None
        files = FileTable(self.folder)
        served = ServedFiles()
        try:
            checked = check_book(
                self.folder, store=self.store, limits=self.limits
            )  # a save converts the chapter saved, not the book
            findings = checked.diagnostics
            page = render_screen(checked.prepared, checked.theme, files.url_of, RELOAD_SCRIPT)
            page = page.replace('<body class="book screen">', '<body class="book screen">' + _banner(findings), 1)
            files.add_assets(asset for chapter in checked.prepared.chapters for asset in chapter.assets)
            served = files.freeze(checked.theme.allowed_roots())
        except PublishError as error:
            findings = error.diagnostics
            page = _error_page(findings)
        with self.changed:
            self.snapshot = Snapshot(self.snapshot.version + 1, page, checked, tuple(findings), served)
            self.changed.notify_all()
        errors = sum(f.is_error for f in findings)
        print(
            f"rebuilt the preview in {time.perf_counter() - started:.2f} s"
            + (f" ({errors} error{'s' * (errors != 1)}: see the page)" if errors else ""),
            flush=True,
        )
        return self.snapshot

    def rebuild_surviving(self) -> None:
        """``rebuild()``, but a bug of ours is reported (stderr and the page) and the last good build stays."""
        try:
            self.rebuild()
        except Exception as error:  # the watcher thread must live on: the next save may well rebuild
            problem = f"internal error while rebuilding: {_describe(error)}; the preview shows the last good build"
            print(problem, file=sys.stderr, flush=True)
            with self.changed:
                self.snapshot = replace(self.snapshot, version=self.snapshot.version + 1, problem=problem)
                self.changed.notify_all()

    def make_pdf_surviving(self) -> bool:
        """``make_pdf()``, but a bug of ours is reported (stderr and the PDF link) and the last good PDF stays."""
        try:
            self.make_pdf()
            return True
        except Exception as error:  # the PDF thread must live on: the next save may well lay it out
            problem = (
                f"internal error while laying out the PDF: {_describe(error)}; the preview shows the last good PDF"
            )
            print(problem, file=sys.stderr, flush=True)
            self._pdf_event("PDF (failed: internal error)")
            return False

    def make_pdf(self) -> None:
        """Lay out the PDF of the last good snapshot into .publish/preview/book.pdf (atomically)."""
        snapshot = self.snapshot
        checked = snapshot.checked
        if checked is None or checked.errors:
            self._pdf_event("PDF (not rebuilt: fix the errors)")
            return
        self._pdf_event("PDF (laying out…)")
        self.pdf_path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".book.", suffix=".tmp", dir=self.pdf_path.parent)
        os.close(handle)
        try:
            # One process (the server's threads make forking unsafe), but an edit lays out its chapter only.
            result = write_paged(
                checked.prepared,
                checked.theme,
                PAGED_OUTPUTS["pdf"],
                Path(temporary),
                store=self.store,
                layout_kind="preview",  # apart from the book PDF's: the preview's layouts never evict a build's
            )
            os.replace(temporary, self.pdf_path)
        except PublishError as error:
            self._pdf_event("PDF (failed)")
            print(f"PDF not made: {error}", flush=True)
            return
        finally:
            Path(temporary).unlink(missing_ok=True)  # gone already when the PDF was made
        self._pdf_event(f"PDF ({result.pages} p.)")

    def _pdf_event(self, status: str) -> None:
        with self.changed:
            self.pdf_status = status
            self.changed.notify_all()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()


_BODY = re.compile(r"<body\b[^>]*>")


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _banner(findings: tuple[Diagnostic, ...]) -> str:
    if not findings:
        return ""
    return _alert("\n".join(html.escape(str(f)) for f in findings))


def _alert(escaped: str) -> str:
    return (
        f'<pre class="preview-error" role="alert" style="border-left:0.3em solid #b00020;'
        f'padding:0.6em 1em;white-space:pre-wrap">{escaped}</pre>'
    )


def _error_page(findings: tuple[Diagnostic, ...]) -> str:
    return _page("publish: error", f"<h1>The book cannot be read</h1>{_banner(findings)}")


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body style='max-width:50em;margin:2em auto;font-family:sans-serif'>{body}"
        "<p>Fix it and save: this page reloads by itself.</p>" + RELOAD_SCRIPT + "</body></html>"
    )
