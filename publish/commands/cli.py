"""The command line: arguments -> one of the commands; findings -> lines and an exit code.

Each command is a module of this package with ``register`` (its arguments) and ``run``.
Exit codes: 0 done (warnings allowed), 1 the author's mistake (errors, or warnings
with --strict), 2 a bug of ours or a bad command line, 130 interrupted.
"""

from __future__ import annotations

import argparse
import signal
import sys
import traceback

from publish import __version__
from publish.commands import build, check, new, watch
from publish.errors import InternalError, PublishError

COMMANDS = (new, check, build, watch)  # in the order `publish --help` lists them


def main(argv: list[str] | None = None) -> int:
    for stop in (signal.SIGTERM, signal.SIGHUP):  # a killed build cleans its temporary files, as for Ctrl-C
        signal.signal(stop, _terminate)
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
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
            if isinstance(error, InternalError) and error.details:
                print(f"where it happened:\n{error.details}", file=sys.stderr, end="")
        advice = (
            "report the traceback above" if args.debug else "run the same command with --debug and report the traceback"
        )
        print(
            f"internal error: {type(error).__name__}: {error}\n"
            f"this is a bug in publish, not in your manuscript; {advice}",
            file=sys.stderr,
        )
        return 2


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _print_failure(error: PublishError, strict: bool) -> None:
    from publish.commands.console import count, print_findings

    findings = error.diagnostics
    print_findings(findings)
    if (len(findings) > 1 or not findings[0].is_error) and findings[-1].path is not None:  # else it sums up itself
        reason = "; --strict counts warnings" if strict and not any(d.is_error for d in findings) else ""
        print(f"error: stopped with {count(findings)}{reason}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show Python tracebacks (for bug reports)")
    parser = argparse.ArgumentParser(prog="publish", description="Markdown chapters to PDF, EPUB 3 and handout.")
    parser.add_argument("--version", action="version", version=f"publish {__version__}")
    parser.set_defaults(debug=False)
    commands = parser.add_subparsers(dest="command")
    for command in COMMANDS:
        command.register(commands, common)
    return parser


if __name__ == "__main__":
    sys.exit(main())
