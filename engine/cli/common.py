"""What every headless sub-command shares: run a job here with a live tqdm bar, map the outcome to
an exit code.

On a terminal the bar is tqdm's (redrawn in place). When stderr is not a terminal (a log file, CI,
nohup) a redrawn bar would write hundreds of carriage-return updates into the file, so the printer
writes a plain line instead every ``MPWATCH_PROGRESS_EVERY_S`` seconds (default 5) and one at the
end: ``demo: 120,000 / 800,000 rows (15 %) · 35,210 rows/s · ETA 0:19``.

Data flow::

    main thread: run_job(fn, config, ctx) ──► status Queue ──► drain thread: RunMonitor (the engine's
                 (pool workers put snapshots/events too)        progress model) → tqdm bar,
                                                                failures and warnings → stderr

The job runs in this process (its pool workers are children), so Ctrl-C cancels it cleanly.

``--report FILE.html`` (clean, dialogues, demo): the printer also keeps the run's ``RunRecord`` (the
job's progress tracker with its chart histories, the events in order) and, once the job is over,
hands it to the report renderer main.py passed to ``engine.cli.main``. The renderer lives outside
the engine (it draws the report with the window's own panel, offscreen), since the engine imports
no Qt; without one, ``--report`` is refused before anything starts.

Only the argument types are needed while parsing (``--help`` must answer at once): tqdm, the
progress model (numpy) and the runner are imported when a job actually runs.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.cli import EXIT_BAD_ARGS, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL

if TYPE_CHECKING:
    from engine.cli.report_option import ReportRequest
    from engine.progress import ProgressTracker, RunMonitor
    from engine.run_record import RunRecord
    from engine.runner import JobFunction
    from engine.status import JobFinished, TaskFailed


@dataclass(frozen=True)
class ProgressSpec:
    """Which cumulative counters make the bar: ``done`` is summed over every worker's snapshot (of
    ``stage``, when given), ``total`` is the largest value any snapshot carries (``RunMonitor.counter``
    / ``gauge``).

    ``total_basis_done``: set when ``total`` measures something known up front in another unit than
    ``done`` (the clean job knows its input bytes, not its rows): the counter of that unit done so
    far. The bar's total is then estimated as done × total / basis done (rows per byte so far), and
    is exact once every byte is read, so the bar counts rows, not kB."""

    done: str
    total: str
    unit: str = "rows"
    stage: str | None = None
    total_basis_done: str | None = None

    def read(self, monitor: RunMonitor) -> tuple[float, float]:
        done, total = monitor.counter(self.done, self.stage), monitor.gauge(self.total)
        if self.total_basis_done is not None:
            basis = monitor.counter(self.total_basis_done, self.stage)
            total = round(done * total / basis) if basis > 0 and done > 0 else 0
        return done, total


PROGRESS_EVERY_ENV = "MPWATCH_PROGRESS_EVERY_S"
DEFAULT_PROGRESS_EVERY_S = 5.0


def _amount(value: float, unit: str, with_unit: bool = True) -> str:
    """``1,234,567 rows``; bytes as MB."""
    number, unit = (f"{value / 1024**2:,.1f}", "MB") if unit == "B" else (f"{value:,.0f}", unit)
    return f"{number} {unit}" if with_unit else number


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def progress_line(label: str, done: float, total: float, rate_per_s: float, unit: str) -> str:
    """One plain progress line (no carriage return): done/total, share, rate and ETA when known."""
    parts = [
        f"{_amount(done, unit, with_unit=False)} / {_amount(total, unit)} ({100 * done / total:.0f} %)"
        if total
        else _amount(done, unit),
        f"{_amount(rate_per_s, unit)}/s",
    ]
    if total and rate_per_s > 0 and done < total:
        parts.append(f"ETA {_clock((total - done) / rate_per_s)}")
    return f"{label}: " + " · ".join(parts)


class StatusPrinter:
    """Drains a status queue in a thread: a tqdm bar for progress on a terminal, a plain line every
    few seconds otherwise, stderr lines for trouble."""

    def __init__(
        self,
        status_queue: Any,
        spec: ProgressSpec,
        quiet: bool = False,
        label: str = "progress",
        plain: bool | None = None,
        record: RunRecord | None = None,
    ) -> None:
        from tqdm import tqdm

        from engine.progress import RunMonitor

        self.queue = status_queue
        self.spec = spec
        self.quiet = quiet
        self.label = label
        self.plain = (not sys.stderr.isatty()) if plain is None else plain
        self.every_s = float(os.environ.get(PROGRESS_EVERY_ENV, DEFAULT_PROGRESS_EVERY_S))
        self.record = record  # kept for --report: fed every message, its tracker updated as the run goes
        self.monitor = record.monitor if record is not None else RunMonitor("cli")
        self.failures: list[TaskFailed] = []
        self.tasks_finished = 0  # TaskFinished events seen: what an interrupted run can say it did
        self.finished: JobFinished | None = None
        self._stop = threading.Event()
        self._started = time.monotonic()
        self._last_line: tuple[float, float] | None = None  # (monotonic time, done) of the last plain line
        self._bar = tqdm(
            total=0, unit=spec.unit, unit_scale=True, dynamic_ncols=True, disable=quiet or self.plain, file=sys.stderr
        )
        self._thread = threading.Thread(target=self._run, name="status-printer", daemon=True)

    def __enter__(self) -> StatusPrinter:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._drain_all()
        self._refresh()
        self._bar.close()
        if self.plain and not self.quiet and not self.stopping():  # stopped: one line says it all
            done, total = self.totals()
            elapsed = max(time.monotonic() - self._started, 1e-9)
            print(
                f"{progress_line(self.label, done, total, done / elapsed, self.spec.unit)} · {_clock(elapsed)} elapsed",
                file=sys.stderr,
                flush=True,
            )

    def write(self, text: str) -> None:
        if self.quiet or self.plain:
            print(text, file=sys.stderr)
        else:
            self._bar.write(text, file=sys.stderr)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._handle(self.queue.get(timeout=0.1))
            except queue.Empty:
                pass
            except (EOFError, OSError, ValueError):
                return
            self._refresh()

    def _drain_all(self) -> None:
        while True:
            try:
                self._handle(self.queue.get(timeout=0.05))
            except (queue.Empty, EOFError, OSError, ValueError):
                return

    def _handle(self, message: Any) -> None:
        from engine.status import JobFinished, LogLine, TaskFailed, TaskFinished, WorkerExited

        self.monitor.handle(message)
        if isinstance(message, TaskFinished):
            self.tasks_finished += 1
        elif isinstance(message, TaskFailed):
            self.failures.append(message)
            self.write(f"failed: {message.task}: {message.reason}")
        elif isinstance(message, WorkerExited) and not message.expected and not self.stopping():
            self.write(f"warning: {message.describe()}")
        elif isinstance(message, LogLine) and message.level in ("warning", "error"):
            self.write(f"{message.level}: {message.text.splitlines()[0] if message.text else ''}")
        elif isinstance(message, JobFinished):
            self.finished = message

    @staticmethod
    def stopping() -> bool:
        """A stop signal came: processes ended by the stop are no news worth a warning."""
        from engine.stop_signals import installed

        signals = installed()
        return signals is not None and signals.stop_requested()

    def totals(self) -> tuple[float, float]:
        """(done, total) of the bar, from the run's progress model."""
        return self.spec.read(self.monitor)

    def _refresh(self) -> None:
        if self.record is not None:
            self.record.update()
        if self.plain:
            self._plain_line()
            return
        done, total = self.totals()
        if total and self._bar.total != total:
            self._bar.total = total
        if done != self._bar.n:
            self._bar.n = done
            self._bar.refresh()

    def _plain_line(self) -> None:
        """A progress line when ``every_s`` has passed since the last one (rate over that interval)."""
        if self.quiet:
            return
        now = time.monotonic()
        last_t, last_done = self._last_line or (self._started, 0.0)
        if now - last_t < self.every_s:
            return
        done, total = self.totals()
        self._last_line = (now, done)
        print(
            progress_line(self.label, done, total, (done - last_done) / (now - last_t), self.spec.unit),
            file=sys.stderr,
            flush=True,
        )


