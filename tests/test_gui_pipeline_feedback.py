"""Feedback while a person waits on the Pipeline panel: a load asked for while the service starts is
queued (and says so) and starts by itself; "Try it" shows how long the answer took."""

from __future__ import annotations

import pytest

from tests.gui_pipeline_support import pipeline_panel_on_free_port, stop_service_and_load
from tests.helpers import wait_no_children


def test_start_load_says_why_it_cannot_start_without_a_service(main_window):
    load = main_window.panels["pipeline"].load
    assert not load.button.isEnabled()
    assert "Start the inference service first" in load.button.toolTip()
    try_box = main_window.panels["pipeline"].try_box
    assert not try_box.button.isEnabled() and "Start the inference service first" in try_box.answer.text()


@pytest.mark.timeout(150)
def test_load_clicked_while_starting_is_queued_then_starts_itself(main_window, qtbot):
    panel = pipeline_panel_on_free_port(main_window, max_delay_ms=20, load_rate=100)
    assert panel.start_job()
    load = panel.load
    assert not panel.job_progress or not panel.job_progress.ready  # still starting
    assert load.button.isEnabled() and load.button.text() == "Start load when ready"
    assert "starting" in panel.try_box.button.toolTip()
    load.button.click()
    assert load.queued and not load.is_running
    assert load.button.text() == "Cancel queued load"
    assert "Load queued" in load.stats.text()
    main_window.tabs.setCurrentWidget(main_window.panels["demo"])  # it starts even with the panel hidden
    qtbot.waitUntil(lambda: load.is_running, timeout=60000)
    assert not load.queued and load.button.text() == "Stop load"
    assert "Load queued" not in load.stats.text()  # the queued line goes once the load is started
    main_window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: "sent" in load.stats.text(), timeout=20000)

    panel.try_box.text.setText("请问这个还有货吗")
    panel.try_box.send()
    qtbot.waitUntil(lambda: "answered in" in panel.try_box.answer.text(), timeout=20000)
    assert panel.try_box.last_round_trip_ms is not None and panel.try_box.last_round_trip_ms > 0
    assert f"{panel.try_box.last_round_trip_ms:.0f} ms" in panel.try_box.answer.text()

    stop_service_and_load(panel, qtbot)
    assert not load.button.isEnabled() and not load.queued
    assert not wait_no_children(10.0)


@pytest.mark.timeout(150)
def test_a_queued_load_can_be_cancelled_and_is_forgotten_when_the_service_stops(main_window, qtbot):
    panel = pipeline_panel_on_free_port(main_window)
    assert panel.start_job()
    panel.load.button.click()
    assert panel.load.queued
    panel.load.button.click()  # cancel
    assert not panel.load.queued and panel.load.button.text() == "Start load when ready"
    panel.load.button.click()
    with qtbot.waitSignal(panel.job_finished, timeout=60000):
        panel.stop_job()
    assert not panel.load.queued and not panel.load.is_running
    assert panel.load.controller.run is None
    assert not wait_no_children(10.0)
