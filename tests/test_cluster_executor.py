"""The executor contract on a ``local:2`` cluster (Dask's scheduler, two Dask worker processes): keys, failures as data, retries,
live status through the event topic, cancel, a killed worker, workers(), the data-reach check."""

from __future__ import annotations

import os
import queue
import time

import pytest

from engine.cluster import groups, remote
from engine.cluster.connection import LOCAL_ALLOWED_FAILURES
from engine.cluster.executor import DaskExecutor
from engine.cluster.reach import DataReachError, check_data_reach
from engine.context import Cancelled, JobContext, StopFlag
from engine.executor import WORKER_DIED, TaskSpec
from engine.status import LogLine, Snapshot, WorkerExited
from tests import cluster_targets as targets
from tests.helpers import drain
from tests.targets import file_specs

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(scope="module")
def cluster(local2_cluster):
    return local2_cluster


def wait_for(condition, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_keys_come_back_failures_are_data_and_the_source_is_pulled_lazily(cluster):
    ctx = JobContext("t", None, StopFlag())
    pulled: list[int] = []
    with DaskExecutor(targets.square_or_raise, ctx, cluster) as executor:
        # groups of up to group_cap tasks in flight, and the source read ahead to size them
        window = (executor.in_flight_per_thread + groups.LOOK_AHEAD_PER_THREAD) * 2 * executor.group_cap
        results = {}
        for result in executor.map_unordered(file_specs(8, pulled)):
            assert len(pulled) <= len(results) + window + 1  # back-pressure on the iterable
            results[result.key] = result
            if result.key == ("file", 0):
                executor.submit(("segment", 0), 7, "segment 0")
    assert sorted(results, key=str) == sorted([("file", i) for i in range(8)] + [("segment", 0)], key=str)
    assert results[("segment", 0)].value == 49 and results[("segment", 0)].label == "segment 0"
    assert results[("file", 5)].ok and results[("file", 5)].value == 25 and results[("file", 5)].attempts == 1
    failed = results[("file", 3)]
    assert not failed.ok and failed.error_type == "ValueError" and failed.reason == "bad input 3"
    assert "square_or_raise" in failed.traceback and "raise ValueError" in failed.traceback
    workers = set(cluster.client.scheduler_info()["workers"])
    assert {f"tcp://{r.worker}" for r in results.values()} <= workers


def test_retries_rerun_a_task_that_raised(cluster, tmp_path):
    ctx = JobContext("t", None, StopFlag())
    with DaskExecutor(targets.fail_first_time, ctx, cluster, retries=1) as executor:
        (result,) = executor.map_unordered([TaskSpec("flaky", (1, str(tmp_path)))])
    assert result.ok and result.value == 1 and result.attempts == 2
    with DaskExecutor(targets.fail_first_time, ctx, cluster) as executor:
        (result,) = executor.map_unordered([TaskSpec("flaky", (2, str(tmp_path)))])
    assert not result.ok and result.error_type == "OSError" and result.attempts == 1


def test_a_task_error_keeps_its_code_on_the_cluster(cluster, tmp_path):
    """An OSError raised on a worker comes back with the code a pool worker gives it (a window says
    it in its language), its text unchanged."""
    missing = tmp_path / "gone.txt"
    with DaskExecutor(targets.read_text, JobContext("t", None, StopFlag()), cluster) as executor:
        (result,) = executor.map_unordered([TaskSpec("gone", str(missing))])
    assert result.reason == f"[Errno 2] No such file or directory: '{missing}'"
    assert (result.code, result.params["errno"]) == ("os_error_file", "ENOENT")
    event = result.failed_event("t", result.error)
    assert (event.reason, event.code) == (f"FileNotFoundError: {result.reason}", "exception_text")


def test_status_snapshots_and_events_arrive_through_the_topic(cluster):
    status: queue.Queue = queue.Queue()
    ctx = JobContext("counting", status, StopFlag())
    with DaskExecutor(targets.report_rows, ctx, cluster, stage="count") as executor:
        results = list(executor.map_unordered(TaskSpec(i, 40) for i in range(2)))
        assert all(r.ok for r in results)
    messages = drain(status)
    snapshots = [m for m in messages if isinstance(m, Snapshot)]
    assert {s.job for s in snapshots} == {"counting"} and {s.stage for s in snapshots} == {"count"}
    last = {}
    for snap in snapshots:  # cumulative per worker, in order
        assert snap.counters.get("rows_done", 0) >= last.get(snap.worker, 0)
        last[snap.worker] = snap.counters.get("rows_done", 0)
    assert sum(last.values()) == 80
    assert sum(max(s.items_out for s in snapshots if s.worker == w) for w in last) == 2
    assert any(0 < s.counters.get("rows_done", 0) < 40 for s in snapshots)  # progress during a task
    assert len(snapshots) <= 2 * (0.4 / remote.REMOTE_SNAPSHOT_INTERVAL_S + 4)  # throttled at the worker
    logs = [m for m in messages if isinstance(m, LogLine) and m.text == "counted 40"]
    assert len(logs) == 2


def test_a_task_that_sends_nothing_while_it_runs_shows_busy_from_its_start(cluster, tmp_path):
    """A single task's start reaches the live view at once, even right after another task's snapshot
    (throttled, it was dropped, and the worker read idle until the task's next tick: never, for a
    task that sends nothing while it runs, as a long file read)."""
    status: queue.Queue = queue.Queue()
    ctx = JobContext("t", status, StopFlag())
    with DaskExecutor(targets.flush_or_hold, ctx, cluster, stage="hold", group_cap=1) as executor:
        for i in range(4):
            executor.submit(("quick", i), (i, str(tmp_path), False), f"quick {i}")
        executor.submit(("hold", 9), (9, str(tmp_path), True), "hold 9")
        latest: dict[int, str] = {}
        shown: list[str] = []

        def go_once_the_held_task_shows() -> None:  # the tasks run only while results() is read
            latest.update((m.pid, m.current) for m in drain(status) if isinstance(m, Snapshot))
            started = tmp_path / "started-9"
            if not shown and started.exists() and latest.get(int(started.read_text() or 0)) == "hold 9":
                shown.append("hold 9")
                (tmp_path / "go").write_text("go")  # else it gives up after 20 s, failed

        results = list(executor.results(poll_s=0.05, on_wait=go_once_the_held_task_shows))
    assert shown == ["hold 9"]
    assert sorted(r.key for r in results if r.ok) == sorted([("quick", i) for i in range(4)] + [("hold", 9)])


def test_cancel_stops_every_running_task_and_the_executor_stays_usable(cluster, tmp_path):
    ctx = JobContext("t", None, StopFlag())
    with DaskExecutor(targets.run_until_stopped, ctx, cluster, stage="spin") as executor:
        for i in range(4):
            executor.submit(("spin", i), (i, str(tmp_path)), f"spin {i}")
        cancelled: list = []
        busy_seen: list = []

        def cancel_once_two_run() -> None:
            if not cancelled and len(list(tmp_path.glob("started-*"))) == 2:
                busy_seen.extend(executor.workers())
                cancelled.extend(executor.cancel())

        assert list(executor.results(poll_s=0.05, on_wait=cancel_once_two_run)) == []
        assert sorted(cancelled) == [("spin", i) for i in range(4)]
        assert sorted(w.state for w in busy_seen) == ["busy", "busy"]
        assert all(w.current.startswith("spin ") for w in busy_seen)
        started = {p.name.split("-")[1] for p in tmp_path.glob("started-*")}
        ended = {p.name.split("-")[1] for p in tmp_path.glob("ended-*")}
        assert started and started == ended  # every task that ran has returned: none runs on
        running = cluster.client.run(remote.running_keys, executor._run.run_id)
        assert running and all(keys == [] for keys in running.values())
        assert not cluster.client.processing() or not any(cluster.client.processing().values())
        again = list(executor.map_unordered([TaskSpec("after", (-1, str(tmp_path)))]))
        assert [(r.key, r.ok, r.value) for r in again] == [("after", True, -1)]


def test_the_jobs_stop_flag_cancels_and_raises(cluster, tmp_path):
    ctx = JobContext("t", None, StopFlag())
    executor = DaskExecutor(targets.run_until_stopped, ctx, cluster)

    def stop_when_started() -> None:
        if list(tmp_path.glob("started-*")):
            ctx.stop_event.set()

    with pytest.raises(Cancelled):
        for _ in executor.map_unordered([TaskSpec("spin", (0, str(tmp_path)))], poll_s=0.05, on_wait=stop_when_started):
            pass
    assert (tmp_path / "ended-0").exists()


def test_a_killed_worker_has_its_task_run_elsewhere(cluster, tmp_path):
    ctx = JobContext("t", queue.Queue(), StopFlag())
    pids = set(cluster.client.run(os.getpid).values())
    with DaskExecutor(targets.kill_self_once, ctx, cluster) as executor:
        results = {r.key: r for r in executor.map_unordered(TaskSpec(i, (i, str(tmp_path))) for i in range(6))}
    assert {k: (r.ok, r.value) for k, r in results.items()} == {i: (True, i * 10) for i in range(6)}
    killed = int((tmp_path / "killed-2").read_text())
    assert killed in pids
    assert results[2].attempts == 2 and results[2].worker  # ran again, on a live worker
    wait_for(lambda: len(cluster.client.scheduler_info()["workers"]) == 2)  # the dead worker was replaced
    # The death reached the run's status as a WorkerExited (the Processes view, the log), with the
    # task it was running named in a warning.
    messages = drain(ctx.status_queue)
    exits = [m for m in messages if isinstance(m, WorkerExited)]
    assert len(exits) == 1, exits
    death = exits[0]
    assert death.role.startswith("dask worker tcp://127.0.0.1:") and death.pid == killed
    assert not death.expected and death.exitcode is None
    assert death.describe() == f"{death.role} (pid {killed}) died"
    warnings = [m.text for m in messages if isinstance(m, LogLine) and m.level == "warning"]
    running = [w for w in warnings if w.startswith(f"{death.role} was running ")]
    assert len(running) == 1 and running[0].endswith(": scheduled again on the other workers")
    # task 2 killed it; another task queued on that worker may be named too
    assert "2" in running[0].removeprefix(f"{death.role} was running ").split(":")[0].split(", ")


def test_a_task_that_kills_every_worker_fails_and_the_tasks_beside_it_do_not(cluster):
    """The scheduler counts a death against every task on the dying worker; the ones queued behind
    the killer (two per thread are in flight) must not fail with it: a task given up on is run once
    more alone, and only the killer dies there."""
    log = queue.Queue()
    ctx = JobContext("t", log, StopFlag())
    with DaskExecutor(targets.always_kill_self, ctx, cluster) as executor:
        results = {r.key: r for r in executor.map_unordered(TaskSpec(i, i) for i in range(10))}
    assert [k for k, r in sorted(results.items()) if not r.ok] == [1]
    assert all(results[i].value == i for i in results if i != 1)
    died = results[1]
    assert died.error_type == WORKER_DIED and died.attempts == LOCAL_ALLOWED_FAILURES + 2
    assert died.reason == f"worker died on all {died.attempts} attempts, the last one alone on it"
    assert (died.code, died.params) == ("worker_died_every_attempt_alone", {"attempts": died.attempts})
    logged = [m for m in drain(log) if isinstance(m, LogLine)]
    lines = [m.text for m in logged]
    assert any(text.startswith("1: a worker died under it on all") for text in lines)
    # by code, for a window: the task run alone, then its failure with the reason inside
    assert "1" in {m.params["task"] for m in logged if m.code == "task_run_alone"}
    (failed,) = [m for m in logged if m.code == "task_failed"]
    assert failed.text == f"1 failed: {died.reason}"
    assert failed.params["reason_code"] == "worker_died_every_attempt_alone"
    wait_for(lambda: len(cluster.client.scheduler_info()["workers"]) == 2)


def test_workers_come_from_the_scheduler(cluster):
    ctx = JobContext("t", None, StopFlag())
    with DaskExecutor(targets.square, ctx, cluster) as executor:
        infos = executor.workers()
    pids = cluster.client.run(os.getpid)
    assert sorted(w.name for w in infos) == sorted(a.split("://")[1] for a in pids)
    assert sorted(w.pid for w in infos) == sorted(pids.values())
    assert all(
        w.threads == 1
        and w.rss_bytes
        and w.rss_bytes > 10_000_000
        and w.host == "127.0.0.1"
        and w.cpu_percent is not None
        and w.state == "idle"
        for w in infos
    )


def test_data_reach_names_the_worker_and_the_path(cluster, tmp_path):
    readable = tmp_path / "in.csv"
    readable.write_text("a\n1\n")
    cluster.client.wait_for_workers(2, timeout=60)  # a worker an earlier test killed is being replaced
    assert check_data_reach(cluster.client, [readable], tmp_path, "mpwatch-test") == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mpwatch-probe")]  # probes removed
    missing = tmp_path / "gone.xlsx"
    not_a_folder = readable  # a file where the output folder should be
    with pytest.raises(DataReachError) as caught:
        check_data_reach(cluster.client, [readable, missing], not_a_folder, "mpwatch-test")
    text = str(caught.value)
    for address in cluster.client.scheduler_info()["workers"]:
        assert f"worker {address} cannot read {missing}: No such file or directory" in text
        assert f"worker {address} cannot write to {not_a_folder}: Not a directory" in text
    assert str(readable) + ":" not in text.replace(f"write to {not_a_folder}:", "")


def test_small_outcomes_come_with_the_status_large_ones_are_gathered(cluster):
    gathered: list[list] = []
    real_gather = cluster.client._gather

    async def counting_gather(futures, *args, **kwargs):
        gathered.append([f.key for f in futures])
        return await real_gather(futures, *args, **kwargs)

    ctx = JobContext("t", queue.SimpleQueue(), StopFlag())
    large = remote.CARRIED_OUTCOME_MAX_BYTES + 1
    sizes = {("small", i): 10 for i in range(6)} | {("large", 0): large}
    cluster.client._gather = counting_gather
    try:
        with DaskExecutor(targets.bytes_of, ctx, cluster) as executor:
            results = {r.key: r for r in executor.map_unordered(TaskSpec(k, n) for k, n in sizes.items())}
    finally:
        del cluster.client._gather  # the instance attribute goes, the client's own method answers again
    assert {k: len(r.value) for k, r in results.items()} == sizes and all(r.ok for r in results.values())
    assert len(gathered) == 1 and len(gathered[0]) == 1 and "large" in gathered[0][0]  # only it made the round trip
    snapshots = [m for m in drain(ctx.status_queue) if isinstance(m, Snapshot)]
    assert sum(max(s.items_out for s in snapshots if s.worker == w) for w in {s.worker for s in snapshots}) == 7
