"""The main window runs the demo job live, and closing it mid-job leaves no process behind."""

from __future__ import annotations

import pytest

from engine.status import JobFinished
from tests.helpers import wait_no_children


@pytest.mark.timeout(120)
def test_demo_job_from_the_window(main_window, qtbot, tmp_path):
    panel = main_window.panels["demo"]
    panel.out_dir.set_text(str(tmp_path))
    panel.files.setValue(3)
    panel.rows.setValue(6000)
    panel.workers.setValue(2)
    with qtbot.waitSignal(panel.job_finished, timeout=90000) as finished:
        assert panel.start_job()
        qtbot.waitUntil(lambda: len(main_window.process_table.live_pids()) > 0, timeout=30000)
    result: JobFinished = finished.args[0]
    assert result.ok, result.error
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == ["chat_0000.xlsx", "chat_0001.xlsx", "chat_0002.xlsx"]
    assert panel.progress.percent == 100.0
    t, rates = panel.chart.data("rows/s")
    assert len(t) >= 2 and rates.max() > 0
    assert "Done." in panel.summary.text()
    assert any("finished" in line for line in main_window.log_view.lines)
    assert {w.worker for w in panel.monitor.stage_workers("writer")} == {"writer 1", "writer 2"}
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()


@pytest.mark.timeout(120)
def test_stop_button_stops_the_job(main_window, qtbot, tmp_path):
    panel = main_window.panels["demo"]
    panel.out_dir.set_text(str(tmp_path))
    panel.files.setValue(20)
    panel.rows.setValue(50000)
    with qtbot.waitSignal(panel.job_finished, timeout=60000) as finished:
        panel.start_job()
        qtbot.waitUntil(lambda: panel.monitor.counter("rows") > 0, timeout=30000)
        panel.stop_job()
    assert finished.args[0].cancelled
    assert not wait_no_children(10.0)
    assert len(list(tmp_path.glob("*.xlsx"))) < 20
    assert not list(tmp_path.glob(".*part*")), "no half-written file may stay"


@pytest.mark.timeout(120)
def test_closing_the_window_mid_job_leaves_no_child(main_window, qtbot, tmp_path):
    panel = main_window.panels["demo"]
    panel.out_dir.set_text(str(tmp_path))
    panel.files.setValue(20)
    panel.rows.setValue(50000)
    panel.start_job()
    qtbot.waitUntil(lambda: panel.monitor.counter("rows") > 0, timeout=30000)
    main_window.close()
    assert main_window.isVisible(), "closing waits for the job to stop"
    qtbot.waitUntil(lambda: not main_window.isVisible(), timeout=20000)
    assert not wait_no_children(10.0)


def test_poller_drains_in_a_time_box(main_window):
    from engine.status import LogLine

    poller = main_window.poller
    poller.stop()
    for i in range(3000):
        poller.queue.put(LogLine(job="x", level="info", text=str(i), t=0.0))
    import time

    time.sleep(0.5)  # let the queue's feeder thread move the items into the pipe
    handled = poller.drain(0.002)
    assert 0 < handled < 3000, "one slice must not drain a large backlog at once"
    total = handled
    while total < 3000:
        total += poller.drain(0.01)
    assert total == 3000
