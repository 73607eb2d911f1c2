"""The Dialogues panel: chat logs → GPT2-chitchat training text (std + reversed mmi), watched live.

What a person sees while it runs: one progress line per phase (partition: read + normalise, keys,
build + write) with rate and ETA; rows/s against std and mmi lines/s; the mmi writer's queue depth
against its bound (back-pressure is the depth sitting at the bound); the RSS of every process of the
job over time (memory must stay flat); and the first dialogues, std and mmi side by side. At the end,
the report's counts. Everything comes from the status messages (``JobMonitor``); the panel reads no
file while the job runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget,
)

from engine.cli.dialogues import val_size_arg
from engine.dialogues.config import DialoguesConfig
from engine.dialogues.job import READER_STAGE, run_dialogues
from engine.dialogues.writer import WRITER_ROLE, WRITER_STAGE
from engine.runner import JobFunction
from engine.status import JobFinished, TaskFailed, TaskFinished
from gui.models import RateMeter, format_count
from gui.panels.base import AppServices, JobPanel
from gui.widgets.charts import TimeSeriesChart
from gui.widgets.path_picker import CHAT_EXPORT_FILTER, PathPicker
from gui.widgets.forms import spin_box
from gui.widgets.progress import ProgressBox

MB = 1024**2
PHASES = (("partition", "1 · Read + normalise + partition"), ("keys", "2 · Keys: count dialogues, choose val"),
          ("build", "3 · Build + write std/mmi"))



class DialoguesPanel(JobPanel):
    kind = "dialogues"
    title = "Dialogues"

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(services, parent)
        settings = self.settings()
        self.inputs = PathPicker("dialogues/inputs", "open", "Chat exports (raw or cleaned)",
                                 file_filter=CHAT_EXPORT_FILTER,
                                 placeholder="files or folders, separated by ;")
        self.out_dir = PathPicker("dialogues/out_dir", "dir", "Folder for std/ and mmi/",
                                  placeholder="output folder (std/, mmi/, dialogues-report.json)")
        if not self.out_dir.text():
            self.out_dir.set_text(str(Path.home() / "mpwatch-dialogues"))
        self.val_size = QLineEdit(str(settings.value("dialogues/val_size", "10000")))
        self.val_size.setToolTip("a count of dialogues (10000) or a fraction (0.05); train keeps at least half")
        self.seed = spin_box(0, 2**31 - 1, int(settings.value("dialogues/seed", 1)))
        self.role_prefix = QCheckBox("坐席: / 客户: before each utterance")
        self.role_prefix.setChecked(str(settings.value("dialogues/role_prefix", "true")).lower() == "true")
        self.min_turns = spin_box(1, 1000, int(settings.value("dialogues/min_turns", 2)))
        self.memory_mb = spin_box(16, 1_000_000, int(settings.value("dialogues/memory_mb", 512)), 64, " MB")
        self.workers = spin_box(1, 64, int(settings.value("dialogues/workers", os.cpu_count() or 1)))

        form = QFormLayout()
        form.addRow("Inputs", self.inputs)
        form.addRow("Output folder", self.out_dir)
        options = QGridLayout()
        options.addWidget(QLabel("Val size"), 0, 0)
        options.addWidget(self.val_size, 0, 1)
        options.addWidget(QLabel("Seed"), 0, 2)
        options.addWidget(self.seed, 0, 3)
        options.addWidget(QLabel("Min turns"), 1, 0)
        options.addWidget(self.min_turns, 1, 1)
        options.addWidget(QLabel("Readers"), 1, 2)
        options.addWidget(self.workers, 1, 3)
        options.addWidget(QLabel("Memory budget"), 2, 0)
        options.addWidget(self.memory_mb, 2, 1)
        options.addWidget(self.role_prefix, 2, 2, 1, 2)
        form.addRow(options)
        buttons = self.button_row("Open folder")
        form.addRow(buttons)
        settings_box = QGroupBox("Dialogue text for GPT-2 chitchat (std) and its MMI model (mmi)")
        settings_box.setLayout(form)

        self.phase_progress: dict[str, ProgressBox] = {}
        phases_box = QGroupBox("Phases")
        phases_layout = QVBoxLayout(phases_box)
        for stage, label in PHASES:
            phases_layout.addWidget(QLabel(label))
            box = ProgressBox("rows")
            self.phase_progress[stage] = box
            phases_layout.addWidget(box)

        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setObjectName("summary")

        self.throughput_chart = TimeSeriesChart("Throughput", "per second")
        for name in ("rows/s", "std lines/s", "mmi lines/s"):
            self.throughput_chart.add_series(name)
        self.queue_chart = TimeSeriesChart("mmi writer queue (batches)", "depth")
        self.queue_chart.add_series("depth")
        self.queue_chart.add_series("bound", "#c62828")
        self.rss_chart = TimeSeriesChart("RSS per process", "MB")

        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.preview_std = QPlainTextEdit()
        self.preview_mmi = QPlainTextEdit()
        for view, placeholder in ((self.preview_std, "first std dialogues appear here"),
                                  (self.preview_mmi, "…and the same dialogues reversed (mmi)")):
            view.setReadOnly(True)
            view.setPlaceholderText(placeholder)
            view.setFont(mono)
            view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            view.setMinimumHeight(120)
        preview = QGridLayout()
        preview.addWidget(QLabel("std/train.txt (first dialogues)"), 0, 0)
        preview.addWidget(QLabel("mmi/train.txt (same dialogues, reversed)"), 0, 1)
        preview.addWidget(self.preview_std, 1, 0)
        preview.addWidget(self.preview_mmi, 1, 1)

        left = QVBoxLayout()
        left.addWidget(settings_box)
        left.addWidget(phases_box)
        left.addWidget(self.summary)
        left.addStretch(1)
        charts = QGridLayout()
        charts.addWidget(self.throughput_chart, 0, 0)
        charts.addWidget(self.queue_chart, 0, 1)
        charts.addWidget(self.rss_chart, 1, 0, 1, 2)
        right = QVBoxLayout()
        right.addLayout(charts, 3)
        right.addLayout(preview, 2)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 3)
        self._reset_meters()

    def _reset_meters(self) -> None:
        self._phase_rates = {stage: RateMeter() for stage, _ in PHASES}
        self._rows_rate = RateMeter()
        self._std_rate = RateMeter()
        self._mmi_rate = RateMeter()

    # -- JobPanel ----------------------------------------------------------------------------
    def make_config(self) -> tuple[JobFunction, Any]:
        inputs = self.inputs.paths()
        if not inputs:
            raise ValueError("Choose the chat exports (files or folders) first.")
        missing = [str(p) for p in inputs if not p.expanduser().exists()]
        if missing:
            raise ValueError("Not found: " + ", ".join(missing))
        out = self.out_dir.text()
        if not out:
            raise ValueError("Choose an output folder first.")
        try:
            val_size = val_size_arg(self.val_size.text().strip() or "0")
        except Exception as exc:  # argparse.ArgumentTypeError carries the readable reason
            raise ValueError(f"Val size: {exc}") from None
        config = DialoguesConfig(
            inputs=tuple(p.expanduser() for p in inputs), out_dir=Path(out).expanduser(), val_size=val_size,
            seed=self.seed.value(), role_prefix=self.role_prefix.isChecked(), min_turns=self.min_turns.value(),
            memory_budget_bytes=self.memory_mb.value() * MB, workers=self.workers.value())
        self.inputs.remember()
        self.out_dir.remember()
        settings = self.settings()
        settings.setValue("dialogues/val_size", self.val_size.text().strip())
        settings.setValue("dialogues/role_prefix", "true" if self.role_prefix.isChecked() else "false")
        for key, box in (("seed", self.seed), ("min_turns", self.min_turns), ("memory_mb", self.memory_mb),
                         ("workers", self.workers)):
            settings.setValue(f"dialogues/{key}", box.value())
        return run_dialogues, config

    def on_run_reset(self) -> None:
        for chart in (self.throughput_chart, self.queue_chart, self.rss_chart):
            chart.clear_data()
        for box in self.phase_progress.values():
            box.reset()
        self.preview_std.setPlainText("")
        self.preview_mmi.setPlainText("")
        self.summary.setText("")
        self._reset_meters()

    def refresh_views(self) -> None:
        m = self.monitor
        now = m.elapsed_s()
        running = m.running

        # Phase progress: rows done against the phase's total, with its own rate and ETA.
        read_rows = m.counter("rows", stage=READER_STAGE)
        read_total = m.gauge("rows_estimate", stage="partition")
        files = f"{m.gauge('files_done', 'partition'):,.0f} / {m.gauge('files_total', 'partition'):,.0f} files"
        keys_rows = m.items("keys")[0]
        build_rows = m.items("build")[0]
        kept_total = m.gauge("rows_total", stage="keys") or m.gauge("rows_total", stage="build")
        phase_values = {"partition": (read_rows, read_total, files),
                        "keys": (keys_rows, kept_total, f"{m.counter('dialogues', 'keys'):,.0f} dialogues"),
                        "build": (build_rows, kept_total, f"{m.counter('lines_std', 'build'):,.0f} std lines")}
        for stage, (done, total, extra) in phase_values.items():
            meter = self._phase_rates[stage]
            meter.add(now, done)
            if (total and done >= total) or not running:
                # A finished phase shows its average rate over the time the coordinator spent in it
                # (phases can be shorter than a refresh, so the panel's own clock cannot tell).
                busy = max((s.busy_s for s in m.snapshots(stage) if s.worker == "coordinator"), default=0.0)
                rate = done / busy if busy > 0 else 0.0
            else:
                rate = meter.rate()
            if done or total:
                self.phase_progress[stage].update_progress(done, total if running else max(total, done), rate,
                                                           extra=extra)

        # Throughput: rows of whichever phase runs, and lines written to std (here) and mmi (writer).
        std_lines = m.counter("lines_std", stage="build")
        mmi_lines = m.counter("lines_mmi", stage=WRITER_STAGE)
        self._rows_rate.add(now, read_rows + keys_rows + build_rows)
        self._std_rate.add(now, std_lines)
        self._mmi_rate.add(now, mmi_lines)
        if running:
            self.throughput_chart.append("rows/s", now, self._rows_rate.rate())
            self.throughput_chart.append("std lines/s", now, self._std_rate.rate())
            self.throughput_chart.append("mmi lines/s", now, self._mmi_rate.rate())
            # The coordinator (build) and the writer both report the queue; the latest word wins.
            queued = [s for s in m.snapshots() if s.queue_bound and s.stage in ("build", WRITER_STAGE)]
            if queued:
                snap = max(queued, key=lambda s: s.t)
                self.queue_chart.append("depth", now, snap.queue_depth or 0)
                self.queue_chart.append("bound", now, snap.queue_bound or 0)
            for name, rss in self.process_rss().items():
                self.rss_chart.append(name, now, rss / MB)
        for chart in (self.throughput_chart, self.queue_chart, self.rss_chart):
            chart.redraw()

    def process_rss(self) -> dict[str, float]:
        """Latest RSS of each live process of the run, by a readable process name."""
        latest: dict[str, tuple[float, float]] = {}
        readers_done = any(True for _ in self.monitor.snapshots("keys"))  # the reader pool has ended
        for state in self.monitor.workers.values():
            if state.exited is not None or (readers_done and state.stage == READER_STAGE):
                continue
            rss = state.snapshot.counters.get("rss_bytes")
            if rss is None:
                continue
            name = state.worker  # "coordinator", "reader 1", …, "mmi-writer": one name per process
            if name not in latest or state.snapshot.t > latest[name][0]:
                latest[name] = (state.snapshot.t, rss)
        return {name: rss for name, (_, rss) in sorted(latest.items())}

    def on_job_event(self, message: Any) -> None:
        if isinstance(message, TaskFinished) and "preview_std" in message.summary:
            self.preview_std.setPlainText("\n\n".join(message.summary["preview_std"]))
            self.preview_mmi.setPlainText("\n\n".join(message.summary["preview_mmi"]))
        elif isinstance(message, TaskFailed):
            self.summary.setText(f"<span style='color:#c62828'>{message.task}: {message.reason}</span>")
        elif isinstance(message, JobFinished):
            self.summary.setText(self.summary_text(message))

    @staticmethod
    def summary_text(finished: JobFinished) -> str:
        if finished.cancelled:
            return "Stopped. Nothing was left under a final name and the work folder was removed."
        if not finished.ok:
            return f"<span style='color:#c62828'>Failed: {finished.error}</span>"
        s = finished.summary
        drops = ", ".join(f"{k[6:].replace('_', ' ')} {v:,}" for k, v in s.items() if k.startswith("drops_") and v)
        text = (f"<b>Done</b> in {s['seconds']:.1f} s ({format_count(s['rows_per_s'])} rows/s). "
                f"{s['rows_read']:,} rows read from {s['files_ok']} file(s); {s['rows_in_dialogues']:,} in dialogues; "
                f"dropped: {drops or 'none'}.<br>"
                f"<b>{s['dialogues']:,}</b> dialogues (<b>{s['train_dialogues']:,}</b> train, "
                f"<b>{s['val_dialogues']:,}</b> val), {s['utterances']:,} utterances; "
                f"{s['dialogues_dropped_short']:,} dialogues under min turns dropped.<br>"
                f"Peak RSS: coordinator {s['peak_rss_coordinator_bytes'] / MB:,.0f} MB, "
                f"{WRITER_ROLE} {s['peak_rss_mmi_writer_bytes'] / MB:,.0f} MB, "
                f"readers ≤ {s['peak_rss_readers_bytes'] / MB:,.0f} MB. Writer queue max "
                f"{s['writer_queue_max']}/{s['writer_queue_bound']}; {s['partitions']} partitions built in "
                f"{s['build_groups']} group(s).<br>"
                f"→ {s['out_dir']}/std, /mmi, dialogues-report.json")
        if s.get("files_failed"):
            text += f"<br><span style='color:#c62828'>{s['files_failed']} file(s) failed (see Log)</span>"
        return text

