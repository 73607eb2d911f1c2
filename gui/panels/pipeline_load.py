"""The Pipeline panel's load generator: open-loop Poisson load on the service from its own process.

It is a run like any other (a ``RunController`` of kind ``loadgen``, with its own status queue); its
rate is a shared value behind the slider, so moving the slider retunes the running generator.
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from engine.context import SPAWN
from engine.pipeline.loadtest import LoadtestConfig, loadtest_job
from engine.pipeline.progress import CONNECTION_ERROR, LoadgenProgress, LoadgenProgressTracker
from gui.formatting import format_count
from gui.run_controller import AppServices, RunController
from gui.widgets.forms import spin_box

MAX_LOAD_RATE = 20_000  # above what the service answers on 2 cores (~12k/s), so overload can be shown


class LoadGeneratorBox(QGroupBox):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__("Load generator (open loop, Poisson arrivals)", parent)
        settings = QSettings()
        self.controller = RunController(services, "loadgen", LoadgenProgressTracker, self)
        self.controller.on_tick.append(self._update_view)
        self.controller.running_changed.connect(self._on_running_changed)
        self.endpoint = ""
        self.rate_value: Any = None
        self.rate = QSlider(Qt.Orientation.Horizontal)
        self.rate.setRange(0, MAX_LOAD_RATE)
        self.rate.setSingleStep(10)
        self.rate.setPageStep(500)
        self.rate.setValue(settings.value("pipeline/load_rate", 200, type=int))
        self.rate.valueChanged.connect(self._on_rate_changed)
        self.rate_label = QLabel()
        self.concurrency = spin_box(1, 10_000, settings.value("pipeline/load_concurrency", 1024, type=int))
        self.button = QPushButton("Start load")
        self.button.setObjectName("loadButton")
        self.button.clicked.connect(self.toggle)
        self.button.setEnabled(False)
        self.stats = QLabel("")
        self.stats.setWordWrap(True)
        self._on_rate_changed(self.rate.value())
        form = QFormLayout(self)
        rate_row = QHBoxLayout()
        rate_row.addWidget(self.rate, 1)
        rate_row.addWidget(self.rate_label)
        form.addRow("Rate", rate_row)
        form.addRow("Max open", self.concurrency)
        form.addRow(self.button)
        form.addRow(self.stats)

    @property
    def is_running(self) -> bool:
        return self.controller.is_running

    def save_settings(self) -> None:
        settings = QSettings()
        settings.setValue("pipeline/load_rate", self.rate.value())
        settings.setValue("pipeline/load_concurrency", self.concurrency.value())

    def set_endpoint(self, endpoint: str) -> None:
        """The service answers at ``endpoint`` (empty: no service; the button is disabled)."""
        self.endpoint = endpoint
        self.button.setEnabled(bool(endpoint))

    def toggle(self) -> None:
        if self.is_running:
            self.stop()
        else:
            self.start()

    def start(self) -> bool:
        if not self.endpoint or self.is_running:
            return False
        self.rate_value = SPAWN.RawValue("d", float(self.rate.value()))
        config = LoadtestConfig(url=f"{self.endpoint}/v1/predict", rate_per_s=float(self.rate.value()),
                                duration_s=0, concurrency=self.concurrency.value())
        self.controller.start(functools.partial(loadtest_job, rate=self.rate_value), config)
        self.save_settings()
        return True

    def stop(self) -> None:
        if self.controller.stop(grace_s=5.0, terminate_s=2.0):
            self.button.setText("Stopping load…")

    def _on_running_changed(self, running: bool) -> None:
        self.button.setText("Stop load" if running else "Start load")

    def _on_rate_changed(self, value: int) -> None:
        self.rate_label.setText(f"{value:,} req/s")
        if self.rate_value is not None:
            self.rate_value.value = float(value)

    def _update_view(self) -> None:
        p: LoadgenProgress | None = self.controller.progress
        if p is None or not p.reporting:
            return
        statuses = ", ".join(f"{'conn error' if code == CONNECTION_ERROR else code}: {format_count(n)}"
                             for code, n in p.answers.items())
        text = (f"sent {format_count(p.sent)} · {statuses or 'no answers yet'}<br>"
                f"client latency p50 {p.latency_p50_ms:.0f} ms · p99 {p.latency_p99_ms:.0f} ms"
                f" · open {p.open_requests:,}")
        if p.skipped_at_cap:
            text += f" · {format_count(p.skipped_at_cap)} not sent (max open reached)"
        if not p.running:
            text += " · stopped"
        if self.stats.text() != text:
            self.stats.setText(text)

    def shutdown(self) -> None:
        self.rate_value = None
