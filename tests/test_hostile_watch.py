"""`publish watch` under attack: what it serves, to whom, odd requests, bad ports, bugs in its threads (issue 16)."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest

from publish.commands.preview import state, workers
from publish.commands.preview.files import FileTable
from publish.commands.preview.guard import Audience, decode_path
from publish.commands.preview.server import PreviewServer, start_preview
from publish.errors import PublishError
from publish.model import Asset

REPO = Path(__file__).resolve().parents[1]
SQUARE = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'
CHAPTER = "# Début\n\nUn premier paragraphe.\n\n![Un carré](../images/carre.svg)\n"


# --- helpers -------------------------------------------------------------------------------------


def wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> bool:
    """Poll ``condition`` until true; False when it never was (the caller asserts)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def request(server: PreviewServer, path: str, host: str | None = None, origin: str | None = None) -> tuple[int, bytes]:
    """GET ``path`` with the Host header given (the server's own by default; "" sends none)."""
    port = server.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        host = f"127.0.0.1:{port}" if host is None else host
        if host:
            connection.putheader("Host", host)
        if origin is not None:
            connection.putheader("Origin", origin)
        connection.endheaders()
        response = connection.getresponse()
        body = b"" if path == "/events" else response.read()  # the event stream never ends
        return response.status, body
    finally:
        connection.close()


