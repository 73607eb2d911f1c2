"""The command line and the app's job process start a ``local:N`` run's workers before they import
the job (engine/cluster/early_start.py): the job's run takes them when it asks for the same
workers, and workers no run took are closed."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import pytest

from engine.clean.config import CleanConfig
from engine.clean.job import _CleanRun, run_clean
from engine.cli import EXIT_BAD_ARGS
from engine.cli import main as cli_main
from engine.cluster import connection
from engine.cluster import executor as cluster_executor
from engine.cluster.early_start import JOB_WORKERS, take_started, workers_started_early
from engine.cluster.local_workers import WorkerStart
from engine.context import SPAWN, JobContext, StopFlag
from engine.demo.job import DemoConfig, run_demo
from engine.dialogues.config import DialoguesConfig
from engine.dialogues.job import run_dialogues
from engine.runner import DeferredJob, coordinator_main
from tests import cluster_targets as targets
from tests.clean_fixtures import write_good_inputs
from tests.helpers import live_children, spawned_children, wait_no_children


class _Asked(Exception):
    """Raised instead of connecting: the workers a job asked for."""

    def __init__(self, start: WorkerStart) -> None:
        super().__init__(start)
        self.start = start


def _children() -> set[int]:
    """This process's spawned children (not the resource tracker that spawning starts)."""
    return {p.pid for p in spawned_children()}


def _inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text("role,text\nuser,hello\n")
    return folder


def _clean(tmp_path) -> None:
    config = CleanConfig(inputs=(_inputs(tmp_path),), out_dir=tmp_path / "out", workers=1, cluster="local:1")
    run_clean(config, JobContext("clean", None, StopFlag()))


def _demo(tmp_path) -> None:
    run_demo(
        DemoConfig(tmp_path / "out", files=1, rows=10, workers=1, cluster="local:1"),
        JobContext("demo", None, StopFlag()),
    )


def _dialogues(tmp_path) -> None:
    config = DialoguesConfig(inputs=(_inputs(tmp_path) / "a.csv",), out_dir=tmp_path / "out", cluster="local:1")
    run_dialogues(config, JobContext("dialogues", None, StopFlag()))


@pytest.mark.parametrize(
    "job, job_function",
    [(_clean, run_clean), (_demo, run_demo), (_dialogues, run_dialogues)],
    ids=["clean", "demo", "dialogues"],
)
def test_each_job_is_started_the_workers_it_asks_for(job, job_function, tmp_path, monkeypatch):
    """What ``JOB_WORKERS`` names for a job's early start (the command line's and the app's) is what
    the job opens its executor with: otherwise the early workers would be closed unused and the run
    would start its own."""
    named = JOB_WORKERS[f"{job_function.__module__}:{job_function.__qualname__}"]

    def asked(address, timeout_s, preload=None, local_setup=None):
        raise _Asked(WorkerStart.of(preload, local_setup))

    monkeypatch.setattr(cluster_executor, "connect", asked)
    with pytest.raises(_Asked) as raised:
        job(tmp_path)
    assert raised.value.start == named


@pytest.mark.timeout(90)
def test_a_clean_run_takes_the_workers_started_before_it(tmp_path, monkeypatch, no_leftover_children):
    taken = []

    def recording(count, start):
        taken.append(real_take(count, start))
        return taken[-1]

    real_take = connection.take_started
    monkeypatch.setattr(connection, "take_started", recording)
    config = CleanConfig(inputs=(_inputs(tmp_path),), out_dir=tmp_path / "out", workers=1, cluster="local:1")
    before = _children()
    with workers_started_early("local:1", JOB_WORKERS["engine.clean.job:run_clean"]):
        (early,) = _children() - before  # spawned at once, before the job asks
        run = _CleanRun(config, JobContext("clean", SPAWN.Queue(), StopFlag()))
        run.prepare()
        with run.open_executor() as executor:
            assert taken[0] is not None and executor.connection.local_workers is taken[0]
            assert taken[0].pids == [early]
            # the clean job's setup ran in it: pyarrow kept from importing pandas
            assert list(executor.client.run(targets.pyarrow_imported_pandas).values()) == [False]
    assert not wait_no_children(timeout_s=10.0), live_children()


