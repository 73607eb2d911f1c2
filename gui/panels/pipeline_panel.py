"""The Pipeline panel: run the inference service, watch every stage live, load it, try it.

Layout::

    ┌ settings (sizes, batching, …)  ┐  ┌ stage diagram: A×n → B×n → C×n → batcher → predictor×n → A ┐
    │ Start / Stop · endpoint URL    │  ├ [Service] throughput per stage │ queue depth │ latency p50/95/99 ┤
    ├ load generator (rate slider)   ┤  │           batch size  │ flush reasons       │ answers by status  │
    └ try it (one message → answer)  ┘  └ [Batching decisions] (``BatchingView``) ───────────────────────┘

The service runs as a JobRun (coordinator process owning every stage). Batching policy, p99
target, max batch and max delay are shared values (``BatchControl``) the batcher re-reads every
loop, so the form retunes a running service. Every number shown comes from the run's
``PipelineProgress``; the load generator (``LoadGeneratorBox``), "Try it" (``TryItBox``) and the
batching controls and decisions (``BatchingView``) are modules of their own.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget,
)

from engine.pipeline.config import DEFAULT_MODEL, MAX_BATCH_LIMIT, MAX_INGRESS, PipelineConfig
from engine.pipeline.progress import (
    BATCH_CHART, DEPTH_CHART, LATENCY_CHART, STATUS_CHART, THROUGHPUT_CHART, PipelineProgress,
    PipelineProgressTracker,
)
from engine.pipeline.service import check_plugins, check_port_free, find_free_port, run_pipeline
from engine.pipeline.stage import BatchControl
from engine.runner import JobFunction
from engine.status import JobFinished
from gui.formatting import format_count
from gui.panels.base import JobPanel
from gui.panels.pipeline_batching import BatchingView
from gui.panels.pipeline_diagram import StageDiagram, StageView
from gui.panels.pipeline_load import LoadGeneratorBox
from gui.panels.pipeline_try import TryItBox
from gui.run_controller import AppServices
from gui.widgets.charts import BarChart, TimeSeriesChart
from gui.widgets.forms import spin_box
from gui.widgets.path_picker import PathPicker

#: Title of each stage (as it names itself in snapshots) in the diagram and the charts.
STAGE_TITLES = {"ingress": "A ingress", "preprocess": "B preprocess", "receiver": "C receivers",
                "batcher": "batcher", "predictor": "predictor"}


class PipelinePanel(JobPanel):
    kind = "pipeline"
    title = "Pipeline"
    tracker_factory = PipelineProgressTracker

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(services, parent)
        settings = self.settings()
        defaults = PipelineConfig()
        self.control: BatchControl | None = None
        self.batching = BatchingView(lambda: self.control if self.is_running else None)
        self.ingress = spin_box(1, MAX_INGRESS, settings.value("pipeline/ingress", defaults.ingress, type=int))
        self.ingress.setToolTip(self.tr("HTTP processes sharing the port, so parsing is not one core's job"))
        self.endpoint: str = ""
        self.host = QLineEdit(settings.value("pipeline/host", defaults.host, type=str))
        self.port = spin_box(0, 65535, settings.value("pipeline/port", defaults.port, type=int), group_separator=False)
        self.port.setToolTip("0 picks a free port")
        self.preprocess_workers = spin_box(1, 32, settings.value("pipeline/preprocess_workers",
                                                                 defaults.preprocess_workers, type=int))
        self.receivers = spin_box(1, 16, settings.value("pipeline/receivers", defaults.receivers, type=int))
        self.replicas = spin_box(1, 16, settings.value("pipeline/replicas", defaults.replicas, type=int))
        self.max_batch = spin_box(1, MAX_BATCH_LIMIT, settings.value("pipeline/max_batch", defaults.max_batch,
                                                                     type=int))
        self.max_delay_ms = QDoubleSpinBox()
        self.max_delay_ms.setRange(0, 60_000)
        self.max_delay_ms.setDecimals(0)
        self.max_delay_ms.setSuffix(" ms")
        self.max_delay_ms.setValue(settings.value("pipeline/max_delay_ms", float(defaults.max_delay_ms), type=float))
        for box in (self.max_batch, self.max_delay_ms):
            box.setToolTip("Applies live to a running service")
            box.valueChanged.connect(self._on_batching_changed)
        self.model = QLineEdit(settings.value("pipeline/model", DEFAULT_MODEL, type=str))
        self.index_dir = PathPicker("pipeline/index_dir", "dir", "Dialogues output folder to index",
                                    placeholder="empty: demo dialogues made on the spot")
        self.endpoint_label = QLabel("not running")
        self.endpoint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.endpoint_label.setObjectName("endpoint")

        form = QFormLayout()
        host_port = QHBoxLayout()
        host_port.addWidget(self.host, 2)
        host_port.addWidget(QLabel("port"))
        host_port.addWidget(self.port, 1)
        form.addRow("Listen on", host_port)
        form.addRow("Preprocess workers", self.preprocess_workers)
        form.addRow("Receivers", self.receivers)
        form.addRow("Predictor replicas", self.replicas)
        form.addRow("Max batch", self.max_batch)
        form.addRow("Max delay", self.max_delay_ms)
        form.addRow(self.tr("Batching"), self.batching.controls)
        form.addRow(self.tr("Ingress processes"), self.ingress)
        form.addRow("Model", self.model)
        form.addRow("Index", self.index_dir)
        form.addRow(self.button_row())
        form.addRow("Endpoint", self.endpoint_label)
        service_box = QGroupBox("Inference service")
        service_box.setLayout(form)
        self.load = LoadGeneratorBox(services)
        self.try_box = TryItBox()

        self.diagram = StageDiagram()
        self.service_status = QLabel("")
        self.service_status.setWordWrap(True)
        self.throughput_chart = TimeSeriesChart("Throughput per stage", "items/s")
        self.depth_chart = TimeSeriesChart("Queue depth per hop", "messages")
        self.latency_chart = TimeSeriesChart("Latency (answered requests)", "ms")
        self.batch_chart = TimeSeriesChart("Batch size", "items")
        self.flush_chart = BarChart("Flush reasons", "batches")
        self.status_chart = TimeSeriesChart("Answers by HTTP status", "requests/s")
        self.status_chart.set_color("200", "#2ca02c")
        for chart in self._time_charts().values():
            chart.setMinimumHeight(150)

        left = QVBoxLayout()
        left.addWidget(service_box)
        left.addWidget(self.load)
        left.addWidget(self.try_box)
        left.addStretch(1)
        charts = QGridLayout()
        charts.addWidget(self.throughput_chart, 0, 0)
        charts.addWidget(self.depth_chart, 0, 1)
        charts.addWidget(self.latency_chart, 0, 2)
        charts.addWidget(self.batch_chart, 1, 0)
        charts.addWidget(self.flush_chart, 1, 1)
        charts.addWidget(self.status_chart, 1, 2)
        right = QVBoxLayout()
        right.addWidget(self.diagram)
        right.addWidget(self.service_status)
        right.addWidget(self.batching.chart_tabs(charts), 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 5)

    # -- JobPanel ----------------------------------------------------------------------------------
    def make_config(self) -> tuple[JobFunction, Any]:
        host = self.host.text().strip() or "127.0.0.1"
        port = self.port.value() or find_free_port(host)
        try:
            check_port_free(host, port)
        except OSError as exc:
            raise ValueError(f"{exc}. Choose another port (0 picks a free one).") from None
        index = self.index_dir.text() or None
        if index and not (Path(index).expanduser() / "std" / "train.txt").is_file():
            raise ValueError(f"{index} holds no std/train.txt: choose a Dialogues output folder, or leave it empty.")
        config = PipelineConfig(
            host=host, port=port, preprocess_workers=self.preprocess_workers.value(), receivers=self.receivers.value(),
            replicas=self.replicas.value(), max_batch=self.max_batch.value(), max_delay_ms=self.max_delay_ms.value(),
            batching=self.batching.policy_name, target_p99_ms=self.batching.target_p99_ms, ingress=self.ingress.value(),
            model=self.model.text().strip() or DEFAULT_MODEL,
            index_dir=str(Path(index).expanduser()) if index else None,
        )
        check_plugins(config)  # ValueError with the reason → shown to the person
        self.control = BatchControl.from_config(config)
        self.endpoint = config.url
        self._save_settings()
        return functools.partial(run_pipeline, control=self.control), config

    def _save_settings(self) -> None:
        settings = self.settings()
        settings.setValue("pipeline/host", self.host.text())
        for key in ("port", "preprocess_workers", "receivers", "replicas", "max_batch", "max_delay_ms", "ingress"):
            settings.setValue(f"pipeline/{key}", getattr(self, key).value())
        settings.setValue("pipeline/model", self.model.text())
        self.load.save_settings()
        self.batching.save_settings()
        self.index_dir.remember()

    def _time_charts(self) -> dict[str, TimeSeriesChart]:
        return {THROUGHPUT_CHART: self.throughput_chart, DEPTH_CHART: self.depth_chart,
                LATENCY_CHART: self.latency_chart, BATCH_CHART: self.batch_chart, STATUS_CHART: self.status_chart}

    def on_run_reset(self) -> None:
        labels = {THROUGHPUT_CHART: STAGE_TITLES.get, DEPTH_CHART: lambda stage: f"→ {STAGE_TITLES[stage]}"}
        for name, chart in self._time_charts().items():
            chart.bind(self.controller.tracker.history(name), labels.get(name, str))
        self.flush_chart.set_values([], [])
        self.batching.bind(self.controller.tracker)
        self.endpoint_label.setText(f"{self.endpoint}/v1/predict  (starting…)")
        self.try_box.answer.setText("")

    def stop_job(self) -> None:
        self.load.stop()
        super().stop_job()

    def on_job_event(self, message: Any) -> None:
        if isinstance(message, JobFinished):
            self.load.stop()
            self.try_box.set_endpoint("")
            self.load.set_endpoint("")
            if message.cancelled or message.ok:
                self.endpoint_label.setText("stopped")
            else:
                self.endpoint_label.setText(f"<span style='color:#c62828'>failed: {message.error}</span>")

    # -- live view ---------------------------------------------------------------------------------
    def refresh_views(self) -> None:
        p: PipelineProgress = self.job_progress
        if p.ready and not self.try_box.endpoint:
            self.endpoint_label.setText(f"{self.endpoint}/v1/predict")
            self.try_box.set_endpoint(self.endpoint)
            self.load.set_endpoint(self.endpoint)
        views = []
        for s in p.stages:
            note = ""
            if s.inflight_items is not None:
                note = f"in flight {s.inflight_items:,}"
            elif s.waiting_items is not None:
                note = f"waiting {s.waiting_items:,}"
            views.append(StageView(s.stage, STAGE_TITLES[s.stage], max(1, s.workers), s.rate_per_s, s.busy_share,
                                   s.depth, s.bound, alive=s.alive, note=note))
        self.diagram.set_stages(views, (p.results_depth, p.results_bound))
        if p.flushes:
            self.flush_chart.set_values(list(p.flushes), list(p.flushes.values()))
        self._update_status_text(p)
        self.batching.refresh(p)
        for chart in self._time_charts().values():
            chart.redraw()

    def _update_status_text(self, p: PipelineProgress) -> None:
        parts = []
        if p.answers:
            parts.append("answered " + ", ".join(f"{code}: {format_count(n)}" for code, n in p.answers.items()))
        if p.max_batch is not None:  # the coordinator has reported
            parts.append(f"predictors ready {p.replicas_ready}/{self.replicas.value()}")
            if p.restarts:
                parts.append(f"<span style='color:#c62828'>{p.restarts} stage restarts, "
                             f"{p.lost_items} requests answered with an error</span>")
        text = " · ".join(parts)
        if self.service_status.text() != text:
            self.service_status.setText(text)

    # -- live retuning -----------------------------------------------------------------------------
    def _on_batching_changed(self) -> None:
        if self.control is not None and self.is_running:
            self.control.set(max_batch=self.max_batch.value(), max_delay_ms=self.max_delay_ms.value())

    def shutdown(self) -> None:
        """Main window closing: the runs are already stopped; forget the shared values."""
        self.control = None
        self.load.shutdown()
