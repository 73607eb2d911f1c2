"""Live charts on pyqtgraph: curves created once, bound to the progress model's ring buffers.

A chart holds no data of its own: ``bind`` hands it a live dict of ``RingSeries`` (a
``ProgressTracker.history``), which the engine side appends to. ``redraw`` pushes a series to its
curve only when the series changed since it was last drawn, and does nothing while the chart is
hidden; showing the chart redraws it, so a chart on a tab that was hidden when its run ended is
not left stale.

What a redraw costs the GUI thread is kept small (profiled under the pipeline at 2,000 req/s,
where painting the charts was most of the window's time): no autorange on every frame — the
axes move in steps (``AxisSteps``: the x range jumps ahead by a quarter of its span when the data
reaches its end, the y range to a "nice" value when the data leaves it by enough), so between
steps the axes keep their ticks; each axis paints from a pixmap cache (re-rendered only when its
range steps) instead of re-drawing its text on every repaint; curves are decimated (peak
downsampling to the pixels shown, clipped to the view) and 1 px wide.

The y unit and the legend are a header row above the plot (``ChartHeader``): they never cover a
curve, and the unit is written level, not turned on its side.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGraphicsItem, QWidget

from engine.progress import RingSeries
from gui.widgets.chart_header import ChartHeader, install_header, tighten_title
from gui.widgets.retranslate import RetranslateOnLanguageChange

# New curves a redraw creates; the rest follow from the event loop (see ``TimeSeriesChart.redraw``).
NEW_CURVES_PER_REDRAW = 2

PALETTE = ("#2a7ab9", "#e07b00", "#2ca02c", "#c62828", "#7b4fb0", "#8c564b", "#d4508f", "#6b6b6b")

pg.setConfigOptions(antialias=False, background="w", foreground="#333333")


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ ``value`` (> 0)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * power * (1 + 1e-9):
            return step * power
    return 10.0 * power


def _bounds(t: np.ndarray, v: np.ndarray) -> tuple[float, float, float, float] | None:
    """(t min, t max, value min, value max) of a series in time order; None when empty."""
    finite = v[np.isfinite(v)]
    if len(t) == 0 or len(finite) == 0:
        return None
    return float(t[0]), float(t[-1]), float(finite.min()), float(finite.max())


class AxisSteps:
    """The ranges a chart shows, moved in steps so its axes are not re-laid out on every frame.

    x: ``[lo, hi]`` with ``hi`` a quarter of the span (at least ``min_x_step``) past the newest
    point, rounded; it steps again only when data reaches ``hi`` or falls off the left by a quarter
    of the span. y: ``[0 or a nice floor, nice ceiling]``, stepping up as soon as the data passes
    it and down only when the data has fallen below ``shrink`` of it.
    """

    def __init__(self, min_x_step: float = 10.0, shrink: float = 0.3, y_min_zero: bool = True) -> None:
        self.min_x_step = min_x_step
        self.shrink = shrink
        self.y_min_zero = y_min_zero
        self.x: tuple[float, float] | None = None
        self.y: tuple[float, float] | None = None

    def reset(self) -> None:
        self.x = self.y = None

    def update(self, t_min: float, t_max: float, v_min: float, v_max: float) -> tuple[bool, bool]:
        """Fit the data's bounds; (x changed, y changed)."""
        x_changed = y_changed = False
        if self.x is None or t_max > self.x[1] or t_min > self.x[0] + (self.x[1] - self.x[0]) / 4:
            span = max(t_max - t_min, self.min_x_step)
            step = max(self.min_x_step, nice_ceiling(span / 4))
            self.x = (math.floor(t_min / step) * step, math.ceil((t_max + span / 4) / step) * step)
            x_changed = True
        if self.y_min_zero:
            v_min = min(0.0, v_min)
        top = nice_ceiling(max(v_max, 1e-9) * 1.1) if v_max > 0 else 1.0
        bottom = 0.0 if v_min >= 0 else -nice_ceiling(-v_min * 1.1)
        if (
            self.y is None
            or v_max > self.y[1]
            or v_min < self.y[0]
            or top < self.y[1] * self.shrink
            or (self.y[0] < 0 and bottom > self.y[0] * self.shrink)
        ):
            self.y = (bottom, top)
            y_changed = True
        return x_changed, y_changed


