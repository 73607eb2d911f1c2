"""--cluster addresses, connecting with a deadline, and a local:N cluster that leaves no process behind."""

from __future__ import annotations

import gc
import os
import re
import signal
import socket
import sys
import time

import psutil
import pytest

from engine.clean.config import CleanConfig
from engine.clean.job import _CleanRun
from engine.cluster.address import (
    LocalClusterSpec,
    SchedulerAddress,
    parse_cluster_address,
)
from engine.cluster.connection import ClusterUnreachable, connect
from engine.cluster.executor import DaskExecutor
from engine.cluster.reach import DataReachError
from engine.coded_errors import english
from engine.context import SPAWN, JobContext, StopFlag
from engine.executor import TaskSpec
from engine.pandas_free import keep_pyarrow_from_importing_pandas
from tests import cluster_targets as targets
from tests.helpers import free_port, live_children, wait_no_children


@pytest.mark.parametrize(
    "text, expected",
    [
        ("tcp://10.0.0.5:8786", SchedulerAddress("10.0.0.5", 8786)),
        ("tcp://sched.example.org:9000/", SchedulerAddress("sched.example.org", 9000)),
        ("tcp://[::1]:8786", SchedulerAddress("::1", 8786)),
        (" local:3 ", LocalClusterSpec(3)),
    ],
)
def test_cluster_addresses_parse(text, expected):
    assert parse_cluster_address(text) == expected
    assert parse_cluster_address(str(expected)) == expected


@pytest.mark.parametrize(
    "text, says",
    [
        ("local:0", "at least 1 worker"),
        ("tcp://host:70000", "out of range"),
        ("10.0.0.5:8786", "tcp://HOST:PORT"),
        ("local", "local:N"),
        ("tls://host:8786", "is not a cluster address"),
        ("", "is not a cluster address"),
    ],
)
def test_anything_else_is_a_clear_error(text, says):
    with pytest.raises(ValueError, match=says):
        parse_cluster_address(text)


@pytest.mark.timeout(30)
def test_nothing_listening_is_a_clear_error_at_once():
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(
        ClusterUnreachable, match=f"cannot reach the Dask scheduler at {address}: Connection refused"
    ) as caught:
        connect(address)
    assert time.monotonic() - started < 10.0
    assert (caught.value.code, caught.value.params["errno"]) == ("scheduler_unreachable", "ECONNREFUSED")


@pytest.mark.timeout(30)
def test_a_listener_that_is_not_a_scheduler_fails_within_the_deadline():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(ClusterUnreachable, match="did not answer like a Dask scheduler within 1.5 s"):
            connect(address, timeout_s=1.5)
        assert 1.4 < time.monotonic() - started < 5.0


@pytest.mark.timeout(60)
def test_a_local_cluster_leaves_no_process_behind(no_leftover_children):
    connection = connect("local:2")
    workers = connection.client.run(lambda: __import__("os").getpid())
    assert len(workers) == 2
    children = {p.pid for p in psutil.Process().children(recursive=True)}
    assert set(workers.values()) <= children
    connection.close()
    assert not wait_no_children(timeout_s=10.0), live_children()
    assert not any(
        psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in workers.values()
    )


@pytest.mark.timeout(60)
def test_local_workers_import_the_task_module_as_they_start_and_keep_the_pool_allocator(no_leftover_children):
    module = "tests.cluster_targets"
    with connect("local:1", preload=module) as connection:
        seen = connection.client.run(lambda: (module in sys.modules, os.environ.get("MALLOC_TRIM_THRESHOLD_")))
    assert list(seen.values()) == [(True, os.environ.get("MALLOC_TRIM_THRESHOLD_"))]
    assert not wait_no_children(timeout_s=10.0), live_children()


