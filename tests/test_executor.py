"""The executor contract on the local pool, the status relay and the staged stop."""

from __future__ import annotations

import queue
import signal
import time

import psutil
import pytest

from engine.context import SPAWN, JobContext, StopFlag
from engine.executor import WORKER_DIED, TaskResult, TaskSpec, WorkersPublisher
from engine.pool import ProcessPool
from engine.shutdown import StagedStop
from engine.status import LogLine, Snapshot, StatusSink, WorkersReport
from engine.status_pipe import StatusRelay
from tests import targets
from tests.helpers import drain, live_children


@pytest.mark.timeout(60)
def test_keys_come_back_with_results_of_tasks_submitted_meanwhile(no_leftover_children):
    ctx = JobContext("t", None, StopFlag())
    pulled: list[int] = []
    with ProcessPool(targets.square, 2, ctx) as pool:
        keys = []
        for result in pool.map_unordered(targets.file_specs(6, pulled)):
            assert len(pulled) <= len(keys) + 2 + 1  # back-pressure: at most one spec per worker ahead
            keys.append(result.key)
            if result.key == ("file", 0):
                pool.submit(("segment", 0), 7, "writing segment 0")
            if result.key == ("segment", 0):
                assert result.value == 49 and result.label == "writing segment 0"
    assert sorted(keys, key=str) == sorted([("file", i) for i in range(6)] + [("segment", 0)], key=str)


@pytest.mark.timeout(60)
def test_a_freed_worker_gets_its_next_task_before_on_wait_and_a_submitted_one_first(no_leftover_children):
    """The worker a result freed is handed its next task as soon as the caller has handled that
    result, before ``on_wait`` (where a coordinator rewrites its report): it never idles through
    the caller's housekeeping. A task the caller submitted on that result goes ahead of the source."""
    ctx = JobContext("t", None, StopFlag())
    pulled: list[int] = []
    with ProcessPool(targets.square, 1, ctx) as pool:
        handled, busy_at_wait, order = 0, [], []

        def look() -> None:
            if 0 < handled < 5:  # a result was handled and tasks remain: the one worker must be busy
                busy_at_wait.append(pool.in_flight)

        for result in pool.map_unordered(targets.file_specs(4, pulled), poll_s=0.05, on_wait=look):
            handled += 1
            order.append(result.key)
            if result.key == ("file", 0):
                pool.submit(("segment", 0), 7, "writing segment 0")
    assert order == [("file", 0), ("segment", 0), ("file", 1), ("file", 2), ("file", 3)]
    assert busy_at_wait and set(busy_at_wait) == {1}


@pytest.mark.timeout(60)
def test_cancel_drops_pending_and_stops_running_tasks(no_leftover_children):
    ctx = JobContext("t", None, StopFlag())
    with ProcessPool(targets.compute_for, 2, ctx) as pool:
        old_pids = set(pool.pids)
        for i in range(4):
            pool.submit(("slow", i), 60.0)
        cancelled: list = []

        def cancel_once_both_busy() -> None:
            if not cancelled and pool.in_flight == 2:
                cancelled.extend(pool.cancel())

        started = time.monotonic()
        results = list(pool.results(poll_s=0.1, on_wait=cancel_once_both_busy))
        assert results == []
        assert time.monotonic() - started < 20
        assert sorted(cancelled) == [("slow", i) for i in range(4)]
        assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in old_pids)
        # Still usable afterwards, on fresh workers.
        again = list(pool.map_unordered([TaskSpec("quick", 0.0)]))
        assert [(r.key, r.ok) for r in again] == [("quick", True)]


@pytest.mark.timeout(60)
def test_workers_lists_live_pids_with_their_state(no_leftover_children):
    status: queue.Queue = queue.Queue()
    ctx = JobContext("t", status, StopFlag())
    with ProcessPool(targets.compute_for, 2, ctx, stage="calc") as pool:
        deadline = time.monotonic() + 30
        while any(w.state == "starting" for w in pool.workers()) and time.monotonic() < deadline:
            time.sleep(0.05)
        idle = pool.workers()
        assert [w.state for w in idle] == ["idle", "idle"]
        assert sorted(w.pid for w in idle) == sorted(pool.pids)
        assert all(psutil.pid_exists(w.pid) for w in idle)
        publisher = WorkersPublisher(pool, ctx.sink, ctx.job)
        seen: list = []

        def look() -> None:
            seen.append(pool.workers())
            publisher.publish()

        results = list(
            pool.map_unordered([TaskSpec(("n", 0), 1.5, "long one"), TaskSpec(("n", 1), 0.0, "short")], on_wait=look)
        )
    assert all(r.ok for r in results)
    busy = [w for snapshot in seen for w in snapshot if w.state == "busy" and w.current == "long one"]
    assert busy, seen
    assert any(w.cpu_percent is not None for w in busy)
    assert all(w.rss_bytes and w.rss_bytes > 0 and w.threads and w.threads >= 1 for w in busy)
    assert all(w.host for w in busy) and all(w.name.startswith("calc ") for w in busy)
    reports = [m for m in drain(status) if isinstance(m, WorkersReport)]
    assert reports and all(r.executor == "local" and len(r.workers) == 2 for r in reports)
    assert len(reports) <= 2 + 1  # at most one a second over a ~2 s run
    # The first report goes out when the publisher is made, before any task: the workers idle.
    assert [w.state for w in reports[0].workers] == ["idle", "idle"]
    assert publisher.most_workers == 2  # what the run's summary says it ran on


