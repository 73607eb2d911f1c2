"""The Demo panel: generate realistic chat exports and watch the pool write them.

The worked example of a job panel: a settings form, Start/Stop, a progress box (files and rows, rate,
ETA), a live rows/s chart, per-worker state, and a summary with "Open folder" at the end.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QFormLayout, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget,
)

from engine.demo.progress import THROUGHPUT_CHART, WRITER_STAGE, DemoProgress, DemoProgressTracker
from engine.demo.job import DemoConfig, run_demo
from engine.runner import JobFunction
from engine.status import JobFinished, TaskFailed
from gui.panels.base import JobPanel
from gui.run_controller import AppServices
from gui.summaries import demo_summary
from gui.widgets.charts import TimeSeriesChart
from gui.widgets.forms import spin_box
from gui.widgets.path_picker import PathPicker
from gui.widgets.progress import ProgressBox
from gui.widgets.worker_table import WorkerTable



class DemoPanel(JobPanel):
    kind = "demo"
    title = "Demo data"
    tracker_factory = DemoProgressTracker

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(services, parent)
        settings = self.settings()
        self.out_dir = PathPicker("demo/out_dir", "dir", "Folder for the demo exports",
                                  placeholder="folder to write chat_NNNN.xlsx into")
        if not self.out_dir.text():
            self.out_dir.set_text(str(Path.home() / "mpwatch-demo"))
        self.files = spin_box(1, 10000, int(settings.value("demo/files", 40)))
        self.rows = spin_box(1, 1_000_000, int(settings.value("demo/rows", 20000)), 1000)
        self.seed = spin_box(0, 2**31 - 1, int(settings.value("demo/seed", 7)))
        self.workers = spin_box(1, 64, int(settings.value("demo/workers", os.cpu_count() or 1)))

        form = QFormLayout()
        form.addRow("Output folder", self.out_dir)
        form.addRow("Files", self.files)
        form.addRow("Rows per file", self.rows)
        form.addRow("Seed", self.seed)
        form.addRow("Workers", self.workers)
        buttons = self.button_row("Open folder")
        form.addRow(buttons)
        settings_box = QGroupBox("Generate demo chat exports")
        settings_box.setLayout(form)
        hint = QLabel("Writes customer-service chats (坐席id, 客户微信id, 是否客服, 消息内容, 消息时间) with the dirt "
                      "the Clean job removes: system messages, emoji, empty cells, duplicates, newlines, "
                      "formula-looking text.")
        hint.setWordWrap(True)
        hint.setObjectName("hint")

        self.progress = ProgressBox("rows")
        self.chart = TimeSeriesChart("Throughput", "rows/s")
        self.worker_table = WorkerTable(done_counter="rows")
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setObjectName("summary")

        left = QVBoxLayout()
        left.addWidget(settings_box)
        left.addWidget(hint)
        left.addWidget(QLabel("Workers"))
        left.addWidget(self.worker_table, 1)
        right = QVBoxLayout()
        right.addWidget(self.progress)
        right.addWidget(self.chart, 1)
        right.addWidget(self.summary)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 3)

    # -- JobPanel ----------------------------------------------------------------------------
    def make_config(self) -> tuple[JobFunction, Any]:
        out = self.out_dir.text()
        if not out:
            raise ValueError("Choose an output folder first.")
        config = DemoConfig(Path(out).expanduser(), self.files.value(), self.rows.value(), self.seed.value(),
                            self.workers.value())
        self.out_dir.remember()
        settings = self.settings()
        for key, box in (("files", self.files), ("rows", self.rows), ("seed", self.seed), ("workers", self.workers)):
            settings.setValue(f"demo/{key}", box.value())
        return run_demo, config

    def on_run_reset(self) -> None:
        self.chart.bind(self.controller.tracker.history(THROUGHPUT_CHART))
        self.progress.reset()
        self.summary.setText("")

    def refresh_views(self) -> None:
        p: DemoProgress = self.job_progress
        self.progress.show_bar(p.bar, extra=f"{p.files_done:,} / {p.files_total:,} files")
        self.chart.redraw()
        self.worker_table.update_workers(self.monitor.stage_workers(WRITER_STAGE))

    def on_job_event(self, message: Any) -> None:
        if isinstance(message, TaskFailed):
            self.summary.setText(f"<span style='color:#c62828'>{message.task}: {message.reason}</span>")
        elif isinstance(message, JobFinished):
            self.summary.setText(demo_summary(message))
