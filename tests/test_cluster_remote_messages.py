"""What a Dask worker sends on the run's status topic per task (engine/cluster/remote.py), read off
a stand-in for Dask's worker: every task's start goes out at once, once, and a group's later
members add no message of their own (one message per member is what groups save)."""

from __future__ import annotations

import pickle
import uuid
from types import SimpleNamespace
from typing import Any

import distributed
import pytest

from engine.cluster import remote
from engine.cluster.status_topic import GroupStarted, TaskDone
from engine.status import Snapshot


class _Worker:
    """What ``run_task`` and ``run_group`` use of a Dask worker; keeps what they log."""

    address = "tcp://127.0.0.1:40001"

    def __init__(self, key: str) -> None:
        self.key = key
        self.state = SimpleNamespace(nthreads=1)
        self.sent: list[Any] = []

    def get_current_task(self) -> str:
        return self.key

    def log_event(self, topic: str, payload: bytes) -> None:
        self.sent.append(pickle.loads(payload))


@pytest.fixture
def run(monkeypatch):
    """A run whose throttled ticks never send (an hour apart), on a stand-in worker."""
    base = f"test-{uuid.uuid4().hex[:8]}"
    worker = _Worker("mpwatch-x")
    monkeypatch.setattr(distributed, "get_worker", lambda: worker)
    yield remote.RemoteRun(base, f"{base}.0", "job", "stage", "topic", snapshot_interval_s=3600.0), worker
    remote.forget_run(base)


def _current(message: Any) -> tuple[str, str]:
    snapshot = message if isinstance(message, Snapshot) else message.snapshot
    return type(message).__name__, snapshot.current


def _ticking(x: int) -> int:
    from engine.pool_worker import current_reporter

    current_reporter().tick()  # as a job's task does: throttled, so it sends nothing here
    return x * 2


def _double(x: int) -> int:
    return x * 2


def test_a_single_task_sends_its_start_and_its_end(run):
    remote_run, worker = run
    for x in (1, 2):
        worker.key = f"mpwatch-x-{x}"
        assert remote.run_task(_ticking, x, f"task {x}", remote_run).value == 2 * x
    # the second start goes out although the first task's end was just sent
    assert [_current(m) for m in worker.sent] == [
        ("Snapshot", "task 1"),
        ("TaskDone", ""),
        ("Snapshot", "task 2"),
        ("TaskDone", ""),
    ]


def test_a_group_sends_its_start_and_one_end_per_member_showing_the_next(run):
    remote_run, worker = run
    outcomes = remote.run_group(_double, ((1, "a"), (2, "b"), (3, "c")), remote_run)
    assert [o.value for o in outcomes] == [2, 4, 6]
    assert [_current(m) for m in worker.sent] == [
        ("GroupStarted", "a"),
        ("TaskDone", "b"),
        ("TaskDone", "c"),
        ("TaskDone", ""),
    ]
    assert [m.key for m in worker.sent if isinstance(m, TaskDone)] == [f"mpwatch-x/{i}" for i in range(3)]
    assert isinstance(worker.sent[0], GroupStarted) and worker.sent[0].key == "mpwatch-x"
