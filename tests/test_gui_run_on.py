""" "Run on" in the Clean, Dialogues and Demo panels: the choice is remembered and reaches the job's
config; a clean on local:2 started from the panel writes what a local run writes and the Processes
view lists the cluster's workers; "Test connection" lists a real scheduler's workers, and shows the
error for a closed or silent port while the window keeps ticking."""

from __future__ import annotations

import socket
import time

import pytest
from PySide6.QtCore import QTimer

from engine.clean.config import CleanConfig
from engine.clean.job import run_clean
from engine.context import JobContext
from gui.panels.clean_panel import CleanPanel
from gui.panels.demo_panel import DemoPanel
from gui.panels.dialogues_panel import DialoguesPanel
from gui.run_controller import AppServices
from gui.status_poller import StatusPoller
from gui.widgets.run_on import LOCAL_CLUSTER, SCHEDULER, THIS_MACHINE, RunOnSelector
from tests.clean_fixtures import write_good_inputs
from tests.cluster_jobs_support import assert_same_files
from tests.helpers import wait_no_children
from tests.test_cluster_scheduler import free_port, scheduler_and_two_workers  # noqa: F401  (a fixture)


@pytest.fixture(autouse=True)
def forget_run_on_choices():
    """The choices are remembered in the test session's settings: a later test's demo must not run
    on this module's made-up scheduler address (it waited 60 s for workers that never came)."""
    yield
    from PySide6.QtCore import QSettings

    settings = QSettings()
    for panel in ("clean", "dialogues", "demo"):
        for name in ("run_on", "run_on_local_workers", "run_on_address"):
            settings.remove(f"{panel}/{name}")
    settings.sync()


PANELS = (CleanPanel, DialoguesPanel, DemoPanel)


def selector_of(panel) -> RunOnSelector:
    return panel.form.run_on if isinstance(panel, CleanPanel) else panel.run_on


class TickCounter:
    """A 20 ms timer on the GUI thread: how many ticks came, and the longest gap between two."""

    def __init__(self) -> None:
        self.ticks = 0
        self.max_gap_s = 0.0
        self._last = time.monotonic()
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.monotonic()
        self.max_gap_s = max(self.max_gap_s, now - self._last)
        self._last = now
        self.ticks += 1


def test_the_choice_is_remembered_and_reaches_the_config(qtbot, tmp_path):
    services = AppServices(StatusPoller())
    choices = {
        CleanPanel: (LOCAL_CLUSTER, 3, ""),
        DialoguesPanel: (SCHEDULER, 2, "tcp://10.0.0.5:8786"),
        DemoPanel: (THIS_MACHINE, 2, ""),
    }
    for panel_class, (mode, workers, address) in choices.items():
        panel = panel_class(services)
        qtbot.addWidget(panel)
        selector_of(panel).set_choice(mode, workers, address)
    for panel_class, (mode, workers, address) in choices.items():
        panel = panel_class(services)  # a new session: everything read back from the settings
        qtbot.addWidget(panel)
        selector = selector_of(panel)
        assert (selector.chosen_mode(), selector.local_workers.value(), selector.address.text()) == (
            mode,
            workers,
            address,
        )
        assert selector.local_workers.isVisible() == (mode == LOCAL_CLUSTER) or not panel.isVisible()
    clean = CleanPanel(services)
    qtbot.addWidget(clean)
    clean.form.inputs.set_text(str(tmp_path))
    assert clean.form.config().cluster == "local:3"
    demo = DemoPanel(services)
    qtbot.addWidget(demo)
    assert demo.make_config()[1].cluster is None
    demo.run_on.set_choice(SCHEDULER, address="10.0.0.5:8786")  # no scheme: refused with the reason
    with pytest.raises(ValueError, match="Run on: .*tcp://HOST:PORT"):
        demo.make_config()
    demo.run_on.set_choice(SCHEDULER, address=" tcp://10.0.0.5:8786/ ")
    assert demo.make_config()[1].cluster == "tcp://10.0.0.5:8786"


