"""The command line: arguments -> new / check / build / watch; findings -> lines and an exit code.

Exit codes: 0 done (warnings allowed), 1 the author's mistake (errors, or warnings
with --strict), 2 a bug of ours or a bad command line, 130 interrupted.
"""

from __future__ import annotations

import argparse
import signal
import sys
import traceback
import webbrowser
from pathlib import Path

from publish import __version__
from publish.errors import ERROR, WARNING, PublishError


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)  # a killed build cleans its temporary files, as for Ctrl-C
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except PublishError as error:
        if args.debug:
            traceback.print_exc()
        _print_failure(error, getattr(args, "strict", False))
        return 1
    except KeyboardInterrupt:
        print("interrupted; earlier outputs are untouched", file=sys.stderr)
        return 130
    except Exception as error:  # a bug of ours, not the author's mistake
        if args.debug:
            traceback.print_exc()
        advice = "report the traceback above" if args.debug else "run the same command with --debug and report the traceback"
        print(f"internal error: {type(error).__name__}: {error}\n"
              f"this is a bug in publish, not in your manuscript; {advice}", file=sys.stderr)
        return 2


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _print_failure(error: PublishError, strict: bool) -> None:
    from publish.console import count, print_findings

    findings = error.diagnostics
    print_findings(findings)
    if (len(findings) > 1 or not findings[0].is_error) and findings[-1].path is not None:  # else it sums up itself
        reason = "; --strict counts warnings" if strict and not any(d.is_error for d in findings) else ""
        print(f"error: stopped with {count(findings)}{reason}", file=sys.stderr)


def _build(args: argparse.Namespace) -> int:
    from publish.console import Bars, print_findings, print_summary
    from publish.pipeline import DEFAULT_FORMATS, BuildOptions, build

    formats = tuple(f.strip() for f in args.format.split(",") if f.strip()) if args.format else None
    added = (("print",) if args.print_ready else ()) + (("booklet",) if args.booklet else ())
    if added:
        formats = (formats or DEFAULT_FORMATS) + added
    options = BuildOptions(formats=formats, handout_chapters=args.chapters, handout_paper=args.paper,
                           qr=True if args.qr else None, notes_margin=True if args.notes_margin else None,
                           allow_remote=args.allow_remote, strict=args.strict, pdf_variant=args.pdf_variant,
                           cache=not args.no_cache, parallel=not args.sequential)
    with Bars() as bars:
        if args.quiet:
            bars.console.quiet = True
        report = build(_manuscript(args), Path(args.out), options, bars)
    print_findings(report.warnings)
    if not args.quiet:
        print_summary(report, verbose=args.verbose)
    if args.open and report.outputs:
        webbrowser.open(report.outputs[0].path.resolve().as_uri())
    return 0


def _check(args: argparse.Namespace) -> int:
    from publish.check import check_book, check_templates
    from publish.console import count, print_findings
    from publish.remote import RemotePolicy

    try:
        checked = check_book(_manuscript(args), RemotePolicy(allowed=args.allow_remote))
    except PublishError as error:  # nothing more can be checked: show it as a finding
        print_findings(error.diagnostics, sys.stdout)
        print("stopped: fix this first, then check again", file=sys.stderr)
        return 1
    findings = list(checked.diagnostics) + list(check_templates(checked))
    if args.outputs:
        from publish.verify import verify_outputs

        findings += verify_outputs(checked.book, Path(args.out))
    print_findings(findings, sys.stdout)
    chapters = len(checked.book.chapters)
    print(f"checked {chapters} chapter{'s' * (chapters != 1)}: {count(findings)}", file=sys.stderr)
    failing = [d for d in findings if d.level == ERROR or (args.strict and d.level == WARNING)]
    return 1 if failing else 0


def _new(args: argparse.Namespace) -> int:
    from publish.scaffold import new_book

    folder = new_book(Path(args.folder), lang=args.lang, title=args.title, author=args.author)
    print(f"created {folder}: a book ready to build. Next:\n"
          f"  cd {folder}\n"
          "  publish watch     live preview in the browser, refreshed on every save\n"
          "  publish check     find mistakes, with file and line\n"
          "  publish build     PDF, EPUB and handout into output/")
    return 0


def _watch(args: argparse.Namespace) -> int:
    from publish.preview.server import serve

    serve(_manuscript(args), host="127.0.0.1", port=args.port, open_browser=args.open)
    return 0


_MANUSCRIPT_HELP = "manuscript folder (default: the current folder if it holds book.toml, else manuscript/)"


def _manuscript(args: argparse.Namespace) -> Path:
    if args.manuscript is not None:
        return Path(args.manuscript)
    return Path(".") if Path("book.toml").is_file() else Path("manuscript")