def run_in_process(
    kind: str,
    fn: JobFunction,
    config: Any,
    spec: ProgressSpec,
    quiet: bool = False,
    report: ReportRequest | None = None,
) -> tuple[JobFinished, StatusPrinter]:
    """Run a job in this process with live progress; returns its JobFinished and the printer (whose
    ``record`` is the run's RunRecord when a ``report`` is asked for)."""
    from engine.context import SPAWN, JobContext, StopFlag
    from engine.run_record import RunRecord
    from engine.runner import run_job
    from engine.stop_signals import installed

    status_queue = SPAWN.Queue(maxsize=10000)
    ctx = JobContext(kind, status_queue, StopFlag())
    signals = installed()
    if signals is not None:
        signals.on_stop(ctx.stop_event.set)  # every loop that polls the flag stops too, children included
    record = RunRecord(kind, ctx.job, config, report.tracker_factory()) if report is not None else None
    with StatusPrinter(status_queue, spec, quiet, label=kind, record=record) as printer:
        finished = run_job(fn, config, ctx)
    if record is not None:
        record.finish(finished)
    return finished, printer


def stop_cause() -> str:
    """What stopped the run: ``Ctrl-C`` or the signal's name (``SIGTERM``)."""
    from engine.stop_signals import installed

    signals = installed()
    return signals.describe() if signals is not None else "Ctrl-C"


