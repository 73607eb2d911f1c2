"""Batching policies: the decisions with an injected clock, the service-time fit, the replica board."""

from __future__ import annotations

from multiprocessing.connection import wait

import pytest

from engine.pipeline.batch_policy import PLAN_FRACTION, Batcher, ReplicaView
from engine.pipeline.messages import FLUSH_DEADLINE, FLUSH_IDLE, FLUSH_SIZE
from engine.pipeline.replicas import ReplicaBoard
from engine.pipeline.service_time import Z_P99, ServiceTimeFit
from engine.pipeline.stage import BatchControl, BatchReport, first_item_id, ingress_of

FREE = ReplicaView(free=1, ready=1)
BUSY = ReplicaView(free=0, ready=1, busy=((0.0, 8),))
TIMEOUT_S = 10.0


def admitted_at(item: tuple) -> float:
    return item[2] - TIMEOUT_S


def item(i: int, admitted: float) -> tuple:
    return (i, f"features {i}", admitted + TIMEOUT_S)


def test_idle_sends_a_lone_item_at_once_when_a_replica_is_free() -> None:
    batcher = Batcher(max_batch=128, max_delay_s=1.0, policy="idle")
    batcher.add(["lone"], now=5.0)
    decision = batcher.plan(5.0, FREE)
    assert decision is not None and (decision.reason, decision.count) == (FLUSH_IDLE, 1)
    assert batcher.wait_s(5.0, FREE) == 0.0
    batcher.add(range(200), now=5.0)  # more than max batch waiting: the free replica gets max batch
    assert batcher.plan(5.0, FREE).reason == FLUSH_SIZE and batcher.plan(5.0, FREE).count == 128


def test_idle_accumulates_while_every_replica_is_busy_until_size_or_deadline() -> None:
    batcher = Batcher(max_batch=4, max_delay_s=1.0, policy="idle")
    batcher.add(["a", "b"], now=10.0)
    assert batcher.plan(10.5, BUSY) is None
    assert batcher.wait_s(10.5, BUSY) == pytest.approx(0.5)
    assert batcher.plan(10.999, BUSY) is None
    assert batcher.plan(11.0, BUSY).reason == FLUSH_DEADLINE  # max delay still bounds the wait
    batcher.add(["c", "d"], now=10.6)
    assert batcher.plan(10.6, BUSY).reason == FLUSH_SIZE
    queued = ReplicaView(free=0, ready=1, busy=(), queued_batches=1)  # idle replica, a batch already queued
    assert batcher.plan(10.6, queued).reason == FLUSH_SIZE
    batcher.take(4)
    batcher.add(["e"], now=10.7)
    assert batcher.plan(10.7, queued) is None  # the queued batch takes that replica: wait


def test_fixed_ignores_free_replicas() -> None:
    batcher = Batcher(max_batch=4, max_delay_s=1.0, policy="fixed")
    batcher.add(["a"], now=0.0)
    assert batcher.plan(0.0, FREE) is None and batcher.wait_s(0.0, FREE) == pytest.approx(1.0)
    assert batcher.plan(1.0, FREE).reason == FLUSH_DEADLINE
    batcher.retune(4, 1.0, policy="idle")  # a live switch applies to what already waits
    assert batcher.plan(0.5, FREE).reason == FLUSH_IDLE


def test_target_caps_the_batch_so_the_oldest_item_meets_the_target() -> None:
    batcher = Batcher(max_batch=128, max_delay_s=1.0, policy="target", target_s=0.050, admitted=admitted_at)
    batcher.fit = ServiceTimeFit(a_s=0.001, b_s=0.0, sigma_s=0.0, batches=20)
    batcher.add([item(i, admitted=0.0) for i in range(100)], now=0.010)
    decision = batcher.plan(0.010, FREE)
    budget_items = int((0.050 * PLAN_FRACTION - 0.010) / 0.001)
    assert decision.reason == FLUSH_IDLE and decision.count == budget_items
    assert decision.predicted_s == pytest.approx(0.010 + 0.001 * budget_items)
    assert decision.predicted_s <= 0.050 * PLAN_FRACTION


