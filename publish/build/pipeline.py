"""build(): load -> render -> each writer -> atomic write. Reads like the flow diagram."""

from __future__ import annotations

import shutil
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from publish.build.cache import fingerprint, remember, up_to_date
from publish.build.lock import BuildLock, lock_book
from publish.build.outputs import Job, build_timestamp
from publish.build.plan import DEFAULT_FORMATS, FORMATS, BuildOptions, file_name, formats_for
from publish.convert.remote_images import RemotePolicy
from publish.errors import ERROR, WARNING, Diagnostic, PublishError
from publish.load.config import BookConfig, read_config
from publish.store import Store, forget_legacy_entries
from publish.theme.loading import builtin_styles, theme_media

__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "BuildOptions",
    "BuildReport",
    "Output",
    "Progress",
    "StageTime",
    "build",
    "build_timestamp",
]


@dataclass(frozen=True)
class Output:
    format: str
    path: Path
    size: int  # bytes
    pages: int | None  # PDFs only
    seconds: float


@dataclass(frozen=True)
class StageTime:
    stage: str  # "check", then one per format
    seconds: float


@dataclass(frozen=True)
class BuildReport:
    outputs: tuple[Output, ...]
    warnings: tuple[Diagnostic, ...] = field(default=())
    stages: tuple[StageTime, ...] = field(default=())


class Progress:
    """What a build tells its onlooker; the command line draws bars, the API stays silent.

    ``begin`` opens a stage ("chapters" with a count, or a format with none),
    ``step`` advances a counted stage, ``end`` closes it.
    """

    def begin(self, stage: str, total: int | None = None) -> None:
        pass

    def step(self, stage: str) -> None:
        pass

    def end(self, stage: str) -> None:
        pass

    def waiting(self, text: str) -> None:
        """Another build of the book holds it: said even through the API, or a build would seem to hang."""
        print(text, file=sys.stderr, flush=True)


def build(
    folder: Path, out: Path, options: BuildOptions = BuildOptions(), progress: Progress = Progress()
) -> BuildReport:
    """Check the manuscript in ``folder``, then build every requested format into ``out``.

    Outputs already made from the very same inputs are kept (see build/cache.py). Another
    build of the same book, or into the same folder, is waited for (see build/lock.py).
    """
    with lock_book(folder, progress.waiting) as lock:
        return _build(folder, out, options, progress, lock)


def _build(folder: Path, out: Path, options: BuildOptions, progress: Progress, lock: BuildLock) -> BuildReport:
    for name in options.formats or ():
        if name not in FORMATS:
            raise PublishError(f"unknown format `{name}`", hint="formats are " + ", ".join(FORMATS))
    started = time.perf_counter()
    store = Store.of(folder) if options.cache else None  # --no-cache: nothing kept, nothing reused
    if folder.is_dir():
        forget_legacy_entries(folder)
    key, cached, config = _cached(folder, out, options, store)
    if cached is not None:
        return replace(cached, stages=(StageTime("cache", time.perf_counter() - started),))
    from publish.build.parallel import make_outputs
    from publish.build.prepare import check_book, stop_if_needed  # Markdown, lxml, WeasyPrint: only when needed

    progress.begin("chapters", None)
    try:
        checked = check_book(
            folder,
            RemotePolicy(allowed=options.allow_remote),
            chapter_done=lambda: progress.step("chapters"),
            config=config,
            store=store,
        )
    finally:
        progress.end("chapters")
    stop_if_needed(checked, options.strict)
    stages = [StageTime("check", time.perf_counter() - started)]
    book = checked.book
    formats = formats_for(book.pdf, options, checked.theme.media, checked.theme.media_declared_in)
    _prepare_folder(out, [file_name(book.slug, name) for name in formats], lock)
    job = Job(checked.prepared, checked.theme, options, store)
    made = make_outputs(job, formats, out, options.parallel, progress.begin, progress.end)
    outputs = [Output(m.format, m.path, m.path.stat().st_size, m.pages, m.seconds) for m in made if not m.failed]
    warnings = list(checked.warnings) + [Diagnostic(WARNING, text, m.path) for m in made for text in m.warnings]
    stages += [StageTime(m.format, m.seconds) for m in made if not m.failed]
    failures = {m.format: m.errors for m in made if m.errors}
    bug = next((m.bug for m in made if m.bug), None)
    if bug:  # the other outputs are made; a bug of ours is not reported as the author's mistake
        if failures:
            bug.message += f" (and {', '.join(failures)} failed on the manuscript: build again once this is fixed)"
        raise bug
    if failures:
        raise _failed(failures, formats, outputs)
    report = BuildReport(tuple(outputs), tuple(warnings), tuple(stages))
    if key and store is not None:
        remember(store, key, report.outputs, report.warnings)
    return report


def _cached(
    folder: Path, out: Path, options: BuildOptions, store: Store | None
) -> tuple[str, BuildReport | None, BookConfig | None]:
    """The fingerprint of this build's inputs, and the report of the outputs it would remake, if
    they are all up to date (with book.toml as read, so that the build reads it once). Remote
    images can change behind our back: never cached."""
    if store is None or options.allow_remote or not folder.is_dir():
        return "", None, None
    root = folder.resolve()
    config = read_config(root, options.limits)
    if config.findings:  # a mistake in book.toml: nothing to reuse; the check reports it with the rest
        return "", None, config
    paths = {
        name: out / file_name(config.metadata.slug, name)
        for name in formats_for(config.pdf, options, *theme_media(config.theme, root))
    }
    key = fingerprint(root, (builtin_styles(),), f"{replace(options, parallel=True)!r} {out.resolve()}")
    found = up_to_date(store, key, paths) if paths else None
    if found is None:
        return key, None, config
    outputs = tuple(Output(o.format, o.path, o.path.stat().st_size, o.pages, 0.0) for o in found)
    warnings = tuple(dict.fromkeys(w for o in found for w in o.warnings))
    return key, BuildReport(outputs, warnings), config


def _failed(
    failures: dict[str, tuple[Diagnostic, ...]], formats: tuple[str, ...], outputs: list[Output]
) -> PublishError:
    """One error for the formats that failed: each distinct finding once (a template error
    breaks every medium alike), then which outputs were made all the same."""
    findings = list(dict.fromkeys(d for errors in failures.values() for d in errors))
    made = ", ".join(o.path.name for o in outputs) or "nothing"
    findings.append(
        Diagnostic(ERROR, f"{len(failures)} of {len(formats)} outputs failed: {', '.join(failures)} (made: {made})")
    )
    return PublishError.of(findings)


def _prepare_folder(out: Path, names: list[str], lock: BuildLock) -> None:
    """Create the output folder, wait for any other build writing into it, and clear what a killed
    build left: temporary files of our outputs."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        lock.output_folder(out)
        for name in names:
            # ours, and QPDF's own beside them (before join.py saved through memory, a full disk left one)
            for leftover in [*out.glob(f".{name}.*.tmp"), *out.glob(f".pikepdf..{name}.*")]:
                leftover.unlink()
        for pattern in (".booklet-*", ".chapters-*"):  # scratch folders of the booklet and the book PDF
            for leftover in out.glob(pattern):
                shutil.rmtree(leftover, ignore_errors=True)
    except OSError as error:
        raise PublishError(
            f"cannot write to the output folder: {error.strerror}",
            path=out,
            hint="choose another --out folder, or make this one writable",
        ) from None
