"""`publish watch`: the live preview served on the loopback interface, through the real command."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(condition, seconds: float = 15.0) -> float:
    """Poll ``condition`` until true; return how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"not true after {seconds} s")


class Watch:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "publish", "watch", str(folder), "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        wait_for(lambda: any("previewing" in line for line in self.lines) or self.process.poll() is not None)
        assert self.process.poll() is None, self.process.stderr.read()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def page(self) -> str:
        return get(self.url + "/")[1].decode("utf-8")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=15)


@pytest.fixture
def watched(make_book):
    folder = make_book(
        {"01-debut.md": "# Début\n\nUn premier paragraphe.\n\n![Un carré](../images/carre.svg)\n"},
        files={"images/carre.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'},
    )
    watch = Watch(folder)
    yield folder, watch
    if watch.process.poll() is None:
        watch.process.kill()
        watch.process.wait()


@pytest.mark.slow
def test_preview_follows_each_save_and_tells_the_page_to_reload(watched):
    folder, watch = watched
    assert "Un premier paragraphe" in watch.page()
    assert get(watch.url + "/images/carre.svg")[0] == 200
    events: list[str] = []

    def listen() -> None:
        with urllib.request.urlopen(watch.url + "/events", timeout=30) as stream:
            for raw in stream:
                events.append(raw.decode("utf-8").strip())

    threading.Thread(target=listen, daemon=True).start()
    wait_for(lambda: any(e.startswith("event: pdf") for e in events))  # the stream is open
    chapter = folder / "chapters" / "01-debut.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("premier", "tout nouveau"), encoding="utf-8")
    seconds = wait_for(lambda: "Un tout nouveau paragraphe" in watch.page(), 10)
    assert seconds < 5
    wait_for(lambda: "event: reload" in events, 5)
    assert watch.stop() == 0
    assert "stopped" in "".join(watch.lines)


@pytest.mark.slow
def test_a_broken_chapter_shows_its_error_in_the_page_and_the_server_lives_on(watched):
    folder, watch = watched
    chapter = folder / "chapters" / "01-debut.md"
    chapter.write_text("# Début\n\nTexte.\n\n![Absente](../images/absente.png)\n", encoding="utf-8")
    wait_for(lambda: "absente.png` not found" in watch.page(), 10)
    assert f"{chapter}:5:" in watch.page()
    (folder / "book.toml").write_text("[book\n", encoding="utf-8")  # a book that cannot even be read
    wait_for(lambda: "invalid TOML" in watch.page(), 10)
    assert watch.process.poll() is None
    assert watch.stop() == 0


@pytest.mark.slow
def test_the_pdf_is_laid_out_in_the_background_and_served(watched):
    folder, watch = watched
    wait_for(lambda: get(watch.url + "/book.pdf")[0] == 200, 30)
    assert get(watch.url + "/book.pdf")[1].startswith(b"%PDF")
    assert not (folder / "output").exists()  # the preview never touches the author's outputs
    assert watch.stop() == 0


@pytest.mark.slow
def test_files_outside_the_manuscript_are_not_served(watched):
    _folder, watch = watched
    for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/_theme/999/x.css", "/.publish/preview/book.pdf"):
        assert get(watch.url + path)[0] == 404, path
    assert watch.stop() == 0


@pytest.mark.slow
def test_a_port_in_use_is_a_clear_error(make_book):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "publish", "watch", str(make_book()), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and f"--port {port + 1}" in result.stderr
