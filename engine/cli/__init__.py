"""Headless command line: ``python main.py SUBCOMMAND …`` (``mpwatch SUBCOMMAND …``).

Each sub-command lives in its own module here with a ``register(subparsers)`` function that adds
its parser and sets ``func`` (args -> exit code). Exit codes shared by every job: 0 success,
1 unexpected failure, 2 bad arguments, 3 finished but some tasks failed, 130 / 143 / 129 stopped by
SIGINT (Ctrl-C) / SIGTERM / SIGHUP.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

SUBCOMMAND_MODULES = ("demo", "clean", "dialogues", "serve", "loadtest")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_ARGS = 2
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130  #: Ctrl-C; SIGTERM 143, SIGHUP 129 (engine/stop_signals.py)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mpwatch",
        description="Run multiprocess data jobs and watch them live. Without a sub-command, opens the app.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(f"engine.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"engine.cli.{name}":
                continue  # that job is not part of this build
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None, report_renderer: Callable[[Any, Path], Path] | None = None) -> int:
    """Parse, run the sub-command; SIGINT, SIGTERM and SIGHUP stop it (engine/stop_signals.py):
    its drain runs, one line says what was done, and the exit code is 128 + the signal.
    ``report_renderer`` draws ``--report FILE.html`` from a finished run's ``RunRecord``
    (``engine.cli.report_option.ReportRenderer``); main.py passes the GUI's."""
    from engine.stop_signals import owning_stop_signals

    with owning_stop_signals() as signals:
        try:
            parser = build_parser()
            args = parser.parse_args(argv)
            args.report_renderer = report_renderer
            if args.command is None:
                parser.print_help()
                return EXIT_BAD_ARGS
            code = int(args.func(args))
        except KeyboardInterrupt:  # a stop signal outside a job (during imports, checks, the summary)
            print(f"interrupted ({signals.describe()})", file=sys.stderr)
            return signals.exit_code(EXIT_INTERRUPTED)
        return signals.exit_code(code) if signals.stop_requested() else code
