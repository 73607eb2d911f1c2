"""Live charts on pyqtgraph: curves created once, bound to the progress model's ring buffers.

A chart holds no data of its own: ``bind`` hands it a live dict of ``RingSeries`` (a
``ProgressTracker.history``), which the engine side appends to. ``redraw`` pushes a series to its
curve only when the series changed since it was last drawn, and does nothing while the chart is
hidden; showing the chart redraws it, so a chart on a tab that was hidden when its run ended is
not left stale.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from engine.progress import RingSeries

PALETTE = ("#2a7ab9", "#e07b00", "#2ca02c", "#c62828", "#7b4fb0", "#8c564b", "#d4508f", "#6b6b6b")

pg.setConfigOptions(antialias=False, background="w", foreground="#333333")


def _translate(text: str) -> str:
    """A chart's title or axis label (English source text, context ``Charts``) in the UI language."""
    return QCoreApplication.translate("Charts", text) if text else ""


class TimeSeriesChart(pg.PlotWidget):
    """Named time series against elapsed seconds, one curve each. ``title`` and ``y_label`` are
    English source texts (context ``Charts``), shown translated and re-set on a language change."""

    def __init__(self, title: str, y_label: str, parent: QWidget | None = None, y_min_zero: bool = True) -> None:
        super().__init__(parent=parent)
        self.source_title, self.source_y_label = title, y_label
        self.retranslate()
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setMinimumHeight(160)
        self.addLegend(offset=(8, 8))
        self.setMouseEnabled(x=False, y=False)
        self.getPlotItem().setMenuEnabled(False)
        if y_min_zero:
            self.getPlotItem().getViewBox().setLimits(yMin=0)
        self._colors: dict[str, str] = {}
        self._source: Mapping[str, RingSeries] = {}
        self._label: Callable[[str], str] = str
        self._curves: dict[str, pg.PlotDataItem] = {}  # by label
        self._drawn: dict[str, int] = {}  # label → RingSeries.version drawn

    def retranslate(self) -> None:
        """Title, axis labels and (when bound) the legend in the current language."""
        self.setTitle(_translate(self.source_title), size="10pt")
        self.setLabel("left", _translate(self.source_y_label))
        self.setLabel("bottom", _translate(QT_TRANSLATE_NOOP("Charts", "elapsed")), units="s")
        if getattr(self, "_curves", None):  # legend names come from the label function: new curves
            for curve in self._curves.values():
                self.removeItem(curve)
            self._curves.clear()
            self._drawn.clear()
            self.redraw()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

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
        self.redraw()

    def _curve(self, label: str) -> pg.PlotDataItem:
        curve = self._curves.get(label)
        if curve is None:
            color = self._colors.get(label) or PALETTE[len(self._curves) % len(PALETTE)]
            curve = self.plot([], [], name=label, pen=pg.mkPen(color, width=1))
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
        """Push changed series to their curves; False when hidden or nothing changed."""
        if not self.isVisible():
            return False
        changed = False
        for name, series in list(self._source.items()):
            label = self._label(name)
            if self._drawn.get(label) == series.version:
                continue
            t, v = series.arrays()
            self._curve(label).setData(t, v)
            self._drawn[label] = series.version
            changed = True
        return changed

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
        self.retranslate_titles()
        self.showGrid(y=True, alpha=0.2)
        self.setMouseEnabled(x=False, y=False)
        self.getPlotItem().setMenuEnabled(False)
        self.setMinimumHeight(160)
        self._bars = pg.BarGraphItem(x=[], height=[], width=0.6, brush=color)
        self.addItem(self._bars)
        self._labels: list[str] = []
        self._values: list[float] = []

    def retranslate_titles(self) -> None:
        self.setTitle(_translate(self.source_title), size="10pt")
        if self.source_y_label:
            self.setLabel("left", _translate(self.source_y_label))

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
        self._labels, self._values = labels, values
        x = np.arange(len(labels))
        self._bars.setOpts(x=x, height=values, width=0.6)
        self.getAxis("bottom").setTicks([list(zip(x.tolist(), labels))])
        self.setXRange(-0.6, max(len(labels) - 0.4, 0.6), padding=0)
        self.setYRange(0, max(values + [1.0]) * 1.1, padding=0)

    def values(self) -> dict[str, float]:
        return dict(zip(self._labels, self._values))
