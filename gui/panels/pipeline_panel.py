"""The Pipeline panel: run the inference service, watch every stage live, load it, try it.

Layout::

    ┌ settings (sizes, model, index) ┐  ┌ stage diagram: A → B×n → C×n → batcher → predictor×n → A ┐
    │ Start / Stop · endpoint URL    │  ├ throughput per stage │ queue depth per hop │ latency p50/95/99 ┤
    ├ load generator (rate slider)   ┤  ├ batch size          │ flush reasons        │                   ┤
    └ try it (one message → answer)  ┘  └───────────────────────────────────────────────────────────────┘

The service runs as a JobRun (coordinator process owning every stage). Max batch and max delay
are shared values (``BatchControl``) the batcher re-reads every loop, so the spin boxes retune a
running service. The load generator is a second JobRun in its own process; its rate is a shared
value behind the slider. "Try it" posts with QNetworkAccessManager: the event loop never waits.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QUrl
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest
from PySide6.QtWidgets import (
    QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSlider,
    QVBoxLayout, QWidget,
)

from engine.context import SPAWN
from engine.pipeline.config import DEFAULT_MODEL, MAX_BATCH_LIMIT, PipelineConfig
from engine.pipeline.loadtest import LoadtestConfig, loadtest_job
from engine.pipeline.service import check_plugins, check_port_free, find_free_port, run_pipeline
from engine.pipeline.stage import BatchControl
from engine.runner import JobFunction, JobRun
from engine.status import JobFinished
from gui.models import JobMonitor, RateMeter, format_count
from gui.widgets.forms import spin_box
from gui.panels.base import AppServices, JobPanel
from gui.panels.pipeline_diagram import StageDiagram, StageView
from gui.widgets.charts import BarChart, TimeSeriesChart
from gui.widgets.path_picker import PathPicker

#: (stage in snapshots, title in the diagram)
STAGES = (("ingress", "A ingress"), ("preprocess", "B preprocess"), ("receiver", "C receivers"),
          ("batcher", "batcher"), ("predictor", "predictor"))
MAX_LOAD_RATE = 20_000  # above what the service answers on 2 cores (~12k/s), so overload can be shown



class PipelinePanel(JobPanel):
    kind = "pipeline"
    title = "Pipeline"

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(services, parent)
        settings = self.settings()
        defaults = PipelineConfig()
        self.control: BatchControl | None = None
        self.endpoint: str = ""
        self.host = QLineEdit(str(settings.value("pipeline/host", defaults.host)))
        self.port = spin_box(0, 65535, int(settings.value("pipeline/port", defaults.port)), group_separator=False)
        self.port.setToolTip("0 picks a free port")
        self.preprocess_workers = spin_box(1, 32, int(settings.value("pipeline/preprocess_workers",
                                                                  defaults.preprocess_workers)))
        self.receivers = spin_box(1, 16, int(settings.value("pipeline/receivers", defaults.receivers)))
        self.replicas = spin_box(1, 16, int(settings.value("pipeline/replicas", defaults.replicas)))
        self.max_batch = spin_box(1, MAX_BATCH_LIMIT, int(settings.value("pipeline/max_batch", defaults.max_batch)))
        self.max_delay_ms = QDoubleSpinBox()
        self.max_delay_ms.setRange(0, 60_000)
        self.max_delay_ms.setDecimals(0)
        self.max_delay_ms.setSuffix(" ms")
        self.max_delay_ms.setValue(float(settings.value("pipeline/max_delay_ms", defaults.max_delay_ms)))
        for box in (self.max_batch, self.max_delay_ms):
            box.setToolTip("Applies live to a running service")
            box.valueChanged.connect(self._on_batching_changed)
        self.model = QLineEdit(str(settings.value("pipeline/model", DEFAULT_MODEL)))
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
        form.addRow("Model", self.model)
        form.addRow("Index", self.index_dir)
        buttons = self.button_row()
        form.addRow(buttons)
        form.addRow("Endpoint", self.endpoint_label)
        service_box = QGroupBox("Inference service")
        service_box.setLayout(form)

        # Load generator: a second job in its own process.
        self.load_run: JobRun | None = None
        self.load_monitor: JobMonitor | None = None
        self.load_rate_value: Any = None
        self.load_rate = QSlider(Qt.Orientation.Horizontal)
        self.load_rate.setRange(0, MAX_LOAD_RATE)
        self.load_rate.setSingleStep(10)
        self.load_rate.setPageStep(500)
        self.load_rate.setValue(int(settings.value("pipeline/load_rate", 200)))
        self.load_rate.valueChanged.connect(self._on_load_rate_changed)
        self.load_rate_label = QLabel()
        self.load_concurrency = spin_box(1, 10_000, int(settings.value("pipeline/load_concurrency", 1024)))
        self.load_button = QPushButton("Start load")
        self.load_button.setObjectName("loadButton")
        self.load_button.clicked.connect(self._toggle_load)
        self.load_button.setEnabled(False)
        self.load_stats = QLabel("")
        self.load_stats.setWordWrap(True)
        self._on_load_rate_changed(self.load_rate.value())
        load_form = QFormLayout()
        rate_row = QHBoxLayout()
        rate_row.addWidget(self.load_rate, 1)
        rate_row.addWidget(self.load_rate_label)
        load_form.addRow("Rate", rate_row)
        load_form.addRow("Max open", self.load_concurrency)
        load_form.addRow(self.load_button)
        load_form.addRow(self.load_stats)
        load_box = QGroupBox("Load generator (open loop, Poisson arrivals)")
        load_box.setLayout(load_form)

        # Try it: one request, answered without blocking the event loop.
        self.network = QNetworkAccessManager(self)
        self.try_text = QLineEdit()
        self.try_text.setPlaceholderText("type a customer message, e.g. 请问这个还有货吗")
        self.try_text.returnPressed.connect(self.send_try)
        self.try_button = QPushButton("Send")
        self.try_button.clicked.connect(self.send_try)
        self.try_button.setEnabled(False)
        self.try_answer = QLabel("")
        self.try_answer.setWordWrap(True)
        self.try_answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.try_answer.setObjectName("tryAnswer")
        try_row = QHBoxLayout()
        try_row.addWidget(self.try_text, 1)
        try_row.addWidget(self.try_button)
        try_layout = QVBoxLayout()
        try_layout.addLayout(try_row)
        try_layout.addWidget(self.try_answer)
        try_box = QGroupBox("Try it")
        try_box.setLayout(try_layout)

        self.diagram = StageDiagram()
        self.service_status = QLabel("")
        self.service_status.setWordWrap(True)
        self.throughput_chart = TimeSeriesChart("Throughput per stage", "items/s")
        self.depth_chart = TimeSeriesChart("Queue depth per hop", "messages")
        self.latency_chart = TimeSeriesChart("Latency (answered requests)", "ms")
        self.batch_chart = TimeSeriesChart("Batch size", "items")
        self.flush_chart = BarChart("Flush reasons", "batches")
        self.status_chart = TimeSeriesChart("Answers by HTTP status", "requests/s")
        self.status_chart.add_series("200", "#2ca02c")
        self._status_meters: dict[str, RateMeter] = {}
        for chart in self._time_charts():
            chart.setMinimumHeight(150)
        for name in ("p50", "p95", "p99"):
            self.latency_chart.add_series(name)
        self.batch_chart.add_series("mean batch")
        self.batch_chart.add_series("max batch")

        left = QVBoxLayout()
        left.addWidget(service_box)
        left.addWidget(load_box)
        left.addWidget(try_box)
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
        right.addLayout(charts, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 5)
        self._rates: dict[str, RateMeter] = {}
        self._busy: dict[str, RateMeter] = {}
        self._batch_meter = (RateMeter(), RateMeter())
        services.poller.add_tick_hook(self._poll_load_run)

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
            model=self.model.text().strip() or DEFAULT_MODEL,
            index_dir=str(Path(index).expanduser()) if index else None,
        )
        check_plugins(config)  # ValueError with the reason → shown to the person
        self.control = BatchControl(config.max_batch, config.max_delay_ms)
        self.endpoint = config.url
        self._save_settings()
        return functools.partial(run_pipeline, control=self.control), config

    def _save_settings(self) -> None:
        settings = self.settings()
        settings.setValue("pipeline/host", self.host.text())
        for key in ("port", "preprocess_workers", "receivers", "replicas", "max_batch", "max_delay_ms"):
            settings.setValue(f"pipeline/{key}", getattr(self, key).value())
        settings.setValue("pipeline/model", self.model.text())
        settings.setValue("pipeline/load_rate", self.load_rate.value())
        settings.setValue("pipeline/load_concurrency", self.load_concurrency.value())
        self.index_dir.remember()

    def _time_charts(self) -> tuple[TimeSeriesChart, ...]:
        return (self.throughput_chart, self.depth_chart, self.latency_chart, self.batch_chart, self.status_chart)

    def on_run_reset(self) -> None:
        for chart in self._time_charts():
            chart.clear_data()
        self._status_meters.clear()
        self.flush_chart.set_values([], [])
        self._rates.clear()
        self._busy.clear()
        self._batch_meter = (RateMeter(), RateMeter())
        self.endpoint_label.setText(f"{self.endpoint}/v1/predict  (starting…)")
        self.try_answer.setText("")

    def stop_job(self) -> None:
        self._stop_load()
        super().stop_job()

    def on_job_event(self, message: Any) -> None:
        if isinstance(message, JobFinished):
            self._stop_load()
            self.try_button.setEnabled(False)
            self.load_button.setEnabled(False)
            if message.cancelled or message.ok:
                self.endpoint_label.setText("stopped")
            else:
                self.endpoint_label.setText(f"<span style='color:#c62828'>failed: {message.error}</span>")

    # -- live view ---------------------------------------------------------------------------------
    def _stage_rate(self, stage: str, now: float, value: float, meters: dict[str, RateMeter]) -> float:
        meter = meters.setdefault(stage, RateMeter(window_s=2.0))
        meter.add(now, value)
        return max(0.0, meter.rate())

    def refresh_views(self) -> None:
        m = self.monitor
        if m is None:
            return
        now = m.elapsed_s()
        service = m.workers.get(("service", "0"))
        counters = service.snapshot.counters if service else {}
        ready = counters.get("replicas_ready", 0) > 0 and m.running
        if ready and not self.try_button.isEnabled():
            self.endpoint_label.setText(f"{self.endpoint}/v1/predict")
            self.try_button.setEnabled(True)
            self.load_button.setEnabled(True)
        views = []
        for stage, title in STAGES:
            workers = [w for w in m.stage_workers(stage) if w.exited is None or w.exited.expected]
            snaps = [w.snapshot for w in workers]
            out_total = sum(s.items_out for s in snaps)
            rate = self._stage_rate(stage, now, out_total, self._rates)
            busy = self._stage_rate(stage, now, sum(s.busy_s for s in snaps), self._busy) / max(1, len(snaps))
            depth, bound = self._hop_depth(stage, counters)
            note = ""
            if stage == "ingress" and snaps:
                note = f"in flight {snaps[0].counters.get('inflight_items', 0):,.0f}"
            elif stage == "batcher" and snaps:
                note = f"waiting {snaps[0].counters.get('waiting_items', 0):,.0f}"
            views.append(StageView(stage, title, max(1, len(snaps)), rate, min(1.0, busy), depth, bound,
                                   alive=bool(snaps), note=note))
            if m.running:
                self.throughput_chart.append(title, now, rate)
                if depth is not None:
                    self.depth_chart.append(f"→ {title}", now, depth)
        results = (int(counters.get("depth_results", 0)), int(counters.get("bound_results", 0)))
        self.diagram.set_stages(views, results)
        ingress = m.workers.get(("ingress", "0"))
        if ingress is not None and m.running:
            c = ingress.snapshot.counters
            for name in ("p50", "p95", "p99"):
                self.latency_chart.append(name, now, c.get(f"latency_{name}_ms", 0.0))
            for key, total in c.items():
                code = key[len("requests_"):]
                if key.startswith("requests_") and code.isdigit():
                    self.status_chart.append(code, now, self._stage_rate(code, now, total, self._status_meters))
        batches = m.counter("batches", stage="predictor")
        items = m.counter("batch_items", stage="predictor")
        if m.running:
            self._batch_meter[0].add(now, batches)
            self._batch_meter[1].add(now, items)
            per_s = self._batch_meter[0].rate()
            self.batch_chart.append("mean batch", now, self._batch_meter[1].rate() / per_s if per_s > 0 else 0.0)
            self.batch_chart.append("max batch", now, counters.get("max_batch", self.max_batch.value()))
        batcher = m.workers.get(("batcher", "0"))
        if batcher is not None:
            c = batcher.snapshot.counters
            self.flush_chart.set_values(["size", "deadline", "shutdown"],
                                        [c.get("flush_size", 0), c.get("flush_deadline", 0), c.get("flush_shutdown", 0)])
        self._update_status_text(counters, ingress)
        for chart in self._time_charts():
            chart.redraw()

    @staticmethod
    def _hop_depth(stage: str, counters: dict) -> tuple[int | None, int | None]:
        if stage == "ingress":
            return None, None
        if stage == "preprocess":
            keys = [k for k in counters if k.startswith("depth_preprocess-")]
            return (int(sum(counters[k] for k in keys)),
                    int(sum(counters.get(k.replace("depth_", "bound_"), 0) for k in keys))) if keys else (None, None)
        if f"depth_{stage}" not in counters:
            return None, None
        return int(counters[f"depth_{stage}"]), int(counters.get(f"bound_{stage}", 0))

    def _update_status_text(self, counters: dict, ingress: Any) -> None:
        parts = []
        if ingress is not None:
            c = ingress.snapshot.counters
            statuses = sorted((int(k.split("_")[1]), v) for k, v in c.items() if k.startswith("requests_") and
                              k.split("_")[1].isdigit())
            if statuses:
                parts.append("answered " + ", ".join(f"{code}: {format_count(v)}" for code, v in statuses))
        if counters:
            parts.append(f"predictors ready {counters.get('replicas_ready', 0):.0f}/{self.replicas.value()}")
            if counters.get("restarts"):
                parts.append(f"<span style='color:#c62828'>{counters['restarts']:.0f} stage restarts, "
                             f"{counters.get('lost_items', 0):.0f} requests answered with an error</span>")
        text = " · ".join(parts)
        if self.service_status.text() != text:
            self.service_status.setText(text)

    # -- live retuning -----------------------------------------------------------------------------
    def _on_batching_changed(self) -> None:
        if self.control is not None and self.is_running:
            self.control.set(max_batch=self.max_batch.value(), max_delay_ms=self.max_delay_ms.value())

    # -- load generator ----------------------------------------------------------------------------
    def _on_load_rate_changed(self, value: int) -> None:
        self.load_rate_label.setText(f"{value:,} req/s")
        if self.load_rate_value is not None:
            self.load_rate_value.value = float(value)

    def _toggle_load(self) -> None:
        if self.load_run is not None and not self.load_run.finished:
            self._stop_load()
        else:
            self.start_load()

    def start_load(self) -> bool:
        if not self.is_running or not self.endpoint or (self.load_run is not None and not self.load_run.finished):
            return False
        self.load_rate_value = SPAWN.RawValue("d", float(self.load_rate.value()))
        config = LoadtestConfig(url=f"{self.endpoint}/v1/predict", rate_per_s=float(self.load_rate.value()),
                                duration_s=0, concurrency=self.load_concurrency.value())
        self.load_run = JobRun("loadgen", functools.partial(loadtest_job, rate=self.load_rate_value), config,
                               self.services.poller.queue)
        self.load_monitor = JobMonitor(self.load_run.job_id)
        self.services.poller.subscribe(self.load_run.job_id, self.load_monitor.handle)
        self.load_run.start()
        self.services.register(self.load_run)
        self.load_button.setText("Stop load")
        return True

    def _stop_load(self) -> None:
        if self.load_run is not None and not self.load_run.finished and not self.load_run.stopping:
            self.load_run.request_stop(grace_s=5.0, terminate_s=2.0)
            self.load_button.setText("Stopping load…")

    def _poll_load_run(self) -> None:
        run = self.load_run
        if run is None:
            return
        if not run.finished:
            run.poll()
        elif self.load_button.text() != "Start load":
            self.load_button.setText("Start load")
        monitor = self.load_monitor
        if monitor is None or not monitor.dirty:
            return
        monitor.dirty = False
        gen = monitor.workers.get(("loadgen", "0"))
        if gen is None:
            return
        c = gen.snapshot.counters
        statuses = ", ".join(f"{'conn error' if k == 'status_0' else k[7:]}: {format_count(v)}"
                             for k, v in sorted(c.items()) if k.startswith("status_"))
        text = (f"sent {format_count(gen.snapshot.items_in)} · {statuses or 'no answers yet'}<br>"
                f"client latency p50 {c.get('latency_p50_ms', 0):.0f} ms · p99 {c.get('latency_p99_ms', 0):.0f} ms"
                f" · open {c.get('open_requests', 0):.0f}")
        if c.get("skipped_at_cap"):
            text += f" · {format_count(c['skipped_at_cap'])} not sent (max open reached)"
        if monitor.finished is not None:
            text += " · stopped"
        self.load_stats.setText(text)

    # -- try it ---------------------------------------------------------------------------------------
    def send_try(self) -> None:
        text = self.try_text.text().strip()
        if not text or not self.endpoint or not self.is_running:
            return
        request = QNetworkRequest(QUrl(f"{self.endpoint}/v1/predict"))
        request.setHeader(QNetworkRequest.KnownHeaders.ContentTypeHeader, "application/json")
        request.setTransferTimeout(15_000)
        reply = self.network.post(request, QByteArray(json.dumps({"text": text}).encode()))
        reply.finished.connect(lambda: self._on_try_finished(reply))
        self.try_answer.setText("asking…")

    def _on_try_finished(self, reply: QNetworkReply) -> None:
        body = bytes(reply.readAll().data())
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        reply.deleteLater()
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            payload = {}
        if status == 200 and "answer" in payload:
            answer = payload["answer"]
            if isinstance(answer, dict) and "reply" in answer:
                shown = (f"<b>{answer.get('reply') or '(no similar question indexed)'}</b><br>"
                         f"score {answer.get('score', 0):.3f} · matched “{answer.get('matched') or '–'}”")
            else:
                shown = f"<b>{json.dumps(answer, ensure_ascii=False)}</b>"
            self.try_answer.setText(f"{shown} · {payload.get('latency_ms', 0):.0f} ms · id {payload.get('id')}")
        else:
            reason = payload.get("error") or reply.errorString()
            self.try_answer.setText(f"<span style='color:#c62828'>{status or 'no answer'}: {reason}</span>")

    def shutdown(self) -> None:
        """Main window closing: the runs are already stopped; forget the shared values."""
        self.control = None
        self.load_rate_value = None
