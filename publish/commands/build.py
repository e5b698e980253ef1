"""`publish build`: check, then make every output into --out, with progress and a summary."""

from __future__ import annotations

import argparse
import sys
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING

from publish.commands.common import add_limit_argument, add_manuscript_argument, manuscript_folder

if TYPE_CHECKING:
    from publish.build.pipeline import BuildReport


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from publish.build.plan import DEFAULT_FORMATS, FORMATS
    from publish.load.config import HANDOUT_PAGE_SIZES, PDF_VARIANTS

    parser = commands.add_parser("build", parents=[common], help="check, then build the book")
    add_manuscript_argument(parser)
    parser.add_argument("--out", default="output", help="output folder (default: output)")
    parser.add_argument(
        "--format",
        default=None,
        help="comma-separated, among "
        + ",".join(FORMATS)
        + " (default: "
        + ",".join(DEFAULT_FORMATS)
        + ", plus print and booklet when book.toml [pdf] asks)",
    )
    parser.add_argument(
        "--print-ready",
        action="store_true",
        help="also make <slug>-print.pdf for a print shop: bleed, crop marks, recto openings",
    )
    parser.add_argument(
        "--booklet",
        action="store_true",
        help="also make <slug>-booklet.pdf: pages two-up in saddle-stitch order (A5 on A4)",
    )
    parser.add_argument(
        "--chapters", default=None, help="handout only: chapters to print, e.g. 2,4-5 or introduction,3"
    )
    parser.add_argument(
        "--paper", default=None, choices=HANDOUT_PAGE_SIZES, help="handout paper (default: [handout] page_size)"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="fetch http(s) images (10 s timeout, [limits] image_bytes cap) into .publish/remote/",
    )
    parser.add_argument("--qr", action="store_true", help="handout: a QR code beside each printed URL")
    parser.add_argument("--notes-margin", action="store_true", help="handout: a wide ruled margin for notes")
    parser.add_argument(
        "--pdf-variant",
        default=None,
        choices=PDF_VARIANTS,
        help="PDF/UA-1 or PDF/A for the PDFs (default: [pdf] variant; every PDF is tagged anyway)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="warnings stop the build, and no output that warned is written"
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="make every output again, even when nothing changed since the last build",
    )
    parser.add_argument(
        "--sequential",
        action="store_true",
        help="make the outputs one after the other in this process (default: in parallel)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress and no summary; only problems")
    parser.add_argument("--verbose", "-v", action="store_true", help="also show the time of each stage")
    parser.add_argument("--open", action="store_true", help="open the first output when done")
    add_limit_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from publish.build.pipeline import build
    from publish.build.plan import BuildOptions
    from publish.commands.console import Bars, print_findings, print_summary
    from publish.load.limits import limits_from_flags

    formats = tuple(f.strip() for f in args.format.split(",") if f.strip()) if args.format else None
    added = (("print",) if args.print_ready else ()) + (("booklet",) if args.booklet else ())
    options = BuildOptions(
        formats=formats,
        extra_formats=added,
        handout_chapters=args.chapters,
        handout_paper=args.paper,
        qr=True if args.qr else None,
        notes_margin=True if args.notes_margin else None,
        allow_remote=args.allow_remote,
        strict=args.strict,
        pdf_variant=args.pdf_variant,
        cache=not args.no_cache,
        parallel=not args.sequential,
        limits=limits_from_flags(args.limit),
    )
    with Bars() as bars:
        if args.quiet:
            bars.console.quiet = True
        report = build(manuscript_folder(args), Path(args.out), options, bars)
    print_findings(report.warnings)
    if not args.quiet:
        print_summary(report, verbose=args.verbose)
        print_sizes(report)
    if args.open and report.outputs:
        webbrowser.open(report.outputs[0].path.resolve().as_uri())
    return 0


def print_sizes(report: BuildReport) -> None:
    """Under the summary: each PDF's and EPUB's bytes by kind, and what was done to its images."""
    from rich.console import Console
    from rich.table import Table

    from publish.build.sizes import IMAGE_NOTES, output_sizes
    from publish.commands.console import size_text

    table = Table(show_edge=False, box=None, pad_edge=False)
    for column in ("bytes by kind", "fonts", "images", "the rest", ""):
        table.add_column(column, justify="left" if column in ("bytes by kind", "") else "right")
    for output in report.outputs:
        sizes = output_sizes(output.path) if output.path.is_file() else None
        if sizes is not None:
            table.add_row(
                output.path.name,
                size_text(sizes.fonts),
                size_text(sizes.images),
                size_text(sizes.rest),
                IMAGE_NOTES.get(output.format, ""),
            )
    if table.row_count:
        Console(soft_wrap=True, width=None if sys.stdout.isatty() else 120).print(table)