def test_target_sheds_what_cannot_meet_the_target_and_keeps_the_rest() -> None:
    batcher = Batcher(max_batch=10, max_delay_s=1.0, policy="target", target_s=0.100, admitted=admitted_at)
    batcher.fit = ServiceTimeFit(a_s=0.002, b_s=0.010, sigma_s=0.0, batches=20)  # 10 items: 30 ms
    now = 1.000
    old = [item(i, admitted=now - 0.080) for i in range(3)]  # 80 ms + ≥ 12 ms compute > 85 ms plan
    young = [item(i, admitted=now - 0.001) for i in range(3, 33)]
    batcher.add(old + young, now=now)
    busy_for_20ms = ReplicaView(free=0, ready=1, busy=((now - 0.010, 10),))
    hopeless = batcher.hopeless(now, busy_for_20ms)
    # the old three cannot make it; of the young, those three or more batches back (20 ms + rounds of 30 ms)
    assert hopeless[:3] == [0, 1, 2]
    assert all(p >= 20 for p in hopeless[3:]) and 3 not in hopeless
    shed = batcher.remove(hopeless)
    assert [x[0] for x in shed[:3]] == [0, 1, 2]
    assert len(batcher) == 33 - len(hopeless) and batcher.pending_items()[0][0] == 3
    assert Batcher(max_batch=10, max_delay_s=1.0, policy="idle").hopeless(now, busy_for_20ms) == []


def test_service_time_fit_recovers_a_line_and_handles_degenerate_windows() -> None:
    points = [(n, 0.0005 * n + 0.004 + (0.0001 if n % 2 else -0.0001)) for n in (1, 2, 4, 8, 16, 32, 64, 128)]
    fit = ServiceTimeFit.from_batches(points)
    assert fit.a_s == pytest.approx(0.0005, rel=0.02) and fit.b_s == pytest.approx(0.004, rel=0.05)
    assert fit.batches == 8 and 0 < fit.sigma_s < 0.0002
    assert fit.p99_s(10) == pytest.approx(fit.mean_s(10) + Z_P99 * fit.sigma_s)
    assert ServiceTimeFit.from_batches([]).p99_s(64) == 0.0
    same = ServiceTimeFit.from_batches([(8, 0.008)] * 5)
    assert (same.a_s, same.b_s) == (pytest.approx(0.001), 0.0)
    falling = ServiceTimeFit.from_batches([(1, 0.010), (100, 0.005)])
    assert falling.a_s == 0.0 and falling.b_s == pytest.approx(0.0075)


def test_batch_control_switches_policy_and_target_live_and_validates() -> None:
    control = BatchControl(128, 1000.0)
    assert (control.policy, control.policy_code) == ("idle", 1)
    control.set(policy="target", target_p99_ms=40.0)
    assert (control.policy, control.target_p99_ms) == ("target", 40.0)
    for bad in ({"policy": "eager"}, {"target_p99_ms": 0}, {"max_batch": 0}, {"max_delay_ms": -1}):
        with pytest.raises(ValueError):
            control.set(**bad)
    assert control.policy == "target"  # nothing changed by a refused value


def test_replica_board_tracks_free_replicas_wakes_the_batcher_and_keeps_service_times() -> None:
    board = ReplicaBoard(2)
    assert board.free_replicas(queued_batches=0) == 0  # no model built yet
    board.ready[0] = board.ready[1] = 1
    assert board.free_replicas(0) == 2 and board.free_replicas(1) == 1
    board.start(0, items=8, now=100.0)
    assert board.free_replicas(0) == 1 and board.busy() == [(100.0, 8)]
    board.clear_wakes()
    board.finish(0, items=8, compute_s=0.004, latency_s=0.012)
    assert wait([board.wake_handle], 1.0), "finishing a batch wakes the batcher"
    board.clear_wakes()
    assert not wait([board.wake_handle], 0.0)
    assert board.free_replicas(0) == 2 and board.completed_total() == 1
    assert [entry[:3] for entry in board.recent()] == [(8.0, 0.004, 0.012)]
    board.start(1, items=4)
    board.release(1)  # replica 1 died holding a batch: neither busy nor ready until rebuilt
    assert board.free_replicas(0) == 1 and board.busy() == []
    for _ in range(70_000):  # a full pipe (nobody reading) never blocks a replica
        board.wake()


def test_item_ids_name_their_ingress_and_the_report_round_trips() -> None:
    for index in (0, 1, 15):
        first = first_item_id(index, pid=4_194_303)
        assert ingress_of(first) == ingress_of(first + 10**9) == index and first + 10**9 < 2**63
    report = BatchReport()
    report.publish({"fit_a_ms": 0.5, "flush_idle": 7, "unknown": 1.0})
    values = report.read()
    assert values["fit_a_ms"] == 0.5 and values["flush_idle"] == 7 and "unknown" not in values


def test_target_does_not_shrink_a_batch_that_cannot_save_its_oldest_item() -> None:
    batcher = Batcher(max_batch=64, max_delay_s=1.0, policy="target", target_s=0.050, admitted=admitted_at)
    batcher.fit = ServiceTimeFit(a_s=0.001, b_s=0.0, sigma_s=0.0, batches=20)
    batcher.add([item(i, admitted=0.0) for i in range(100)], now=0.100)  # already 100 ms old
    assert batcher.plan(0.100, FREE).count == 64
