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


def test_dark_palette_diagram_and_process_list_text_is_light(qtbot):
    """The stage diagram paints with the palette (dark boxes, light text under a dark palette), and
    a running process's row has no fixed text colour (it takes the palette's); only a dead one is red."""
    import os

    from PySide6.QtCore import Qt

    from engine.status import ProcessStarted, WorkerExited
    from gui.panels.pipeline_diagram import StageDiagram, StageView
    from gui.processes_view import DIED_COLOR, ProcessTable

    app = QApplication.instance()
    light = app.palette()
    try:
        app.setPalette(dark_palette())
        diagram = StageDiagram()
        qtbot.addWidget(diagram)
        diagram.resize(900, 160)
        diagram.set_stages(
            [StageView("a", "A ingress", depth=None), StageView("b", "B preprocess", depth=3, bound=16)], (0, 8)
        )
        image = diagram.grab().toImage()
        box_fill = QColor(image.pixel(60, 80))
        assert box_fill.lightness() < 90, box_fill.name()  # an idle box on a dark base is dark…
        light_pixels = sum(
            1 for x in range(8, 400) for y in range(8, 100) if QColor(image.pixel(x, y)).lightness() > 180
        )
        assert light_pixels > 100  # …and its text light

        table = ProcessTable(sample_ms=60_000)
        qtbot.addWidget(table)
        table.on_message(ProcessStarted("job-1", "coordinator", os.getpid(), 1.0))
        table.on_message(ProcessStarted("job-1", "worker", 999_999_991, 1.0))
        table.on_message(WorkerExited("job-1", "worker", 999_999_991, 2.0, exitcode=-9, expected=False))
        table._render()
        colors = {table.item(r, 1).text(): table.item(r, 1).data(Qt.ItemDataRole.ForegroundRole) for r in range(2)}
        assert colors["coordinator"] is None  # the palette's text colour, light here
        assert QColor(colors["worker"]).name() == DIED_COLOR
    finally:
        app.setPalette(light)
        QApplication.processEvents()
