"""The main window runs the demo job live, and closing it mid-job leaves no process behind."""

from __future__ import annotations

import pytest

from engine.status import JobFinished
from tests.helpers import wait_no_children


@pytest.mark.timeout(120)
def test_demo_job_from_the_window(main_window, qtbot, tmp_path):
    panel = main_window.panels["demo"]
    main_window.tabs.setCurrentWidget(panel)  # views refresh while they are shown
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
    t, rates = panel.chart.curve("rows/s").getData()
    assert len(t) >= 2 and rates.max() > 0
    assert "Done." in panel.summary.text()
    assert any("finished" in line for line in main_window.log_view.lines)
    assert {w.worker for w in panel.monitor.stage_workers("writer")} == {"writer 1", "writer 2"}
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()


def demo_panel_set_for_a_long_run(main_window, out_dir):
    """The Demo panel set to write 20 files of 50,000 rows into ``out_dir``: long enough to be
    stopped (or closed) while it writes."""
    panel = main_window.panels["demo"]
    panel.out_dir.set_text(str(out_dir))
    panel.files.setValue(20)
    panel.rows.setValue(50000)
    return panel


@pytest.mark.timeout(120)
def test_stop_button_stops_the_job(main_window, qtbot, tmp_path):
    panel = demo_panel_set_for_a_long_run(main_window, tmp_path)
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
    panel = demo_panel_set_for_a_long_run(main_window, tmp_path)
    panel.start_job()
    qtbot.waitUntil(lambda: panel.monitor.counter("rows") > 0, timeout=30000)
    main_window.close()
    assert main_window.isVisible(), "closing waits for the job to stop"
    qtbot.waitUntil(lambda: not main_window.isVisible(), timeout=20000)
    assert not wait_no_children(10.0)


def test_poller_drains_in_a_time_box(main_window, qtbot):
    import time

    from engine.status import LogLine

    poller = main_window.poller
    poller.stop()
    run_queue = poller.new_run_queue()
    for i in range(3000):
        run_queue.put(LogLine(job="x", level="info", text=str(i), t=0.0))
    seen: list[str] = []

    def costly_listener(message) -> None:  # a view that takes 0.2 ms per message
        seen.append(message.text)
        deadline = time.perf_counter() + 0.0002
        while time.perf_counter() < deadline:
            pass

    poller.add_global_listener(costly_listener)

    def bytes_waiting() -> int:  # what the feeder thread has written into the pipe so far
        import fcntl
        import struct
        import termios

        raw = fcntl.ioctl(run_queue._reader.fileno(), termios.FIONREAD, b"\0\0\0\0")
        return struct.unpack("i", raw)[0]

    # More than one slice can take (about 200 messages), or the slice may end on an empty pipe.
    qtbot.waitUntil(lambda: bytes_waiting() >= 16384, timeout=10000)
    backlog_before = poller.backlog_ticks
    handled = poller.drain(0.002)
    assert 0 < handled < 100, "one slice must not drain a large backlog at once"
    assert poller.backlog_ticks == backlog_before + 1, "the slice ended on its deadline, not on an empty queue"
    qtbot.waitUntil(lambda: poller.drain(0.05) == 0 and len(seen) == 3000, timeout=20000)
    assert seen[:3] == ["0", "1", "2"] and seen[-1] == "2999"


@pytest.mark.timeout(120)
def test_a_panel_hidden_while_its_run_ends_is_drawn_when_shown(main_window, qtbot, tmp_path):
    panel = main_window.panels["demo"]
    main_window.tabs.setCurrentWidget(main_window.panels["clean"])
    panel.out_dir.set_text(str(tmp_path))
    panel.files.setValue(2)
    panel.rows.setValue(4000)
    panel.workers.setValue(2)
    with qtbot.waitSignal(panel.job_finished, timeout=90000):
        assert panel.start_job()
    assert panel.progress.percent == 0.0 and "rows/s" not in panel.chart.series_names()  # hidden: not drawn
    main_window.tabs.setCurrentWidget(panel)
    assert panel.progress.percent == 100.0
    t, rates = panel.chart.curve("rows/s").getData()
    history_t, _ = panel.controller.tracker.history("throughput")["rows/s"].arrays()
    assert len(t) >= 1 and t.tolist() == history_t.tolist()
    assert not wait_no_children(10.0)
