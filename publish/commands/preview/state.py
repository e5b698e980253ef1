"""What the preview shows, rebuilt on demand: the page (or the errors), a version, the PDF."""

from __future__ import annotations

import html
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from publish.build.prepare import CheckedBook, check_book
from publish.errors import Diagnostic, PublishError
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
    """One rebuild: the page served at `/` and the book it came from (None after a fatal error)."""

    version: int
    page: str
    checked: CheckedBook | None
    findings: tuple[Diagnostic, ...]


class Preview:
    """Shared by the server's threads; every change goes through ``self.changed`` (a Condition)."""

    def __init__(self, folder: Path, url_of: Callable[[Path], str]) -> None:
        self.folder = folder
        self.url_of = url_of
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
        try:
            checked = check_book(self.folder, store=self.store)  # a save converts the chapter saved, not the book
            findings = checked.diagnostics
            page = render_screen(checked.prepared, checked.theme, self.url_of, RELOAD_SCRIPT)
            page = page.replace('<body class="book screen">', '<body class="book screen">' + _banner(findings), 1)
        except PublishError as error:
            findings = error.diagnostics
            page = _error_page(findings)
        with self.changed:
            self.snapshot = Snapshot(self.snapshot.version + 1, page, checked, tuple(findings))
            self.changed.notify_all()
        errors = sum(f.is_error for f in findings)
        print(
            f"rebuilt the preview in {time.perf_counter() - started:.2f} s"
            + (f" ({errors} error{'s' * (errors != 1)}: see the page)" if errors else ""),
            flush=True,
        )
        return self.snapshot

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
            Path(temporary).unlink(missing_ok=True)
            self._pdf_event("PDF (failed)")
            print(f"PDF not made: {error}", flush=True)
            return
        self._pdf_event(f"PDF ({result.pages} p.)")

    def _pdf_event(self, status: str) -> None:
        with self.changed:
            self.pdf_status = status
            self.changed.notify_all()

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()


def _banner(findings: tuple[Diagnostic, ...]) -> str:
    if not findings:
        return ""
    lines = "\n".join(html.escape(str(f)) for f in findings)
    return (
        f'<pre class="preview-error" role="alert" style="border-left:0.3em solid #b00020;'
        f'padding:0.6em 1em;white-space:pre-wrap">{lines}</pre>'
    )


def _error_page(findings: tuple[Diagnostic, ...]) -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>publish: error</title></head>"
        f"<body style='max-width:50em;margin:2em auto;font-family:sans-serif'>"
        f"<h1>The book cannot be read</h1>{_banner(findings)}"
        "<p>Fix it and save: this page reloads by itself.</p>" + RELOAD_SCRIPT + "</body></html>"
    )
