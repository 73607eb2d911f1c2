"""The clean coordinator's log lines about one segment, by code (engine/coded_errors.py).

A segment's error is said twice: as English text in report.json (and on the CLI), and as a log line
that a window shows in its language; ``segment_error`` builds both from the same code and params.
"""

from __future__ import annotations

from typing import Any

from engine.coded_errors import inner_coded
from engine.context import JobContext


def segment_error(ctx: JobContext, s: int, code: str, **params: Any) -> str:
    """Log "segment N: <the error>" for segment index ``s``; returns the error's English text."""
    error = inner_coded("error", code, **params)
    ctx.log_coded("error", "segment_error", segment=s + 1, **error)
    return error["error"]


def segment_written(ctx: JobContext, s: int, segments: int, name: str, rows: int) -> None:
    """Log "segment N/M written: NAME (452,310 rows)"."""
    ctx.log_coded("info", "segment_written", segment=s + 1, segments=segments, name=name, rows=rows)
