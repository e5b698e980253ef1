"""The command line: arguments -> pipeline; PublishError -> one clear message and exit code 1."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from publish import __version__
from publish.errors import PublishError
from publish.pipeline import DEFAULT_FORMATS, FORMATS, BuildOptions, build


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
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; earlier outputs are untouched", file=sys.stderr)
        return 130


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _build(args: argparse.Namespace) -> int:
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip()) if args.format else None
    added = (("print",) if args.print_ready else ()) + (("booklet",) if args.booklet else ())
    if added:
        formats = (formats or DEFAULT_FORMATS) + added
    options = BuildOptions(formats=formats, handout_chapters=args.chapters, handout_paper=args.paper,
                           qr=True if args.qr else None, notes_margin=True if args.notes_margin else None,
                           allow_remote=args.allow_remote)
    report = build(Path(args.manuscript), Path(args.out), options)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for output in report.outputs:
        pages = f"{output.pages} pages, " if output.pages is not None else ""
        print(f"wrote {output.path}  ({pages}{_size(output.size)}, {output.seconds:.1f} s)")
    return 0


def _size(size: int) -> str:
    return f"{size / 1024:.0f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="publish", description="Markdown chapters to PDF, EPUB 3 and handout.")
    parser.add_argument("--version", action="version", version=f"publish {__version__}")
    commands = parser.add_subparsers(dest="command")
    build_cmd = commands.add_parser("build", help="build the book")
    build_cmd.add_argument("manuscript", nargs="?", default="manuscript", help="manuscript folder (default: manuscript)")
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
    build_cmd.set_defaults(run=_build)
    return parser


if __name__ == "__main__":
    sys.exit(main())