@pytest.mark.timeout(90)
def test_local_workers_run_the_jobs_setup_as_they_start_and_a_clean_run_gives_its_own(tmp_path, no_leftover_children):
    """A clean run's local:N workers keep pyarrow from importing pandas, as its pool workers do
    (0.2-0.35 s of CPU in each worker's first task otherwise); without the setup pyarrow does."""
    with connect("local:1", preload="engine.clean.worker") as connection:
        assert list(connection.client.run(targets.pyarrow_imported_pandas).values()) == [True]
    setup = keep_pyarrow_from_importing_pandas
    with connect("local:1", preload="engine.clean.worker", local_setup=setup) as connection:
        assert list(connection.client.run(targets.pyarrow_imported_pandas).values()) == [False]
        # its imports were frozen for the cyclic GC, which runs again
        assert list(connection.client.run(targets.gc_state).values()) == [(True, True)]
    assert gc.isenabled()  # here too, after the coordinator's frozen dask import
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.csv").write_text("role,text\nuser,hello\n")
    config = CleanConfig(inputs=(inputs,), out_dir=tmp_path / "out", workers=1, cluster="local:1")
    run = _CleanRun(config, JobContext("clean", SPAWN.Queue(), StopFlag()))
    run.prepare()
    with run.open_executor() as executor:
        assert list(executor.client.run(targets.pyarrow_imported_pandas).values()) == [False]
    assert not wait_no_children(timeout_s=10.0), live_children()


@pytest.mark.timeout(60)
def test_open_stops_on_unreachable_data_and_closes_its_cluster(tmp_path, no_leftover_children):
    ctx = JobContext("t", None, StopFlag())
    missing = tmp_path / "not-there.csv"
    with pytest.raises(DataReachError, match=f"worker tcp://127.0.0.1:\\d+ cannot read {missing}") as caught:
        DaskExecutor.open("local:1", targets.square, ctx, inputs=[missing], output_dir=tmp_path)
    # by code, for a window: each worker's line with the errno that says its cause
    assert caught.value.code == "reach_failed" and english("reach_failed", caught.value.params) == str(caught.value)
    [[code, params]] = caught.value.params["problems_lines"]
    assert (code, params["path"], params["errno"]) == ("reach_cannot_read", str(missing), "ENOENT")
    assert not wait_no_children(timeout_s=10.0), live_children()


@pytest.mark.timeout(60)
def test_a_killed_job_process_takes_its_local_cluster_with_it(no_leftover_children):
    out = SPAWN.Queue()
    job = SPAWN.Process(target=targets.hold_local_cluster, args=(out,), daemon=False)
    job.start()
    try:
        worker_pids = out.get(timeout=40)
    finally:
        job.kill()
        job.join(timeout=10)
    assert len(worker_pids) == 2
    deadline = time.monotonic() + 10
    while any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in worker_pids):
        assert time.monotonic() < deadline, "the LocalCluster's workers outlived the killed job process"
        time.sleep(0.05)


def test_a_job_gets_the_pool_without_cluster_and_a_clear_error_for_a_bad_one():
    from engine.cluster.job_executor import open_job_executor
    from engine.pool import ProcessPool

    ctx = JobContext("t", None, StopFlag())
    pool = open_job_executor(targets.square, ctx, workers=2, stage="calc")
    assert isinstance(pool, ProcessPool) and pool.size == 2 and pool.stage == "calc"
    pool.shutdown()
    with pytest.raises(ValueError, match="is not a cluster address"):
        open_job_executor(targets.square, ctx, workers=2, stage="calc", cluster="tcp:/host")


def poll_until_done(test, timeout_s: float):
    deadline = time.monotonic() + timeout_s
    while not test.done:
        assert time.monotonic() < deadline, "the connection test did not end"
        test.poll()
        time.sleep(0.02)
    return test.result


