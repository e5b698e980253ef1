"""`python -m bench`: time publish against Pandoc on synthetic French books; write bench/RESULTS.md.

Every figure is the median of --runs runs (with min and max), each run a fresh process,
with its peak memory (RSS) read from the kernel (wait4). Pandoc is run when it is on the
PATH or installed by `pip install pypandoc-binary` (the bench extra, preferred).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from bench.generate import generate

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Timing:
    seconds: list[float]
    rss_mb: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def cell(self) -> str:
        return f"{self.median:.2f} ({min(self.seconds):.2f}–{max(self.seconds):.2f})"


def run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def measure(runs: int, command: list[str], before=None, **kwargs) -> Timing:
    seconds, rss = [], []
    for index in range(runs):
        if before:
            before(index)
        s, m = run(command, **kwargs)
        seconds.append(s)
        rss.append(m)
    return Timing(seconds, rss)


def pandoc() -> str | None:
    """Pandoc from the bench extra (pypandoc-binary: the 3.x the issue's figures are for) first,
    then whatever `pandoc` is on the PATH (a distribution's may be years older)."""
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        return shutil.which("pandoc")


def bench_size(chapters: int, runs: int, scratch: Path) -> dict[str, object]:
    book = generate(scratch / f"book-{chapters}", chapters)
    out = scratch / f"out-{chapters}"
    py = sys.executable
    publish = [py, "-m", "publish", "build", str(book), "--out", str(out), "-q"]
    results: dict[str, object] = {
        "chapters": chapters,
        "words": sum(len(p.read_text(encoding="utf-8").split()) for p in (book / "chapters").glob("*.md")),
    }
    results["epub"] = measure(runs, publish + ["--format", "epub", "--no-cache"])
    results["pdf"] = measure(runs, publish + ["--format", "pdf", "--no-cache"])
    results["pdf_sequential"] = measure(runs, publish + ["--format", "pdf", "--no-cache", "--sequential"])
    results["handout"] = measure(runs, publish + ["--format", "handout", "--no-cache"])
    results["whole"] = measure(runs, publish + ["--no-cache"])
    results["whole_sequential"] = measure(runs, publish + ["--no-cache", "--sequential"])
    slug = f"livre-de-mesure-en-{chapters}-chapitres"
    results["pages"] = len(PdfReader(out / f"{slug}.pdf").pages)
    run(publish)  # fills the cache
    results["unchanged"] = measure(runs, publish)
    chapter = book / "chapters" / "03-chapitre.md"
    original = chapter.read_text(encoding="utf-8")

    def edit(index: int) -> None:
        """A sentence more: the chapter keeps its length, so the skeleton is reused."""
        chapter.write_text(original + f"\nUne phrase ajoutée pour la mesure numéro {index}.\n", encoding="utf-8")

    def lengthen(index: int) -> None:
        """Pages more, a different number each run: every chapter after it moves."""
        paragraph = f"Un paragraphe ajouté pour allonger le chapitre, mesure {index}. " * 14
        chapter.write_text(original + "\n\n" + "\n\n".join([paragraph] * 5 * (index + 1)), encoding="utf-8")

    run(publish)
    results["one_chapter_pdf"] = measure(runs, publish + ["--format", "pdf"], before=edit)
    run(publish)
    results["one_chapter_pdf_epub"] = measure(runs, publish + ["--format", "pdf,epub"], before=edit)
    run(publish)
    results["one_chapter"] = measure(runs, publish, before=edit)
    results["longer_chapter_pdf"] = measure(runs, publish + ["--format", "pdf"], before=lengthen)
    chapter.write_text(original, encoding="utf-8")
    floor_html = scratch / f"floor-{chapters}.html"
    subprocess.run([py, "-m", "bench.floor", str(book), str(floor_html)], check=True, cwd=HERE.parent)
    results["floor"] = measure(
        runs, [py, "-m", "weasyprint", "--pdf-tags", str(floor_html), str(scratch / "floor.pdf")]
    )
    binary = pandoc()
    if binary:
        files = sorted(p.name for p in (book / "chapters").glob("*.md"))
        title = ["--quiet", "--metadata", f"title=Livre de mesure en {chapters} chapitres", "--metadata", "lang=fr"]
        results["pandoc_epub"] = measure(
            runs, [binary, *files, *title, "-o", str(scratch / "pandoc.epub")], cwd=book / "chapters"
        )
        results["pandoc_html"] = measure(
            runs, [binary, *files, *title, "-s", "-o", str(scratch / "pandoc.html")], cwd=book / "chapters"
        )
        results["pandoc_weasyprint"] = measure(
            runs,
            [py, "-m", "weasyprint", str(scratch / "pandoc.html"), str(scratch / "pandoc.pdf")],
            cwd=book / "chapters",
        )
        results["pandoc_pages"] = len(PdfReader(scratch / "pandoc.pdf").pages)
    return results


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            int(line.split()[1]) // 1024 // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    import weasyprint

    version = (
        subprocess.run([pandoc(), "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        if pandoc()
        else "not installed"
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} GiB, Linux {platform.release()}, "
        f"Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}, {version}"
    )


def report(all_results: list[dict[str, object]], runs: int) -> str:
    lines = [
        f"Medians of {runs} runs in seconds (min–max), each a fresh process; peak RSS of the whole "
        "build in MB. `python -m bench` remakes this file.",
        "",
        f"Machine: {machine()}",
        "",
        "Fresh builds (`--no-cache`):",
        "",
        "| chapters | words | PDF pages | EPUB | PDF | PDF, one process | handout | whole build | "
        "whole, sequential | peak RSS (whole) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in all_results:
        lines.append(
            f"| {r['chapters']} | {r['words']:,} | {r['pages']} | {r['epub'].cell()} | {r['pdf'].cell()} | "
            f"{r['pdf_sequential'].cell()} | {r['handout'].cell()} | {r['whole'].cell()} | "
            f"{r['whole_sequential'].cell()} | {max(r['whole'].rss_mb):.0f} |"
        )
    lines += [
        "",
        "Rebuilds with the cache:",
        "",
        "| chapters | nothing changed (whole) | one sentence added to a chapter: PDF | PDF + EPUB | "
        "whole build | pages added to a chapter: PDF |",
        "|---|---|---|---|---|---|",
    ]
    for r in all_results:
        lines.append(
            f"| {r['chapters']} | {r['unchanged'].cell()} | {r['one_chapter_pdf'].cell()} | "
            f"{r['one_chapter_pdf_epub'].cell()} | {r['one_chapter'].cell()} | "
            f"{r['longer_chapter_pdf'].cell()} |"
        )
    lines += [
        "",
        "Against Pandoc and WeasyPrint alone, same manuscripts, same runs:",
        "",
        "| chapters | Pandoc EPUB | our EPUB ÷ Pandoc | WeasyPrint alone on our HTML (floor) | "
        "our PDF ÷ floor (one process) | Pandoc HTML + WeasyPrint (pages) | our PDF ÷ Pandoc's | "
        "our whole build ÷ (Pandoc EPUB + PDF) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in all_results:
        if "pandoc_epub" not in r:
            continue
        pandoc_pdf = r["pandoc_html"].median + r["pandoc_weasyprint"].median
        lines.append(
            f"| {r['chapters']} | {r['pandoc_epub'].cell()} | {r['epub'].median / r['pandoc_epub'].median:.2f} | "
            f"{r['floor'].cell()} | {r['pdf'].median / r['floor'].median:.2f} "
            f"({r['pdf_sequential'].median / r['floor'].median:.2f}) | {pandoc_pdf:.2f} "
            f"({r['pandoc_pages']}) | {r['pdf'].median / pandoc_pdf:.2f} | "
            f"{r['whole'].median / (r['pandoc_epub'].median + pandoc_pdf):.2f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,30,60", help="chapter counts (default 10,30,60)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="where to write the tables (default: stdout only)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="publish-bench-") as scratch:
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"{size} chapters…", file=sys.stderr, flush=True)
            results.append(bench_size(size, args.runs, Path(scratch)))
    text = report(results, args.runs)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
