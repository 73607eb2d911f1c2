"""The process pool and the supervisor: failures are data, dead workers are replaced, nothing hangs."""

from __future__ import annotations

import os
import queue
import signal
import threading
import time

import psutil
import pytest

from engine.context import SPAWN, Cancelled, JobContext, StopFlag
from engine.executor import WORKER_DIED, TaskSpec
from engine.pool import ProcessPool
from engine.status import ProcessStarted, WorkerExited
from engine.supervisor import Supervisor
from tests import targets
from tests.helpers import live_children, wait_no_children


def specs(items, label=str) -> list[TaskSpec]:
    """Tasks keyed ("n", index) for ``items``, labelled ``label(item)``."""
    return [TaskSpec(("n", i), item, label(item)) for i, item in enumerate(items)]


def wait_for_started(q, role: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            message = q.get(timeout=0.2)
        except queue.Empty:
            continue
        if isinstance(message, ProcessStarted) and message.role == role:
            return
    raise AssertionError(f"{role} never announced itself")


def drain(q) -> list:
    out = []
    while True:
        try:
            out.append(q.get(timeout=0.2))
        except queue.Empty:
            return out


@pytest.mark.timeout(60)
def test_results_stream_and_a_raising_task_does_not_stop_the_others(no_leftover_children):
    ctx = JobContext("t", SPAWN.Queue(maxsize=1000), StopFlag())
    with ProcessPool(targets.square_or_raise, 2, ctx) as pool:
        results = list(pool.map_unordered(specs(range(8))))
    assert len(results) == 8
    good = {r.key: r.value for r in results if r.ok}
    bad = [r for r in results if not r.ok]
    assert good == {("n", i): i * i for i in range(8) if i != 3}
    assert len(bad) == 1 and bad[0].key == ("n", 3) and bad[0].label == "3"
    assert (bad[0].error_type, bad[0].reason, bad[0].error) == ("ValueError", "bad input 3", "ValueError: bad input 3")
    assert "Traceback" in bad[0].traceback and "square_or_raise" in bad[0].traceback
    started = [m for m in drain(ctx.status_queue) if isinstance(m, ProcessStarted)]
    assert len(started) == 2


@pytest.mark.timeout(60)
def test_sigkilled_worker_is_replaced_and_its_task_retried(tmp_path, no_leftover_children):
    ctx = JobContext("t", SPAWN.Queue(maxsize=1000), StopFlag())
    with ProcessPool(targets.kill_self_once, 2, ctx) as pool:
        results = list(pool.map_unordered(TaskSpec(("file", i), (i, str(tmp_path))) for i in range(6)))
        deaths = list(pool.deaths)
    assert {r.key: r.value for r in results if r.ok} == {("file", i): i * 10 for i in range(6)}
    retried = [r for r in results if r.attempts > 1]
    assert [(r.key, r.attempts) for r in retried] == [(("file", 2), 2)]
    assert len(deaths) == 1 and deaths[0].exitcode == -signal.SIGKILL
    events = drain(ctx.status_queue)
    assert any(isinstance(m, WorkerExited) and m.exitcode == -9 for m in events)


@pytest.mark.timeout(90)
def test_task_that_keeps_killing_workers_fails_with_the_reason(no_leftover_children):
    ctx = JobContext("t", None, StopFlag())
    with ProcessPool(targets.always_kill_self, 2, ctx, max_retries=2) as pool:
        results = {r.key: r for r in pool.map_unordered(specs(range(4)))}
    assert results[("n", 1)].ok is False
    assert "worker died (signal 9 (SIGKILL))" in results[("n", 1)].reason
    assert results[("n", 1)].error_type == WORKER_DIED
    assert results[("n", 1)].attempts == 3
    assert all(results[("n", k)].ok for k in (0, 2, 3))


@pytest.mark.timeout(60)
def test_stop_mid_job_raises_cancelled_and_leaves_no_child(no_leftover_children):
    ctx = JobContext("t", None, StopFlag())
    threading.Timer(1.5, ctx.stop_event.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        with ProcessPool(targets.busy_until_stopped, 2, ctx) as pool:
            list(pool.map_unordered(specs(range(10))))
    assert time.monotonic() - started < 15
    assert not wait_no_children(5.0)


@pytest.mark.timeout(60)
def test_supervisor_reports_a_dead_process_within_a_second(no_leftover_children):
    ctx = JobContext("t", SPAWN.Queue(maxsize=100), None)
    supervisor = Supervisor(ctx)
    supervisor.start("quitter", targets.exit_with, (3,))
    deadline = time.monotonic() + 20
    exits = []
    while not exits and time.monotonic() < deadline:
        exits = supervisor.poll(timeout=0.1)
    assert exits and exits[0].exitcode == 3 and exits[0].expected is False
    assert supervisor.finished


@pytest.mark.timeout(60)
def test_staged_stop_ends_a_process_that_ignores_stop_and_term(no_leftover_children):
    ctx = JobContext("t", SPAWN.Queue(maxsize=100), None)
    supervisor = Supervisor(ctx)
    managed = supervisor.start("stubborn", targets.spin_forever_ignoring_stop, (ctx,))
    wait_for_started(ctx.status_queue, "stubborn")  # its SIGTERM handler is installed by then
    started = time.monotonic()
    supervisor.stop(grace_s=0.5, terminate_s=0.5)
    assert time.monotonic() - started < 10
    assert managed.process.exitcode == -signal.SIGKILL
    assert supervisor.finished


@pytest.mark.timeout(60)
def test_stop_also_ends_grandchildren(no_leftover_children):
    ctx = JobContext("t", None, None)
    supervisor = Supervisor(ctx)
    managed = supervisor.start("parent", targets.child_with_grandchild, (ctx,))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not psutil.Process(managed.pid).children():
        time.sleep(0.05)
    assert psutil.Process(managed.pid).children()
    supervisor.stop(grace_s=0.3, terminate_s=0.3)
    assert not wait_no_children(5.0), live_children()


@pytest.mark.timeout(60)
def test_pool_workers_end_when_their_owner_is_killed(no_leftover_children):
    ctx = JobContext("t", SPAWN.Queue(maxsize=1000), StopFlag())
    owner = SPAWN.Process(target=targets.pool_owner, args=(ctx, 2))
    owner.start()
    worker_pids: list[int] = []
    deadline = time.monotonic() + 30
    while len(worker_pids) < 2 and time.monotonic() < deadline:
        try:
            message = ctx.status_queue.get(timeout=0.5)
        except queue.Empty:
            continue
        if isinstance(message, ProcessStarted) and message.role != "coordinator":
            worker_pids.append(message.pid)
    assert len(worker_pids) == 2
    os.kill(owner.pid, signal.SIGKILL)
    owner.join(timeout=10)
    # Orphaned workers notice their owner is gone and exit on their own.
    gone, alive = psutil.wait_procs([psutil.Process(p) for p in worker_pids if psutil.pid_exists(p)], timeout=10)
    assert not alive, [p.pid for p in alive]


@pytest.mark.timeout(60)
def test_supervisor_can_relay_status_through_private_pipes(no_leftover_children):
    status = SPAWN.Queue(maxsize=100)
    ctx = JobContext("t", status, None)
    supervisor = Supervisor(ctx, relay_status=True)
    supervisor.start("sender", targets.announce_and_log, (ctx, 50))
    assert supervisor.wait(timeout=20)
    supervisor.relay()
    messages = drain(status)
    assert any(isinstance(m, ProcessStarted) and m.role == "sender" for m in messages)
    assert [m.text for m in messages if hasattr(m, "text")] == [str(i) for i in range(50)]


@pytest.mark.timeout(90)
def test_a_worker_killed_while_reporting_does_not_wedge_status(tmp_path, no_leftover_children):
    """Workers flood status while being SIGKILLed; the owner's status still flows and nothing hangs."""
    status = SPAWN.Queue(maxsize=100000)
    ctx = JobContext("t", status, StopFlag())
    with ProcessPool(targets.report_then_maybe_die, 2, ctx) as pool:
        results = list(pool.map_unordered(specs([(x, str(tmp_path)) for x in range(12)])))
    assert all(r.ok for r in results), [r.reason for r in results if not r.ok]
    assert len(pool.deaths) >= 3
    ctx.log("after the deaths")
    messages = drain(status)
    assert any(getattr(m, "text", "") == "after the deaths" for m in messages)


@pytest.mark.timeout(60)
def test_worker_killed_while_idle_is_replaced_without_spinning(no_leftover_children):
    ctx = JobContext("t", None, StopFlag())
    with ProcessPool(targets.compute_for, 2, ctx) as pool:
        results = pool.map_unordered(specs([0.0, 2.0]))
        first = next(results)
        assert first.value == 0.0
        idle = next(w for w in pool._workers if w.task is None)
        os.kill(idle.process.pid, signal.SIGKILL)
        cpu_before = time.process_time()
        rest = list(results)
        owner_cpu = time.process_time() - cpu_before
    assert [r.value for r in rest] == [2.0]
    assert len(pool.deaths) == 1 and pool.deaths[0].exitcode == -signal.SIGKILL
    assert owner_cpu < 0.5, f"the owner spun for {owner_cpu:.2f} s of CPU while waiting"


@pytest.mark.timeout(60)
def test_a_death_first_seen_by_another_caller_is_still_reported_and_restarted(no_leftover_children):
    """Reading ``exitcode`` (as ``pids()`` does from a test or GUI thread) reaps a dead process;
    the supervisor's next poll must still report it and restart it, not lose it."""
    ctx = JobContext("t", None, None)
    supervisor = Supervisor(ctx)
    managed = supervisor.start("stage", targets.spin_forever_ignoring_stop, (ctx,), restart=True)
    first = managed.pid
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while managed.process.exitcode is None and time.monotonic() < deadline:  # reaped here, not in poll
        time.sleep(0.02)
    supervisor.poll(0.05)
    assert [(e.role, e.pid, e.exitcode) for e in supervisor.exits] == [("stage", first, -signal.SIGKILL)]
    assert managed.restarts == 1 and managed.pid != first and managed.process.is_alive()
    supervisor.stop(grace_s=0.3, terminate_s=0.3)
    assert supervisor.finished


@pytest.mark.timeout(60)
@pytest.mark.parametrize("quick_exit", [False, True])
def test_quick_exit_skips_the_interpreter_teardown_after_the_last_status(tmp_path, quick_exit, no_leftover_children):
    ctx = JobContext("t", SPAWN.Queue(maxsize=1000), StopFlag())
    mark = tmp_path / "teardown"
    pool = ProcessPool(targets.leave_an_atexit_mark, 1, ctx, quick_exit=quick_exit)
    with pool:
        [result] = list(pool.map_unordered([TaskSpec("mark", str(mark))]))
        worker = pool._workers[0].process
    assert result.ok and result.value == worker.pid
    assert worker.exitcode == 0  # a quick exit is a clean one: no death is reported
    assert not pool.deaths
    assert mark.exists() is not quick_exit  # the atexit hook ran only with the full teardown
    snapshots = [m for m in drain(ctx.status_queue) if getattr(m, "items_out", None) is not None]
    assert snapshots and max(m.items_out for m in snapshots) == 1  # the worker's last words arrived