@pytest.mark.timeout(60)
def test_connection_test_runs_in_a_process_and_says_why_it_failed(no_leftover_children):
    from engine.cluster.connection_test import ConnectionTest

    with pytest.raises(ValueError, match="not a cluster address"):
        ConnectionTest("10.0.0.5:8786")  # refused before any process starts
    closed = free_port()
    test = ConnectionTest(f"tcp://127.0.0.1:{closed}").start()
    assert test.poll() is None  # the answer is not there at once: nothing waited for it
    result = poll_until_done(test, 40)
    assert not result.ok and result.workers == ()
    assert result.error == f"cannot reach the Dask scheduler at tcp://127.0.0.1:{closed}: Connection refused"


@pytest.mark.timeout(60)
def test_connection_test_lists_a_local_clusters_workers_and_a_cancelled_one_ends(no_leftover_children):
    from engine.cluster.connection_test import ConnectionTest

    result = poll_until_done(ConnectionTest("local:2").start(), 50)
    assert result.ok, result.error
    assert len(result.workers) == 2 and all(w.threads == 1 and w.rss_bytes and w.pid for w in result.workers)
    with socket.socket() as silent:  # accepts and never answers: the test would wait its full deadline
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        test = ConnectionTest(f"tcp://127.0.0.1:{silent.getsockname()[1]}", timeout_s=30).start()
        time.sleep(0.5)
        test.cancel()
        assert test.result is not None and test.result.error == "cancelled"
        poll_until_done(test, 10)  # terminated and reaped well before its 30 s


@pytest.mark.timeout(60)
def test_a_local_worker_that_crashes_as_it_starts_fails_the_start_naming_it(
    tmp_path, monkeypatch, no_leftover_children
):
    flag = tmp_path / "crash"
    flag.touch()
    monkeypatch.setenv("MPWATCH_TEST_CRASH_FLAG", str(flag))  # the workers inherit it when spawned
    started = time.monotonic()
    with pytest.raises(ClusterUnreachable) as failed:
        connect("local:2", preload="tests.crash_at_import")
    assert re.fullmatch(
        r"local Dask worker [12] of 2 \(pid \d+\) ended with exit code 3 before it started, 3 times in a row: "
        r"not started again",
        str(failed.value),
    ), str(failed.value)
    assert failed.value.code == "local_worker_crash_loop" and failed.value.params["exitcode"] == 3
    assert english(failed.value.code, failed.value.params) == str(failed.value)
    assert time.monotonic() - started < 30, "the start waited for its timeout instead of the crashes"
    assert not wait_no_children(timeout_s=10.0), live_children()


@pytest.mark.timeout(60)
def test_a_local_worker_that_crash_loops_mid_run_ends_the_run_naming_it(tmp_path, monkeypatch, no_leftover_children):
    flag = tmp_path / "crash"
    monkeypatch.setenv("MPWATCH_TEST_CRASH_FLAG", str(flag))
    ctx = JobContext("t", None, StopFlag())
    with connect("local:1", preload="tests.crash_at_import") as connection:
        executor = DaskExecutor(targets.square, ctx, connection)
        assert sorted(r.value for r in executor.map_unordered(TaskSpec(i, i) for i in range(3))) == [0, 1, 4]
        flag.touch()  # from now on a fresh worker dies as it imports the task module
        (victim,) = connection.local_workers.pids
        os.kill(victim, signal.SIGKILL)
        with pytest.raises(
            ClusterUnreachable, match=r"local Dask worker 1 of 1 \(pid \d+\) ended with exit code 3 "
        ) as caught:
            for _ in executor.map_unordered(TaskSpec(i, i) for i in range(3, 100)):
                pass
        assert caught.value.code == "cluster_failed_in_flight"
        assert caught.value.params["failure_code"] == "local_worker_crash_loop"
        assert english(caught.value.code, caught.value.params) == str(caught.value)
        assert connection.local_workers.restarts == 3  # the killed one replaced, then two of the crashes
        executor.shutdown(cancel=True, grace_s=0.5)
    assert not wait_no_children(timeout_s=10.0), live_children()