def cache_axes(plot: pg.PlotWidget) -> None:
    """Paint each axis from a pixmap, re-rendered only when the axis changes (its range stepped,
    a resize): a repaint of the curves then costs a blit instead of every tick label's text."""
    for name in ("left", "bottom", "right", "top"):
        plot.getPlotItem().getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def _translate(text: str) -> str:
    """A chart's title or axis label (English source text, context ``Charts``) in the UI language."""
    return QCoreApplication.translate("Charts", text) if text else ""


class TimeSeriesChart(RetranslateOnLanguageChange, pg.PlotWidget):
    """Named time series against elapsed seconds, one curve each. ``title`` and ``y_label`` are
    English source texts (context ``Charts``), shown translated and re-set on a language change."""

    def __init__(self, title: str, y_label: str, parent: QWidget | None = None, y_min_zero: bool = True) -> None:
        super().__init__(parent=parent)
        self.source_title, self.source_y_label = title, y_label
        self.header: ChartHeader = install_header(self.getPlotItem())
        self.retranslate()
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setMinimumHeight(160)
        self.setMouseEnabled(x=False, y=False)
        self.getPlotItem().setMenuEnabled(False)
        if y_min_zero:
            self.getPlotItem().getViewBox().setLimits(yMin=0)
        self.getPlotItem().disableAutoRange()
        cache_axes(self)
        self.steps = AxisSteps(y_min_zero=y_min_zero)
        self._colors: dict[str, str] = {}
        self._source: Mapping[str, RingSeries] = {}
        self._label: Callable[[str], str] = str
        self._curves: dict[str, pg.PlotDataItem] = {}  # by label
        self._drawn: dict[str, int] = {}  # label → RingSeries.version drawn
        self._bounds: dict[str, tuple[float, float, float, float] | None] = {}  # label → drawn data's bounds
        self._redraw_queued = False

    def retranslate(self) -> None:
        """Title, axis labels and (when bound) the legend in the current language."""
        self.setTitle(_translate(self.source_title), size="10pt")
        tighten_title(self.getPlotItem())
        self.header.set_unit(_translate(self.source_y_label))
        self.setLabel("bottom", _translate(QT_TRANSLATE_NOOP("Charts", "elapsed")), units="s")
        if getattr(self, "_curves", None):  # legend names come from the label function: new curves
            for curve in self._curves.values():
                self.removeItem(curve)
            self._curves.clear()
            self.header.clear_entries()
            self._drawn.clear()
            self.redraw()

    def set_color(self, label: str, color: str) -> None:
        """Fix the colour of a series (others take the palette in order of appearance)."""
        self._colors[label] = color

    def bind(self, source: Mapping[str, RingSeries], label: Callable[[str], str] = str) -> None:
        """Draw the series of ``source`` (a live dict: new names get a curve when they appear),
        each under ``label(name)``. Binding a new run's history drops the old curves' data."""
        self._source, self._label = source, label
        for curve in self._curves.values():
            curve.setData([], [])
        self._drawn.clear()
        self._bounds.clear()
        self.steps.reset()
        self.redraw()

    def _curve(self, label: str) -> pg.PlotDataItem:
        curve = self._curves.get(label)
        if curve is None:
            color = self._colors.get(label) or PALETTE[len(self._curves) % len(PALETTE)]
            curve = self.plot([], [], pen=pg.mkPen(color, width=1))
            self.header.add_entry(label, color)
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self._curves[label] = curve
        return curve

    def curve(self, label: str) -> pg.PlotDataItem:
        """The curve drawn for ``label`` (tests read ``curve(label).getData()``)."""
        return self._curves[label]

    def series_names(self) -> list[str]:
        return list(self._curves)

    def redraw(self) -> bool:
        """Push changed series to their curves; False when hidden or nothing changed.

        At most ``NEW_CURVES_PER_REDRAW`` curves are created per call (a curve with its legend
        entry costs ~3 ms and its first paint more; a run's build phase brought five at once, a
        40-200 ms tick); the series left over are drawn from the event loop right after, so the
        status timer's ticks come between them."""
        if not self.isVisible():
            return False
        changed = False
        created = 0
        for name, series in list(self._source.items()):
            label = self._label(name)
            if self._drawn.get(label) == series.version:
                continue
            if label not in self._curves:
                if created >= NEW_CURVES_PER_REDRAW:
                    self._redraw_soon()
                    continue
                created += 1
            t, v = series.arrays()
            self._curve(label).setData(t, v)
            self._drawn[label] = series.version
            self._bounds[label] = _bounds(t, v)
            changed = True
        if changed:
            self._fit_ranges()
        return changed

    def _redraw_soon(self) -> None:
        if not self._redraw_queued:
            self._redraw_queued = True
            QTimer.singleShot(0, self, self._redraw_queued_series)

    def _redraw_queued_series(self) -> None:
        self._redraw_queued = False
        self.redraw()

    def _fit_ranges(self) -> None:
        drawn = [b for b in self._bounds.values() if b is not None]
        if not drawn:
            return
        t_min, t_max = min(b[0] for b in drawn), max(b[1] for b in drawn)
        v_min, v_max = min(b[2] for b in drawn), max(b[3] for b in drawn)
        x_changed, y_changed = self.steps.update(t_min, t_max, v_min, v_max)
        if x_changed:
            self.setXRange(*self.steps.x, padding=0)
        if y_changed:
            self.setYRange(*self.steps.y, padding=0)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.redraw()


