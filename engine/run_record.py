"""What one run said, kept so it can be shown or reported after its processes are gone.

The window's RunController and the CLI (for ``--report``) keep the same record of a run::

    status messages ──► RunRecord.handle ──► RunMonitor (latest snapshot per worker, events)
                                        └──► events, in arrival order (every message but snapshots)
    a poll / tick    ──► RunRecord.update ──► the job's ProgressTracker (progress + chart histories)

A panel can then draw a run it did not start: its charts bind to ``tracker``'s histories, its
tables replay ``events`` (``gui.panels.base.JobPanel.show_record``). The record holds bounded data
only: the histories are ring buffers, and the events are a few per task (file), never per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.progress import ProgressTracker, RunMonitor
from engine.status import JobFinished


@dataclass
class RunRecord:
    """One run of ``kind`` (job id ``job_id``) with the ``config`` it ran with; feed it every status
    message of the run with ``handle`` and call ``update`` after each batch."""

    kind: str
    job_id: str
    config: Any
    tracker: ProgressTracker
    monitor: RunMonitor = field(init=False)
    events: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.monitor = RunMonitor(self.job_id)
        self.monitor.on_event.append(self.events.append)

    def handle(self, message: Any) -> None:
        self.monitor.handle(message)

    def update(self, force: bool = False) -> None:
        """Bring the progress model (and chart histories) up to date when something new arrived."""
        if self.monitor.dirty or force:
            self.monitor.dirty = False
            self.tracker.update(self.monitor)

    def finish(self, finished: JobFinished) -> None:
        """The run is over: ``finished`` becomes its end unless the run already said how it ended."""
        if self.monitor.finished is None:
            self.monitor.handle(finished)
        self.update(force=True)

    @property
    def finished(self) -> JobFinished | None:
        return self.monitor.finished
