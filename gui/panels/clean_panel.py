"""The Clean panel: clean hundreds of chat exports in parallel and watch every file and every drop.

What a person sees while it runs, all from status messages (``JobMonitor``; the panel reads no file
while the job runs): a progress bar over files with rows read, rate and ETA; rows/s read and
written; each worker's current file and busy share; the queue of files not started yet; the drop
reasons as a live bar chart; a table of files (status, rows in/out, drops, error) that can show
only the failed ones, where a double-click shows a file's full error. At the end, the report's
totals and a button to open the output folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFileDialog, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QListWidget, QMessageBox, QPlainTextEdit, QPushButton, QScrollArea, QSplitter,
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from engine.clean.config import DEDUPE_SCOPES, OUTPUT_FORMATS, CleanConfig, CleanRules, ColumnMap, DropReason
from engine.clean.inputs import expand_inputs
from engine.clean.job import check_resume, file_label, run_clean
from engine.runner import JobFunction
from engine.status import JobFinished, TaskFailed, TaskFinished
from engine.textnorm import SYSTEM_MESSAGES
from gui.models import RateMeter, format_count
from gui.panels.base import AppServices, JobPanel
from gui.widgets.charts import BarChart, TimeSeriesChart
from gui.widgets.path_picker import CHAT_EXPORT_FILTER, PathPicker
from gui.widgets.forms import spin_box
from gui.widgets.progress import ProgressBox
from gui.widgets.worker_table import WorkerTable

JOB_STAGE = "job"
WORKER_STAGE = "clean"
PENDING_SHOWN = 300
_FAILED = QColor("#c62828")
_OK = QColor("#2e7d32")

#: Short labels of the drop reasons for the bar chart's axis.
DROP_LABELS = {
    DropReason.MISSING_VALUE: "missing", DropReason.UNKNOWN_ROLE: "role?", DropReason.SYSTEM_MESSAGE: "system",
    DropReason.EMPTY_AFTER_CLEAN: "empty", DropReason.TOO_SHORT: "short", DropReason.TOO_LONG_FOR_XLSX: "too long",
    DropReason.DUPLICATE: "duplicate", DropReason.DUPLICATE_IN_RUN: "dup (run)",
}



def writing_phase(m: Any) -> tuple[float, float] | None:
    """(rows written, rows to write) once every file is cleaned and segments are still being
    written, else None. Writing .xlsx is ~20× slower than cleaning, so a bar over files alone would
    sit at 100 % with "ETA 0:00" for most of the run."""
    if not m.running:
        return None
    files_todo = m.gauge("files_todo", JOB_STAGE)
    ended = m.gauge("files_done", JOB_STAGE) + m.gauge("files_failed", JOB_STAGE) - m.gauge("files_resumed", JOB_STAGE)
    segments_left = m.gauge("segments_total", JOB_STAGE) - sum(
        m.gauge(name, JOB_STAGE) for name in ("segments_written", "segments_empty", "segments_failed"))
    if not files_todo or ended < files_todo or segments_left <= 0:
        return None
    to_write = m.gauge("rows_out", JOB_STAGE) - m.gauge("rows_out_resumed", JOB_STAGE)
    return m.counter("rows_written", WORKER_STAGE), max(to_write, 1.0)


def _flag(settings: QSettings, key: str, default: bool) -> bool:
    return str(settings.value(key, "true" if default else "false")).lower() == "true"


class FileTable(QTableWidget):
    """One row per finished or failed file (and per failed segment write), in the order they end."""

    COLUMNS = ("file", "status", "rows in", "rows out", "dropped", "error", "worker", "s")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.setSortingEnabled(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.setMinimumHeight(140)
        self.only_failed = False
        self.details: list[str] = []  # full text shown on double-click, per row

    def add_finished(self, event: TaskFinished) -> None:
        s = event.summary
        dropped = s.get("dropped", {})
        tip = "\n".join(f"{reason}: {n:,}" for reason, n in sorted(dropped.items())) or "nothing dropped"
        self._add_row(event.task, "ok", s.get("rows_in", 0), s.get("rows_out", 0), sum(dropped.values()), "",
                      event.worker, event.seconds, tip,
                      f"{s.get('path', event.task)}\n\nrows in {s.get('rows_in', 0):,}, out {s.get('rows_out', 0):,}"
                      f"\n\ndropped:\n{tip}\n\nworker {event.worker}, {event.seconds:.2f} s, "
                      f"attempts {event.attempts}")

    def add_failed(self, event: TaskFailed) -> None:
        path = event.summary.get("path", event.task)
        detail = f"{path}\n\n{event.reason}\n\nattempts: {event.attempts}, worker: {event.worker}"
        if event.traceback:
            detail += f"\n\n{event.traceback}"
        self._add_row(event.task, "failed", None, None, None, event.reason, event.worker, None, event.reason, detail)

    def _add_row(self, name: str, status: str, rows_in: int | None, rows_out: int | None, dropped: int | None,
                 error: str, worker: str, seconds: float | None, drop_tip: str, detail: str) -> None:
        row = self.rowCount()
        self.insertRow(row)
        values = (name, status, "" if rows_in is None else f"{rows_in:,}", "" if rows_out is None else f"{rows_out:,}",
                  "" if dropped is None else f"{dropped:,}", error, worker, "" if seconds is None else f"{seconds:.2f}")
        for col, value in enumerate(values):
            item = QTableWidgetItem(value)
            if col in (2, 3, 4, 7):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if col == 1:
                item.setForeground(_OK if status == "ok" else _FAILED)
            if col == 4:
                item.setToolTip(drop_tip)
            if col == 5 and error:
                item.setToolTip(error)
                item.setForeground(_FAILED)
            self.setItem(row, col, item)
        self.details.append(detail)
        self.setRowHidden(row, self.only_failed and status != "failed")

    def set_only_failed(self, only: bool) -> None:
        self.only_failed = only
        for row in range(self.rowCount()):
            self.setRowHidden(row, only and self.item(row, 1).text() != "failed")

    def clear_rows(self) -> None:
        self.setRowCount(0)
        self.details.clear()

    def visible_rows(self) -> list[tuple[str, str, str]]:
        """(file, status, error) of the rows shown (tests and screenshots read this)."""
        return [(self.item(r, 0).text(), self.item(r, 1).text(), self.item(r, 5).text())
                for r in range(self.rowCount()) if not self.isRowHidden(r)]


class CleanPanel(JobPanel):
    kind = "clean"
    title = "Clean"

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(services, parent)
        settings = self.settings()
        self.inputs = PathPicker("clean/inputs", "open", "Chat exports to clean",
                                 file_filter=CHAT_EXPORT_FILTER,
                                 placeholder="files or folders, separated by ;")
        self.inputs.button.setText("Files…")
        self.folder_button = QPushButton("Folder…")
        self.folder_button.clicked.connect(self._choose_input_folder)
        self.inputs.layout().addWidget(self.folder_button)
        self.out_dir = PathPicker("clean/out_dir", "dir", "Folder for the cleaned segments",
                                  placeholder="output folder (segments + report.json)")
        if not self.out_dir.text():
            self.out_dir.set_text(str(Path.home() / "mpwatch-clean"))
        self.workers = spin_box(1, 64, int(settings.value("clean/workers", os.cpu_count() or 1)))
        self.out_format = QComboBox()
        self.out_format.addItems(OUTPUT_FORMATS)
        self.out_format.setCurrentText(str(settings.value("clean/format", "xlsx")))
        self.segment_files = spin_box(1, 100000, int(settings.value("clean/segment_files", 25)))
        self.columns = QLineEdit(str(settings.value("clean/columns", "")))
        self.columns.setPlaceholderText("defaults: agent=坐席id,customer=客户微信id,role=是否客服,content=消息内容,time=消息时间")
        self.all_sheets = QCheckBox("every sheet")
        self.all_sheets.setChecked(_flag(settings, "clean/all_sheets", False))
        self.resume = QCheckBox("resume")
        self.resume.setToolTip("skip segments a previous run in this output folder completed")
        self.resume.setChecked(_flag(settings, "clean/resume", False))

        self.rule_boxes: dict[str, QCheckBox] = {}
        for key, label, tip in (
            ("drop_missing", "missing values", "drop rows missing 坐席id, 客户微信id, 是否客服 or 消息内容"),
            ("check_role", "role (是/否)", "normalise 是/否, 客服/客户, True/False, 1/0; drop unknown roles"),
            ("remove_emoji", "remove emoji", "multi-part emoji go whole"),
            ("collapse_whitespace", "collapse newlines", "newlines, tabs and runs of spaces become one space"),
            ("drop_system", "system messages", "exact match after trimming, list below"),
            ("drop_empty", "empty after clean", "drop messages that are empty once cleaned"),
            ("drop_duplicates", "duplicates", "exact duplicate rows"),
        ):
            box = QCheckBox(label)
            box.setToolTip(tip)
            box.setChecked(_flag(settings, f"clean/rule_{key}", True))
            self.rule_boxes[key] = box
        self.dedupe_scope = QComboBox()
        self.dedupe_scope.addItems(DEDUPE_SCOPES)
        self.dedupe_scope.setCurrentText(str(settings.value("clean/dedupe_scope", "file")))
        self.dedupe_scope.setToolTip("duplicates within each file, or across the whole run")
        self.min_length = spin_box(0, 100000, int(settings.value("clean/min_length", 0)))
        self.min_length.setSpecialValueText("off")
        self.system_messages = QPlainTextEdit()
        saved = settings.value("clean/system_messages", None)
        self.system_messages.setPlainText(str(saved) if saved is not None else "\n".join(SYSTEM_MESSAGES))
        self.system_messages.setToolTip("one system message per line (exact match after trimming)")
        self.system_messages.setFixedHeight(76)
        self.system_contains = QLineEdit(str(settings.value("clean/system_contains", "")))
        self.system_contains.setPlaceholderText("also drop messages containing… (separate with ;)")

        io_form = QFormLayout()
        io_form.addRow("Inputs", self.inputs)
        io_form.addRow("Output folder", self.out_dir)
        options = QGridLayout()
        options.addWidget(QLabel("Workers"), 0, 0)
        options.addWidget(self.workers, 0, 1)
        options.addWidget(QLabel("Format"), 0, 2)
        options.addWidget(self.out_format, 0, 3)
        options.addWidget(QLabel("Files per segment"), 1, 0)
        options.addWidget(self.segment_files, 1, 1)
        options.addWidget(self.all_sheets, 1, 2)
        options.addWidget(self.resume, 1, 3)
        io_form.addRow(options)
        io_form.addRow("Columns", self.columns)
        buttons = self.button_row("Open output folder")
        io_form.addRow(buttons)
        io_box = QGroupBox("Clean chat exports")
        io_box.setLayout(io_form)

        rules_grid = QGridLayout()
        for i, box in enumerate(self.rule_boxes.values()):
            rules_grid.addWidget(box, i // 2, i % 2)
        rules_form = QFormLayout()
        rules_form.addRow(rules_grid)
        scope_row = QHBoxLayout()
        scope_row.addWidget(QLabel("duplicates within"))
        scope_row.addWidget(self.dedupe_scope)
        scope_row.addSpacing(12)
        scope_row.addWidget(QLabel("min length"))
        scope_row.addWidget(self.min_length)
        scope_row.addStretch(1)
        rules_form.addRow(scope_row)
        rules_form.addRow("System messages", self.system_messages)
        rules_form.addRow("…or containing", self.system_contains)
        rules_box = QGroupBox("Rules (each drop is counted by reason)")
        rules_box.setLayout(rules_form)

        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setObjectName("summary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setVisible(False)

        form_widget = QWidget()
        left = QVBoxLayout(form_widget)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(io_box)
        left.addWidget(rules_box)
        left.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_widget)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        # -- live views ------------------------------------------------------------------------------
        self.progress = ProgressBox("files")
        self.progress.label.setWordWrap(True)  # long status lines must not widen the panel
        self.chart = TimeSeriesChart("Throughput", "rows/s")
        self.chart.add_series("read + cleaned")
        self.chart.add_series("written")
        self.drops_chart = BarChart("Dropped rows by reason", color="#e07b00")
        self.worker_table = WorkerTable(done_counter="rows_in")
        self.pending = QListWidget()
        self.pending.setMinimumHeight(110)
        self.pending_label = QLabel("Pending files")
        self.file_table = FileTable()
        self.file_table.cellDoubleClicked.connect(self._show_file_details)
        self.only_failed = QCheckBox("only failed")
        self.only_failed.toggled.connect(self.file_table.set_only_failed)
        self.files_label = QLabel("Files")

        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(self.chart)
        charts.addWidget(self.drops_chart)
        charts.setSizes([480, 320])
        workers_box = QWidget()
        workers_layout = QVBoxLayout(workers_box)
        workers_layout.setContentsMargins(0, 0, 0, 0)
        workers_layout.addWidget(QLabel("Workers"))
        workers_layout.addWidget(self.worker_table)
        pending_box = QWidget()
        pending_layout = QVBoxLayout(pending_box)
        pending_layout.setContentsMargins(0, 0, 0, 0)
        pending_layout.addWidget(self.pending_label)
        pending_layout.addWidget(self.pending)
        middle = QSplitter(Qt.Orientation.Horizontal)
        middle.addWidget(workers_box)
        middle.addWidget(pending_box)
        middle.setSizes([560, 240])
        files_box = QWidget()
        files_layout = QVBoxLayout(files_box)
        files_layout.setContentsMargins(0, 0, 0, 0)
        files_header = QHBoxLayout()
        files_header.addWidget(self.files_label)
        files_header.addStretch(1)
        files_header.addWidget(self.only_failed)
        files_layout.addLayout(files_header)
        files_layout.addWidget(self.file_table)
        live = QSplitter(Qt.Orientation.Vertical)
        live.addWidget(charts)
        live.addWidget(middle)
        live.addWidget(files_box)
        live.setSizes([300, 170, 260])
        right_widget = QWidget()
        right = QVBoxLayout(right_widget)
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.progress)
        right.addWidget(self.summary)
        right.addWidget(live, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right_widget)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([470, 800])
        layout = QHBoxLayout(self)
        layout.addWidget(splitter)

        self._files: list[Path] = []
        self._started_labels: set[str] = set()
        self._ended_labels: set[str] = set()
        self._reset_meters()

    def _reset_meters(self) -> None:
        self._files_rate = RateMeter(window_s=10.0)
        self._read_rate = RateMeter()
        self._write_rate = RateMeter()

    # -- JobPanel ------------------------------------------------------------------------------------
    def make_config(self) -> tuple[JobFunction, Any]:
        inputs = [p.expanduser() for p in self.inputs.paths()]
        if not inputs:
            raise ValueError("Choose the chat exports (files or a folder) first.")
        out = self.out_dir.text()
        if not out:
            raise ValueError("Choose an output folder first.")
        try:
            columns = ColumnMap.parse(self.columns.text()) if self.columns.text().strip() else ColumnMap()
        except ValueError as exc:
            raise ValueError(f"Columns: {exc}") from None
        system = tuple(line.strip() for line in self.system_messages.toPlainText().splitlines() if line.strip())
        contains = tuple(p.strip() for p in self.system_contains.text().split(";") if p.strip())
        switches = {key: box.isChecked() for key, box in self.rule_boxes.items()}
        rules = CleanRules(system_messages=system, system_contains=contains, min_length=self.min_length.value(),
                           dedupe_scope=self.dedupe_scope.currentText(), **switches)
        config = CleanConfig(inputs=tuple(inputs), out_dir=Path(out).expanduser(), workers=self.workers.value(),
                             out_format=self.out_format.currentText(), segment_files=self.segment_files.value(),
                             columns=columns, rules=rules, all_sheets=self.all_sheets.isChecked(),
                             resume=self.resume.isChecked())
        # Listing the inputs once, on the click, names a wrong path now and fills the pending queue.
        files = expand_inputs(config.inputs, exclude_dir=config.out_dir)
        if not files:
            raise ValueError("No .xlsx, .xls, .csv or .parquet file in the inputs.")
        check_resume(config)
        self._files = files
        self._remember()
        return run_clean, config

    def _remember(self) -> None:
        self.inputs.remember()
        self.out_dir.remember()
        settings = self.settings()
        settings.setValue("clean/workers", self.workers.value())
        settings.setValue("clean/format", self.out_format.currentText())
        settings.setValue("clean/segment_files", self.segment_files.value())
        settings.setValue("clean/columns", self.columns.text())
        settings.setValue("clean/all_sheets", "true" if self.all_sheets.isChecked() else "false")
        settings.setValue("clean/resume", "true" if self.resume.isChecked() else "false")
        for key, box in self.rule_boxes.items():
            settings.setValue(f"clean/rule_{key}", "true" if box.isChecked() else "false")
        settings.setValue("clean/dedupe_scope", self.dedupe_scope.currentText())
        settings.setValue("clean/min_length", self.min_length.value())
        settings.setValue("clean/system_messages", self.system_messages.toPlainText())
        settings.setValue("clean/system_contains", self.system_contains.text())

    def on_run_reset(self) -> None:
        self.chart.clear_data()
        self.drops_chart.set_values([], [])
        self.progress.reset()
        self.file_table.clear_rows()
        self._set_summary("")
        self._started_labels.clear()
        self._ended_labels.clear()
        self._labels = [file_label(i, p) for i, p in enumerate(self._files)]
        self._reset_meters()
        self._update_pending()

    def refresh_views(self) -> None:
        m = self.monitor
        now = m.elapsed_s()
        files_done = m.gauge("files_done", JOB_STAGE)
        files_failed = m.gauge("files_failed", JOB_STAGE)
        files_todo = m.gauge("files_todo", JOB_STAGE)
        resumed = m.gauge("files_resumed", JOB_STAGE)
        rows_read = m.counter("rows_in", WORKER_STAGE)
        rows_written = m.counter("rows_written", WORKER_STAGE)
        ended = files_done + files_failed - resumed
        self._files_rate.add(now, ended)
        self._read_rate.add(now, rows_read)
        self._write_rate.add(now, rows_written)
        files_rate = self._files_rate.rate() if m.running else (ended / now if now else 0.0)
        read_rate = self._read_rate.rate() if m.running else (rows_read / now if now else 0.0)
        segments = f"{m.gauge('segments_written', JOB_STAGE):,.0f}/{m.gauge('segments_total', JOB_STAGE):,.0f} segments"
        empty = m.gauge("segments_empty", JOB_STAGE)
        if empty:
            segments += f" ({empty:,.0f} empty: all files failed)"
        extra = (f"{format_count(rows_read)} rows read, {format_count(read_rate)} rows/s · {segments}"
                 + (f" · {files_failed:,.0f} failed" if files_failed else ""))
        writing = writing_phase(m)
        if writing is None:
            self.progress.update_progress(ended, files_todo, files_rate, extra=extra,
                                          phase="cleaning" if m.running else "")
        else:
            self.progress.update_progress(*writing, self._write_rate.rate(), extra=extra, unit="rows written",
                                          phase="writing")
        if m.running:
            self.chart.append("read + cleaned", now, self._read_rate.rate())
            self.chart.append("written", now, self._write_rate.rate())
        self.chart.redraw()
        drops = [(reason, m.gauge(f"drops_{reason}", JOB_STAGE)) for reason in DropReason.ALL]
        shown = [(DROP_LABELS[r], n) for r, n in drops if n > 0]
        self.drops_chart.set_values([label for label, _ in shown], [n for _, n in shown])
        self.worker_table.update_workers(m.stage_workers(WORKER_STAGE))
        for worker in m.stage_workers(WORKER_STAGE):
            if worker.snapshot.current:
                self._started_labels.add(worker.snapshot.current)
        self._update_pending()
        failed = sum(self.file_table.item(r, 1).text() == "failed" for r in range(self.file_table.rowCount()))
        self.files_label.setText(f"Files: {self.file_table.rowCount():,} finished, {failed:,} failed "
                                 "(double-click a row for details)")

    def _update_pending(self) -> None:
        waiting = [label for label in getattr(self, "_labels", [])
                   if label not in self._started_labels and label not in self._ended_labels]
        if self.monitor is not None and not self.monitor.running:
            waiting = []
        shown = waiting[:PENDING_SHOWN]
        current = [self.pending.item(i).text() for i in range(self.pending.count())]
        if current != shown:
            self.pending.clear()
            self.pending.addItems(shown)
        more = f", first {PENDING_SHOWN} shown" if len(waiting) > PENDING_SHOWN else ""
        self.pending_label.setText(f"Pending files ({len(waiting):,}{more})")

    def on_job_event(self, message: Any) -> None:
        if isinstance(message, TaskFinished):
            self._ended_labels.add(message.task)
            self.file_table.add_finished(message)
        elif isinstance(message, TaskFailed):
            self._ended_labels.add(message.task)
            self.file_table.add_failed(message)
        elif isinstance(message, JobFinished):
            self._set_summary(self._summary_text(message))

    def _set_summary(self, text: str) -> None:
        self.summary.setText(text)
        self.summary.setVisible(bool(text))

    @staticmethod
    def _summary_text(finished: JobFinished) -> str:
        if finished.cancelled:
            return ("<b>Stopped.</b> Segments already written are complete (none is half-written); "
                    "report.json lists them. Start again with <i>resume</i> to finish the rest.")
        if not finished.ok:
            return f"<span style='color:#c62828'><b>Failed:</b> {finished.error}</span>"
        s = finished.summary
        drops = ", ".join(f"{reason} {n:,}" for reason, n in s["dropped"].items()) or "none"
        text = (f"<b>Done.</b> {s['files_ok']:,} of {s['files']:,} files cleaned in {s['seconds']:.1f} s "
                f"({format_count(s['rows_per_s'])} rows/s, {s['workers']} workers).<br>"
                f"{s['rows_in']:,} rows in → {s['rows_out']:,} out; dropped: {drops}.<br>"
                f"{len(s['outputs'])} {s['format']} segment(s) + report.json in {s['out_dir']}")
        if s.get("segments_resumed"):
            text += f" ({s['segments_resumed']} segments resumed)"
        if not s.get("reconciles", True):
            text += "<br><span style='color:#c62828'>Counts do not reconcile: see report.json.</span>"
        if s.get("files_failed"):
            text += (f"<br><span style='color:#c62828'>{s['files_failed']} file(s) failed: tick "
                     f"<i>only failed</i> to list them.</span>")
        return text

    # -- actions -------------------------------------------------------------------------------------
    def _choose_input_folder(self) -> None:
        start = self.inputs.paths()[0] if self.inputs.paths() else Path.home()
        folder = QFileDialog.getExistingDirectory(self, "Folder of chat exports (searched recursively)",
                                                  str(start if start.is_dir() else start.parent))
        if folder:
            self.inputs.set_text(folder)
            self.inputs.remember()

    def _show_file_details(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.file_table.details):
            box = QMessageBox(self)
            box.setWindowTitle(self.file_table.item(row, 0).text())
            box.setText(self.file_table.details[row].split("\n\n", 2)[0])
            box.setInformativeText(self.file_table.item(row, 5).text() or "cleaned")
            box.setDetailedText(self.file_table.details[row])
            box.open()
            self._details_box = box

