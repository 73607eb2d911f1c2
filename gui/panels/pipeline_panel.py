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

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSettings, Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from engine.pipeline.config import DEFAULT_MODEL, MAX_BATCH_LIMIT, MAX_INGRESS, PipelineConfig
from engine.pipeline.progress import (
    BATCH_CHART,
    DEPTH_CHART,
    LATENCY_CHART,
    STATUS_CHART,
    THROUGHPUT_CHART,
    PipelineProgress,
    PipelineProgressTracker,
)
from engine.pipeline.service import check_plugins, check_port_free, find_free_port, run_pipeline
from engine.pipeline.stage import BatchControl
from engine.runner import JobFunction
from engine.status import JobFinished
from gui.engine_messages import failure_text
from gui.formatting import format_count
from gui.panels.base import JobPanel
from gui.panels.pipeline_batching import BatchingView
from gui.panels.pipeline_diagram import StageDiagram, StageView
from gui.panels.pipeline_load import LoadGeneratorBox
from gui.panels.pipeline_try import TryItBox
from gui.settings_writer import save_settings
from gui.terms import term
from gui.widgets.charts import BarChart, TimeSeriesChart
from gui.widgets.forms import grid_of_rows, spin_box
from gui.widgets.path_picker import PathPicker
from gui.widgets.vertical_scroll import VerticalScrollArea

#: The stages (as they name themselves in snapshots); ``term(stage)`` is a stage's title in the
#: diagram and the charts ("A ingress", …).
STAGES = ("ingress", "preprocess", "receiver", "batcher", "predictor")
# Pixels between the rows of the column of forms (the style's default is about 6).
FORM_ROW_SPACING_PX = 3


