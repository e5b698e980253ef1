"""The preview's HTTP server on 127.0.0.1: the page, its files, server-sent events, the PDF.

Threads: the server answers requests (one thread each), a watcher rebuilds the
page on every save (watchfiles, which waits on the OS's file events rather than
polling), and a PDF worker lays the PDF out once the saves have settled.
"""

from __future__ import annotations

import mimetypes
import threading
import time
import webbrowser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import watchfiles

from publish.commands.preview.state import Preview
from publish.errors import PublishError
from publish.theme.loading import builtin_styles

PDF_QUIET_SECONDS = 1.5  # the PDF is laid out once no save has come for this long
KEEPALIVE_SECONDS = 15.0


class _Files:
    """Maps URLs to files: /_theme/<n>/… and /_font/<n> for the theme, anything else under the manuscript."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.served: list[Path] = []

    def url_of(self, path: Path) -> str:
        path = path.resolve()
        if path.is_relative_to(self.root):
            return "/" + path.relative_to(self.root).as_posix()
        if path not in self.served:
            self.served.append(path)
        return f"/_theme/{self.served.index(path)}/{path.name}"

    def resolve(self, url_path: str) -> Path | None:
        parts = unquote(url_path).lstrip("/").split("/")
        if parts[0] == "_theme" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(self.served):
            return self.served[int(parts[1])]
        candidate = (self.root / "/".join(parts)).resolve()
        inside = candidate.is_relative_to(self.root) and ".publish" not in candidate.relative_to(self.root).parts
        return candidate if inside and candidate.is_file() else None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        preview = self.server.preview
        if path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", preview.snapshot.page.encode("utf-8"))
        elif path == "/events":
            self._events()
        elif path == "/book.pdf":
            if preview.pdf_path.is_file():
                self._send(HTTPStatus.OK, "application/pdf", preview.pdf_path.read_bytes())
            else:
                self._send(
                    HTTPStatus.SERVICE_UNAVAILABLE,
                    "text/plain; charset=utf-8",
                    b"The PDF is being laid out; reload in a few seconds.\n",
                )
        else:
            file = self.server.files.resolve(path)
            if file is None:
                self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n")
            else:
                kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                self._send(HTTPStatus.OK, kind, file.read_bytes())

    def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        """Server-sent events: `reload` after each rebuild, `pdf` when the PDF's state changes."""
        preview = self.server.preview
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        version, pdf = preview.snapshot.version, preview.pdf_status
        try:
            self.wfile.write(f"event: pdf\ndata: {pdf}\n\n".encode())
            self.wfile.flush()
            while True:
                with preview.changed:

                    def changed(version: int = version, pdf: str = pdf) -> bool:
                        return preview.stopping or preview.snapshot.version != version or preview.pdf_status != pdf

                    preview.changed.wait_for(changed, timeout=KEEPALIVE_SECONDS)
                    if preview.stopping:
                        return
                    message = ": keep-alive\n\n"
                    if preview.snapshot.version != version:
                        version = preview.snapshot.version
                        message = f"event: reload\ndata: {version}\n\n"
                    elif preview.pdf_status != pdf:
                        pdf = preview.pdf_status
                        message = f"event: pdf\ndata: {pdf}\n\n"
                self.wfile.write(message.encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return  # the page was closed or reloaded

    def log_message(self, format: str, *args: object) -> None:
        pass  # one line per request would bury the rebuild messages


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], preview: Preview, files: _Files) -> None:
        self.preview = preview
        self.files = files
        super().__init__(address, _Handler)


def serve(folder: Path, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False) -> None:
    """Serve the preview until Ctrl-C (or SIGTERM); return normally then."""
    if not folder.is_dir():
        raise PublishError("manuscript folder not found", path=folder, hint="give the folder that holds book.toml")
    files = _Files(folder)
    preview = Preview(folder, files.url_of)
    preview.rebuild()
    try:
        server = _Server((host, port), preview, files)
    except OSError as error:
        raise PublishError(
            f"cannot listen on {host}:{port}: {error.strerror}",
            hint=f"another program uses the port; try --port {port + 1}",
        ) from None
    stop = threading.Event()
    pdf_wanted = threading.Event()
    pdf_wanted.set()
    workers = [
        threading.Thread(target=_watch, args=(folder, preview, pdf_wanted, stop), daemon=True),
        threading.Thread(target=_pdf_worker, args=(preview, pdf_wanted, stop), daemon=True),
    ]
    for worker in workers:
        worker.start()
    url = f"http://{host}:{server.server_address[1]}/"
    print(f"previewing {folder} at {url} (the PDF at {url}book.pdf); Ctrl-C to stop", flush=True)
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        pdf_wanted.set()
        preview.stop()
        server.server_close()
    print("stopped", flush=True)


def _theme_folders(preview: Preview) -> list[Path]:
    checked = preview.snapshot.checked
    return list(checked.theme.folders) if checked else [builtin_styles()]


class _Filter(watchfiles.DefaultFilter):
    """Ignore what publish itself writes (.publish/, output/) and editors' swap files."""

    def __init__(self) -> None:
        super().__init__(ignore_dirs=(*watchfiles.DefaultFilter.ignore_dirs, ".publish", "output"))


def _watch(folder: Path, preview: Preview, pdf_wanted: threading.Event, stop: threading.Event) -> None:
    paths = [folder, *(p for p in _theme_folders(preview) if not p.is_relative_to(folder.resolve()))]
    for _changes in watchfiles.watch(
        *paths, watch_filter=_Filter(), stop_event=stop, debounce=300, step=50, raise_interrupt=False
    ):
        preview.rebuild()
        pdf_wanted.set()


def _pdf_worker(preview: Preview, pdf_wanted: threading.Event, stop: threading.Event) -> None:
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
        preview.make_pdf()
        print(f"laid out the PDF in {time.perf_counter() - started:.1f} s", flush=True)
