"""The preview's background threads: a rebuild on every save, the PDF once the saves settle; a bug kills neither."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import watchfiles

from publish.commands.preview.state import Preview
from publish.theme.loading import builtin_styles

PDF_QUIET_SECONDS = 1.5  # the PDF is laid out once no save has come for this long


def start_workers(folder: Path, preview: Preview, stop: threading.Event, pdf_wanted: threading.Event) -> None:
    """Start the watcher (rebuilds on every save) and the PDF worker, as daemon threads."""
    for target in (_watch, _lay_out_pdfs):
        threading.Thread(target=target, args=(folder, preview, pdf_wanted, stop), daemon=True).start()


def _theme_folders(preview: Preview) -> list[Path]:
    checked = preview.snapshot.checked
    return list(checked.theme.folders) if checked else [builtin_styles()]


class _Filter(watchfiles.DefaultFilter):
    """Ignore what publish itself writes (.publish/, output/) and editors' swap files."""

    def __init__(self) -> None:
        super().__init__(ignore_dirs=(*watchfiles.DefaultFilter.ignore_dirs, ".publish", "output"))


def _watch(folder: Path, preview: Preview, pdf_wanted: threading.Event, stop: threading.Event) -> None:
    paths = [folder, *(p for p in _theme_folders(preview) if not p.is_relative_to(folder.resolve()))]
    try:
        for _changes in watchfiles.watch(
            *paths, watch_filter=_Filter(), stop_event=stop, debounce=300, step=50, raise_interrupt=False
        ):
            preview.rebuild_surviving()
            pdf_wanted.set()
    except Exception as error:  # the OS's watcher failed (the folder removed, too many watches): say so
        print(
            f"internal error while watching {folder}: {type(error).__name__}: {error}; "
            "the preview no longer follows saves: restart publish watch",
            file=sys.stderr,
            flush=True,
        )


def _lay_out_pdfs(folder: Path, preview: Preview, pdf_wanted: threading.Event, stop: threading.Event) -> None:
    while not stop.is_set():
        pdf_wanted.wait()
        if stop.is_set():
            return
        pdf_wanted.clear()
        while pdf_wanted.wait(PDF_QUIET_SECONDS) and not stop.is_set():  # debounce: wait for quiet
            pdf_wanted.clear()
        if stop.is_set():
            return
        started = time.perf_counter()
        if preview.make_pdf_surviving():
            print(f"laid out the PDF in {time.perf_counter() - started:.1f} s", flush=True)