class BarChart(pg.PlotWidget):
    """Horizontal-category bar chart (drop reasons, flush reasons): labels on the x axis."""

    def __init__(self, title: str, y_label: str = "", parent: QWidget | None = None, color: str = PALETTE[0]) -> None:
        super().__init__(parent=parent)
        self.source_title, self.source_y_label = title, y_label
        self._label_of: Callable[[str], str] = str
        self._keys: list[str] = []
        self.header: ChartHeader = install_header(self.getPlotItem())
        self.retranslate_titles()
        self.showGrid(y=True, alpha=0.2)
        self.setMouseEnabled(x=False, y=False)
        self.getPlotItem().setMenuEnabled(False)
        self.setMinimumHeight(160)
        self._bars = pg.BarGraphItem(x=[], height=[], width=0.6, brush=color)
        self.addItem(self._bars)
        self._labels: list[str] = []
        self._values: list[float] = []
        self._top = 1.0
        self.getPlotItem().disableAutoRange()
        cache_axes(self)

    def retranslate_titles(self) -> None:
        self.setTitle(_translate(self.source_title), size="10pt")
        tighten_title(self.getPlotItem())
        self.header.set_unit(_translate(self.source_y_label))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_titles()
            if self._keys:
                self.set_keyed_values(self._keys, self._values, self._label_of)
        super().changeEvent(event)

    def set_keyed_values(self, keys: Sequence[str], values: Sequence[float], label: Callable[[str], str]) -> None:
        """Bars for ``keys`` shown under ``label(key)`` (a translated term): relabelled on a language change."""
        self._keys, self._label_of = list(keys), label
        self.set_values([label(k) for k in keys], values)

    def set_values(self, labels: Sequence[str], values: Sequence[float]) -> None:
        labels, values = list(labels), [float(v) for v in values]
        if labels == self._labels and values == self._values:
            return
        relabel = labels != self._labels
        self._labels, self._values = labels, values
        x = np.arange(len(labels))
        self._bars.setOpts(x=x, height=values, width=0.6)
        if relabel:  # the axis (and its cached picture) changes only with the categories
            self.getAxis("bottom").setTicks([list(zip(x.tolist(), labels))])
            self.setXRange(-0.6, max(len(labels) - 0.4, 0.6), padding=0)
        top = max(values + [0.0])
        if relabel or top > self._top or nice_ceiling(top * 1.1) < self._top * 0.3:
            self._top = nice_ceiling(top * 1.1) if top > 0 else 1.0
            self.setYRange(0, self._top, padding=0)

    def values(self) -> dict[str, float]:
        return dict(zip(self._labels, self._values))
