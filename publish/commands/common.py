"""What the commands share: the manuscript folder argument, the --limit flag and the parser they add themselves to."""

from __future__ import annotations

import argparse
from pathlib import Path

MANUSCRIPT_HELP = "manuscript folder (default: the current folder if it holds book.toml, else manuscript/)"


def add_manuscript_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("manuscript", nargs="?", default=None, help=MANUSCRIPT_HELP)


def manuscript_folder(args: argparse.Namespace) -> Path:
    """The folder given, else the current folder when it holds book.toml, else manuscript/."""
    if args.manuscript is not None:
        return Path(args.manuscript)
    return Path(".") if Path("book.toml").is_file() else Path("manuscript")


def add_limit_argument(parser: argparse.ArgumentParser) -> None:
    """--limit NAME=VALUE: the one way to raise a limit; a manuscript's book.toml may only lower them."""
    parser.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="raise (or lower) a limit for this run, e.g. --limit image_bytes=100MB; "
        "names: chapter_bytes (default 2MB), image_bytes (30MB), image_pixels (50M); repeatable",
    )
