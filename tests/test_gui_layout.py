"""What a person sees at once: legends beside, never on, the curves; "Try it" without scrolling."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from engine.progress import RingSeries
from gui import i18n


def test_the_legend_and_unit_sit_above_the_plot_and_wrap_to_its_width(qtbot):
    from gui.widgets.charts import TimeSeriesChart

    chart = TimeSeriesChart("Throughput per stage", "items/s")
    qtbot.addWidget(chart)
    chart.resize(290, 180)
    chart.show()
    history = {name: RingSeries(8) for name in ("A ingress", "B preprocess", "C receivers", "batcher", "predictor")}
    for series in history.values():
        series.append(0.0, 1.0)
    chart.bind(history)
    qtbot.waitUntil(lambda: len(chart.series_names()) == 5, timeout=5000)
    plot = chart.getPlotItem()
    header, view = chart.header, plot.getViewBox()
    assert header.entries() == list(history) and header.unit() == "items/s"
    assert plot.getAxis("left").labelText == "", "the unit is written level in the header, not turned on its side"
    qtbot.waitUntil(lambda: header.line_count() == 2)  # five names do not fit 290 px in one line
    header_rect = header.mapRectToScene(header.boundingRect())
    view_rect = view.mapRectToScene(view.boundingRect())
    assert header_rect.height() > 0 and header_rect.bottom() <= view_rect.top() + 0.5, (header_rect, view_rect)
    title_rect = plot.titleLabel.mapRectToScene(plot.titleLabel.boundingRect())
    assert title_rect.bottom() <= header_rect.top() + 0.5


def test_a_lone_series_named_like_the_unit_is_not_repeated_in_the_legend(qtbot):
    from gui.widgets.charts import TimeSeriesChart

    chart = TimeSeriesChart("Throughput", "rows/s")
    qtbot.addWidget(chart)
    chart.resize(290, 180)
    chart.show()
    series = RingSeries(8)
    series.append(0.0, 1.0)
    chart.bind({"rows/s": series})
    qtbot.waitUntil(lambda: (chart.redraw(), chart.series_names())[1] == ["rows/s"], timeout=5000)
    assert chart.header.unit() == "rows/s" and chart.header.entries() == [], "the unit beside it says it already"
    other = RingSeries(8)
    other.append(0.0, 2.0)
    chart.bind({"rows/s": series, "bytes/s": other})
    qtbot.waitUntil(lambda: len((chart.redraw(), chart.series_names())[1]) == 2, timeout=5000)
    assert chart.header.entries() == ["bytes/s"]


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_try_it_shows_without_scrolling_at_the_default_window_size(main_window, qtbot, language):
    i18n.install_language(language)
    try:
        main_window.resize(1280, 860)
        panel = main_window.panels["pipeline"]
        main_window.tabs.setCurrentWidget(panel)
        qtbot.waitUntil(lambda: panel.try_box.isVisible())
        # as under load, after one answer: two lines of load figures, an answer of three lines
        panel.load.stats.setText("sent 3,278 · 200: 3,277<br>client latency p50 12 ms · p99 29 ms · open 1")
        panel.try_box.answer.setText(
            "<b>您好，有货的，今天下单明天发</b><br>score 0.812 · matched “请问这个还有货吗”<br>"
            "answered in 14 ms (service 9 ms) · id 3281"
        )
        viewport = panel.forms_scroll.viewport()
        box = panel.try_box
        qtbot.waitUntil(lambda: panel.forms_scroll.verticalScrollBar().maximum() == 0, timeout=3000)
        top_left = box.mapTo(viewport, box.rect().topLeft())
        assert 0 <= top_left.y() and top_left.y() + box.height() <= viewport.height()
    finally:
        i18n.install_language("en")
        QSettings().remove(i18n.SETTINGS_KEY)


def test_grid_of_rows_places_widgets_as_written_and_a_rows_last_one_takes_the_columns_left(qtbot):
    from PySide6.QtWidgets import QLabel, QWidget

    from gui.widgets.forms import grid_of_rows

    rows = [[QLabel(f"{r}.{c}") for c in range(n)] for r, n in enumerate((4, 3, 1))]
    owner = QWidget()
    qtbot.addWidget(owner)
    grid = grid_of_rows(*rows)
    owner.setLayout(grid)
    cells = {w.text(): grid.getItemPosition(grid.indexOf(w)) for row in rows for w in row}
    assert cells == {  # (row, column, rows spanned, columns spanned)
        "0.0": (0, 0, 1, 1),
        "0.1": (0, 1, 1, 1),
        "0.2": (0, 2, 1, 1),
        "0.3": (0, 3, 1, 1),
        "1.0": (1, 0, 1, 1),
        "1.1": (1, 1, 1, 1),
        "1.2": (1, 2, 1, 2),
        "2.0": (2, 0, 1, 4),
    }
