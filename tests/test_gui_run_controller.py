"""RunController: one run's lifecycle (own queue, monitor, progress, retirement, made-up end)."""

from __future__ import annotations

import pytest

from engine.progress import ProgressTracker, RunMonitor
from engine.status import JobFinished
from tests import gui_targets
from tests.helpers import wait_no_children


class RowsTracker(ProgressTracker[int]):
    def compute(self, monitor: RunMonitor) -> int:
        return int(monitor.counter("rows", "work"))


@pytest.fixture
def services(qtbot):
    from gui.run_controller import AppServices
    from gui.status_poller import StatusPoller

    poller = StatusPoller(interval_ms=20)
    poller.start()
    yield AppServices(poller)
    poller.close()


def make_controller(services):
    from gui.run_controller import RunController

    controller = RunController(services, "test", RowsTracker)
    states: list[bool] = []
    controller.running_changed.connect(states.append)
    return controller, states


@pytest.mark.timeout(60)
def test_a_run_ends_with_its_progress_and_its_queue_retired(services, qtbot):
    controller, states = make_controller(services)
    with qtbot.waitSignal(controller.finished, timeout=30000) as finished:
        run = controller.start(gui_targets.count_rows, 500)
        assert services.poller.queue_count == 1 and services.runs == [run]
    result: JobFinished = finished.args[0]
    assert result.ok and result.summary == {"rows": 500}
    assert controller.progress == 500  # the last snapshot was read before the end was announced
    assert states == [True, False] and not controller.is_running
    qtbot.waitUntil(lambda: services.poller.queue_count == 0, timeout=5000)
    assert not wait_no_children(10.0)


@pytest.mark.timeout(60)
def test_stop_cancels_the_run(services, qtbot):
    controller, _ = make_controller(services)
    with qtbot.waitSignal(controller.finished, timeout=30000) as finished:
        controller.start(gui_targets.count_until_stopped, None)
        with pytest.raises(RuntimeError):
            controller.start(gui_targets.count_until_stopped, None)  # one run at a time
        qtbot.waitUntil(lambda: (controller.progress or 0) > 0, timeout=20000)
        assert controller.stop()
        assert not controller.stop(), "a second stop while stopping is refused"
    assert finished.args[0].cancelled
    assert not wait_no_children(10.0)


@pytest.mark.timeout(60)
def test_a_coordinator_killed_without_a_word_gets_a_made_up_end(services, qtbot):
    controller, states = make_controller(services)
    with qtbot.waitSignal(controller.finished, timeout=30000) as finished:
        controller.start(gui_targets.count_then_die, 70)
    result: JobFinished = finished.args[0]
    assert not result.ok and not result.cancelled
    assert "without a result" in result.error and "-9" in result.error
    assert controller.monitor.finished is result  # the monitor (and so every view) knows the run ended
    assert controller.progress == 70  # what it said before dying was drained
    assert states == [True, False]
    qtbot.waitUntil(lambda: services.poller.queue_count == 0, timeout=5000)
    assert not wait_no_children(10.0)


@pytest.mark.timeout(60)
def test_a_second_run_gets_a_fresh_monitor_and_queue(services, qtbot):
    controller, _ = make_controller(services)
    with qtbot.waitSignal(controller.finished, timeout=30000):
        first = controller.start(gui_targets.count_rows, 100)
    with qtbot.waitSignal(controller.finished, timeout=30000):
        second = controller.start(gui_targets.count_rows, 30)
    assert first.ctx.status_queue is not second.ctx.status_queue
    assert controller.monitor.job_id == second.job_id and controller.progress == 30
    assert not wait_no_children(10.0)