def test_status_relay_forwards_status_and_hands_back_the_rest():
    status: queue.Queue = queue.Queue()
    reader, writer = SPAWN.Pipe(duplex=False)
    relay = StatusRelay(reader, StatusSink(status))
    snap = Snapshot(job="j", stage="s", worker="w", pid=1, t=0.0, items_in=3)
    line = LogLine(job="j", level="info", text="hello", t=0.0)
    writer.send(snap)
    writer.send(line)
    writer.send({"a result": 1})
    writer.send(snap)
    assert relay.read() == {"a result": 1}
    assert [status.get_nowait(), status.get_nowait()] == [snap, line]
    assert relay.read() is None and status.get_nowait() == snap
    assert not relay.closed
    writer.close()
    assert relay.read() is None and relay.closed
    assert relay.received == 4


@pytest.mark.timeout(60)
def test_staged_stop_kills_a_process_that_ignores_sigterm(no_leftover_children):
    process = SPAWN.Process(target=targets.sleep_ignoring_term_forever)
    process.start()
    # Wait until its handler is installed: SIGTERM then leaves it running.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if _ignores_sigterm(process.pid):
            break
        time.sleep(0.05)
    assert _ignores_sigterm(process.pid)
    stop = StagedStop(lambda: [process], grace_s=0.2, terminate_s=0.5)
    started = time.monotonic()
    stop.run()
    assert time.monotonic() - started < 5
    assert process.exitcode == -signal.SIGKILL
    assert stop.finished


@pytest.mark.timeout(60)
def test_staged_stop_ends_a_grandchild_too_and_advance_never_blocks(no_leftover_children):
    ready = SPAWN.Event()
    parent = SPAWN.Process(target=targets.parent_of_stubborn_grandchild, args=(ready,))
    parent.start()
    assert ready.wait(20)
    grandchildren = psutil.Process(parent.pid).children()
    assert len(grandchildren) == 1
    stop = StagedStop(lambda: [parent], grace_s=0.2, terminate_s=0.3).begin()
    deadline = time.monotonic() + 10
    slowest = 0.0
    while time.monotonic() < deadline:
        t0 = time.monotonic()
        done = stop.advance()
        slowest = max(slowest, time.monotonic() - t0)
        if done:
            break
        time.sleep(0.02)
    assert done
    assert slowest < 0.5
    parent.join(5)
    gone, alive = psutil.wait_procs(grandchildren, timeout=5)
    assert not alive and not live_children()


def _ignores_sigterm(pid: int) -> bool:
    """True once the process's SIGTERM disposition is 'ignore' (from /proc, SigIgn bit 15)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("SigIgn:"):
                return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False


def test_task_events_carry_the_result_key_and_the_given_task_name():
    done = TaskResult(("file", 3), "#3 a.xlsx", True, value={"rows": 5}, attempts=2, worker="reader 1", seconds=0.5)
    finished = done.finished_event("dialogues-1", {"rows": 5}, task="a.xlsx")
    assert (finished.task, finished.key, finished.attempts, finished.worker) == ("a.xlsx", ("file", 3), 2, "reader 1")
    assert done.finished_event("dialogues-1", {}).task == "#3 a.xlsx"  # the label when no name is given
    died = TaskResult(("file", 4), "#4 b.xlsx", False, reason="b died", error_type=WORKER_DIED, code="worker_died")
    failed = died.failed_event("dialogues-1", died.error, task="b.xlsx")
    assert (failed.task, failed.key, failed.reason, failed.code) == ("b.xlsx", ("file", 4), "b died", "worker_died")
    assert died.failed_event("dialogues-1", "another text").code == ""  # a code only for its own reason
