"""The Pipeline panel's batching view: pick the policy and its p99 target, live, and watch what it decides.

Two parts, placed by the panel:

* ``BatchingView.controls`` — one form row (policy, p99 target) in the service form, next to max
  batch and max delay. A run starts with what it shows (``policy_name``, ``target_p99_ms``); while a
  run goes on, a change is written at once to the run's ``BatchControl`` (shared values the batcher
  re-reads every loop), so the service switches without a restart.
* the view itself — a line saying what the batcher reports it runs with and decided last, and four
  charts bound to the tracker's histories: latency predicted vs measured (with the wait and the
  target), the batch size chosen, flushes per second by reason, and the fitted service time a·n + b.

What the view shows comes from the batcher's own snapshots, never from the controls: a switch is
seen to have reached the batcher process when its line says so. ``chart_tabs`` puts the panel's
service charts and this view on two pages of one tab widget, so that neither squeezes the other at
the default window size.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSettings, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.pipeline.config import POLICIES, PipelineConfig
from engine.pipeline.progress import (
    DECISION_BATCH_CHART,
    DECISION_LATENCY_CHART,
    FIT_CHART,
    FLUSH_RATE_CHART,
    BatcherProgress,
    PipelineProgress,
    PipelineProgressTracker,
)
from engine.pipeline.stage import BatchControl
from gui import settings_writer
from gui.widgets.charts import TimeSeriesChart
from gui.widgets.retranslate import RetranslateOnLanguageChange

#: Longest p99 target the spin box offers: the default request timeout (10 s) answers 504 past it.
MAX_TARGET_MS = 10_000
#: A fixed colour per flush reason, so that a switch of policy reads as a change of colour.
FLUSH_COLORS = {"idle": "#2ca02c", "size": "#2a7ab9", "deadline": "#e07b00", "shed": "#c62828"}


class BatchingView(RetranslateOnLanguageChange, QWidget):
    """Policy and target controls (``controls``) and the batcher's decisions over time.

    ``control`` returns the running service's ``BatchControl``, or None when no service runs.
    """

    def __init__(self, control: Callable[[], BatchControl | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._control = control
        self.tabs: QTabWidget | None = None  # set by chart_tabs
        self.policy = QComboBox()
        self.target = QDoubleSpinBox()
        self.controls = self._build_controls()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Chart titles are translated by the charts themselves (context "Charts"), on every language change.
        self.latency_chart = TimeSeriesChart(
            QT_TRANSLATE_NOOP("Charts", "Latency: predicted vs measured p99"), QT_TRANSLATE_NOOP("Charts", "ms")
        )
        self.batch_chart = TimeSeriesChart(
            QT_TRANSLATE_NOOP("Charts", "Batch size chosen"), QT_TRANSLATE_NOOP("Charts", "items")
        )
        self.flush_chart = TimeSeriesChart(
            QT_TRANSLATE_NOOP("Charts", "Flushes by reason"), QT_TRANSLATE_NOOP("Charts", "batches/s")
        )
        self.fit_chart = TimeSeriesChart(
            QT_TRANSLATE_NOOP("Charts", "Service time fit a·n + b (log)"),
            QT_TRANSLATE_NOOP("Charts", "µs"),
            y_min_zero=False,
        )
        self.fit_chart.setLogMode(False, True)  # a (µs per item) and b (µs per batch) lie decades apart
        self._labels = self._style_charts()
        grid = QGridLayout()
        grid.addWidget(self.latency_chart, 0, 0)
        grid.addWidget(self.batch_chart, 0, 1)
        grid.addWidget(self.flush_chart, 1, 0)
        grid.addWidget(self.fit_chart, 1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(grid, 1)
        self._reported = False  # the summary shows the batcher's word once it has spoken
        self.retranslate()

    def retranslate(self) -> None:
        """Every text in the current language (on construction and on each language change)."""
        descriptions = {
            "idle": self.tr(
                "A free predictor takes what waits at once; items wait only while every predictor is busy (default)."
            ),
            "fixed": self.tr("A batch leaves at max batch items or after max delay, even while a predictor is idle."),
            "target": self.tr(
                "Batches sized to keep the predicted p99 within the target; what cannot "
                "meet it is answered 503 with Retry-After."
            ),
        }
        names = {"idle": self.tr("idle"), "fixed": self.tr("fixed"), "target": self.tr("target p99")}
        for index in range(self.policy.count()):
            policy = self.policy.itemData(index)
            self.policy.setItemText(index, names[policy])
            self.policy.setItemData(index, descriptions[policy], Qt.ItemDataRole.ToolTipRole)
        self.policy.setToolTip(self.tr("Batching policy; applies live to a running service"))
        self.target.setPrefix(self.tr("≤ "))
        self.target.setSuffix(self.tr(" ms"))
        self.target.setToolTip(self.tr("p99 latency the target policy plans for; applies live"))
        if not self._reported:
            self.summary.setText(self.tr("Start the service to see what the batcher decides."))
        if self.tabs is not None:
            self.tabs.setTabText(0, self.tr("Service"))
            self.tabs.setTabText(1, self.tr("Batching decisions"))
        for name, labels in self._series_labels().items():
            self._labels[name].update(labels)  # the bound label functions read these dicts

    def _build_controls(self) -> QWidget:
        """The policy combo and the target spin box side by side, as saved last time."""
        settings = QSettings()
        defaults = PipelineConfig()
        for policy in ("idle", "fixed", "target"):
            self.policy.addItem(policy, policy)
        saved = settings.value("pipeline/batching", defaults.batching, type=str)
        self.policy.setCurrentIndex(max(0, self.policy.findData(saved if saved in POLICIES else defaults.batching)))
        self.target.setRange(1, MAX_TARGET_MS)
        self.target.setDecimals(0)
        self.target.setValue(settings.value("pipeline/target_p99_ms", float(defaults.target_p99_ms), type=float))
        # A spin box's size hint is its minimum by default: let it shrink to its text so the form stays narrow.
        self.target.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        controls = QWidget()
        row = QHBoxLayout(controls)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.policy, 1)
        row.addWidget(self.target, 1)
        self.policy.currentIndexChanged.connect(self._on_policy_changed)
        self.target.valueChanged.connect(self._on_target_changed)
        self._update_target_enabled()
        return controls

    def _style_charts(self) -> dict[str, dict[str, str]]:
        """Minimum heights and fixed colours; returns each chart's series labels (engine name → shown)."""
        labels = self._series_labels()
        colors = {
            DECISION_LATENCY_CHART: {
                "predicted p99": "#2a7ab9",
                "measured p99": "#e07b00",
                "wait": "#6b6b6b",
                "target p99": "#c62828",
            },
            FLUSH_RATE_CHART: FLUSH_COLORS,
        }
        for name, chart in self.charts().items():
            chart.setMinimumHeight(140)
            for key, color in colors.get(name, {}).items():
                chart.set_color(labels[name][key], color)
        return labels

    def _series_labels(self) -> dict[str, dict[str, str]]:
        """Each chart's series: engine name → shown name, in the current language."""
        return {
            DECISION_LATENCY_CHART: {
                "predicted p99": self.tr("predicted p99"),
                "measured p99": self.tr("measured p99"),
                "wait": self.tr("wait of the batch"),
                "target p99": self.tr("target"),
            },
            DECISION_BATCH_CHART: {
                "last": self.tr("last batch"),
                "mean": self.tr("mean (2 s)"),
                "max batch": self.tr("max batch"),
            },
            FLUSH_RATE_CHART: {
                "idle": self.tr("idle"),
                "size": self.tr("size"),
                "deadline": self.tr("deadline"),
                "shed": self.tr("shed"),
            },
            FIT_CHART: {"a": self.tr("a per item"), "b": self.tr("b per batch")},
        }

    # -- what the panel asks ---------------------------------------------------------------------
    @property
    def policy_name(self) -> str:
        """The policy picked (one of ``POLICIES``), for the run's config."""
        return str(self.policy.currentData())

    @property
    def target_p99_ms(self) -> float:
        return float(self.target.value())

    def charts(self) -> dict[str, TimeSeriesChart]:
        return {
            DECISION_LATENCY_CHART: self.latency_chart,
            DECISION_BATCH_CHART: self.batch_chart,
            FLUSH_RATE_CHART: self.flush_chart,
            FIT_CHART: self.fit_chart,
        }

    def chart_tabs(self, service_charts: QLayout) -> QTabWidget:
        """The panel's service charts (first page, shown by default) and this view, as tabs."""
        tabs = QTabWidget()
        page = QWidget()
        page.setLayout(service_charts)
        tabs.addTab(page, "")
        tabs.addTab(self, "")
        tabs.setDocumentMode(True)
        self.tabs = tabs
        self.retranslate()
        return tabs

    def bind(self, tracker: PipelineProgressTracker) -> None:
        """A new run: the charts draw its histories."""
        for name, chart in self.charts().items():
            labels = self._labels[name]
            chart.bind(tracker.history(name), lambda key, labels=labels: labels.get(key, key))
        self.summary.setText(self.tr("Waiting for the batcher…"))
        self._reported = True

    def save_settings(self) -> None:
        settings_writer.save_settings(
            {"pipeline/batching": self.policy_name, "pipeline/target_p99_ms": self.target_p99_ms}
        )

    def refresh(self, p: PipelineProgress) -> None:
        """Show the latest progress (the panel calls this while it is visible)."""
        if p.batcher is not None:
            text = self._summary_text(p.batcher, p.running)
            if self.summary.text() != text:
                self.summary.setText(text)
        for chart in self.charts().values():
            chart.redraw()

    # -- text --------------------------------------------------------------------------------------
    def _policy_title(self, policy: str) -> str:
        index = self.policy.findData(policy)
        return self.policy.itemText(index) if index >= 0 else policy

    def _summary_text(self, b: BatcherProgress, running: bool) -> str:
        policy = self._policy_title(b.policy)
        if b.policy == "target":
            policy = self.tr("target, p99 ≤ {0} ms").format(f"{b.target_p99_ms:g}")
        heading = self.tr("<b>In force:</b>") if running else self.tr("<b>Last reported:</b>")
        parts = [
            self.tr("{0} {1}, max batch {2}, max delay {3} ms").format(
                heading, policy, f"{b.max_batch:,}", f"{b.max_delay_ms:g}"
            )
        ]
        if running and self.policy_name != b.policy:
            parts[0] += self.tr(" (switching to {0}…)").format(self._policy_title(self.policy_name))
        if not b.batch_size:
            parts.append(self.tr("no batch yet"))
            return " · ".join(parts)
        parts.append(
            self.tr("last batch {0} items, its oldest waited {1} ms").format(f"{b.batch_size:,}", f"{b.wait_ms:.1f}")
        )
        parts.append(
            self.tr("p99 predicted {0} ms, measured {1} ms").format(
                f"{b.predicted_p99_ms:.0f}", f"{b.measured_p99_ms:.0f}"
            )
        )
        if b.fit_batches:
            parts.append(
                self.tr("service time ≈ {0} µs × items + {1} µs (σ {2} µs, last {3} batches)").format(
                    f"{b.fit_a_ms * 1000:.1f}",
                    f"{b.fit_b_ms * 1000:,.0f}",
                    f"{b.fit_sigma_ms * 1000:,.0f}",
                    f"{b.fit_batches:,}",
                )
            )
        if b.shed_items:
            parts.append(
                self.tr("<span style='color:#c62828'>{0} requests shed (503)</span>").format(f"{b.shed_items:,}")
            )
        return " · ".join(parts)

    # -- live retuning -----------------------------------------------------------------------------
    def _update_target_enabled(self) -> None:
        in_use = self.policy_name == "target"
        self.target.setEnabled(in_use)

    def _on_policy_changed(self) -> None:
        self._update_target_enabled()
        control = self._control()
        if control is not None:
            control.set(policy=self.policy_name, target_p99_ms=self.target_p99_ms)

    def _on_target_changed(self) -> None:
        control = self._control()
        if control is not None:
            control.set(target_p99_ms=self.target_p99_ms)
