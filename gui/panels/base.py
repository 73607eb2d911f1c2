"""What every job panel shares: Start/Stop through its RunController, views refreshed while visible.

A panel subclass builds its widgets in ``build(settings)``, sets ``tracker_factory`` (the job's ProgressTracker class),
implements ``make_config()`` (returning the job function and its config, or raising ValueError with
a message for the person) and ``preflight(config)`` (the engine's run-wide checks, before any
process starts; an output folder holding an earlier run's outputs becomes a Yes/No question), ``refresh_views()`` (read ``self.job_progress``, update widgets) and may
override ``on_job_event(message)`` for events (a row per finished file, a summary at the end) and
``on_run_reset()`` (a new run: bind charts to the new history, clear tables).

``show_record(record)`` shows a run that ran elsewhere (the CLI's ``--report`` draws its report with
the panel, offscreen) through the same three hooks: reset, every event in order, the end.

``refresh_views`` runs from the poller's tick (the GUI's one timer), at most every ``REFRESH_S``,
only while the panel is visible and something changed; once more when the panel is shown and when
the run ends. A panel hidden while its run goes on costs only the (Qt-free) progress update.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from engine.output_folder import OutputInUse
from engine.progress import ProgressTracker, RunMonitor
from engine.run_record import RunRecord
from engine.runner import JobFunction, JobRun
from gui.engine_messages import preflight_text
from gui.overwrite_question import ask_overwrite
from gui.run_controller import AppServices, RunController
from gui.run_report import ReportTable, chart_png, report_html, task_table, write_report
from gui.terms import term
from gui.widgets.charts import BarChart, TimeSeriesChart
from gui.widgets.retranslate import RetranslateOnLanguageChange
from gui.widgets.run_on import RunOnSelector

REFRESH_S = 0.25


class JobPanel(RetranslateOnLanguageChange, QWidget):
    """Base of the Demo, Clean, Dialogues and Pipeline panels."""

    kind = "job"
    title = "Job"  # English source text; translated_title() is what the tab shows
    tracker_factory: Callable[[], ProgressTracker] = ProgressTracker
    running_changed = Signal(bool)
    job_finished = Signal(object)  # JobFinished

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.controller = RunController(services, self.kind, type(self).tracker_factory, self)
        self.controller.on_event.append(self.on_job_event)
        self.controller.on_tick.append(self._on_tick)
        self.controller.running_changed.connect(self._set_running)
        self.controller.finished.connect(self._on_finished)
        self._drawn: Any = None  # the progress object the views show
        self._last_refresh = 0.0
        self.start_button = QPushButton()
        self.start_button.setObjectName("startButton")
        self.stop_button = QPushButton()
        self.stop_button.setObjectName("stopButton")
        self._open_folder_label = ""
        self.stop_button.setEnabled(False)
        self.report_button = QPushButton()
        self.report_button.setObjectName("reportButton")
        self.report_button.setEnabled(False)
        self.report_button.clicked.connect(lambda: self.save_report())
        self.start_button.clicked.connect(self.start_job)
        self.stop_button.clicked.connect(self.stop_job)
        self.build(self.settings())
        self.retranslate()

    # -- for subclasses --------------------------------------------------------------------------
    def build(self, settings: QSettings) -> None:
        """Create and lay out the panel's widgets, their values from ``settings`` (the last run's
        form); ``__init__`` calls it once the shared buttons and the controller exist, then
        ``retranslate()`` sets every text."""

    def make_config(self) -> tuple[JobFunction, Any]:
        """(job function, config) from the form; ValueError with a readable message when invalid."""
        raise TypeError(f"{type(self).__name__} does not define make_config()")

    def preflight(self, config: Any) -> None:
        """The run-wide checks of ``engine.preflight`` for this job (raise ValueError, or
        ``OutputInUse`` which ``start_job`` turns into a question); none by default."""

    def refresh_views(self) -> None:
        """Read ``self.job_progress`` (never None here) and update the widgets."""

    def on_job_event(self, message: Any) -> None:
        """An event of the current run (not snapshots); ignore types you do not know."""

    def on_run_reset(self) -> None:
        """A new run starts (``self.controller.tracker`` is new): bind charts, clear tables."""

    def retranslate(self) -> None:
        """Set every text of the panel in the current language (after ``build`` and on every
        language change); subclasses extend it and call super()."""
        self.start_button.setText(self.tr("Start"))
        self.stop_button.setText(self.tr("Stopping…") if self.is_running and self.run.stopping else self.tr("Stop"))
        if self._open_folder_label:
            self.open_button.setText(self.tr(self._open_folder_label))
        self.report_button.setText(self.tr("Save report…"))
        self._update_report_tooltip()
        self._refresh(force=True)

    def _update_report_tooltip(self) -> None:
        self.report_button.setToolTip(
            self.tr("One HTML file: summary, files, charts, settings and versions")
            if self.report_button.isEnabled()
            else self.tr("Available after a run")
        )

    def translated_title(self) -> str:
        """The tab's title in the current language (``title`` is the English source text)."""
        return self.tr(self.title)

    def input_picker(self) -> Any:
        """The path field File ▸ Open inputs… and Recent folders fill (None: the panel has none)."""
        return getattr(self, "inputs", None)

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
            self._open_folder_label = open_folder_label  # English source; retranslate() translates it
            self.open_button = QPushButton(self.tr(open_folder_label))
            self.open_button.clicked.connect(self.open_output_folder)
            row.addWidget(self.open_button)
        row.addWidget(self.report_button)
        row.addStretch(1)
        return row

    def settings_group(self, form: QFormLayout, open_folder_label: str | None = None) -> QGroupBox:
        """``form`` closed by the rows every job's form ends with (where its tasks run, then
        ``button_row``), in a group box: ``self.settings_box`` (titled by ``retranslate``)."""
        self.run_on = RunOnSelector(self.kind)
        form.addRow(self.run_on.caption, self.run_on)
        form.addRow(self.button_row(open_folder_label))
        self.settings_box = QGroupBox()
        self.settings_box.setLayout(form)
        return self.settings_box

    def open_output_folder(self) -> None:
        folder = self.output_folder()
        if folder is not None and folder.is_dir():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # -- the run ---------------------------------------------------------------------------------
    @property
    def run(self) -> JobRun | None:
        return self.controller.run

    @property
    def monitor(self) -> RunMonitor | None:
        return self.controller.monitor

    @property
    def job_progress(self) -> Any:
        """The run's latest progress model (a job's frozen ``<Job>Progress``), None before a run."""
        return self.controller.progress

    @property
    def is_running(self) -> bool:
        return self.controller.is_running

    def start_job(self) -> bool:
        if self.is_running:
            return False
        try:
            fn, config = self.make_config()
            try:
                self.preflight(config)
            except OutputInUse as in_use:
                if not ask_overwrite(self, in_use):
                    return False
                config = replace(config, overwrite=True)
                self.preflight(config)
        except ValueError as exc:
            QMessageBox.warning(
                self, self.tr("Cannot start {job}").format(job=self.translated_title()), preflight_text(exc)
            )
            return False
        self.controller.start(fn, config)
        self._drawn = None
        self.on_run_reset()
        return True

    def show_record(self, record: RunRecord) -> None:
        """Show ``record``, a finished run this panel did not start, as if it had just run here."""
        self.controller.show_record(record)
        self._drawn = None
        self.on_run_reset()
        for event in record.events:
            self.on_job_event(event)
        self._on_finished(record.finished)

    def stop_job(self) -> None:
        if self.controller.stop():
            self.stop_button.setEnabled(False)
            self.stop_button.setText(self.tr("Stopping…"))

    # -- the report --------------------------------------------------------------------------------
    def report_tables(self) -> list[ReportTable]:
        """Tables for the run's report: every task (file) with its counts or error (the Clean panel
        lists its file table instead)."""
        record = self.controller.record
        table = task_table(self.tr("Files and tasks"), record.events, term) if record is not None else None
        return [table] if table is not None else []

    def report_summary(self) -> str:
        label = getattr(self, "summary", None)
        return label.text() if isinstance(label, QLabel) else ""

    def report_charts(self) -> list[tuple[str, bytes]]:
        """(title, PNG) of every chart of the panel, as drawn now."""
        self._refresh(force=True)
        charts = [w for w in self.findChildren(TimeSeriesChart) + self.findChildren(BarChart)]
        return [(chart.getPlotItem().titleLabel.text, chart_png(chart)) for chart in charts]

    def save_report(self, path: Path | None = None) -> Path | None:
        """Write the last run's report (asks where when ``path`` is None); the path written, or None."""
        record = self.controller.record
        if record is None:
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                self.tr("Save report"),
                str(Path.home() / f"{record.job_id}-report.html"),
                self.tr("HTML report (*.html)"),
            )
            if not chosen:
                return None
            path = Path(chosen)
        title = self.tr("mpwatch report: {job}").format(job=f"{self.translated_title()} ({record.job_id})")
        text = report_html(title, self.report_summary(), self.report_tables(), self.report_charts(), record.config)
        return write_report(path, text)

    def _set_running(self, running: bool) -> None:
        self.report_button.setEnabled(not running and self.controller.record is not None)
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.stop_button.setText(self.tr("Stop"))
        self.running_changed.emit(running)

    def _on_finished(self, finished: Any) -> None:
        # Only what changed: re-setting every text of the panel here (and refreshing the views
        # twice) made the end of a run one of the window's slowest ticks.
        self.report_button.setEnabled(True)
        self._update_report_tooltip()
        self._refresh(force=True)
        self.job_finished.emit(finished)

    # -- refreshing ------------------------------------------------------------------------------
    def _on_tick(self) -> None:
        if time.monotonic() - self._last_refresh >= REFRESH_S:
            self._refresh()

    def _refresh(self, force: bool = False) -> None:
        progress = self.job_progress
        if progress is None or not self.isVisible() or (progress is self._drawn and not force):
            return
        self._drawn = progress
        self._last_refresh = time.monotonic()
        self.refresh_views()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresh(force=True)
