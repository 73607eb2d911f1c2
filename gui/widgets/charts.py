"""Live charts on pyqtgraph: curves created once, fed from ring buffers, redrawn only when dirty.

``append`` only stores; ``redraw`` (called from a panel's fixed-rate refresh timer) pushes data to
the curves when something changed and the widget is visible.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from gui.models import RingSeries

PALETTE = ("#2a7ab9", "#e07b00", "#2ca02c", "#c62828", "#7b4fb0", "#8c564b", "#d4508f", "#6b6b6b")

pg.setConfigOptions(antialias=False, background="w", foreground="#333333")


class TimeSeriesChart(pg.PlotWidget):
    """Named time series against elapsed seconds, one curve each."""

    def __init__(self, title: str, y_label: str, parent: QWidget | None = None, capacity: int = 1200,
                 y_min_zero: bool = True) -> None:
        super().__init__(parent=parent)
        self.setTitle(title, size="10pt")
        self.setLabel("left", y_label)
        self.setLabel("bottom", "elapsed", units="s")
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setMinimumHeight(160)
        self.addLegend(offset=(8, 8))
        self.setMouseEnabled(x=False, y=False)
        self.getPlotItem().setMenuEnabled(False)
        if y_min_zero:
            self.getPlotItem().getViewBox().setLimits(yMin=0)
        self._capacity = capacity
        self._series: dict[str, RingSeries] = {}
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._dirty = False

    def add_series(self, name: str, color: str | None = None) -> None:
        if name in self._series:
            return
        color = color or PALETTE[len(self._series) % len(PALETTE)]
        self._series[name] = RingSeries(self._capacity)
        curve = self.plot([], [], name=name, pen=pg.mkPen(color, width=1.5))
        curve.setDownsampling(auto=True, method="peak")
        curve.setClipToView(True)
        self._curves[name] = curve

    def append(self, name: str, t: float, value: float) -> None:
        if name not in self._series:
            self.add_series(name)
        self._series[name].append(t, value)
        self._dirty = True

    def clear_data(self) -> None:
        for series in self._series.values():
            series.clear()
        self._dirty = True

    def series_names(self) -> list[str]:
        return list(self._series)

    def data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return self._series[name].arrays()

    def redraw(self) -> bool:
        """Push new data to the curves; returns False when there was nothing to do."""
        if not self._dirty or not self.isVisible():
            return False
        for name, series in self._series.items():
            t, v = series.arrays()
            self._curves[name].setData(t, v)
        self._dirty = False
        return True


class BarChart(pg.PlotWidget):
    """Horizontal-category bar chart (drop reasons, flush reasons): labels on the x axis."""

    def __init__(self, title: str, y_label: str = "", parent: QWidget | None = None, color: str = PALETTE[0]) -> None:
        super().__init__(parent=parent)
        self.setTitle(title, size="10pt")
        if y_label:
            self.setLabel("left", y_label)
        self.showGrid(y=True, alpha=0.2)
        self.setMouseEnabled(x=False, y=False)
        self.getPlotItem().setMenuEnabled(False)
        self.setMinimumHeight(160)
        self._bars = pg.BarGraphItem(x=[], height=[], width=0.6, brush=color)
        self.addItem(self._bars)
        self._labels: list[str] = []
        self._values: list[float] = []

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
