"""The Dask executor against a real ``dask scheduler`` and two ``dask worker`` processes over
loopback TCP, as on several hosts (127.0.0.1 only; every process is ended by the test)."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cluster.executor import DaskExecutor
from engine.context import JobContext, StopFlag
from engine.executor import TaskSpec
from engine.status import Snapshot
from tests import cluster_targets as targets
from tests.helpers import free_port, live_children, wait_no_children

ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).with_name("dask")


@pytest.fixture(scope="module")
def scheduler_and_two_workers():
    """``dask scheduler`` + two ``dask worker`` (no nanny, 1 thread each) on free loopback ports."""
    with running_scheduler_and_two_workers() as address:
        yield address


@pytest.fixture
def own_scheduler_and_two_workers():
    """The same, for one test only (a test that kills one of the workers)."""
    with running_scheduler_and_two_workers() as address:
        yield address


@contextlib.contextmanager
def running_scheduler_and_two_workers() -> Iterator[str]:
    """Start them, yield the scheduler's address, end every process (workers first)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the workers import engine and tests from here
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    commands = [[str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]]
    commands += [
        [
            str(DASK),
            "worker",
            address,
            "--host",
            "127.0.0.1",
            "--nthreads",
            "1",
            "--no-nanny",
            "--no-dashboard",
            "--name",
            f"w{n}",
        ]
        for n in (1, 2)
    ]
    processes = [
        subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for c in commands
    ]
    try:
        deadline = time.monotonic() + 30
        while True:  # the scheduler takes a second or two to listen
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "dask scheduler did not start listening"
                assert processes[0].poll() is None, "dask scheduler exited"
                time.sleep(0.1)
        yield address
    finally:
        for process in reversed(processes):  # workers first, then the scheduler
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        assert not wait_no_children(timeout_s=10.0), live_children()


@pytest.mark.timeout(90)
def test_tasks_run_on_a_scheduler_and_two_workers_over_tcp(scheduler_and_two_workers, tmp_path):
    address = scheduler_and_two_workers
    data = tmp_path / "input.csv"
    data.write_text("a\n1\n")
    status: queue.Queue = queue.Queue()
    ctx = JobContext("tcp-run", status, StopFlag())
    # Workers register a moment after the scheduler listens: open() waits for one, the test for both.
    with DaskExecutor.open(
        address, targets.report_rows, ctx, stage="count", inputs=[data], output_dir=tmp_path, timeout_s=30
    ) as executor:
        executor.connection.client.wait_for_workers(2, timeout=30)
        infos = executor.workers()
        results = {r.key: r for r in executor.map_unordered(TaskSpec(("part", i), 5) for i in range(6))}
    assert {k: (r.ok, r.value) for k, r in results.items()} == {("part", i): (True, 5) for i in range(6)}
    assert len(infos) == 2 and {w.host for w in infos} == {"127.0.0.1"} and all(w.threads == 1 for w in infos)
    assert {f"tcp://{w.name}" for w in infos} >= {f"tcp://{r.worker}" for r in results.values()}
    snapshots = []
    while not status.empty():
        message = status.get_nowait()
        if isinstance(message, Snapshot):
            snapshots.append(message)
    totals: dict[str, float] = {}
    for snap in snapshots:
        totals[snap.worker] = snap.counters.get("rows_done", 0)
    assert sum(totals.values()) == 30 and all(name.startswith("count 127.0.0.1:") for name in totals)


@pytest.mark.timeout(60)
def test_test_connection_lists_the_schedulers_workers(scheduler_and_two_workers):
    from engine.cluster.workers import cluster_workers

    address = scheduler_and_two_workers
    deadline = time.monotonic() + 30
    while len(infos := cluster_workers(address, timeout_s=30)) < 2:
        assert time.monotonic() < deadline, f"only {infos}"
    assert sorted(w.state for w in infos) == ["idle", "idle"]
    assert all(w.name.startswith("127.0.0.1:") and w.pid and w.rss_bytes for w in infos)
