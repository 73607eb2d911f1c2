"""What every job panel shares: start/stop a run, feed its JobMonitor, refresh views at a fixed rate.

A panel subclass builds its widgets, implements ``make_config()`` (returning the job function and its
config, or raising ValueError with a message for the person), ``refresh_views()`` (read the monitor,
update widgets; called ~4×/s while the panel is visible and on the last message) and may override
``on_job_event(message)`` for events (a row per finished file, a summary at the end).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from pathlib import Path

from PySide6.QtCore import QSettings, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QPushButton, QWidget

from engine.runner import JobFunction, JobRun
from engine.status import JobFinished
from gui.models import JobMonitor
from gui.status_poller import StatusPoller

REFRESH_MS = 250


@dataclass
class AppServices:
    """What the main window lends its panels."""

    poller: StatusPoller
    runs: list[JobRun] = field(default_factory=list)
    on_run_started: list[Callable[[JobRun], None]] = field(default_factory=list)

    def register(self, run: JobRun) -> None:
        self.runs.append(run)
        for callback in self.on_run_started:
            callback(run)

    def active_runs(self) -> list[JobRun]:
        return [r for r in self.runs if not r.finished]


class JobPanel(QWidget):
    """Base of the Demo, Clean, Dialogues and Pipeline panels."""

    kind = "job"
    title = "Job"
    running_changed = Signal(bool)
    job_finished = Signal(object)  # JobFinished

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.run: JobRun | None = None
        self.monitor: JobMonitor | None = None
        self._was_running = False
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("startButton")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setEnabled(False)
        self.start_button.clicked.connect(self.start_job)
        self.stop_button.clicked.connect(self.stop_job)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._on_refresh)
        services.poller.add_tick_hook(self._on_poll_tick)

    # -- for subclasses --------------------------------------------------------------------------
    def make_config(self) -> tuple[JobFunction, Any]:
        """(job function, config) from the form; ValueError with a readable message when invalid."""
        raise TypeError(f"{type(self).__name__} does not define make_config()")

    def refresh_views(self) -> None:
        """Read ``self.monitor`` and update the widgets."""

    def on_job_event(self, message: Any) -> None:
        """An event of the current run (not snapshots)."""

    def on_run_reset(self) -> None:
        """A new run starts: clear charts and tables."""

    def settings(self) -> QSettings:
        return QSettings()

    def output_folder(self) -> Path | None:
        """Where the job writes (for "Open folder"); panels with an ``out_dir`` picker have one."""
        picker = getattr(self, "out_dir", None)
        return Path(picker.text()).expanduser() if picker is not None and picker.text() else None

    def button_row(self, open_folder_label: str | None = None) -> QHBoxLayout:
        """Start, Stop and (optionally) a button that opens the output folder."""
        row = QHBoxLayout()
        row.addWidget(self.start_button)
        row.addWidget(self.stop_button)
        if open_folder_label:
            self.open_button = QPushButton(open_folder_label)
            self.open_button.clicked.connect(self.open_output_folder)
            row.addWidget(self.open_button)
        row.addStretch(1)
        return row

    def open_output_folder(self) -> None:
        folder = self.output_folder()
        if folder is not None and folder.is_dir():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # -- running ---------------------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self.run is not None and not self.run.finished

    def start_job(self) -> bool:
        if self.is_running:
            return False
        try:
            fn, config = self.make_config()
        except ValueError as exc:
            QMessageBox.warning(self, f"Cannot start {self.title}", str(exc))
            return False
        self.run = JobRun(self.kind, fn, config, self.services.poller.new_run_queue())
        self.monitor = JobMonitor(self.run.job_id)
        self.monitor.on_event.append(self.on_job_event)
        self.services.poller.subscribe(self.run.job_id, self.monitor.handle)
        self.on_run_reset()
        self.run.start()
        self.services.register(self.run)
        self._set_running(True)
        self._refresh_timer.start()
        return True

    def stop_job(self) -> None:
        if self.is_running:
            self.run.request_stop()
            self.stop_button.setEnabled(False)
            self.stop_button.setText("Stopping…")

    def _on_poll_tick(self) -> None:
        if self.run is None:
            return
        if not self.run.finished:
            self.run.poll()
        if self._was_running and self.run.finished:
            # Every process of the run has exited, so all it said is in its queue: read it first.
            self.services.poller.drain_queue(self.run.ctx.status_queue)
            self.services.poller.retire_queue(self.run.ctx.status_queue)
            self._on_refresh(force=True)
            self._set_running(False)
            self._refresh_timer.stop()
            finished = self.monitor.finished if self.monitor else None
            if finished is None:
                code = self.run.coordinator_exitcode()
                finished = JobFinished(self.run.job_id, time.time(), ok=False, cancelled=self.run.stopping,
                                       error="stopped" if self.run.stopping else
                                       f"the job process ended without a result (exit code {code})")
                if self.monitor:
                    self.monitor.handle(finished)
            self.job_finished.emit(finished)

    def _set_running(self, running: bool) -> None:
        self._was_running = running
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.stop_button.setText("Stop")
        self.running_changed.emit(running)

    def _on_refresh(self, force: bool = False) -> None:
        if self.monitor is None or (not force and not self.monitor.dirty):
            return
        self.refresh_views()
        self.monitor.dirty = False
