"""Faults on a cluster, with the real jobs: a dask worker SIGKILLed mid-run changes nothing in the
outputs; Stop cancels every future and leaves no task running; a LocalCluster the job started
leaves no process. The jobs run in a thread of the test (the coordinator), the cluster in processes."""

from __future__ import annotations

import json
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

from engine.clean.config import CleanConfig
from engine.clean.job import PARTS_DIR, run_clean
from engine.cluster.connection import connect
from engine.cluster.executor import DaskExecutor
from engine.context import Cancelled, JobContext, StopFlag
from engine.dialogues.config import DialoguesConfig
from engine.dialogues.job import run_dialogues
from engine.status import Snapshot, WorkerExited, WorkersReport
from tests import cluster_targets
from tests.cluster_jobs_support import assert_same_dialogues, assert_same_files, ok, run_cli
from tests.helpers import live_children, spawned_children, wait_no_children
from tests.test_cluster_groups import assert_only_unfinished_members_run_again
from tests.test_cluster_scheduler import (  # noqa: F401  (fixtures)
    own_scheduler_and_two_workers,
    scheduler_and_two_workers,
)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """Eight exports large enough that a clean run takes a few seconds on two workers."""
    folder = tmp_path_factory.mktemp("inputs") / "demo"
    ok(run_cli("demo", str(folder), "--files", "8", "--rows", "2500", "--seed", "9", "--workers", "2"))
    return folder


