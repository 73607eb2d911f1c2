"""The status protocol: rate-limited cumulative snapshots, non-blocking when full, events delivered."""

from __future__ import annotations

import dataclasses
import queue
import time

import pytest

from engine.context import SPAWN
from engine.status import LogLine, Snapshot, StatusReporter, StatusSink, WorkerExited, describe_exitcode
from tests import targets


def test_snapshots_are_rate_limited_and_cumulative():
    q: queue.Queue = queue.Queue()
    reporter = StatusReporter(StatusSink(q), "job", "stage", "w1", interval_s=0.1)
    started = time.monotonic()
    while time.monotonic() - started < 0.35:
        reporter.add(items_in=1, rows=2)
        reporter.tick()
    reporter.flush()
    snaps = [q.get_nowait() for _ in range(q.qsize())]
    assert 3 <= len(snaps) <= 6, len(snaps)
    assert all(isinstance(s, Snapshot) for s in snaps)
    ins = [s.items_in for s in snaps]
    assert ins == sorted(ins), "snapshots are cumulative"
    assert snaps[-1].items_in == reporter.items_in
    assert snaps[-1].counters["rows"] == 2 * reporter.items_in


def test_full_status_queue_never_blocks_the_worker():
    q = SPAWN.Queue(maxsize=1)
    sink = StatusSink(q)
    reporter = StatusReporter(sink, "job", "stage", "w1", interval_s=0.0)
    reporter.flush()
    started = time.perf_counter()
    for _ in range(200):
        reporter.add(items_in=1)
        reporter.flush()
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5, f"200 snapshots into a full queue took {elapsed:.3f}s"
    assert sink.dropped_snapshots >= 199
    # The one that got through is a snapshot; the totals still live in the reporter.
    assert isinstance(q.get(timeout=5), Snapshot)
    assert reporter.items_in == 200


@pytest.mark.timeout(60)
def test_events_are_not_dropped_through_a_small_queue():
    q = SPAWN.Queue(maxsize=5)
    sender = SPAWN.Process(target=targets.send_events, args=(q, 300))
    sender.start()
    received = []
    while len(received) < 300:
        received.append(q.get(timeout=20))
    sender.join(timeout=20)
    assert sender.exitcode == 0
    assert [int(e.text) for e in received] == list(range(300))


def test_busy_time_and_current_task():
    q: queue.Queue = queue.Queue()
    reporter = StatusReporter(StatusSink(q), "job", "stage", "w1")
    reporter.begin("file.xlsx")
    sum(range(200000))
    snap = reporter.snapshot()
    assert snap.current == "file.xlsx" and snap.busy_s > 0
    reporter.end()
    assert reporter.snapshot().current == ""


def test_worker_exit_descriptions():
    died = WorkerExited(job="j", role="writer 1", pid=42, t=0.0, exitcode=-9, expected=False)
    assert died.signal == 9
    assert "SIGKILL" in died.describe()
    assert describe_exitcode(3) == "exit code 3"
    assert "SIGKILL" in describe_exitcode(-9)


def test_status_messages_are_frozen():
    line = LogLine(job="j", level="info", text="x", t=0.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.text = "y"  # type: ignore[misc]
