"""The preview's HTTP server on 127.0.0.1: the page, the files it loads, server-sent events, the PDF.

Threads: the server answers requests (one thread each); workers.py rebuilds the page
on every save and lays the PDF out once the saves have settled. Only requests
addressed to the server itself are answered (guard.py), and only the files the page
loads are served (files.py): never the rest of the manuscript folder.
"""

from __future__ import annotations

import errno
import mimetypes
import sys
import threading
import webbrowser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from publish.commands.preview.guard import Audience, decode_path
from publish.commands.preview.state import Preview
from publish.commands.preview.workers import start_workers
from publish.confinement import Confinement
from publish.errors import PublishError
from publish.model import Limits

KEEPALIVE_SECONDS = 15.0
TEXT = "text/plain; charset=utf-8"
# A file opened on its own (an SVG typed into the address bar) runs nothing and loads nothing from elsewhere.
FILE_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; font-src 'self'; sandbox"


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    _headers_sent = False  # once the status line is out, a late failure can only close the connection

    def do_GET(self) -> None:
        try:
            self._answer()
        except (BrokenPipeError, ConnectionResetError):
            return  # the page was closed or reloaded
        except Exception as error:  # a bug of ours: one line, a 500, and the server serves on
            print(f"internal error while answering GET {self.path[:200]!r}: {error!r}", file=sys.stderr, flush=True)
            self.close_connection = True
            if not self._headers_sent:
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, TEXT, b"internal error\n")

    def _answer(self) -> None:
        refusal = self.server.audience.refusal(self.headers.get("Host"), self.headers.get("Origin"))
        if refusal is not None:
            self._send(HTTPStatus.FORBIDDEN, TEXT, refusal.encode() + b"\n")
            return
        try:
            path = decode_path(self.path)
        except ValueError as error:
            self._send(HTTPStatus.BAD_REQUEST, TEXT, f"bad path: {error}\n".encode())
            return
        preview = self.server.preview
        if path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", preview.snapshot.page_shown().encode("utf-8"))
        elif path == "/events":
            self._events()
        elif path == "/book.pdf":
            self._pdf()
        else:
            body = preview.snapshot.files.read(path)
            if body is None:
                self._send(HTTPStatus.NOT_FOUND, TEXT, b"not found\n")
            else:
                self._send(
                    HTTPStatus.OK, mimetypes.guess_type(path)[0] or "application/octet-stream", body, FILE_POLICY
                )

    def _pdf(self) -> None:
        preview = self.server.preview
        try:
            body = Confinement.of(preview.folder).read_bytes(preview.pdf_path)
        except (PublishError, OSError):  # not laid out yet (or not a plain file, which publish never makes)
            message = b"The PDF is being laid out; reload in a few seconds.\n"
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, TEXT, message)
            return
        self._send(HTTPStatus.OK, "application/pdf", body)

    def _send(self, status: HTTPStatus, kind: str, body: bytes, policy: str = "") -> None:
        self._start(status, kind)
        if policy:
            self.send_header("Content-Security-Policy", policy)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _start(self, status: HTTPStatus, kind: str) -> None:
        self._headers_sent = True
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")  # an image is never run as a page or script
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")  # nor embedded by another site

    def _events(self) -> None:
        """Server-sent events: `reload` after each rebuild, `pdf` when the PDF's state changes."""
        preview = self.server.preview
        self._start(HTTPStatus.OK, "text/event-stream")
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


class PreviewServer(ThreadingHTTPServer):
    """The HTTP server with the preview it shows and the threads that rebuild it; ``close()`` stops them all."""

    daemon_threads = True

    def __init__(self, folder: Path, host: str, port: int, limits: Limits | None = None) -> None:
        try:
            super().__init__((host, port), _Handler)
        except OSError as error:
            raise _listen_error(host, port, error) from None
        self.folder = folder
        self.audience = Audience.of(host, self.server_address[1])
        self.url = f"http://{host}:{self.server_address[1]}/"
        self.preview = Preview(folder, limits)
        self.stop = threading.Event()
        self.pdf_wanted = threading.Event()

    def start(self) -> PreviewServer:
        """Build the page once, then start the watcher and the PDF worker."""
        self.preview.rebuild_surviving()
        self.pdf_wanted.set()
        start_workers(self.folder, self.preview, self.stop, self.pdf_wanted)
        return self

    def close(self) -> None:
        self.stop.set()
        self.pdf_wanted.set()  # wakes the PDF worker, which sees the stop
        self.preview.stop()
        self.server_close()

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]  # a bug of ours while reading the request: one line, never a traceback
        if not isinstance(error, ConnectionError):
            print(f"internal error while answering a request: {error!r}", file=sys.stderr, flush=True)


def _listen_error(host: str, port: int, error: OSError) -> PublishError:
    cannot = f"cannot listen on {host}:{port}: {error.strerror}"
    if error.errno == errno.EADDRINUSE:
        return PublishError(
            f"port {port} is in use; choose another with --port", hint=f"{cannot}; try --port {port + 1}"
        )
    if error.errno == errno.EACCES:
        return PublishError(cannot, hint="ports below 1024 need administrator rights; choose another with --port")
    return PublishError(cannot, hint="choose another port with --port")


def start_preview(
    folder: Path, host: str = "127.0.0.1", port: int = 8000, limits: Limits | None = None
) -> PreviewServer:
    """Listen on ``host:port`` (0: any free port), build the page, start the threads; serve with serve_forever()."""
    if not folder.is_dir():
        raise PublishError("manuscript folder not found", path=folder, hint="give the folder that holds book.toml")
    return PreviewServer(folder, host, port, limits).start()


def serve(
    folder: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    limits: Limits | None = None,
) -> None:
    """Serve the preview until Ctrl-C (or SIGTERM); return normally then."""
    server = start_preview(folder, host, port, limits)
    print(f"previewing {folder} at {server.url} (the PDF at {server.url}book.pdf); Ctrl-C to stop", flush=True)
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    print("stopped", flush=True)
