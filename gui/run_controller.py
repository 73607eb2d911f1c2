"""One job run's lifecycle in the GUI, in one place: every panel (and the load generator) uses it.

    start(fn, config) ──► poller.new_run_queue() ──► JobRun(kind, fn, config, that queue,
                          background=services.background_priority).start()
                          a RunRecord (monitor, tracker, events) subscribed to the run's job id;
                          the run registered with the app
    every poller tick ──► JobRun.poll() (supervisor: exits, restarts, the stop ladder)
                          record.update() when something new arrived → ``progress``
                          ``on_tick`` callbacks (views refresh from there when visible)
    run over          ──► the run's queue drained (every process has exited, so all it said is there)
                          and retired; a JobFinished is made up when the coordinator died without
                          one (killed, crashed); ``finished`` is emitted once
    stop()            ──► JobRun.request_stop(grace_s, terminate_s)
    show_record(r)    ──► a run that ran elsewhere (the CLI's ``--report``) becomes the current
                          record, with no process behind it

Runs start at background priority while ``AppServices.background_priority`` is on (the window's
"Background priority for jobs" setting, on by default): the window keeps its ticks while a job
fills every core. The setting applies to runs started after it changes.

A run's own queue means a process of this run killed mid-write (which can leave the queue's lock
held) cannot silence another run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.progress import ProgressTracker, RunMonitor
from engine.run_record import RunRecord
from engine.runner import JobFunction, JobRun
from engine.status import JobFinished
from gui.status_poller import StatusPoller


@dataclass
class AppServices:
    """What the main window lends its panels: the poller, the list of every run started, and
    whether new runs start at background priority (engine/priority.py)."""

    poller: StatusPoller
    runs: list[JobRun] = field(default_factory=list)
    on_run_started: list[Callable[[JobRun], None]] = field(default_factory=list)
    background_priority: bool = True

    def register(self, run: JobRun) -> None:
        self.runs.append(run)
        for callback in self.on_run_started:
            callback(run)

    def active_runs(self) -> list[JobRun]:
        return [r for r in self.runs if not r.finished]


class RunController(QObject):
    """Owns the current run of one kind of job: its queue, its record (monitor, progress tracker,
    events) and its end."""

    running_changed = Signal(bool)
    finished = Signal(object)  # JobFinished (real, or made up when the coordinator died without one)

    def __init__(
        self,
        services: AppServices,
        kind: str,
        tracker_factory: Callable[[], ProgressTracker],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.kind = kind
        self.tracker_factory = tracker_factory
        self.run: JobRun | None = None
        self.record: RunRecord | None = None  # the run shown: the current run, or one shown from elsewhere
        self.on_event: list[Callable[[Any], None]] = []  # events of the current run (not snapshots)
        self.on_tick: list[Callable[[], None]] = []  # after each poll; views refresh from here
        self._queue: Any = None
        self._open = False  # started and its end not yet handled
        services.poller.add_tick_hook(self._on_tick)

    # -- state -----------------------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self.run is not None and not self.run.finished

    @property
    def monitor(self) -> RunMonitor | None:
        return self.record.monitor if self.record is not None else None

    @property
    def tracker(self) -> ProgressTracker | None:
        return self.record.tracker if self.record is not None else None

    @property
    def progress(self) -> Any:
        return self.tracker.latest if self.tracker is not None else None

    # -- actions ---------------------------------------------------------------------------------
    def start(self, fn: JobFunction, config: Any) -> JobRun:
        if self.is_running:
            raise RuntimeError(f"a {self.kind} run is already running")
        poller = self.services.poller
        if self.run is not None:
            poller.unsubscribe(self.run.job_id)
        self._queue = poller.new_run_queue()
        self.run = JobRun(self.kind, fn, config, self._queue, background=self.services.background_priority)
        self.record = RunRecord(self.kind, self.run.job_id, config, self.tracker_factory())
        self.record.monitor.on_event.append(self._on_event)
        poller.subscribe(self.run.job_id, self.record.handle)
        self.run.start()
        self._open = True
        self.services.register(self.run)
        self.running_changed.emit(True)
        return self.run

    def stop(self, grace_s: float = 5.0, terminate_s: float = 2.0) -> bool:
        """Ask the run to stop (in stages); False when there is nothing running or it is stopping."""
        if not self.is_running or self.run.stopping:
            return False
        self.run.request_stop(grace_s, terminate_s)
        return True

    def show_record(self, record: RunRecord) -> None:
        """Make ``record``, a finished run that ran elsewhere, the one shown (no process, no queue)."""
        if self.is_running:
            raise RuntimeError(f"a {self.kind} run is running")
        if self.run is not None:
            self.services.poller.unsubscribe(self.run.job_id)
        self.run = None
        self.record = record

    # -- the tick --------------------------------------------------------------------------------
    def _on_event(self, message: Any) -> None:
        for callback in list(self.on_event):
            callback(message)

    def _on_tick(self) -> None:
        run, record = self.run, self.record
        if run is None or record is None:
            return
        if not run.finished:
            run.poll()
        if self._open and run.finished:
            self._finish(run, record)
        else:
            record.update()
        for callback in list(self.on_tick):
            callback()

    def _finish(self, run: JobRun, record: RunRecord) -> None:
        self._open = False
        poller = self.services.poller
        # Every process of the run has exited, so all it said is in its queue: read it first.
        poller.drain_queue(self._queue)
        poller.retire_queue(self._queue)
        if record.finished is None:
            code = run.coordinator_exitcode()
            record.finish(
                JobFinished(
                    run.job_id,
                    time.time(),
                    ok=False,
                    cancelled=run.stopping,
                    error="stopped" if run.stopping else f"the job process ended without a result (exit code {code})",
                )
            )
        else:
            record.update(force=True)
        finished = record.finished
        self.running_changed.emit(False)
        self.finished.emit(finished)
