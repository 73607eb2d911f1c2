"""Charts draw the progress model's history: only while shown, and at once when shown again."""

from __future__ import annotations

from engine.progress import RingSeries


def test_a_chart_hidden_when_its_data_changed_redraws_when_shown(qtbot):
    from PySide6.QtWidgets import QTabWidget, QWidget

    from gui.widgets.charts import TimeSeriesChart

    tabs = QTabWidget()
    chart = TimeSeriesChart("Throughput", "rows/s")
    tabs.addTab(QWidget(), "other")
    tabs.addTab(chart, "chart")
    qtbot.addWidget(tabs)
    tabs.show()
    history = {"rows/s": RingSeries(16)}
    chart.bind(history)
    history["rows/s"].append(0.0, 5.0)
    assert not chart.redraw(), "a hidden chart does not draw"
    history["rows/s"].append(1.0, 7.0)
    history["late"] = RingSeries(16)  # a series that appears while hidden gets a curve too
    history["late"].append(1.0, 2.0)
    tabs.setCurrentWidget(chart)  # shown: drawn from the history, no refresh timer needed
    t, v = chart.curve("rows/s").getData()
    assert t.tolist() == [0.0, 1.0] and v.tolist() == [5.0, 7.0]
    assert chart.curve("late").getData()[1].tolist() == [2.0]
    assert not chart.redraw(), "nothing changed since the last draw"
    curve = chart.curve("rows/s")
    assert curve.opts["pen"].width() == 1 and curve.opts["autoDownsample"] and curve.opts["clipToView"]
    assert curve.opts["downsampleMethod"] == "peak"


def test_binding_a_new_history_clears_the_old_curves(qtbot):
    from gui.widgets.charts import TimeSeriesChart

    chart = TimeSeriesChart("Throughput", "rows/s")
    qtbot.addWidget(chart)
    chart.show()
    old = {"a": RingSeries(8)}
    old["a"].append(0.0, 1.0)
    chart.bind(old, label=lambda name: f"→ {name}")
    assert chart.curve("→ a").getData()[1].tolist() == [1.0]
    chart.bind({})
    t, _ = chart.curve("→ a").getData()
    assert t is None or len(t) == 0


def test_many_new_series_get_their_curves_over_several_event_loop_turns(qtbot):
    from gui.widgets.charts import NEW_CURVES_PER_REDRAW, TimeSeriesChart

    chart = TimeSeriesChart("RSS per process", "MB")
    qtbot.addWidget(chart)
    chart.show()
    history = {f"reader {i}": RingSeries(8) for i in range(5)}
    for i, series in enumerate(history.values()):
        series.append(0.0, float(i + 1))
    chart.bind(history)  # five series at once: a tick creates only a few of their curves
    assert len(chart.series_names()) == NEW_CURVES_PER_REDRAW < 5
    qtbot.waitUntil(lambda: len(chart.series_names()) == 5, timeout=5000)
    assert [chart.curve(f"reader {i}").getData()[1].tolist() for i in range(5)] == [[1.0], [2.0], [3.0], [4.0], [5.0]]
    assert not chart.redraw(), "every series drawn"
