"""`publish watch`: the live preview on 127.0.0.1, rebuilt on every save (see commands/preview/)."""

from __future__ import annotations

import argparse

from publish.commands.common import add_limit_argument, add_manuscript_argument, manuscript_folder


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("watch", parents=[common], help="live preview in the browser, rebuilt on save")
    add_manuscript_argument(parser)
    parser.add_argument(
        "--port", type=_port, default=8000, help="port on 127.0.0.1 (default: 8000; 0 picks a free one)"
    )
    parser.add_argument("--open", action="store_true", help="open the preview in the browser")
    add_limit_argument(parser)
    parser.set_defaults(run=run)


def _port(text: str) -> int:
    """A TCP port, 0 meaning any free one; anything else is argparse's error (exit 2)."""
    port = int(text) if text.isascii() and text.isdigit() else -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port: give a number from 1 to 65535 (or 0 for any free one)"
        )
    return port


def run(args: argparse.Namespace) -> int:
    from publish.commands.preview.server import serve
    from publish.load.limits import limits_from_flags

    limits = limits_from_flags(args.limit)
    serve(manuscript_folder(args), host="127.0.0.1", port=args.port, open_browser=args.open, limits=limits)
    return 0