def print_interrupted(done: str, hint: str) -> None:
    """The one line an interrupted run ends with: what it finished and how to continue."""
    print(f"interrupted ({stop_cause()}): {done}; {hint}", file=sys.stderr, flush=True)


def exit_code(finished: JobFinished, failed_key: str, report_ok: bool = True) -> int:
    """0 all done, 3 finished with failed tasks, 130 stopped (main turns it into 128 + the signal),
    1 the job itself failed (or its asked report could not be written)."""
    if finished.cancelled:
        return EXIT_INTERRUPTED
    if not finished.ok:
        print(f"error: {finished.error}", file=sys.stderr)
        return EXIT_FAILED
    if not report_ok:
        return EXIT_FAILED
    return EXIT_PARTIAL if finished.summary.get(failed_key) else EXIT_OK


def preflight_failed(exc: ValueError) -> int:
    """Print a run-wide error (``problem\nhint: …``) once; exit code 2 (nothing was started)."""
    print(f"error: {exc}", file=sys.stderr)
    return EXIT_BAD_ARGS


@dataclass(frozen=True)
class JobCommand:
    """How a job sub-command (clean, dialogues, demo) runs, the lifecycle they share: every check
    before anything starts (a bad argument or input: exit 2, nothing started), the job with its
    bar, then ``print_summary`` of a finished run or, stopped, what it left and how to go on
    (``interrupted``: (config, printer) -> (done, hint)), the ``--report``, the exit code."""

    kind: str
    job: JobFunction
    progress: ProgressSpec
    tracker_factory: Callable[[], ProgressTracker]
    preflight: Callable[[Any], object]
    print_summary: Callable[[dict], None]
    interrupted: Callable[[Any, StatusPrinter], tuple[str, str]]

    def run(self, args: argparse.Namespace, config_of: Callable[[argparse.Namespace], Any]) -> int:
        from engine.cli.report_option import report_request, write_report
        from engine.priority import apply_background_priority_flag

        try:
            config = config_of(args)
            self.preflight(config)
            report = report_request(args, self.tracker_factory)
        except ValueError as exc:
            return preflight_failed(exc)
        apply_background_priority_flag(args)
        finished, printer = run_in_process(self.kind, self.job, config, self.progress, quiet=args.quiet, report=report)
        if finished.ok:
            self.print_summary(finished.summary)
        elif finished.cancelled:
            print_interrupted(*self.interrupted(config, printer))
        return exit_code(finished, "files_failed", write_report(report, printer))
