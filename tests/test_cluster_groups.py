"""Small tasks several to one Dask task (engine/cluster/groups.py), invisible to the caller: each task
keeps its key, its result or its own failure, its status and its attempts; members report as each
ends; a worker that dies holding a group has only the members not done run again; Stop starts no
further member. On a ``local:2`` cluster, like tests/test_cluster_executor.py."""

from __future__ import annotations

import queue
import time
from collections import deque
from pathlib import Path

import pytest

from engine.cluster import groups, remote
from engine.cluster.executor import DaskExecutor
from engine.cluster.groups import Flight, GroupFlight
from engine.context import JobContext, StopFlag
from engine.executor import TaskSpec
from engine.status import Snapshot
from tests import cluster_targets as targets
from tests.helpers import drain


@pytest.fixture(scope="module")
def cluster(local2_cluster):
    return local2_cluster


def _flight(key, **flags) -> Flight:
    return Flight(TaskSpec(key, key), str(key), **flags)


def test_groups_are_big_while_much_is_left_and_single_at_the_end():
    assert groups.group_size(None, 2, 4) == 4  # the caller's iterable is not read to its end yet
    assert [groups.group_size(n, 2, 4) for n in (100, 32, 25, 24, 17, 16, 9, 8, 1)] == [4, 4, 4, 3, 3, 2, 2, 1, 1]
    assert groups.group_size(None, 2, 1) == 1 and groups.group_size(1000, 8, 2) == 2
    # no more than about GROUP_TARGET_S of the tasks' own time in one group
    assert [groups.cap_for(s, 8) for s in (None, 0.01, 0.12, 0.3, 1.0, 5.0)] == [8, 8, 8, 3, 1, 1]


def test_a_group_takes_submitted_tasks_first_and_a_task_that_must_go_by_itself_alone():
    pending, ahead = deque([_flight("s")]), deque(_flight(i) for i in range(5))
    assert [f.spec.key for f in groups.take_group(pending, ahead, 3)] == ["s", 0, 1]
    ahead.appendleft(_flight("single", single=True))
    assert [f.spec.key for f in groups.take_group(pending, ahead, 3)] == ["single"]
    assert [f.spec.key for f in groups.take_group(pending, ahead, 3)] == [2, 3, 4]
    assert groups.split_member_key("mpwatch-t-1~group3-('file',0)/2") == ("mpwatch-t-1~group3-('file',0)", 2)
    assert groups.split_member_key("mpwatch-t-1-'a/b'") is None


def test_after_a_death_the_running_member_is_charged_only_if_the_group_had_begun():
    pending: deque[Flight] = deque([_flight("next")])
    group = GroupFlight([_flight(i) for i in range(4)], reported={0, 1})
    suspect = groups.requeue_after_death(group, pending, started=True)
    assert [f.spec.key for f in pending] == [2, 3, "next"]
    assert (suspect.spec.key, suspect.deaths_before, suspect.single) == (2, 1, True)
    assert pending[1].deaths_before == 0 and not pending[1].single
    queued = GroupFlight([_flight(i) for i in range(2)])
    suspect = groups.requeue_after_death(queued, deque(), started=False)
    assert (suspect.deaths_before, suspect.single) == (0, True)


@pytest.mark.timeout(90)
def test_members_report_one_by_one_and_a_failing_member_fails_alone(cluster, tmp_path):
    ctx = JobContext("t", queue.Queue(), StopFlag())
    pulled: list[int] = []

    def specs():
        for i in range(40):
            pulled.append(i)
            yield TaskSpec(("file", i), (i, str(tmp_path)), f"file {i}")

    results = {}
    with DaskExecutor(targets.wait_for_go, ctx, cluster, group_cap=2) as executor:
        look_ahead = groups.LOOK_AHEAD_PER_THREAD * 2 * executor.group_cap
        window = executor.in_flight_per_thread * 2 * executor.group_cap
        # 0 and 1 are the first group: 1 waits for the coordinator to have 0's result
        for result in executor.map_unordered(specs(), poll_s=0.05):
            assert len(pulled) <= len(results) + window + look_ahead + 1  # back-pressure on the iterable
            results[result.key] = result
            if result.key == ("file", 0):
                # its end came with its worker's snapshot (forwarded by the relay's thread): it
                # shows the next member, 1, running, not an idle worker
                early, after_0 = _snapshots_until(ctx.status_queue, result.worker, items_in=1)
                Path(tmp_path, "go").write_text("go")
        submitted = next(executor._numbers)  # Dask tasks submitted (keys are numbered)
    assert sorted(results) == [("file", i) for i in range(40)]
    assert submitted < 40  # some went several to a Dask task
    failed = results[("file", 5)]
    assert not failed.ok and failed.label == "file 5" and failed.error_type == "ValueError"
    assert failed.reason == "bad input 5" and "wait_for_go" in failed.traceback and failed.worker
    ok = [r for k, r in results.items() if k != ("file", 5)]
    assert all(r.ok and r.value == r.key[1] and r.attempts == 1 and r.label == f"file {r.key[1]}" for r in ok)
    # each member counted in its worker thread's status as a task of its own
    assert after_0 and all(s.current == "file 1" for s in after_0)
    last: dict[str, Snapshot] = {}
    for message in early + drain(ctx.status_queue):
        if isinstance(message, Snapshot):
            last[message.worker] = message
    assert sum(s.items_in for s in last.values()) == 40 and sum(s.errors for s in last.values()) == 1