class PipelinePanel(JobPanel):
    kind = "pipeline"
    title = QT_TRANSLATE_NOOP("JobPanel", "Pipeline")
    tracker_factory = PipelineProgressTracker

    def build(self, settings: QSettings) -> None:
        defaults = PipelineConfig()
        self.control: BatchControl | None = None
        self.batching = BatchingView(lambda: self.control if self.is_running else None)
        self.ingress = spin_box(1, MAX_INGRESS, settings.value("pipeline/ingress", defaults.ingress, type=int))
        self.endpoint: str = ""
        self.host = QLineEdit(settings.value("pipeline/host", defaults.host, type=str))
        self.port = spin_box(0, 65535, settings.value("pipeline/port", defaults.port, type=int), group_separator=False)
        self.preprocess_workers = spin_box(
            1, 32, settings.value("pipeline/preprocess_workers", defaults.preprocess_workers, type=int)
        )
        self.receivers = spin_box(1, 16, settings.value("pipeline/receivers", defaults.receivers, type=int))
        self.replicas = spin_box(1, 16, settings.value("pipeline/replicas", defaults.replicas, type=int))
        self.max_batch = spin_box(
            1, MAX_BATCH_LIMIT, settings.value("pipeline/max_batch", defaults.max_batch, type=int)
        )
        self.max_delay_ms = QDoubleSpinBox()
        self.max_delay_ms.setRange(0, 60_000)
        self.max_delay_ms.setDecimals(0)
        self.max_delay_ms.setSuffix(" ms")
        self.max_delay_ms.setValue(settings.value("pipeline/max_delay_ms", float(defaults.max_delay_ms), type=float))
        for box in (self.max_batch, self.max_delay_ms):
            box.valueChanged.connect(self._on_batching_changed)
        self.model = QLineEdit(settings.value("pipeline/model", DEFAULT_MODEL, type=str))
        self.index_dir = PathPicker("pipeline/index_dir", "dir")
        self.endpoint_label = QLabel()
        self.endpoint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.endpoint_label.setObjectName("endpoint")

        self.form = form = QFormLayout()
        host_port = QHBoxLayout()
        host_port.addWidget(self.host, 2)
        self.port_label = QLabel()
        host_port.addWidget(self.port_label)
        host_port.addWidget(self.port, 1)
        self.listen_label = QLabel()
        form.addRow(self.listen_label, host_port)
        for field in (
            self.preprocess_workers,
            self.receivers,
            self.replicas,
            self.max_batch,
            self.max_delay_ms,
            self.batching.controls,
            self.ingress,
            self.model,
            self.index_dir,
        ):
            form.addRow(QLabel(), field)
        form.addRow(self.button_row())
        form.addRow(QLabel(), self.endpoint_label)
        self.service_box = service_box = QGroupBox()
        service_box.setLayout(form)
        self.load = LoadGeneratorBox(self.services)
        self.try_box = TryItBox()

        self.diagram = StageDiagram()
        self.service_status = QLabel("")
        self.service_status.setWordWrap(True)
        self.throughput_chart = TimeSeriesChart(
            QT_TRANSLATE_NOOP("Charts", "Throughput per stage"), QT_TRANSLATE_NOOP("Charts", "items/s")
        )
        self.depth_chart = TimeSeriesChart(
            QT_TRANSLATE_NOOP("Charts", "Queue depth per hop"), QT_TRANSLATE_NOOP("Charts", "messages")
        )
        self.latency_chart = TimeSeriesChart(QT_TRANSLATE_NOOP("Charts", "Latency (answered requests)"), "ms")
        self.batch_chart = TimeSeriesChart(
            QT_TRANSLATE_NOOP("Charts", "Batch size"), QT_TRANSLATE_NOOP("Charts", "items")
        )
        self.flush_chart = BarChart(
            QT_TRANSLATE_NOOP("Charts", "Flush reasons"), QT_TRANSLATE_NOOP("Charts", "batches")
        )
        self.status_chart = TimeSeriesChart(
            QT_TRANSLATE_NOOP("Charts", "Answers by HTTP status"), QT_TRANSLATE_NOOP("Charts", "requests/s")
        )
        self.status_chart.set_color("200", "#2ca02c")
        for chart in self._time_charts().values():
            chart.setMinimumHeight(150)

        # The forms scroll rather than set the panel's minimum height: the window's Processes list
        # below keeps room for several rows at the default size. Their rows sit closer than the
        # style's default so that "Try it", last in the column, shows without scrolling at the
        # default window size (1280×860), in Chinese too, with an answer of three lines.
        for dense in (form, self.load.form):
            dense.setVerticalSpacing(FORM_ROW_SPACING_PX)
        for box_layout in (form, self.load.form, self.try_box.layout()):
            margins = box_layout.contentsMargins()
            box_layout.setContentsMargins(margins.left(), FORM_ROW_SPACING_PX, margins.right(), FORM_ROW_SPACING_PX)
        left_widget = QWidget()
        left = QVBoxLayout(left_widget)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(service_box)
        left.addWidget(self.load)
        left.addWidget(self.try_box)
        left.addStretch(1)
        self.forms_scroll = VerticalScrollArea(left_widget)
        charts = grid_of_rows(
            (self.throughput_chart, self.depth_chart, self.latency_chart),
            (self.batch_chart, self.flush_chart, self.status_chart),
        )
        right = QVBoxLayout()
        right.addWidget(self.diagram)
        right.addWidget(self.service_status)
        right.addWidget(self.batching.chart_tabs(charts), 1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.forms_scroll, 2)
        layout.addLayout(right, 5)
        self.controller.on_tick.append(self._check_service_ready)
        counts = (self.ingress, self.preprocess_workers, self.receivers, self.replicas)
        self.diagram.plan_from(counts, lambda: self.is_running)

    def retranslate(self) -> None:
        self.port_label.setText(self.tr("port"))
        self.ingress.setToolTip(self.tr("HTTP processes sharing the port, so parsing is not one core's job"))
        self.port.setToolTip(self.tr("0 picks a free port"))
        for box in (self.max_batch, self.max_delay_ms):
            box.setToolTip(self.tr("Applies live to a running service"))
        self.index_dir.set_caption(
            self.tr("Dialogues output folder to index"), self.tr("empty: demo dialogues made on the spot")
        )
        self.listen_label.setText(self.tr("Listen on"))
        for field, text in (
            (self.preprocess_workers, self.tr("Preprocess workers")),
            (self.receivers, self.tr("Receivers")),
            (self.replicas, self.tr("Predictor replicas")),
            (self.max_batch, self.tr("Max batch")),
            (self.max_delay_ms, self.tr("Max delay")),
            (self.batching.controls, self.tr("Batching")),
            (self.ingress, self.tr("Ingress processes")),
            (self.model, self.tr("Model")),
            (self.index_dir, self.tr("Index")),
            (self.endpoint_label, self.tr("Endpoint")),
        ):
            self.form.labelForField(field).setText(text)
        self.service_box.setTitle(self.tr("Inference service"))
        self._update_endpoint_label()
        super().retranslate()

    def input_picker(self) -> Any:
        return self.index_dir

    def report_summary(self) -> str:
        return "<br>".join(
            t for t in (self.endpoint_label.text(), self.service_status.text(), self.load.stats.text()) if t
        )

    def _update_endpoint_label(self) -> None:
        """Not running, starting, the URL, stopped or failed: from the run's state."""
        finished = self.monitor.finished if self.monitor is not None else None
        progress = self.job_progress
        if self.run is None:
            text = self.tr("not running")
        elif finished is not None or self.run.finished:
            if finished is not None and not (finished.cancelled or finished.ok):
                text = "<span style='color:#c62828'>{}</span>".format(
                    self.tr("failed: {error}").format(error=failure_text(finished))
                )
            else:
                text = self.tr("stopped")
        elif progress is not None and progress.ready:
            text = f"{self.endpoint}/v1/predict"
        else:
            text = self.tr("{url}/v1/predict  (starting…)").format(url=self.endpoint)
        if self.endpoint_label.text() != text:
            self.endpoint_label.setText(text)

    # -- JobPanel ----------------------------------------------------------------------------------
    def make_config(self) -> tuple[JobFunction, Any]:
        host = self.host.text().strip() or "127.0.0.1"
        port = self.port.value() or find_free_port(host)
        try:
            check_port_free(host, port)
        except OSError as exc:
            raise ValueError(self.tr("{error}. Choose another port (0 picks a free one).").format(error=exc)) from None
        index = self.index_dir.text() or None
        if index and not (Path(index).expanduser() / "std" / "train.txt").is_file():
            raise ValueError(
                self.tr("{folder} holds no std/train.txt: choose a Dialogues output folder, or leave it empty.").format(
                    folder=index
                )
            )
        config = PipelineConfig(
            host=host,
            port=port,
            preprocess_workers=self.preprocess_workers.value(),
            receivers=self.receivers.value(),
            replicas=self.replicas.value(),
            max_batch=self.max_batch.value(),
            max_delay_ms=self.max_delay_ms.value(),
            batching=self.batching.policy_name,
            target_p99_ms=self.batching.target_p99_ms,
            ingress=self.ingress.value(),
            model=self.model.text().strip() or DEFAULT_MODEL,
            index_dir=str(Path(index).expanduser()) if index else None,
        )
        check_plugins(config)  # ValueError with the reason → shown to the person
        self.control = BatchControl.from_config(config)
        self.endpoint = config.url
        self._save_settings()
        return functools.partial(run_pipeline, control=self.control), config

    def _save_settings(self) -> None:
        keys = ("port", "preprocess_workers", "receivers", "replicas", "max_batch", "max_delay_ms", "ingress")
        values = {f"pipeline/{key}": getattr(self, key).value() for key in keys}
        save_settings({**values, "pipeline/host": self.host.text(), "pipeline/model": self.model.text()})
        self.load.save_settings()
        self.batching.save_settings()
        self.index_dir.remember()

    def _time_charts(self) -> dict[str, TimeSeriesChart]:
        return {
            THROUGHPUT_CHART: self.throughput_chart,
            DEPTH_CHART: self.depth_chart,
            LATENCY_CHART: self.latency_chart,
            BATCH_CHART: self.batch_chart,
            STATUS_CHART: self.status_chart,
        }

    def on_run_reset(self) -> None:
        labels = {THROUGHPUT_CHART: term, DEPTH_CHART: lambda stage: f"→ {term(stage)}"}
        for name, chart in self._time_charts().items():
            chart.bind(self.controller.tracker.history(name), labels.get(name, term))
        self.flush_chart.set_keyed_values([], [], term)
        self.batching.bind(self.controller.tracker)
        self._update_endpoint_label()
        self.try_box.answer.setText("")
        self.load.set_service_state(starting=True)
        self.try_box.set_service_state(starting=True)

    def stop_job(self) -> None:
        self.load.stop()
        super().stop_job()

    def on_job_event(self, message: Any) -> None:
        if isinstance(message, JobFinished):
            self.load.stop()
            self.try_box.set_endpoint("")
            self.load.set_endpoint("")
            self.load.set_service_state(starting=False)
            self.try_box.set_service_state(starting=False)
            self._update_endpoint_label()

    # -- live view ---------------------------------------------------------------------------------
    def _check_service_ready(self) -> None:
        """Every tick, visible or not: once the predictors are ready the endpoint opens for "Try it"
        and the load generator (which starts by itself if "Start load" was clicked while starting)."""
        p: PipelineProgress | None = self.job_progress
        if p is None or not self.is_running or self.run.stopping:
            return
        if p.ready and not self.try_box.endpoint:
            self._update_endpoint_label()
            self.try_box.set_endpoint(self.endpoint)
            self.load.set_endpoint(self.endpoint)
        elif not p.ready:
            self.load.set_waiting(p.replicas_ready, self.replicas.value())

    def refresh_views(self) -> None:
        p: PipelineProgress = self.job_progress
        views = []
        for s in p.stages:
            note = ""
            if s.inflight_items is not None:
                note = self.tr("in flight {n}").format(n=f"{s.inflight_items:,}")
            elif s.waiting_items is not None:
                note = self.tr("waiting {n}").format(n=f"{s.waiting_items:,}")
            views.append(
                StageView(
                    s.stage,
                    term(s.stage),
                    max(1, s.workers),
                    s.rate_per_s,
                    s.busy_share,
                    s.depth,
                    s.bound,
                    alive=s.alive,
                    note=note,
                )
            )
        self.diagram.set_stages(views, (p.results_depth, p.results_bound))
        if p.flushes:
            self.flush_chart.set_keyed_values(list(p.flushes), list(p.flushes.values()), term)
        self._update_status_text(p)
        self.batching.refresh(p)
        for chart in self._time_charts().values():
            chart.redraw()

    def _update_status_text(self, p: PipelineProgress) -> None:
        parts = []
        if p.answers:
            parts.append(
                self.tr("answered {counts}").format(
                    counts=", ".join(f"{code}: {format_count(n)}" for code, n in p.answers.items())
                )
            )
        if p.max_batch is not None:  # the coordinator has reported
            parts.append(
                self.tr("predictors ready {ready}/{total}").format(ready=p.replicas_ready, total=self.replicas.value())
            )
            if p.restarts:
                parts.append(
                    "<span style='color:#c62828'>{}</span>".format(
                        self.tr("{restarts} stage restarts, {lost} requests answered with an error").format(
                            restarts=p.restarts, lost=p.lost_items
                        )
                    )
                )
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