def raw_status(server: PreviewServer, target: bytes) -> int:
    """The status of a request line sent byte for byte, whatever http.client would refuse to send."""
    port = server.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(
            b"GET " + target + f" HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def fake_pdf(prepared: object, theme: object, output: object, path: Path, **options: object) -> SimpleNamespace:
    """Stands in for WeasyPrint: these tests are about the server, not about laying pages out."""
    Path(path).write_bytes(b"%PDF-1.7 fake\n")
    return SimpleNamespace(pages=1)


class _Loads(HTMLParser):
    """What a browser loads for the page: stylesheets, images, fonts in url()."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        named = dict(attributes)
        if (tag == "link" and named.get("rel") == "stylesheet") or tag == "script":
            self.urls.append(named.get("href") or named.get("src") or "")
        elif tag == "img":
            self.urls.append(named.get("src") or "")

    def handle_data(self, data: str) -> None:
        self.urls += re.findall(r"url\(\"?([^\")]+)\"?\)", data)


def loaded_by(page: str) -> list[str]:
    parser = _Loads()
    parser.feed(page)
    return ["/" + url.lstrip("/") for url in parser.urls if url and "//" not in url]


def save_until(path: Path, texts: Iterator[str], condition: Callable[[], bool]) -> bool:
    """Save ``path`` until ``condition`` holds: the watcher may not be watching yet when the first save lands."""
    for text in texts:
        path.write_text(text, encoding="utf-8")
        if wait_for(condition, 3):
            return True
    return False


@pytest.fixture
def serve_book(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], PreviewServer]]:
    """``serve_book(folder)``: the real server on a free port of 127.0.0.1, in this process (so tests can patch)."""
    monkeypatch.setattr(workers, "PDF_QUIET_SECONDS", 0.05)
    monkeypatch.setattr(state, "write_paged", fake_pdf)
    servers: list[PreviewServer] = []

    def start(folder: Path) -> PreviewServer:
        server = start_preview(folder, port=0)
        servers.append(server)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.close()


@pytest.fixture
def book(make_book: Callable[..., Path], tmp_path: Path) -> Path:
    """A book with a used image, an unused one, a `.git/`, and an image that is a link out of the manuscript."""
    secret = tmp_path / "secret.svg"
    secret.write_text(SQUARE, encoding="utf-8")
    folder = make_book(
        {"01-debut.md": CHAPTER, "02-lien.md": "# Lien\n\n![Dehors](../images/lien.svg)\n"},
        files={
            "images/carre.svg": SQUARE,
            "images/inutile.svg": SQUARE,
            ".git/config": "[remote]\n  url = secret\n",
            ".publish/cache/entry": "cached",
        },
    )
    (folder / "images" / "lien.svg").symlink_to(secret)
    return folder


# --- 1. only what the page loads -----------------------------------------------------------------


@pytest.mark.slow
def test_every_file_the_page_loads_is_served_and_nothing_else(serve_book, book):
    server = serve_book(book)
    status, page = request(server, "/")
    assert status == 200
    loads = loaded_by(page.decode("utf-8"))
    assert "/images/carre.svg" in loads and any(url.endswith(".css") for url in loads)
    for url in loads:
        assert request(server, url)[0] == 200, url
    for url in (
        "/.git/config",
        "/book.toml",
        "/chapters/01-debut.md",
        "/images/inutile.svg",  # in the manuscript, but the page does not show it
        "/images/lien.svg",  # a link out of the manuscript
        "/images/",  # no listings
        "/images",
        "/chapters/",
        "/.publish/cache/entry",
        "/.publish/preview/book.pdf",
        "/_theme/999/x.css",
        "/_theme/0/../../book.toml",
    ):
        assert request(server, url)[0] == 404, url
    assert "lies outside the manuscript" in page.decode("utf-8")  # the link out is the author's error, shown


@pytest.mark.slow
def test_an_svg_is_served_as_cleaned_and_runs_nothing_when_opened_alone(serve_book, make_book):
    active = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
        '<script>fetch("/book.pdf")</script><rect width="8" height="8" onclick="x()"/></svg>'
    )
    server = serve_book(make_book({"01-debut.md": CHAPTER}, files={"images/carre.svg": active}))
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
    try:
        connection.request("GET", "/images/carre.svg", headers={"Host": f"127.0.0.1:{server.server_address[1]}"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 200 and b"<rect" in body
    assert b"<script" not in body and b"onclick" not in body
    policy = response.getheader("Content-Security-Policy") or ""
    assert "sandbox" in policy and "default-src 'none'" in policy


def test_a_file_swapped_for_a_link_out_after_the_rebuild_is_not_served(tmp_path):
    folder = tmp_path / "book"
    (folder / "images").mkdir(parents=True)
    image = folder / "images" / "carre.svg"
    image.write_text(SQUARE, encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    table = FileTable(folder)
    table.add_assets([Asset(image.resolve(), "images/carre.svg", "image/svg+xml")])
    served = table.freeze(())
    assert served.read("/images/carre.svg") == SQUARE.encode()
    image.unlink()
    image.symlink_to(tmp_path / "secret.txt")
    assert served.read("/images/carre.svg") is None
    assert served.read("/images/") is None and served.read("/") is None


# --- 2. Host and Origin --------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "LOCALHOST:{port}"])
def test_the_preview_answers_to_its_own_names(host):
    assert Audience.of("127.0.0.1", 8123).refusal(host.format(port=8123), None) is None


@pytest.mark.parametrize(
    "host",
    [
        None,
        "",
        "evil.example:{port}",
        "evil.example",
        "127.0.0.1",
        "localhost:{other}",
        "127.0.0.1.evil.example:{port}",
    ],
)
def test_a_rebinding_page_is_refused_by_its_host(host):
    audience = Audience.of("127.0.0.1", 8123)
    assert audience.refusal(host if host is None else host.format(port=8123, other=8124), None) is not None


def test_the_host_given_to_serve_is_accepted_too():
    assert Audience.of("192.168.1.5", 8123).refusal("192.168.1.5:8123", None) is None
    assert Audience.of("::1", 8123).refusal("[::1]:8123", None) is None


@pytest.mark.slow
def test_requests_for_another_host_or_from_another_site_are_refused(serve_book, make_book):
    server = serve_book(make_book())
    port = server.server_address[1]
    assert request(server, "/", host=f"localhost:{port}")[0] == 200
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1:{port + 1}", ""):
        assert request(server, "/", host=host)[0] == 403, host
    assert request(server, "/events", origin="http://evil.example")[0] == 403
    assert request(server, "/events", origin="null")[0] == 403
    assert request(server, "/book.pdf", origin=f"http://evil.example:{port}")[0] == 403
    assert request(server, "/events", origin=f"http://127.0.0.1:{port}")[0] == 200


# --- 3. ports ------------------------------------------------------------------------------------


def run_watch(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publish", "watch", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@pytest.mark.parametrize("port", ["99999", "-1", "65536", "eighty", "8o8o"])
def test_a_port_out_of_range_is_a_command_line_error(port, make_book):
    result = run_watch(str(make_book()), "--port", port)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"argument --port: '{port}' is not a port: give a number from 1 to 65535" in result.stderr


def test_a_port_in_use_says_so(make_book):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PublishError) as caught:
            start_preview(make_book(), port=port)
        result = run_watch(str(make_book()), "--port", str(port))
    assert caught.value.message == f"port {port} is in use; choose another with --port"
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"port {port} is in use; choose another with --port" in result.stderr


# --- 4. odd paths --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/%00", "/a%00b", "/%zz", "/%f", "/%", "/%ff", "/%c3%28", "/%7f", "/\u00e9", "/a b", "/\x01"],
)
def test_an_ill_formed_path_is_a_value_error(target):
    with pytest.raises(ValueError):
        decode_path(target)


def test_a_well_formed_path_is_decoded():
    assert decode_path("/images/mon%20image%20%C3%A9.svg?v=2") == "/images/mon image é.svg"
    assert decode_path("/..%2f..%2fetc/passwd") == "/../../etc/passwd"  # decoded, then simply not in the table


@pytest.mark.slow
def test_odd_paths_get_400_or_404_and_the_server_serves_on(serve_book, make_book, capsys):
    server = serve_book(make_book())
    targets = [
        b"/%00",
        b"/..%2f..%2fetc/passwd",
        b"/../../etc/passwd",
        b"/%2e%2e/%2e%2e/etc/passwd",
        b"//etc/passwd",
        b"/" + b"a" * 8000,
        b"/" + b"%2e%2e/" * 1000 + b"etc/passwd",
        b"/%zz",
        b"/%",
        b"/%ff%fe",
        b"/\xff\xfe",
        b"/\xc3\xa9",
        b"/%C0%AE%C0%AE/",  # an overlong UTF-8 dot
        b"*",
        b"http://[::1",
        b"/images/%00.svg",
    ]
    for target in targets:
        assert raw_status(server, target) in (400, 404), target
    assert raw_status(server, b"/?%00") == 200  # the query is no part of the path, and the page ignores it
    assert raw_status(server, b"http://evil.example/") == 200  # absolute form: the Host header still decides
    assert request(server, "/")[0] == 200
    assert "Traceback" not in capsys.readouterr().err


# --- 5. a bug in a thread ------------------------------------------------------------------------


@pytest.mark.slow
def test_a_bug_in_a_rebuild_is_reported_and_the_next_save_rebuilds(serve_book, make_book, monkeypatch, capsys):
    folder = make_book({"01-debut.md": CHAPTER}, files={"images/carre.svg": SQUARE})
    real_check_book = state.check_book
    armed = threading.Event()

    def check_book_failing_once(*arguments: object, **options: object) -> object:
        if armed.is_set():
            armed.clear()
            raise RuntimeError("boom in the build")
        return real_check_book(*arguments, **options)

    monkeypatch.setattr(state, "check_book", check_book_failing_once)
    server = serve_book(folder)
    chapter = folder / "chapters" / "01-debut.md"
    errors: list[str] = []

    def reported() -> bool:
        errors.append(capsys.readouterr().err)
        return "internal error while rebuilding" in "".join(errors)

    armed.set()
    assert save_until(chapter, (CHAPTER.replace("premier", f"essai {n}") for n in range(10)), reported)
    expected = "internal error while rebuilding: RuntimeError: boom in the build; the preview shows the last good build"
    assert expected in "".join(errors).splitlines()
    page = request(server, "/")[1].decode("utf-8")
    assert "Un premier paragraphe" in page and "boom in the build" in page  # the last good build, with the problem

    def rebuilt() -> bool:
        return "Un troisième paragraphe" in request(server, "/")[1].decode("utf-8")

    assert save_until(chapter, (CHAPTER.replace("premier", "troisième") + "\n" * n for n in range(10)), rebuilt)
    assert "boom in the build" not in request(server, "/")[1].decode("utf-8")


@pytest.mark.slow
def test_a_bug_in_the_pdf_is_reported_and_the_next_save_lays_it_out(serve_book, make_book, monkeypatch, capsys):
    folder = make_book()
    calls: list[Path] = []

    def write_paged_failing_once(prepared: object, theme: object, output: object, path: Path, **options: object):
        calls.append(path)
        if len(calls) == 1:
            raise RuntimeError("boom in the PDF")
        return fake_pdf(prepared, theme, output, path)

    monkeypatch.setattr(state, "write_paged", write_paged_failing_once)  # over the fixture's fake
    server = serve_book(folder)  # lays the PDF out once at start: that first layout fails
    errors: list[str] = []

    def reported() -> bool:
        errors.append(capsys.readouterr().err)
        return "internal error while laying out the PDF" in "".join(errors)

    assert wait_for(reported)
    assert "internal error while laying out the PDF: RuntimeError: boom in the PDF" in "".join(errors)
    assert server.preview.pdf_status == "PDF (failed: internal error)"
    assert not list(server.preview.pdf_path.parent.glob(".book.*.tmp"))  # no temporary file left behind

    def served() -> bool:
        return len(calls) > 1 and request(server, "/book.pdf")[0] == 200

    chapter = folder / "chapters" / "01-debut.md"
    assert save_until(chapter, (f"# Début\n\nEnsuite {n}.\n" for n in range(10)), served)
    assert request(server, "/book.pdf")[1].startswith(b"%PDF")
