"""The Demo panel: generate realistic chat exports and watch the pool write them.

The worked example of a job panel: a settings form, Start/Stop, a progress box (files and rows, rate,
ETA), a live rows/s chart, per-worker state, and a summary with "Open folder" at the end.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSettings
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
)

from engine.demo.job import DemoConfig, run_demo
from engine.demo.progress import THROUGHPUT_CHART, WRITER_STAGE, DemoProgress, DemoProgressTracker
from engine.preflight import preflight_demo
from engine.runner import JobFunction
from engine.status import JobFinished, TaskFailed
from gui.panels.base import JobPanel
from gui.settings_writer import save_settings
from gui.summaries import demo_summary
from gui.terms import term
from gui.widgets.charts import TimeSeriesChart
from gui.widgets.forms import spin_box
from gui.widgets.path_picker import PathPicker
from gui.widgets.progress import ProgressBox
from gui.widgets.run_summary import RunSummary
from gui.widgets.worker_table import WorkerTable


class DemoPanel(JobPanel):
    kind = "demo"
    title = QT_TRANSLATE_NOOP("JobPanel", "Demo data")
    tracker_factory = DemoProgressTracker

    def build(self, settings: QSettings) -> None:
        self.out_dir = PathPicker("demo/out_dir", "dir", default=str(Path.home() / "mpwatch-demo"))
        self.files = spin_box(1, 10000, int(settings.value("demo/files", 40)))
        self.rows = spin_box(1, 1_000_000, int(settings.value("demo/rows", 20000)), 1000)
        self.seed = spin_box(0, 2**31 - 1, int(settings.value("demo/seed", 7)))
        self.workers = spin_box(1, 64, int(settings.value("demo/workers", os.cpu_count() or 1)))

        self.form = form = QFormLayout()
        for field in (self.out_dir, self.files, self.rows, self.seed, self.workers):
            form.addRow(QLabel(), field)
        settings_box = self.settings_group(form, QT_TRANSLATE_NOOP("JobPanel", "Open folder"))
        self.hint = hint = QLabel()
        hint.setWordWrap(True)
        hint.setObjectName("hint")

        self.progress = ProgressBox("rows")
        self.chart = TimeSeriesChart(QT_TRANSLATE_NOOP("Charts", "Throughput"), QT_TRANSLATE_NOOP("Charts", "rows/s"))
        self.worker_table = WorkerTable(done_counter="rows")
        self.summary = RunSummary(demo_summary)
        self.workers_label = QLabel()

        left = QVBoxLayout()
        left.addWidget(settings_box)
        left.addWidget(hint)
        left.addWidget(self.workers_label)
        left.addWidget(self.worker_table, 1)
        right = QVBoxLayout()
        right.addWidget(self.progress)
        right.addWidget(self.chart, 1)
        right.addWidget(self.summary)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 3)

    def retranslate(self) -> None:
        for field, text in (
            (self.out_dir, self.tr("Output folder")),
            (self.files, self.tr("Files")),
            (self.rows, self.tr("Rows per file")),
            (self.seed, self.tr("Seed")),
            (self.workers, self.tr("Workers")),
        ):
            self.form.labelForField(field).setText(text)
        self.out_dir.set_caption(self.tr("Folder for the demo exports"), self.tr("folder to write chat_NNNN.xlsx into"))
        self.settings_box.setTitle(self.tr("Generate demo chat exports"))
        self.hint.setText(
            self.tr(
                "Writes customer-service chats (坐席id, 客户微信id, 是否客服, 消息内容, 消息时间) "
                "with the dirt the Clean job removes: system messages, emoji, empty cells, "
                "duplicates, newlines, formula-looking text."
            )
        )
        self.workers_label.setText(self.tr("Workers"))
        super().retranslate()

    # -- JobPanel ----------------------------------------------------------------------------
    def make_config(self) -> tuple[JobFunction, Any]:
        out_dir = self.out_dir.output_folder()
        config = DemoConfig(
            out_dir,
            self.files.value(),
            self.rows.value(),
            self.seed.value(),
            self.workers.value(),
            cluster=self.run_on.cluster(),
        )
        self.out_dir.remember()
        boxes = (("files", self.files), ("rows", self.rows), ("seed", self.seed), ("workers", self.workers))
        save_settings({f"demo/{key}": box.value() for key, box in boxes})
        return run_demo, config

    def preflight(self, config: Any) -> None:
        preflight_demo(config)

    def on_run_reset(self) -> None:
        self.chart.bind(self.controller.tracker.history(THROUGHPUT_CHART), term)
        self.progress.reset()
        self.summary.reset()

    def refresh_views(self) -> None:
        p: DemoProgress = self.job_progress
        self.progress.show_bar(
            p.bar, extra=self.tr("{done} / {total} files").format(done=f"{p.files_done:,}", total=f"{p.files_total:,}")
        )
        self.chart.redraw()
        self.worker_table.update_workers(self.monitor.stage_workers(WRITER_STAGE))

    def on_job_event(self, message: Any) -> None:
        if isinstance(message, TaskFailed):
            self.summary.show_failed_task(message)
        elif isinstance(message, JobFinished):
            self.summary.show_finished(message)
