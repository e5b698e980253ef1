"""`publish watch`: the live preview on 127.0.0.1, rebuilt on every save (see commands/preview/)."""

from __future__ import annotations

import argparse

from publish.commands.common import add_manuscript_argument, manuscript_folder


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("watch", parents=[common], help="live preview in the browser, rebuilt on save")
    add_manuscript_argument(parser)
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000)")
    parser.add_argument("--open", action="store_true", help="open the preview in the browser")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from publish.commands.preview.server import serve

    serve(manuscript_folder(args), host="127.0.0.1", port=args.port, open_browser=args.open)
    return 0