@pytest.mark.timeout(240)
def test_a_clean_on_local_2_from_the_panel_writes_what_a_local_run_writes(main_window, qtbot, tmp_path):
    inputs = tmp_path / "in"
    write_good_inputs(inputs, files=4, rows=1500, seed=3)
    local = tmp_path / "local"
    run_clean(
        CleanConfig(inputs=(inputs,), out_dir=local, workers=2, out_format="csv", segment_files=2), JobContext("local")
    )
    panel = main_window.panels["clean"]
    main_window.tabs.setCurrentWidget(panel)
    form = panel.form
    form.inputs.set_text(str(inputs))
    out = tmp_path / "cluster"
    form.out_dir.set_text(str(out))
    form.out_format.setCurrentText("csv")
    form.segment_files.setValue(2)
    form.resume.setChecked(False)
    form.run_on.set_choice(LOCAL_CLUSTER, 2)
    cluster_rows: set[str] = set()

    def look_at_processes() -> None:
        table = main_window.process_table
        cluster_rows.update(row.role for row in table.rows.values() if row.role.startswith("dask worker 127.0.0.1:"))

    watch = QTimer()
    watch.timeout.connect(look_at_processes)
    watch.start(100)
    with qtbot.waitSignal(panel.job_finished, timeout=200000) as finished:
        assert panel.start_job()
        assert panel.run.config.cluster == "local:2"
    watch.stop()
    assert finished.args[0].ok, finished.args[0].error
    assert assert_same_files(out, local, "clean_*.csv") == 2
    assert len(cluster_rows) >= 2, cluster_rows  # the Processes view listed the cluster's workers
    qtbot.waitUntil(lambda: panel.file_table.rowCount() == 4, timeout=5000)
    assert "local:2" in panel.summary.text()
    dask_rows = [r for r in main_window.process_table.rows.values() if r.role.startswith("dask worker")]
    assert dask_rows and all(r.state != "running" for r in dask_rows)  # the run is over: none listed as live
    assert not wait_no_children(10.0)


@pytest.mark.timeout(120)
def test_test_connection_lists_a_schedulers_workers(qtbot, scheduler_and_two_workers):  # noqa: F811
    selector = RunOnSelector("test-real")
    qtbot.addWidget(selector)
    selector.set_choice(SCHEDULER, address=scheduler_and_two_workers)
    ticks = TickCounter()
    deadline = time.monotonic() + 60
    while True:  # the two workers register a moment after the scheduler listens
        selector.test_button.click()
        assert selector.testing and not selector.test_button.isEnabled()
        qtbot.waitUntil(lambda: not selector.testing, timeout=40000)
        text = selector.result.text()
        if text.startswith("2 workers at"):
            break
        assert time.monotonic() < deadline, text
    lines = text.splitlines()
    assert lines[0].startswith(f"2 workers at {scheduler_and_two_workers} (answered in ")
    assert len(lines) == 3 and all(
        line.startswith("127.0.0.1:") and " · 1 thread(s) · " in line and line.endswith(" MB") for line in lines[1:]
    )
    assert selector.test_button.isEnabled() and selector.test_button.text() == "Test connection"
    assert ticks.ticks > 10
    qtbot.waitUntil(lambda: not selector._live_tests, timeout=10000)  # the test's process was reaped


