"""``--report FILE.html`` for clean, dialogues and demo: the option, its check before the run, and
handing the finished run's ``RunRecord`` to the renderer main.py passed to ``engine.cli.main``.

The renderer lives outside the engine (it draws the report with the window's own panel, offscreen),
since the engine imports no Qt; without one, ``--report`` is refused before anything starts.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.cli.common import StatusPrinter
    from engine.progress import ProgressTracker
    from engine.run_record import RunRecord

#: Writes a finished run's HTML report: (record, path) -> the path written. main.py passes one to
#: ``engine.cli.main`` (it draws with the window's panels, which the engine may not import).
ReportRenderer = Callable[["RunRecord", Path], Path]


@dataclass(frozen=True)
class ReportRequest:
    """``--report PATH``: what the run must keep (the job's tracker) and who draws the report."""

    path: Path
    renderer: ReportRenderer
    tracker_factory: Callable[[], ProgressTracker]


def add_report_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--report",
        type=Path,
        metavar="FILE.html",
        help="after the run, write one self-contained HTML report (summary, files with their drops or "
        "errors, every chart, settings, versions), the same as the window's Save report…",
    )


def report_request(args: argparse.Namespace, tracker_factory: Callable[[], ProgressTracker]) -> ReportRequest | None:
    """The checked ``--report`` of ``args`` (None when not asked); ValueError when it cannot be
    written, so the command refuses it before the job starts."""
    path = getattr(args, "report", None)
    if path is None:
        return None
    renderer = getattr(args, "report_renderer", None)
    if renderer is None:
        raise ValueError("--report needs mpwatch's window code (gui/, PySide6): run it as `python main.py` / `mpwatch`")
    path = path.expanduser()
    if path.is_dir():
        raise ValueError(f"--report names a folder, not a file: {path}")
    if not path.parent.is_dir() or not os.access(path.parent, os.W_OK):
        raise ValueError(f"--report: cannot write into {path.parent}")
    return ReportRequest(path, renderer, tracker_factory)


def write_report(report: ReportRequest | None, printer: StatusPrinter) -> bool:
    """Write the asked report of the run ``printer`` watched; False (and why, on stderr) when it failed."""
    if report is None or printer.record is None:
        return True
    try:
        written = report.renderer(printer.record, report.path)
    except Exception as exc:  # the run's outputs stand; only the report is missing
        print(f"error: could not write the report {report.path}: {exc}", file=sys.stderr)
        return False
    print(f"report: {written}")
    return True