class JobThread:
    """A job function run in a thread with its own status queue and stop flag."""

    def __init__(self, fn: Callable[[Any, JobContext], Any], config: Any) -> None:
        self.status: queue.Queue = queue.Queue()
        self.ctx = JobContext("job", self.status, StopFlag())
        self.outcome: Any = None
        self._seen: list[Any] = []
        self.thread = threading.Thread(target=self._run, args=(fn, config), daemon=True)
        self.thread.start()

    def _run(self, fn: Callable[[Any, JobContext], Any], config: Any) -> None:
        try:
            self.outcome = fn(config, self.ctx)
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            self.outcome = exc

    def wait_for(self, condition: Callable[[], bool], timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            assert self.thread.is_alive(), f"the job ended before {what}: {self.outcome!r}"
            assert time.monotonic() < deadline, f"no {what} within {timeout_s} s"
            time.sleep(0.02)

    def join(self, timeout_s: float) -> Any:
        self.thread.join(timeout_s)
        assert not self.thread.is_alive(), "the job did not end"
        return self.outcome

    def messages(self) -> list[Any]:
        """Every status message the job has sent so far, in order (each call sees them all)."""
        while not self.status.empty():
            self._seen.append(self.status.get_nowait())
        return list(self._seen)


def dask_worker_processes() -> list[psutil.Process]:
    """The LocalCluster's worker processes: this process's spawned children."""
    return spawned_children(recursive=True)


def a_worker_frozen_mid_task(job: JobThread, timeout_s: float) -> psutil.Process:
    """A dask worker stopped (SIGSTOP) while it runs a task the coordinator knows it began.

    Killed at a random moment, a worker may sit between tasks, or have begun a group whose start
    has not reached the loaded coordinator yet (then its members go again uncharged): the kill
    would prove nothing (seen once in a loaded run). So: stop a worker that the status shows busy,
    let what it sent arrive, and keep it only if its last snapshot still shows a task; else let
    it go on and try again.
    """
    deadline = time.monotonic() + timeout_s
    workers = {p.pid: p for p in dask_worker_processes()}
    while True:
        assert job.thread.is_alive(), f"the job ended before a worker was seen mid-task: {job.outcome!r}"
        assert time.monotonic() < deadline, f"no worker seen mid-task within {timeout_s} s"
        current = _current_task_by_pid(job)
        busy = [pid for pid in workers if current.get(pid)]
        if busy:
            victim = workers[busy[0]]
            victim.suspend()
            time.sleep(0.5)  # what it sent before the stop reaches the coordinator and the queue
            if _current_task_by_pid(job).get(victim.pid):
                return victim
            victim.resume()
        time.sleep(0.02)


def _current_task_by_pid(job: JobThread) -> dict[int, str]:
    """Each sender's current task in its latest snapshot ('' when idle)."""
    return {m.pid: m.current for m in job.messages() if isinstance(m, Snapshot)}


def clean_config(inputs: Path, out: Path, cluster: str | None) -> CleanConfig:
    return CleanConfig(inputs=(inputs,), out_dir=out, workers=2, out_format="csv", segment_files=2, cluster=cluster)


def clean_with_a_worker_killed(
    inputs: Path, tmp_path: Path, files: int, parts_before_kill: int
) -> tuple[JobThread, psutil.Process]:
    """Clean ``inputs`` locally, then on local:2 with a worker SIGKILLed once ``parts_before_kill``
    part files are written: the outputs are the same, every file ok, some task ran again."""
    local = tmp_path / "local"
    run_clean(clean_config(inputs, local, None), JobContext("local"))
    out = tmp_path / "cluster"
    job = JobThread(run_clean, clean_config(inputs, out, "local:2"))
    enough = lambda: len(list((out / PARTS_DIR).glob("part_*"))) >= parts_before_kill  # noqa: E731
    job.wait_for(enough, 120, "part files")
    victim = a_worker_frozen_mid_task(job, timeout_s=60)
    os.kill(victim.pid, signal.SIGKILL)
    summary = job.join(120)
    assert isinstance(summary, dict), summary
    assert_same_files(out, local, "clean_*.csv")
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "done" and summary["files_ok"] == files
    entries = report["files"] + report["segments"]
    assert max(e["attempts"] for e in entries) >= 2, "no task was run again after the kill"
    return job, victim


@pytest.mark.timeout(240)
def test_a_worker_killed_mid_run_changes_nothing_in_the_outputs(inputs, tmp_path, no_leftover_children):
    job, victim = clean_with_a_worker_killed(inputs, tmp_path, files=8, parts_before_kill=1)
    messages = job.messages()
    # The death is an event of the run (the Processes view marks the worker died, the log says so).
    deaths = [m for m in messages if isinstance(m, WorkerExited)]
    assert [(d.role.startswith("dask worker tcp://127.0.0.1:"), d.pid, d.expected) for d in deaths] == [
        (True, victim.pid, False)
    ]
    # The Processes view's source: WorkersReports of the cluster's workers.
    reports = [m for m in messages if isinstance(m, WorkersReport)]
    assert reports and all(r.executor == "dask" for r in reports)
    assert any(
        len(r.workers) == 2 and all(w.host == "127.0.0.1" and w.threads == 1 for w in r.workers) for r in reports
    ), [(round(r.t - reports[0].t, 2), [(w.name, w.host, w.threads, w.state) for w in r.workers]) for r in reports]


@pytest.mark.timeout(240)
def test_a_scheduler_worker_killed_mid_run_is_reported_and_changes_nothing(
    inputs,
    tmp_path,
    own_scheduler_and_two_workers,  # noqa: F811 - the fixture imported above
):
    local = tmp_path / "local"
    run_clean(clean_config(inputs, local, None), JobContext("local"))
    out = tmp_path / "cluster"
    job = JobThread(run_clean, clean_config(inputs, out, own_scheduler_and_two_workers))
    job.wait_for(lambda: any((out / PARTS_DIR).glob("part_*")), 120, "part file")
    workers = [
        p
        for p in psutil.Process().children()
        if "worker" in p.cmdline() and own_scheduler_and_two_workers in p.cmdline()
    ]
    assert len(workers) == 2, workers
    victim = workers[0]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(10)
    summary = job.join(120)
    assert isinstance(summary, dict), summary
    assert_same_files(out, local, "clean_*.csv")
    deaths = [m for m in job.messages() if isinstance(m, WorkerExited)]
    assert len(deaths) == 1, deaths
    assert deaths[0].role.startswith("dask worker tcp://127.0.0.1:") and deaths[0].pid == victim.pid
    assert not deaths[0].expected and deaths[0].describe().endswith(f"(pid {victim.pid}) died")


@pytest.mark.timeout(240)
def test_a_worker_killed_while_it_runs_a_group_of_file_tasks_changes_nothing(
    tmp_path_factory, tmp_path, no_leftover_children
):
    """40 small files: the file tasks go several to a Dask task (engine/cluster/groups.py)."""
    inputs = tmp_path_factory.mktemp("many") / "demo"
    ok(run_cli("demo", str(inputs), "--files", "40", "--rows", "400", "--seed", "3", "--workers", "2"))
    job, _ = clean_with_a_worker_killed(inputs, tmp_path, files=40, parts_before_kill=3)
    assert len([m for m in job.messages() if isinstance(m, WorkerExited)]) == 1


@pytest.mark.timeout(120)
def test_on_a_scheduler_a_group_whose_worker_dies_reruns_only_its_unfinished_members(
    tmp_path,
    own_scheduler_and_two_workers,  # noqa: F811 - the fixture imported above
):
    connection = connect(own_scheduler_and_two_workers)
    ctx = JobContext("t", queue.Queue(), StopFlag())
    executor = DaskExecutor(cluster_targets.count_start_kill_once, ctx, connection, group_cap=4, own_connection=True)
    assert_only_unfinished_members_run_again(executor, tmp_path)


@pytest.mark.timeout(240)
def test_a_dialogues_worker_killed_mid_build_changes_nothing(inputs, tmp_path, no_leftover_children):
    local = tmp_path / "local"
    base = dict(inputs=(inputs,), val_size=40, seed=2, workers=2)
    run_dialogues(DialoguesConfig(out_dir=local, **base), JobContext("local"))
    out = tmp_path / "cluster"
    job = JobThread(run_dialogues, DialoguesConfig(out_dir=out, cluster="local:2", **base))
    job.wait_for(lambda: any(out.glob(".mpwatch-dialogues-*/shards/src-*.parquet")), 120, "shard")
    os.kill(dask_worker_processes()[0].pid, signal.SIGKILL)
    summary = job.join(120)
    assert isinstance(summary, dict), summary
    assert_same_dialogues(out, local)


@pytest.mark.timeout(120)
def test_stop_ends_a_local_cluster_run_and_leaves_no_process(inputs, tmp_path, no_leftover_children):
    out = tmp_path / "out"
    job = JobThread(run_clean, clean_config(inputs, out, "local:2"))
    job.wait_for(lambda: any((out / PARTS_DIR).glob("part_*")), 120, "part file")
    assert len(dask_worker_processes()) == 2
    job.ctx.stop_event.set()
    stopped = time.monotonic()
    assert isinstance(job.join(30), Cancelled)
    assert time.monotonic() - stopped < 15
    assert json.loads((out / "report.json").read_text())["status"] == "stopped"
    assert not wait_no_children(10.0), live_children()


@pytest.mark.timeout(180)
def test_stop_cancels_every_future_on_a_scheduler(inputs, tmp_path, scheduler_and_two_workers):  # noqa: F811
    from distributed import Client

    out = tmp_path / "out"
    job = JobThread(run_clean, clean_config(inputs, out, scheduler_and_two_workers))
    job.wait_for(lambda: any((out / PARTS_DIR).glob("part_*")), 120, "part file")
    job.ctx.stop_event.set()
    assert isinstance(job.join(30), Cancelled)
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "stopped" and any(f["status"] == "pending" for f in report["files"])
    with Client(scheduler_and_two_workers, timeout=10, set_as_default=False) as client:
        executing = client.run(lambda dask_worker: dask_worker.state.executing_count)
        assert len(executing) == 2 and sum(executing.values()) == 0, executing
        assert all(not keys for keys in client.processing().values()), client.processing()
        tasks = client.run_on_scheduler(lambda dask_scheduler: [str(k) for k in dask_scheduler.tasks])
        assert not [k for k in tasks if k.startswith("mpwatch-")], tasks
