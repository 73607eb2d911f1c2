"""Headless command line: ``python main.py SUBCOMMAND …`` (``mpwatch SUBCOMMAND …``).

Each sub-command lives in its own module here with a ``register(subparsers)`` function that adds
its parser and sets ``func`` (args -> exit code). Exit codes shared by every job: 0 success,
1 unexpected failure, 2 bad arguments, 3 finished but some tasks failed, 130 interrupted.
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
EXIT_INTERRUPTED = 130


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
    """Run one sub-command. ``report_renderer`` draws ``--report FILE.html`` from a finished run's
    ``RunRecord`` (``engine.cli.common.ReportRenderer``); main.py passes the GUI's."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.report_renderer = report_renderer
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_ARGS
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
