"""The window follows the system palette: a dark palette gives dark charts with light text, and back."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from gui.theme import dark_palette, is_dark


def chart_state(chart) -> tuple[QColor, QColor, str]:
    plot = chart.getPlotItem()
    return chart.backgroundBrush().color(), plot.getAxis("left").textPen().color(), plot.titleLabel.opts["color"]


def test_charts_follow_a_dark_palette_and_back(main_window):
    app = QApplication.instance()
    light = app.palette()
    assert not is_dark(light)
    chart = main_window.panels["pipeline"].latency_chart
    background, text, _ = chart_state(chart)
    assert background.lightness() > 200 and text.lightness() < 100
    try:
        app.setPalette(dark_palette())
        QApplication.processEvents()
        assert is_dark(app.palette())
        for chart in (main_window.panels["pipeline"].latency_chart, main_window.panels["clean"].drops_chart):
            background, text, title = chart_state(chart)
            assert background.name() == "#181a1b" and text.name() == "#e8eaed" and title == "#e8eaed"
        assert "palette(button)" in app.styleSheet()
    finally:
        app.setPalette(light)
        QApplication.processEvents()
    background, text, _ = chart_state(main_window.panels["pipeline"].latency_chart)
    assert background.lightness() > 200 and text.lightness() < 100
