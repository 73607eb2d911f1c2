"""The Dialogues panel: chat logs → GPT2-chitchat training text (std + reversed mmi), watched live.

What a person sees while it runs: one progress line per phase (partition: read + normalise, keys,
build + write) with rate and ETA; rows/s against std and mmi lines/s; the mmi writer's queue depth
against its bound (back-pressure is the depth sitting at the bound); the RSS of every process of the
job over time (memory must stay flat); and the first dialogues, std and mmi side by side. At the end,
the report's counts. Everything comes from the status messages (``DialoguesProgress``); the panel reads no
file while the job runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSettings
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from engine.dialogues.config import DialoguesConfig, parse_val_size
from engine.dialogues.job import run_dialogues
from engine.dialogues.progress import (
    MB,
    PHASES,
    QUEUE_CHART,
    RSS_CHART,
    THROUGHPUT_CHART,
    DialoguesProgress,
    DialoguesProgressTracker,
)
from engine.preflight import preflight_dialogues
from engine.runner import JobFunction
from engine.status import JobFinished, TaskFailed, TaskFinished
from gui.panels.base import JobPanel
from gui.settings_writer import save_settings
from gui.summaries import dialogues_summary
from gui.terms import process_role, term
from gui.widgets.charts import TimeSeriesChart
from gui.widgets.forms import grid_of_rows, spin_box
from gui.widgets.path_picker import CHAT_EXPORT_FILTER, PathPicker
from gui.widgets.progress import ProgressBox
from gui.widgets.run_summary import RunSummary
from gui.widgets.vertical_scroll import VerticalScrollArea

#: The phase lines' titles (English source, context DialoguesPanel).
PHASE_TITLES = {
    "partition": QT_TRANSLATE_NOOP("DialoguesPanel", "1 · Read + normalise + partition"),
    "keys": QT_TRANSLATE_NOOP("DialoguesPanel", "2 · Keys: count dialogues, choose val"),
    "build": QT_TRANSLATE_NOOP("DialoguesPanel", "3 · Build + write std/mmi"),
}


class DialoguesPanel(JobPanel):
    kind = "dialogues"
    title = QT_TRANSLATE_NOOP("JobPanel", "Dialogues")
    tracker_factory = DialoguesProgressTracker

    def build(self, settings: QSettings) -> None:
        self.inputs = PathPicker("dialogues/inputs", "open", file_filter=CHAT_EXPORT_FILTER)
        self.out_dir = PathPicker("dialogues/out_dir", "dir", default=str(Path.home() / "mpwatch-dialogues"))
        self.val_size = QLineEdit(str(settings.value("dialogues/val_size", "10000")))
        self.seed = spin_box(0, 2**31 - 1, int(settings.value("dialogues/seed", 1)))
        self.role_prefix = QCheckBox()
        self.role_prefix.setChecked(settings.value("dialogues/role_prefix", True, type=bool))
        self.min_turns = spin_box(1, 1000, int(settings.value("dialogues/min_turns", 2)))
        self.memory_mb = spin_box(16, 1_000_000, int(settings.value("dialogues/memory_mb", 512)), 64, " MB")
        self.workers = spin_box(1, 64, int(settings.value("dialogues/workers", os.cpu_count() or 1)))

        self.form = form = QFormLayout()
        form.addRow(QLabel(), self.inputs)
        form.addRow(QLabel(), self.out_dir)
        self._labels = {key: QLabel() for key in ("val_size", "seed", "min_turns", "readers", "memory", "std", "mmi")}
        options = grid_of_rows(
            (self._labels["val_size"], self.val_size, self._labels["seed"], self.seed),
            (self._labels["min_turns"], self.min_turns, self._labels["readers"], self.workers),
            (self._labels["memory"], self.memory_mb, self.role_prefix),
        )
        form.addRow(options)
        settings_box = self.settings_group(form, QT_TRANSLATE_NOOP("JobPanel", "Open folder"))

        self.phase_progress: dict[str, ProgressBox] = {}
        self.phase_labels: dict[str, QLabel] = {}
        self.phases_box = phases_box = QGroupBox()
        phases_layout = QVBoxLayout(phases_box)
        for stage in PHASES:
            self.phase_labels[stage] = QLabel()
            phases_layout.addWidget(self.phase_labels[stage])
            box = ProgressBox("rows")
            self.phase_progress[stage] = box
            phases_layout.addWidget(box)

        self.summary = RunSummary(dialogues_summary)

        self.throughput_chart = TimeSeriesChart(
            QT_TRANSLATE_NOOP("Charts", "Throughput"), QT_TRANSLATE_NOOP("Charts", "per second")
        )
        self.queue_chart = TimeSeriesChart(
            QT_TRANSLATE_NOOP("Charts", "mmi writer queue (batches)"), QT_TRANSLATE_NOOP("Charts", "depth")
        )
        self.queue_chart.set_color(term("bound"), "#c62828")
        self.rss_chart = TimeSeriesChart(QT_TRANSLATE_NOOP("Charts", "RSS per process"), "MB")

        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.preview_std = QPlainTextEdit()
        self.preview_mmi = QPlainTextEdit()
        for view in (self.preview_std, self.preview_mmi):
            view.setReadOnly(True)
            view.setFont(mono)
            view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            view.setMinimumHeight(120)
        preview = grid_of_rows((self._labels["std"], self._labels["mmi"]), (self.preview_std, self.preview_mmi))

        # The column scrolls rather than set the window's minimum height: after a run, the Chinese
        # summary's lines made the window taller than 860 px.
        left_widget = QWidget()
        left = QVBoxLayout(left_widget)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(settings_box)
        left.addWidget(phases_box)
        left.addWidget(self.summary)
        left.addStretch(1)
        charts = grid_of_rows((self.throughput_chart, self.queue_chart), (self.rss_chart,))
        right = QVBoxLayout()
        right.addLayout(charts, 3)
        right.addLayout(preview, 2)
        layout = QHBoxLayout(self)
        self.forms_scroll = VerticalScrollArea(left_widget)
        layout.addWidget(self.forms_scroll, 2)
        layout.addLayout(right, 3)

    def retranslate(self) -> None:
        self.inputs.set_caption(self.tr("Chat exports (raw or cleaned)"), self.tr("files or folders, separated by ;"))
        self.out_dir.set_caption(
            self.tr("Folder for std/ and mmi/"), self.tr("output folder (std/, mmi/, dialogues-report.json)")
        )
        self.form.labelForField(self.inputs).setText(self.tr("Inputs"))
        self.form.labelForField(self.out_dir).setText(self.tr("Output folder"))
        self.val_size.setToolTip(
            self.tr("a count of dialogues (10000) or a fraction (0.05); train keeps at least half")
        )
        self.role_prefix.setText(self.tr("坐席: / 客户: before each utterance"))
        for key, text in (
            ("val_size", self.tr("Val size")),
            ("seed", self.tr("Seed")),
            ("min_turns", self.tr("Min turns")),
            ("readers", self.tr("Readers")),
            ("memory", self.tr("Memory budget")),
            ("std", self.tr("std/train.txt (first dialogues)")),
            ("mmi", self.tr("mmi/train.txt (same dialogues, reversed)")),
        ):
            self._labels[key].setText(text)
        self.settings_box.setTitle(self.tr("Dialogue text for GPT-2 chitchat (std) and its MMI model (mmi)"))
        self.phases_box.setTitle(self.tr("Phases"))
        self.queue_chart.set_color(term("bound"), "#c62828")  # the legend is rebuilt under the new label
        for stage, label in self.phase_labels.items():
            label.setText(self.tr(PHASE_TITLES[stage]))
        self.preview_std.setPlaceholderText(self.tr("first std dialogues appear here"))
        self.preview_mmi.setPlaceholderText(self.tr("…and the same dialogues reversed (mmi)"))
        super().retranslate()

    # -- JobPanel ----------------------------------------------------------------------------
    def make_config(self) -> tuple[JobFunction, Any]:
        inputs = self.inputs.paths()
        if not inputs:
            raise ValueError(self.tr("Choose the chat exports (files or folders) first."))
        missing = [str(p) for p in inputs if not p.expanduser().exists()]
        if missing:
            raise ValueError(self.tr("Not found: {paths}").format(paths=", ".join(missing)))
        out_dir = self.out_dir.output_folder()
        try:
            val_size = parse_val_size(self.val_size.text().strip() or "0")
        except ValueError as exc:
            raise ValueError(self.tr("Val size: {error}").format(error=exc)) from None
        config = DialoguesConfig(
            inputs=tuple(p.expanduser() for p in inputs),
            out_dir=out_dir,
            val_size=val_size,
            seed=self.seed.value(),
            role_prefix=self.role_prefix.isChecked(),
            min_turns=self.min_turns.value(),
            memory_budget_bytes=self.memory_mb.value() * MB,
            workers=self.workers.value(),
            cluster=self.run_on.cluster(),
        )
        self.inputs.remember()
        self.out_dir.remember()
        save_settings(
            {
                "dialogues/val_size": self.val_size.text().strip(),
                "dialogues/role_prefix": self.role_prefix.isChecked(),
                "dialogues/seed": self.seed.value(),
                "dialogues/min_turns": self.min_turns.value(),
                "dialogues/memory_mb": self.memory_mb.value(),
                "dialogues/workers": self.workers.value(),
            }
        )
        return run_dialogues, config

    def preflight(self, config: Any) -> None:
        preflight_dialogues(config)

    def _charts(self) -> dict[str, TimeSeriesChart]:
        return {THROUGHPUT_CHART: self.throughput_chart, QUEUE_CHART: self.queue_chart, RSS_CHART: self.rss_chart}

    def on_run_reset(self) -> None:
        for name, chart in self._charts().items():  # RSS series are process names ("reader 1")
            chart.bind(self.controller.tracker.history(name), process_role if chart is self.rss_chart else term)
        for box in self.phase_progress.values():
            box.reset()
        self.preview_std.setPlainText("")
        self.preview_mmi.setPlainText("")
        self.summary.reset()

    def refresh_views(self) -> None:
        p: DialoguesProgress = self.job_progress
        extras = {
            "partition": self.tr("{done} / {total} files").format(done=f"{p.files_done:,}", total=f"{p.files_total:,}"),
            "keys": self.tr("{n} dialogues").format(n=f"{p.dialogues:,}"),
            "build": self.tr("{n} std lines").format(n=f"{p.lines_std:,}"),
        }
        for stage in PHASES:
            phase = p.phase(stage)
            if phase.started:
                self.phase_progress[stage].show_bar(phase.bar, extra=extras[stage])
        for chart in self._charts().values():
            chart.redraw()

    def on_job_event(self, message: Any) -> None:
        if isinstance(message, TaskFinished) and "preview_std" in message.summary:
            self.preview_std.setPlainText("\n\n".join(message.summary["preview_std"]))
            self.preview_mmi.setPlainText("\n\n".join(message.summary["preview_mmi"]))
        elif isinstance(message, TaskFailed):
            self.summary.show_failed_task(message)
        elif isinstance(message, JobFinished):
            self.summary.show_finished(message)