@pytest.mark.timeout(90)
def test_the_app_job_process_starts_a_local_runs_workers_before_it_imports_the_job(
    tmp_path, monkeypatch, no_leftover_children
):
    """The app's coordinator gets a local:N clean run as a ``DeferredJob`` (function and config
    pickled): it spawns the workers, then unpickles the job; the run takes those workers."""
    taken, spawned_before_the_job = [], []
    real_take, real_resolve = connection.take_started, DeferredJob.resolve

    def recording(count, start):
        taken.append(real_take(count, start))
        return taken[-1]

    def resolve(deferred):
        spawned_before_the_job.append(len(_children() - before))
        return real_resolve(deferred)

    monkeypatch.setattr(connection, "take_started", recording)
    monkeypatch.setattr(DeferredJob, "resolve", resolve)
    write_good_inputs(tmp_path / "in", files=2, rows=50)
    out = tmp_path / "out"
    config = CleanConfig(inputs=(tmp_path / "in",), out_dir=out, workers=1, out_format="csv", cluster="local:1")
    deferred = DeferredJob.of(run_clean, config)
    assert (deferred.job, deferred.cluster) == ("engine.clean.job:run_clean", "local:1")
    before = _children()
    coordinator_main(None, None, JobContext("clean", None, StopFlag()), deferred=deferred)
    assert spawned_before_the_job == [1]
    assert len(taken) == 1 and taken[0] is not None  # the early workers, not fresh ones
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert (report["status"], report["totals"]["files_ok"]) == ("done", 2)
    assert [Path(p).name for p in report["outputs"]] == [p.name for p in sorted(out.glob("clean_*.csv"))] != []
    assert not wait_no_children(timeout_s=10.0), live_children()


def test_only_a_local_run_of_a_job_with_named_workers_is_deferred():
    config = DemoConfig("/tmp/x", files=1, rows=10, workers=1, cluster="local:2")
    deferred = DeferredJob.of(run_demo, config)
    assert deferred is not None and deferred.resolve() == (run_demo, config)
    assert DeferredJob.of(run_demo, dataclasses.replace(config, cluster=None)) is None
    assert DeferredJob.of(run_demo, dataclasses.replace(config, cluster="tcp://127.0.0.1:8786")) is None
    assert DeferredJob.of(functools.partial(run_demo), config) is None  # a callable JOB_WORKERS does not name
    assert DeferredJob.of(targets.pyarrow_imported_pandas, 3) is None  # a config without a cluster


@pytest.mark.timeout(60)
def test_workers_no_run_took_are_closed_and_another_run_does_not_take_them(no_leftover_children):
    start = WorkerStart("tests.cluster_targets")
    before = _children()
    with workers_started_early("local:2", start):
        assert len(_children() - before) == 2
        assert take_started(1, start) is None  # another worker count
        assert take_started(2, WorkerStart("tests.cluster_targets", "engine.pandas_free:x")) is None  # another setup
    assert not wait_no_children(timeout_s=10.0), live_children()


def test_no_early_start_without_a_local_cluster():
    before = _children()
    for cluster in (None, "tcp://127.0.0.1:8786", "local:zero"):
        with workers_started_early(cluster, WorkerStart("tests.cluster_targets")):
            assert _children() == before, cluster


@pytest.mark.timeout(60)
def test_a_command_refused_before_its_run_leaves_no_worker_behind(tmp_path, no_leftover_children):
    code = cli_main(["clean", str(tmp_path / "missing"), "--out", str(tmp_path / "out"), "--cluster", "local:1"])
    assert code == EXIT_BAD_ARGS
    assert not wait_no_children(timeout_s=10.0), live_children()
