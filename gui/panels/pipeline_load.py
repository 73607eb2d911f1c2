"""The Pipeline panel's load generator: open-loop Poisson load on the service from its own process.

It is a run like any other (a ``RunController`` of kind ``loadgen``, with its own status queue); its
rate is a shared value behind the slider, so moving the slider retunes the running generator.

"Start load" clicked while the service is still starting (predictors not ready) is queued: the box
says so, with how many predictors are ready, and starts the load by itself once the service answers
(``set_endpoint``); clicking again cancels the queued start. With no service the button is disabled
and its tooltip says why.
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from engine.context import SPAWN
from engine.pipeline.loadtest import LoadtestConfig, loadtest_job
from engine.pipeline.progress import CONNECTION_ERROR, LoadgenProgress, LoadgenProgressTracker
from gui import settings_writer
from gui.engine_messages import http_status_text
from gui.formatting import format_count
from gui.run_controller import AppServices, RunController
from gui.terms import term
from gui.widgets.forms import spin_box
from gui.widgets.retranslate import RetranslateOnLanguageChange

MAX_LOAD_RATE = 20_000  # above what the service answers on 2 cores (~12k/s), so overload can be shown


class LoadGeneratorBox(RetranslateOnLanguageChange, QGroupBox):
    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        settings = QSettings()
        self.controller = RunController(services, "loadgen", LoadgenProgressTracker, self)
        self.controller.on_tick.append(self._update_view)
        self.controller.running_changed.connect(self._on_running_changed)
        self.endpoint = ""
        self.service_starting = False
        self.queued = False  # "Start load" clicked while the service was starting
        self._ready = (0, 0)
        self.rate_value: Any = None
        self.rate = QSlider(Qt.Orientation.Horizontal)
        self.rate.setRange(0, MAX_LOAD_RATE)
        self.rate.setSingleStep(10)
        self.rate.setPageStep(500)
        self.rate.setValue(settings.value("pipeline/load_rate", 200, type=int))
        self.rate.valueChanged.connect(self._on_rate_changed)
        self.rate_label = QLabel()
        self.concurrency = spin_box(1, 10_000, settings.value("pipeline/load_concurrency", 1024, type=int))
        self.button = QPushButton()
        self.button.setObjectName("loadButton")
        self.button.clicked.connect(self.toggle)
        self.button.setEnabled(False)
        self.stats = QLabel("")
        self.stats.setWordWrap(True)
        self._on_rate_changed(self.rate.value())
        self.form = form = QFormLayout(self)
        rate_row = QHBoxLayout()
        rate_row.addWidget(self.rate, 1)
        rate_row.addWidget(self.rate_label)
        self.rate_row_label = QLabel()
        form.addRow(self.rate_row_label, rate_row)
        # The button beside the field, not on a row of its own: the panel's column must leave room
        # for "Try it" under this box at the default window size.
        concurrency_row = QHBoxLayout()
        concurrency_row.addWidget(self.concurrency, 1)
        concurrency_row.addWidget(self.button, 1)
        self.concurrency_label = QLabel()
        form.addRow(self.concurrency_label, concurrency_row)
        form.addRow(self.stats)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Load generator (open loop, Poisson arrivals)"))
        self.rate_row_label.setText(self.tr("Rate"))
        self.concurrency_label.setText(self.tr("Max open"))
        self._on_rate_changed(self.rate.value())
        self._update_button()
        self._update_view(force=True)

    def _update_button(self) -> None:
        """The button's text, whether it can be clicked and why not, from the state."""
        if self.is_running:
            text = self.tr("Stopping load…") if self.controller.run.stopping else self.tr("Stop load")
            enabled, tip = not self.controller.run.stopping, ""
        elif self.queued:
            text, enabled, tip = self.tr("Cancel queued load"), True, ""
        elif self.endpoint:
            text, enabled, tip = self.tr("Start load"), True, ""
        elif self.service_starting:
            text, enabled = self.tr("Start load when ready"), True
            tip = self.tr("The service is starting: the load starts by itself once the predictors are ready.")
        else:
            text, enabled, tip = self.tr("Start load"), False, self.tr("Start the inference service first.")
        self.button.setText(text)
        self.button.setEnabled(enabled)
        self.button.setToolTip(tip)

    @property
    def is_running(self) -> bool:
        return self.controller.is_running

    def save_settings(self) -> None:
        settings_writer.save_settings(
            {"pipeline/load_rate": self.rate.value(), "pipeline/load_concurrency": self.concurrency.value()}
        )

    def set_endpoint(self, endpoint: str) -> None:
        """The service answers at ``endpoint`` (empty: no service; the button is disabled). A load
        queued while the service was starting starts now."""
        self.endpoint = endpoint
        if endpoint:
            self.service_starting = False
        if endpoint and self.queued:
            self.queued = False
            self.start()
        self._update_button()
        self._update_view(force=True)

    def set_service_state(self, starting: bool) -> None:
        """The service has been started and is not ready yet (True), or is over (False: a queued
        load is forgotten)."""
        self.service_starting = starting
        if not starting:
            self.queued = False
            self._ready = (0, 0)
        self._update_button()
        self._update_view(force=True)

    def set_waiting(self, ready: int, total: int) -> None:
        """How many predictors are ready while the service starts (shown while a load is queued)."""
        if (ready, total) != self._ready:
            self._ready = (ready, total)
            self._update_view(force=True)

    def toggle(self) -> None:
        if self.is_running:
            self.stop()
        elif self.queued:
            self.queued = False
            self._update_button()
            self._update_view(force=True)
        elif not self.endpoint and self.service_starting:
            self.queued = True
            self._update_button()
            self._update_view(force=True)
        else:
            self.start()

    def start(self) -> bool:
        if not self.endpoint or self.is_running:
            return False
        self.rate_value = SPAWN.RawValue("d", float(self.rate.value()))
        config = LoadtestConfig(
            url=f"{self.endpoint}/v1/predict",
            rate_per_s=float(self.rate.value()),
            duration_s=0,
            concurrency=self.concurrency.value(),
        )
        self.controller.start(functools.partial(loadtest_job, rate=self.rate_value), config)
        self.save_settings()
        return True

    def stop(self) -> None:
        self.queued = False
        self.controller.stop(grace_s=5.0, terminate_s=2.0)
        self._update_button()

    def _on_running_changed(self, running: bool) -> None:
        self._update_button()
        self._update_view(force=True)

    def _on_rate_changed(self, value: int) -> None:
        self.rate_label.setText(self.tr("{rate} req/s").format(rate=f"{value:,}"))
        if self.rate_value is not None:
            self.rate_value.value = float(value)

    def _update_view(self, force: bool = False) -> None:
        if self.queued:
            ready, total = self._ready
            text = self.tr(
                "Load queued: it starts by itself when the predictors are ready ({ready}/{total} ready)."
            ).format(ready=ready, total=total or "?")
            if self.stats.text() != text:
                self.stats.setText(text)
            return
        p: LoadgenProgress | None = self.controller.progress
        if p is None or not p.reporting:
            if self.is_running:  # started, not reporting yet: never leave an earlier line standing
                text = self.tr("Starting the load generator…")
                if self.stats.text() != text:
                    self.stats.setText(text)
            elif force and self.stats.text():
                self.stats.setText("")
            return
        statuses = ", ".join(
            f"{term('conn error') if code == CONNECTION_ERROR else http_status_text(code)}: {format_count(n)}"
            for code, n in p.answers.items()
        )
        text = (
            self.tr("sent {sent} · {statuses}").format(
                sent=format_count(p.sent), statuses=statuses or self.tr("no answers yet")
            )
            + "<br>"
            + self.tr("client latency p50 {p50} ms · p99 {p99} ms · open {open}").format(
                p50=f"{p.latency_p50_ms:.0f}", p99=f"{p.latency_p99_ms:.0f}", open=f"{p.open_requests:,}"
            )
        )
        if p.skipped_at_cap:
            text += " · " + self.tr("{n} not sent (max open reached)").format(n=format_count(p.skipped_at_cap))
        if not p.running:
            text += " · " + self.tr("stopped")
        if self.stats.text() != text:
            self.stats.setText(text)

    def shutdown(self) -> None:
        self.rate_value = None
