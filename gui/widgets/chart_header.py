"""A chart's header row: the y unit, written level, and a legend of its series — above the plot.

pyqtgraph's own legend floats over the curves (it covered them in every small chart of the pipeline
panel) and its rotated y label turns Chinese units on their side next to the tick numbers. The
header sits in the plot's layout between the title and the plot, so it never covers data: the unit
at the left edge, over the axis' numbers (as Chinese charts, e.g. ECharts, place an axis' name),
then one short coloured line and name per series. Entries that do not fit the width go on to the
next line, and the header grows by that line; a chart with no series shows only its unit.

It paints its own text (no item per entry): an entry costs nothing to add, and the row is one
cached picture between changes.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QSizePolicy

#: Pixels: the coloured sample line, the gap after it and between entries, the margins.
SAMPLE_PX, SAMPLE_GAP_PX, ENTRY_GAP_PX, PAD_PX = 14.0, 4.0, 12.0, 2.0


class ChartHeader(pg.GraphicsWidget):
    """``set_unit(text)``, ``add_entry(name, color)``, ``clear_entries()``; ``entries()`` for tests."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._unit = ""
        self._entries: list[tuple[str, QColor]] = []
        self._text_color = QColor("#333333")
        self._font = QFont()
        self._font.setPointSizeF(max(7.0, self._font.pointSizeF() * 0.9))
        self._lines = 1
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._fit_height()

    # -- content -----------------------------------------------------------------------------------
    def set_unit(self, text: str) -> None:
        if text != self._unit:
            self._unit = text
            self._changed()

    def unit(self) -> str:
        return self._unit

    def add_entry(self, name: str, color: str | QColor) -> None:
        self._entries.append((name, QColor(color)))
        self._changed()

    def clear_entries(self) -> None:
        if self._entries:
            self._entries.clear()
            self._changed()

    def entries(self) -> list[str]:
        return [name for name, _ in self._shown()]

    def _shown(self) -> list[tuple[str, QColor]]:
        """The entries drawn: a series named like the unit (the demo's one "rows/s" curve) would only
        repeat the unit beside it."""
        return [(name, color) for name, color in self._entries if name != self._unit]

    def set_text_color(self, color: QColor) -> None:
        """The palette's text colour (``gui.theme`` sets it with the chart's other colours)."""
        self._text_color = QColor(color)
        self.update()

    # -- layout ------------------------------------------------------------------------------------
    def _changed(self) -> None:
        self._fit_height()
        self.update()

    def _metrics(self) -> QFontMetricsF:
        return QFontMetricsF(self._font)

    def _entry_width(self, name: str) -> float:
        return SAMPLE_PX + SAMPLE_GAP_PX + self._metrics().horizontalAdvance(name)

    def _placements(self, width: float) -> list[tuple[float, int]]:
        """(x, line) of each entry: after the unit, wrapping to a new line (aligned under the first
        entry) when the next one would pass the right edge."""
        start = PAD_PX + (self._metrics().horizontalAdvance(self._unit) + ENTRY_GAP_PX if self._unit else 0.0)
        x, line, placed = start, 0, []
        for name, _ in self._shown():
            w = self._entry_width(name)
            if x > start and x + w > width - PAD_PX:
                x, line = start, line + 1
            placed.append((x, line))
            x += w + ENTRY_GAP_PX
        return placed

    def line_count(self) -> int:
        placed = self._placements(self.size().width() or 10_000.0)
        return 1 + (placed[-1][1] if placed else 0)

    def _fit_height(self) -> None:
        self._lines = self.line_count()
        empty = not (self._unit or self._shown())  # a bar chart without a unit: no row at all
        height = 0.0 if empty else self._lines * self._metrics().height() + 2 * PAD_PX
        self.setMinimumHeight(height)
        self.setMaximumHeight(height)
        self.setPreferredHeight(height)
        self.updateGeometry()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self.line_count() != self._lines:
            self._fit_height()

    # -- paint -------------------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return QRectF(0, 0, self.size().width(), self.size().height())

    def paint(self, painter: QPainter, *args) -> None:
        metrics = self._metrics()
        line_h = metrics.height()
        painter.setFont(self._font)
        painter.setPen(self._text_color)
        if self._unit:
            painter.drawText(QPointF(PAD_PX, PAD_PX + metrics.ascent()), self._unit)
        for (name, color), (x, line) in zip(self._shown(), self._placements(self.size().width())):
            top = PAD_PX + line * line_h
            mid = top + line_h / 2
            painter.setPen(QPen(color, 2))
            painter.drawLine(QPointF(x, mid), QPointF(x + SAMPLE_PX, mid))
            painter.setPen(self._text_color)
            painter.drawText(QPointF(x + SAMPLE_PX + SAMPLE_GAP_PX, top + metrics.ascent()), name)


#: Height of a chart's title row: pyqtgraph reserves 30 px for it, a 10 pt title needs less.
TITLE_ROW_PX = 22


def install_header(plot: pg.PlotItem) -> ChartHeader:
    """A header in ``plot``'s layout, in the row of its (hidden, unused) top axis, across the left
    axis and the plot: under the title, over the curves, never on them."""
    header = ChartHeader(plot)
    top_axis = plot.getAxis("top")
    plot.layout.removeItem(top_axis)
    top_axis.hide()
    plot.layout.addItem(header, 1, 0, 1, 2)
    return header


def tighten_title(plot: pg.PlotItem) -> None:
    """Call after each ``setTitle``: pyqtgraph sets the title row back to 30 px every time."""
    plot.titleLabel.setMaximumHeight(TITLE_ROW_PX)
    plot.layout.setRowFixedHeight(0, TITLE_ROW_PX)