def _parser() -> argparse.ArgumentParser:
    from publish.config import PDF_VARIANTS
    from publish.pipeline import DEFAULT_FORMATS, FORMATS

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show Python tracebacks (for bug reports)")
    parser = argparse.ArgumentParser(prog="publish", description="Markdown chapters to PDF, EPUB 3 and handout.")
    parser.add_argument("--version", action="version", version=f"publish {__version__}")
    parser.set_defaults(debug=False)
    commands = parser.add_subparsers(dest="command")

    new_cmd = commands.add_parser("new", parents=[common], help="start a new book in a new folder")
    new_cmd.add_argument("folder", help="the folder to create (must not exist, or be empty)")
    new_cmd.add_argument("--lang", default="fr", help="language of the book, e.g. fr, en, de (default: fr)")
    new_cmd.add_argument("--title", default=None, help="the book's title")
    new_cmd.add_argument("--author", default=None, help="the author's name")
    new_cmd.set_defaults(run=_new)

    check_cmd = commands.add_parser("check", parents=[common], help="find mistakes without building")
    check_cmd.add_argument("manuscript", nargs="?", default=None, help=_MANUSCRIPT_HELP)
    check_cmd.add_argument("--strict", action="store_true", help="warnings count as errors (exit code 1)")
    check_cmd.add_argument("--outputs", action="store_true",
                           help="also check the last build in --out: EPUBCheck on the EPUB, the PDFs read back")
    check_cmd.add_argument("--out", default="output", help="output folder for --outputs (default: output)")
    check_cmd.add_argument("--allow-remote", action="store_true", help="fetch http(s) images to check them")
    check_cmd.set_defaults(run=_check)

    build_cmd = commands.add_parser("build", parents=[common], help="check, then build the book")
    build_cmd.add_argument("manuscript", nargs="?", default=None, help=_MANUSCRIPT_HELP)
    build_cmd.add_argument("--out", default="output", help="output folder (default: output)")
    build_cmd.add_argument("--format", default=None,
                           help="comma-separated, among " + ",".join(FORMATS) + " (default: " + ",".join(DEFAULT_FORMATS)
                           + ", plus print and booklet when book.toml [pdf] asks)")
    build_cmd.add_argument("--print-ready", action="store_true",
                           help="also make <slug>-print.pdf for a print shop: bleed, crop marks, recto openings")
    build_cmd.add_argument("--booklet", action="store_true",
                           help="also make <slug>-booklet.pdf: pages two-up in saddle-stitch order (A5 on A4)")
    build_cmd.add_argument("--chapters", default=None, help="handout only: chapters to print, e.g. 2,4-5 or introduction,3")
    build_cmd.add_argument("--paper", default=None, choices=("A4", "Letter"), help="handout paper (default: [handout] page_size)")
    build_cmd.add_argument("--allow-remote", action="store_true",
                           help="fetch http(s) images (10 s timeout, [limits] image_bytes cap) into .publish/remote/")
    build_cmd.add_argument("--qr", action="store_true", help="handout: a QR code beside each printed URL")
    build_cmd.add_argument("--notes-margin", action="store_true", help="handout: a wide ruled margin for notes")
    build_cmd.add_argument("--pdf-variant", default=None, choices=PDF_VARIANTS,
                           help="PDF/UA-1 or PDF/A for the PDFs (default: [pdf] variant; every PDF is tagged anyway)")
    build_cmd.add_argument("--strict", action="store_true",
                           help="warnings stop the build, and no output that warned is written")
    build_cmd.add_argument("--no-cache", action="store_true",
                           help="make every output again, even when nothing changed since the last build")
    build_cmd.add_argument("--sequential", action="store_true",
                           help="make the outputs one after the other in this process (default: in parallel)")
    build_cmd.add_argument("--quiet", "-q", action="store_true", help="no progress and no summary; only problems")
    build_cmd.add_argument("--verbose", "-v", action="store_true", help="also show the time of each stage")
    build_cmd.add_argument("--open", action="store_true", help="open the first output when done")
    build_cmd.set_defaults(run=_build)

    watch_cmd = commands.add_parser("watch", parents=[common], help="live preview in the browser, rebuilt on save")
    watch_cmd.add_argument("manuscript", nargs="?", default=None, help=_MANUSCRIPT_HELP)
    watch_cmd.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000)")
    watch_cmd.add_argument("--open", action="store_true", help="open the preview in the browser")
    watch_cmd.set_defaults(run=_watch)
    return parser


if __name__ == "__main__":
    sys.exit(main())
