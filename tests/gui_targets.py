"""Job functions for the GUI run-controller tests (module level, so spawn children import them)."""

from __future__ import annotations

import os
import signal

from engine.context import JobContext


def count_rows(rows: int, ctx: JobContext) -> dict:
    """Reports ``rows`` rows, a few at a time, then returns."""
    reporter = ctx.reporter("work", "w1")
    for _ in range(rows // 10):
        reporter.add(rows=10)
        reporter.tick()
    reporter.flush()
    return {"rows": rows}


def count_until_stopped(_config: object, ctx: JobContext) -> dict:
    """Reports rows until the run is asked to stop, then ends as a cancelled run."""
    reporter = ctx.reporter("work", "w1")
    while True:
        ctx.check_stop()
        reporter.add(rows=1)
        reporter.tick()


def count_then_die(rows: int, ctx: JobContext) -> dict:
    """Reports ``rows`` rows, then the coordinator SIGKILLs itself: no JobFinished is ever sent."""
    reporter = ctx.reporter("work", "w1")
    reporter.add(rows=rows)
    reporter.flush()
    ctx.status_queue.close()
    ctx.status_queue.join_thread()  # the snapshot is in the pipe before the kill
    os.kill(os.getpid(), signal.SIGKILL)
    return {}
