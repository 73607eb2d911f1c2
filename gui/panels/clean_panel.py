"""The Clean panel: clean hundreds of chat exports in parallel and watch every file and every drop.

What a person sees while it runs, all from status messages (the run's ``CleanProgress``; the panel
reads no file while the job runs): a progress bar over files (then over rows written, once every
file is cleaned and segments are still being written) with rate and ETA; rows/s read and written;
each worker's current file and busy share; the queue of files not started yet; the drop reasons as
a live bar chart; a table of files (status, rows in/out, drops, error) that can show only the
failed ones, where a double-click shows a file's full error. At the end, the report's totals and a
button to open the output folder. The form is ``CleanForm``, the file table ``FileTable``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine.clean.config import DropReason
from engine.clean.job import run_clean
from engine.clean.naming import file_label
from engine.clean.progress import THROUGHPUT_CHART, WORKER_STAGE, CleanProgress, CleanProgressTracker
from engine.preflight import preflight_clean
from engine.runner import JobFunction
from engine.status import JobFinished, TaskFailed, TaskFinished
from gui.formatting import format_count
from gui.panels.base import JobPanel
from gui.panels.clean_form import CleanForm
from gui.run_report import ReportTable
from gui.summaries import clean_summary
from gui.terms import term
from gui.widgets.charts import BarChart, TimeSeriesChart
from gui.widgets.file_table import ERROR_COLUMN, FileTable
from gui.widgets.progress import ProgressBox
from gui.widgets.run_summary import RunSummary
from gui.widgets.worker_table import WorkerTable

PENDING_SHOWN = 300
# Lines of text kept for the end-of-run summary (it has three, a fourth when files failed).
SUMMARY_LINES = 4

#: Short labels of the drop reasons for the bar chart's axis (English source, context CleanPanel).
DROP_LABELS = {
    DropReason.MISSING_VALUE: QT_TRANSLATE_NOOP("CleanPanel", "missing"),
    DropReason.UNKNOWN_ROLE: QT_TRANSLATE_NOOP("CleanPanel", "role?"),
    DropReason.SYSTEM_MESSAGE: QT_TRANSLATE_NOOP("CleanPanel", "system"),
    DropReason.EMPTY_AFTER_CLEAN: QT_TRANSLATE_NOOP("CleanPanel", "empty"),
    DropReason.TOO_SHORT: QT_TRANSLATE_NOOP("CleanPanel", "short"),
    DropReason.TOO_LONG_FOR_XLSX: QT_TRANSLATE_NOOP("CleanPanel", "too long"),
    DropReason.DUPLICATE: QT_TRANSLATE_NOOP("CleanPanel", "duplicate"),
    DropReason.DUPLICATE_IN_RUN: QT_TRANSLATE_NOOP("CleanPanel", "dup (run)"),
}


def _boxed(label: QLabel | QHBoxLayout, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    if isinstance(label, QLabel):
        layout.addWidget(label)
    else:
        layout.addLayout(label)
    layout.addWidget(widget)
    return box


class CleanPanel(JobPanel):
    kind = "clean"
    title = QT_TRANSLATE_NOOP("JobPanel", "Clean")
    tracker_factory = CleanProgressTracker

    def build(self, settings: QSettings) -> None:
        self.form = CleanForm(self.button_row(QT_TRANSLATE_NOOP("JobPanel", "Open output folder")))
        self.summary = RunSummary(clean_summary)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Its room is kept from the start: a summary appearing at the end of a run squeezed the
        # charts and tables below it, and re-laying them out (every chart's axes re-rendered) was
        # the run's slowest moment for the window.
        self.summary.setMinimumHeight(self.summary.fontMetrics().lineSpacing() * SUMMARY_LINES)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        # -- live views ------------------------------------------------------------------------------
        self.progress = ProgressBox("files")
        self.progress.label.setWordWrap(True)  # long status lines must not widen the panel
        self.chart = TimeSeriesChart(QT_TRANSLATE_NOOP("Charts", "Throughput"), QT_TRANSLATE_NOOP("Charts", "rows/s"))
        self.drops_chart = BarChart(QT_TRANSLATE_NOOP("Charts", "Dropped rows by reason"), color="#e07b00")
        self.worker_table = WorkerTable(done_counter="rows_in")
        self.pending = QListWidget()
        self.pending.setMinimumHeight(110)
        self.pending_label = QLabel()
        self.file_table = FileTable()
        self.file_table.cellDoubleClicked.connect(self._show_file_details)
        self.only_failed = QCheckBox()
        self.only_failed.toggled.connect(self.file_table.set_only_failed)
        self.files_label = QLabel()
        self.workers_label = QLabel()

        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(self.chart)
        charts.addWidget(self.drops_chart)
        charts.setSizes([480, 320])
        middle = QSplitter(Qt.Orientation.Horizontal)
        middle.addWidget(_boxed(self.workers_label, self.worker_table))
        middle.addWidget(_boxed(self.pending_label, self.pending))
        middle.setSizes([560, 240])
        files_header = QHBoxLayout()
        files_header.addWidget(self.files_label)
        files_header.addStretch(1)
        files_header.addWidget(self.only_failed)
        live = QSplitter(Qt.Orientation.Vertical)
        live.addWidget(charts)
        live.addWidget(middle)
        live.addWidget(_boxed(files_header, self.file_table))
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
        self._labels: list[str] = []
        self._index_of_path: dict[str, int] = {}
        self._started: set[int] = set()  # input indexes a worker has been seen on
        self._ended: set[int] = set()

    def retranslate(self) -> None:
        self.only_failed.setText(self.tr("only failed"))
        self.workers_label.setText(self.tr("Workers"))
        self._update_files_label()
        self._update_pending()
        super().retranslate()

    def input_picker(self) -> Any:
        return self.form.inputs

    def report_tables(self) -> list[ReportTable]:
        """Every file row: status, counts, the drops by reason and the error."""
        table = self.file_table
        header = tuple(table.horizontalHeaderItem(c).text() for c in range(table.columnCount()))
        rows = []
        for r in range(table.rowCount()):
            cells = [table.cell_text(r, c) for c in range(table.columnCount())]
            drops = table.item(r, 4).toolTip() if table.item(r, 4) is not None else ""
            if drops:
                cells[4] = f"{cells[4]} ({drops.replace(chr(10), ', ')})"
            rows.append(tuple(cells))
        return [ReportTable(self.tr("Files"), header, tuple(rows))]

    # -- JobPanel ------------------------------------------------------------------------------------
    def output_folder(self) -> Path | None:
        return Path(self.form.out_dir.text()).expanduser() if self.form.out_dir.text() else None

    def make_config(self) -> tuple[JobFunction, Any]:
        return run_clean, self.form.config()

    def preflight(self, config: Any) -> None:
        # Listing the inputs once, on the click, names a wrong path now and fills the pending queue.
        self._files = preflight_clean(config)
        self.form.remember()  # only settings that pass: a wrong column name is not kept for next time

    def on_run_reset(self) -> None:
        self.chart.bind(self.controller.tracker.history(THROUGHPUT_CHART), term)
        self.drops_chart.set_keyed_values([], [], self._drop_label)
        self.progress.reset()
        self.file_table.clear_rows()
        self.summary.reset()
        self._labels = [file_label(i, p) for i, p in enumerate(self._files)]
        self._index_of_path = {str(p): i for i, p in enumerate(self._files)}
        self._started.clear()
        self._ended.clear()
        self._update_pending()

    def refresh_views(self) -> None:
        p: CleanProgress = self.job_progress
        segments = self.tr("{written}/{total} segments").format(
            written=f"{p.segments_written:,}", total=f"{p.segments_total:,}"
        )
        if p.segments_empty:
            segments += self.tr(" ({n} empty: all files failed)").format(n=f"{p.segments_empty:,}")
        extra = self.tr("{rows} rows read, {rate} rows/s").format(
            rows=format_count(p.rows_read), rate=format_count(p.rows_read_per_s)
        )
        extra += f" · {segments}"
        if p.files_failed:
            extra += " · " + self.tr("{n} failed").format(n=f"{p.files_failed:,}")
        self.progress.show_bar(p.bar, extra=extra, phase=p.phase)
        self.chart.redraw()
        self.drops_chart.set_keyed_values(list(p.drops), list(p.drops.values()), self._drop_label)
        self.worker_table.update_workers(self.monitor.stage_workers(WORKER_STAGE))
        index_of_label = {label: i for i, label in enumerate(self._labels)}
        self._started.update(index_of_label[label] for label in p.current_files if label in index_of_label)
        self._update_pending()
        self._update_files_label()

    def _drop_label(self, reason: str) -> str:
        source = DROP_LABELS.get(reason)
        return self.tr(source) if source else term(reason)

    def _update_files_label(self) -> None:
        self.files_label.setText(
            self.tr("Files and segments: {ok} ok, {failed} failed (double-click a row for details)").format(
                ok=f"{self.file_table.count('ok'):,}", failed=f"{self.file_table.count('failed'):,}"
            )
        )

    def _update_pending(self) -> None:
        waiting = [label for i, label in enumerate(self._labels) if i not in self._started and i not in self._ended]
        if self.monitor is not None and not self.monitor.running:
            waiting = []
        shown = waiting[:PENDING_SHOWN]
        current = [self.pending.item(i).text() for i in range(self.pending.count())]
        if current != shown:
            self.pending.clear()
            self.pending.addItems(shown)
        if len(waiting) > PENDING_SHOWN:
            text = self.tr("Pending files ({n}, first {shown} shown)").format(
                n=f"{len(waiting):,}", shown=PENDING_SHOWN
            )
        else:
            text = self.tr("Pending files ({n})").format(n=f"{len(waiting):,}")
        self.pending_label.setText(text)

    def file_index(self, event: TaskFinished | TaskFailed) -> int | None:
        """The input index of a file's event: from its key ("file", i); for an event without a key,
        from its path. None for other tasks (a segment write)."""
        if event.key is not None:
            kind, index = event.key if isinstance(event.key, tuple) and len(event.key) == 2 else (None, None)
            return index if kind == "file" else None
        return self._index_of_path.get(str(event.summary.get("path", "")))

    def on_job_event(self, message: Any) -> None:
        if isinstance(message, (TaskFinished, TaskFailed)):
            index = self.file_index(message)
            if index is not None:
                self._ended.add(index)
            if isinstance(message, TaskFinished):
                self.file_table.add_finished(message)
            else:
                self.file_table.add_failed(message)
            self._update_files_label()  # the last events come after the last refresh of a run
        elif isinstance(message, JobFinished):
            self.summary.show_finished(message)

    def _show_file_details(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.file_table.details):
            box = QMessageBox(self)
            box.setWindowTitle(self.file_table.cell_text(row, 0))
            box.setText(self.file_table.details[row].split("\n\n", 2)[0])
            box.setInformativeText(self.file_table.cell_text(row, ERROR_COLUMN) or self.tr("cleaned"))
            box.setDetailedText(self.file_table.details[row])
            box.open()
            self._details_box = box
