"""`publish check`: every finding about the manuscript (and, with --outputs, the last build), no output written."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from publish.commands.common import add_limit_argument, add_manuscript_argument, manuscript_folder
from publish.errors import ERROR, WARNING, PublishError


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("check", parents=[common], help="find mistakes without building")
    add_manuscript_argument(parser)
    parser.add_argument("--strict", action="store_true", help="warnings count as errors (exit code 1)")
    parser.add_argument(
        "--outputs",
        action="store_true",
        help="also check the last build in --out: EPUBCheck on the EPUB, the PDFs read back",
    )
    parser.add_argument("--out", default="output", help="output folder for --outputs (default: output)")
    parser.add_argument("--allow-remote", action="store_true", help="fetch http(s) images to check them")
    add_limit_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from publish.build.prepare import check_book, check_templates
    from publish.commands.console import count, print_findings
    from publish.convert.checks import note_unnumbered_matter
    from publish.convert.remote_images import RemotePolicy
    from publish.load.config import read_config
    from publish.load.limits import limits_from_flags

    folder = manuscript_folder(args)
    try:
        # book.toml read here, under the --limit ceiling, rather than by check_book with the defaults
        config = read_config(folder.resolve(), limits_from_flags(args.limit)) if folder.is_dir() else None
        checked = check_book(folder, RemotePolicy(allowed=args.allow_remote), config=config)
    except PublishError as error:  # nothing more can be checked: show it as a finding
        print_findings(error.diagnostics, sys.stdout)
        print("stopped: fix this first, then check again", file=sys.stderr)
        return 1
    findings = list(checked.diagnostics) + list(check_templates(checked))
    findings += note_unnumbered_matter(checked.book)  # said by check only: a build stays quiet about it
    if args.outputs:
        from publish.commands.read_back import read_back_outputs

        findings += read_back_outputs(checked.book, Path(args.out))
    print_findings(findings, sys.stdout)
    chapters = len(checked.book.chapters)
    print(f"checked {chapters} chapter{'s' * (chapters != 1)}: {count(findings)}", file=sys.stderr)
    failing = [d for d in findings if d.level == ERROR or (args.strict and d.level == WARNING)]
    return 1 if failing else 0