def _snapshots_until(status_queue, worker: str, items_in: int, timeout_s: float = 10.0):
    """Messages from ``status_queue`` until a snapshot of ``worker`` counts ``items_in``: (all of
    them, that worker's snapshots at that count)."""
    seen: list = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        seen += drain(status_queue)
        at = [
            m
            for m in seen
            if isinstance(m, Snapshot) and m.worker.endswith(remote.worker_label(worker)) and m.items_in == items_in
        ]
        if at:
            return seen, at
        time.sleep(0.02)
    return seen, []


def assert_only_unfinished_members_run_again(executor: DaskExecutor, tmp_path: Path) -> None:
    """Task 2, the third member of the first group (0, 1, 2, 3), kills its worker once, mid-task."""
    killer = 2
    specs = (TaskSpec(i, (i, str(tmp_path), killer), f"task {i}") for i in range(40))
    with executor:
        assert executor.group_cap == 4  # the scheduler took the plugin: groups are on
        results = {r.key: r for r in executor.map_unordered(specs, poll_s=0.05)}
    assert {k: (r.ok, r.value) for k, r in results.items()} == {i: (True, i * 10) for i in range(40)}
    starts = {i: len(Path(tmp_path, f"starts-{i}").read_text().split()) for i in range(40)}
    assert starts == {i: 2 if i == killer else 1 for i in range(40)}  # 0 and 1 were done: not again
    assert {k: r.attempts for k, r in results.items()} == {i: 2 if i == killer else 1 for i in range(40)}


@pytest.mark.timeout(120)
def test_a_worker_killed_while_holding_a_group_reruns_only_its_unfinished_members(cluster, tmp_path):
    ctx = JobContext("t", queue.Queue(), StopFlag())
    assert_only_unfinished_members_run_again(
        DaskExecutor(targets.count_start_kill_once, ctx, cluster, group_cap=4), tmp_path
    )


@pytest.mark.timeout(90)
def test_stop_starts_no_further_member_and_leaves_nothing_running(cluster, tmp_path):
    ctx = JobContext("t", None, StopFlag())
    with DaskExecutor(targets.run_until_stopped, ctx, cluster, stage="spin", group_cap=4) as executor:
        specs = (TaskSpec(("spin", i), (i, str(tmp_path)), f"spin {i}") for i in range(40))
        cancelled: list = []

        def cancel_once_two_run() -> None:
            if not cancelled and len(list(tmp_path.glob("started-*"))) == 2:
                cancelled.extend(executor.cancel())

        assert list(executor.map_unordered(specs, poll_s=0.05, on_wait=cancel_once_two_run)) == []
        started = {p.name.split("-")[1] for p in tmp_path.glob("started-*")}
        ended = {p.name.split("-")[1] for p in tmp_path.glob("ended-*")}
        assert len(started) == 2 and started == ended  # no member started after Stop; none runs on
        assert len(cancelled) >= 8 and len(set(cancelled)) == len(cancelled)
        running = cluster.client.run(remote.running_keys, executor._run.run_id)
        assert running and all(keys == [] for keys in running.values())


def test_a_scheduler_that_refuses_the_plugin_gets_one_task_per_dask_task_and_says_so():
    """Without the plugin Dask would run a whole group again after a worker death (members already
    done included), so the executor does not group; the log says why (a remote scheduler where
    mpwatch is not importable)."""

    class RefusingClient:
        def run_on_scheduler(self, fn, *args, **kwargs):
            raise ModuleNotFoundError("No module named 'engine'")

    class Ctx:
        def __init__(self):
            self.logged = []

        def log_coded(self, level, code, **params):
            self.logged.append((level, code, params))

    runs = groups.GroupRuns()
    runs.client, runs.ctx = RefusingClient(), Ctx()
    runs._init_groups(8)
    assert runs.group_cap == 1
    assert runs.ctx.logged == [
        ("info", "cluster_no_groups", {"reason": "ModuleNotFoundError: No module named 'engine'"})
    ]