@pytest.mark.timeout(90)
def test_a_closed_or_silent_port_shows_the_error_and_the_window_keeps_ticking(qtbot):
    selector = RunOnSelector("test-closed")
    qtbot.addWidget(selector)
    closed = free_port()
    selector.set_choice(SCHEDULER, address=f"tcp://127.0.0.1:{closed}")
    ticks = TickCounter()
    selector.test_button.click()
    assert selector.result.text() == f"Connecting to tcp://127.0.0.1:{closed}…"
    qtbot.waitUntil(lambda: not selector.testing, timeout=30000)
    assert selector.result.text() == (
        f"Cannot use tcp://127.0.0.1:{closed}: cannot reach the Dask scheduler at tcp://127.0.0.1:{closed}: Connection refused"
    )
    assert "c62828" in selector.result.styleSheet()

    with socket.socket() as silent:  # accepts connections and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        selector.timeout_s = 3.0
        selector.set_choice(SCHEDULER, address=f"tcp://127.0.0.1:{port}")
        started, before = time.monotonic(), ticks.ticks
        selector.test_button.click()
        qtbot.waitUntil(lambda: not selector.testing, timeout=30000)
        waited = time.monotonic() - started
    assert "did not answer like a Dask scheduler within 3 s" in selector.result.text()
    assert waited >= 3.0
    # The window ticked all along: at least a tick per 0.1 s on average, never a gap near the wait.
    assert ticks.ticks - before >= waited * 10 / 2, (ticks.ticks - before, waited)
    assert ticks.max_gap_s < 1.5, ticks.max_gap_s
    qtbot.waitUntil(lambda: not selector._live_tests, timeout=10000)


def test_the_processes_view_lists_a_clusters_workers_and_marks_a_death(qtbot):
    from engine.status import JobFinished, ProcessStarted, WorkerExited, WorkerInfo, WorkersReport
    from gui.processes_view import ProcessTable

    table = ProcessTable(sample_ms=60000)
    qtbot.addWidget(table)
    table.on_message(ProcessStarted("clean-1", "coordinator", 4242, 1.0))

    def report(t: float, *names: str) -> WorkersReport:
        workers = tuple(
            WorkerInfo(n, 100 + i, "10.0.0.7", "busy", cpu_percent=97.0, rss_bytes=300 * 2**20, threads=1)
            for i, n in enumerate(names)
        )
        return WorkersReport("clean-1", t, "dask", workers)

    table.on_message(report(2.0, "10.0.0.7:4001", "10.0.0.7:4002"))
    table.on_message(WorkersReport("clean-1", 2.0, "local", ()))  # a local pool's report adds nothing
    assert sorted(table.live_pids()) == [4242]  # cluster workers are not sampled with psutil here
    table.on_message(WorkerExited("clean-1", "dask worker tcp://10.0.0.7:4001", 100, 3.0, None, False))
    table.on_message(report(3.5, "10.0.0.7:4002", "10.0.0.7:4003"))  # the nanny's replacement
    table._render()
    shown = {
        table.item(r, 1).text(): [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    }
    assert shown["dask worker 10.0.0.7:4002"][2:] == ["101", "running", "", "97", "300", ""]
    assert shown["dask worker 10.0.0.7:4003"][3] == "running"
    assert shown["dask worker 10.0.0.7:4001"][3] == "died"
    table.on_message(JobFinished("clean-1", 9.0, ok=True))
    assert [r.state for r in table.rows.values() if r.role.startswith("dask worker")] == ["died", "exited", "exited"]


@pytest.mark.timeout(60)
def test_a_wrong_address_and_a_closed_port_are_told_in_chinese(qtbot, chinese):
    """The address refused before any process, and the connection test's error, in the Chinese window."""
    selector = RunOnSelector("test-closed-zh")
    qtbot.addWidget(selector)
    selector.set_choice(SCHEDULER, address="10.0.0.5:8786")
    with pytest.raises(ValueError) as refused:
        selector.cluster()
    assert str(refused.value) == (
        "运行位置：'10.0.0.5:8786' 不是集群地址：运行中的 Dask 调度器请用 tcp://主机:端口（如 tcp://10.0.0.5:8786），"
        "N 个本地工作进程请用 local:N"
    )
    closed = free_port()
    selector.set_choice(SCHEDULER, address=f"tcp://127.0.0.1:{closed}")
    selector.test_button.click()
    qtbot.waitUntil(lambda: not selector.testing, timeout=30000)
    assert selector.result.text() == (
        f"无法使用 tcp://127.0.0.1:{closed}：无法连接 tcp://127.0.0.1:{closed} 上的 Dask 调度器：连接被拒绝"
    )
    qtbot.waitUntil(lambda: not selector._live_tests, timeout=10000)
