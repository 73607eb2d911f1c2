"""The engine's progress model: ring buffers, rates over snapshot time, and each job's progress."""

from __future__ import annotations

import numpy as np
import pytest

from engine.progress import RateMeter, RingSeries, RunMonitor
from engine.status import JobFinished, JobStarted, Snapshot, WorkerExited


def test_ring_series_keeps_the_newest_points_in_time_order():
    ring = RingSeries(capacity=4)
    assert len(ring) == 0 and ring.last() == 0.0
    versions = {ring.version}
    for i in range(6):
        ring.append(float(i), i * 10.0)
        versions.add(ring.version)
    t, v = ring.arrays()
    assert t.tolist() == [2.0, 3.0, 4.0, 5.0] and v.tolist() == [20.0, 30.0, 40.0, 50.0]
    assert ring.last() == 50.0 and len(versions) == 7  # every append is a new version
    t[0] = -1  # the arrays handed out are copies
    assert ring.arrays()[0][0] == 2.0
    ring.clear()
    assert len(ring) == 0 and ring.arrays()[0].size == 0 and ring.version not in versions


def test_rate_meter_uses_snapshot_time_not_the_callers_clock():
    meter = RateMeter(window_s=3.0)
    meter.add(100.0, 0)
    meter.add(101.0, 50)
    assert meter.rate() == 50.0
    meter.add(101.0, 50)  # the same snapshot read again (a refresh without news) changes nothing
    meter.add(100.5, 10)  # an older word is no news either
    assert meter.rate() == 50.0


def test_rate_meter_survives_dropped_snapshots_and_a_counter_restart():
    meter = RateMeter(window_s=3.0)
    for t, total in ((0.0, 0), (1.0, 100), (4.0, 400), (5.0, 500)):  # 2 s and 3 s dropped
        meter.add(t, total)
    assert meter.rate() == 100.0  # totals are cumulative: nothing is lost with a dropped snapshot
    meter.add(6.0, 20)  # a replaced worker counts from zero again
    assert meter.rate() == 0.0
    meter.add(7.0, 120)
    assert meter.rate() == 100.0


def test_rate_meter_window_slides():
    meter = RateMeter(window_s=2.0)
    for t in range(10):
        meter.add(float(t), 10.0 * t if t < 5 else 40.0 + 100.0 * (t - 4))
    assert meter.rate() == 100.0  # only the last two seconds count


def snap(stage, worker, pid, t, **kw):
    counters = kw.pop("counters", {})
    return Snapshot("job-1", stage, worker, pid, t, counters=counters, **kw)


def test_run_monitor_sums_counters_keeps_the_latest_word_and_ignores_unknown_messages():
    monitor = RunMonitor("job-1")
    events = []
    monitor.on_event.append(events.append)
    monitor.handle(JobStarted("job-1", 100.0))
    monitor.handle(snap("w", "a", 1, 101.0, counters={"rows": 5, "total": 50}))
    monitor.handle(snap("w", "b", 2, 101.5, counters={"rows": 7, "total": 50}))
    monitor.handle(snap("w", "a", 1, 102.0, counters={"rows": 9, "total": 50}))
    monitor.handle(object())  # a message type it does not know (e.g. a newer protocol's)
    assert monitor.counter("rows") == 16 and monitor.gauge("total") == 50
    assert monitor.latest_t == 102.0 and monitor.elapsed_s() == 2.0
    monitor.handle(WorkerExited("job-1", "w", 2, 103.0, -9, expected=False))
    assert monitor.worker("w", "b").state == "died"
    monitor.handle(JobFinished("job-1", 104.0, ok=True))
    assert not monitor.running and monitor.elapsed_s() == 4.0
    assert [type(e).__name__ for e in events] == ["JobStarted", "object", "WorkerExited", "JobFinished"]


def test_demo_progress_bar_and_chart_read_one_source():
    from engine.demo.progress import THROUGHPUT_CHART, DemoProgressTracker

    monitor, tracker = RunMonitor("job-1"), DemoProgressTracker()
    monitor.handle(JobStarted("job-1", 10.0))
    monitor.handle(snap("job", "coordinator", 1, 10.0, counters={"rows_total": 1000, "files_total": 2}))
    for i, rows in enumerate((0, 100, 300)):
        monitor.handle(snap("writer", "writer 1", 2, 10.0 + i, counters={"rows": rows}))
        progress = tracker.update(monitor)
    assert (progress.bar.done, progress.bar.total, progress.bar.unit) == (300, 1000, "rows")
    assert progress.rows_per_s == 150.0 and progress.bar.eta_s == 700 / 150
    t, v = tracker.history(THROUGHPUT_CHART)["rows/s"].arrays()
    assert t.tolist() == [0.0, 1.0, 2.0] and v[-1] == progress.rows_per_s
    monitor.handle(JobFinished("job-1", 14.0, ok=True))
    final = tracker.update(monitor)
    assert final.rows_per_s == 300 / 4.0  # the run's average once it has ended
    # One point for the end (the run's average at its end time), then none: a run shorter than a few
    # record intervals would otherwise chart only points taken before its meters had two samples.
    tracker.update(monitor)
    t, v = tracker.history(THROUGHPUT_CHART)["rows/s"].arrays()
    assert t.tolist() == [0.0, 1.0, 2.0, 4.0] and v[-1] == 300 / 4.0


def test_clean_progress_names_its_counts():
    from engine.clean.progress import CleanProgressTracker

    monitor, tracker = RunMonitor("job-1"), CleanProgressTracker()
    monitor.handle(
        snap(
            "job",
            "coordinator",
            1,
            5.0,
            counters={
                "files_todo": 4,
                "files_done": 2,
                "files_failed": 1,
                "segments_total": 2,
                "segments_written": 1,
                "drops_duplicate": 7,
                "drops_too_short": 0,
            },
        )
    )
    monitor.handle(snap("clean", "clean 1", 2, 5.0, current="#4 d.xlsx", counters={"rows_in": 300}))
    p = tracker.update(monitor)
    assert (p.files_ended, p.phase, p.rows_read) == (3, "cleaning", 300)
    assert p.drops == {"duplicate": 7} and p.current_files == {"#4 d.xlsx"}
    assert (p.bar.done, p.bar.total, p.bar.unit) == (3, 4, "files")


def test_dialogues_progress_has_one_entry_per_phase():
    from engine.dialogues.progress import DialoguesProgressTracker

    monitor, tracker = RunMonitor("job-1"), DialoguesProgressTracker()
    monitor.handle(
        snap(
            "partition",
            "coordinator",
            1,
            1.0,
            busy_s=2.0,
            counters={"rows_estimate": 100, "files_total": 2, "files_done": 2, "rss_bytes": 2**20},
        )
    )
    monitor.handle(snap("reader", "reader 1", 2, 1.0, counters={"rows": 100}))
    monitor.handle(snap("keys", "coordinator", 1, 2.0, items_in=40, counters={"rows_total": 80, "dialogues": 9}))
    monitor.handle(snap("build", "coordinator", 1, 2.5, queue_depth=3, queue_bound=8))
    p = tracker.update(monitor)
    assert (p.partition.done, p.partition.total, p.partition.rate_per_s) == (100, 100, 50.0)  # done: rows / busy s
    assert (p.keys.done, p.keys.total, p.dialogues) == (40, 80, 9)
    assert (p.build.done, p.build.total) == (0, 80) and (p.writer_queue_depth, p.writer_queue_bound) == (3, 8)
    assert p.rss_bytes == {"coordinator": 2**20}  # the readers have ended once keys report


def test_pipeline_progress_parses_the_hop_counters_so_views_do_not():
    from engine.pipeline.progress import LoadgenProgressTracker, PipelineProgressTracker, hop_depth

    service = {
        "depth_preprocess-0": 2,
        "bound_preprocess-0": 10,
        "depth_preprocess-1": 3,
        "bound_preprocess-1": 10,
        "depth_batcher": 4,
        "bound_batcher": 64,
    }
    assert hop_depth("preprocess", service) == (5, 20)
    assert hop_depth("batcher", service) == (4, 64)
    assert hop_depth("ingress", service) == (None, None) and hop_depth("receiver", service) == (None, None)
    monitor, tracker = RunMonitor("job-1"), PipelineProgressTracker()
    for t, answered in ((1.0, 0), (2.0, 40)):
        monitor.handle(snap("service", "0", 1, t, counters={**service, "replicas_ready": 1, "max_batch": 32}))
        monitor.handle(
            snap(
                "ingress",
                "0",
                2,
                t,
                items_out=answered,
                counters={"requests_200": answered, "requests_503": 2, "latency_p99_ms": 9.0, "inflight_items": 3},
            )
        )
        p = tracker.update(monitor)
    assert p.ready and p.answers == {200: 40, 503: 2} and p.answers_per_s[200] == 40.0
    assert p.stage("ingress").rate_per_s == 40.0 and p.stage("ingress").inflight_items == 3
    assert (p.stage("preprocess").depth, p.stage("preprocess").bound) == (5, 20)
    assert p.latency_p99_ms == 9.0 and not p.stage("predictor").alive
    gen = RunMonitor("load-1")
    gen.handle(snap("loadgen", "0", 3, 1.0, items_in=12, counters={"status_0": 1, "status_200": 11}))
    assert LoadgenProgressTracker().update(gen).answers == {0: 1, 200: 11}


def test_pipeline_progress_types_the_batchers_decisions_and_charts_them():
    from engine.pipeline.progress import (
        DECISION_BATCH_CHART,
        DECISION_LATENCY_CHART,
        FIT_CHART,
        FLUSH_RATE_CHART,
        PipelineProgressTracker,
    )

    monitor, tracker = RunMonitor("job-1"), PipelineProgressTracker(record_interval_s=0.0)
    assert tracker.update(monitor).batcher is None  # nothing said yet
    steps = ((1.0, "idle", 0, 0), (2.0, "target", 10, 40), (3.0, "fixed", 30, 100))
    for t, policy, batches, items in steps:
        monitor.handle(
            snap(
                "batcher",
                "0",
                4,
                t,
                counters={
                    "policy": ("fixed", "idle", "target").index(policy),
                    "max_batch": 64,
                    "max_delay_ms": 40.0,
                    "target_p99_ms": 80.0,
                    "decision_batch_size": 5,
                    "decision_wait_ms": 1.5,
                    "predicted_latency_ms": 30.0,
                    "measured_latency_ms": 25.0,
                    "fit_a_ms": 0.004,
                    "fit_b_ms": 0.9,
                    "fit_batches": 12,
                    "batches": batches,
                    "batch_items": items,
                    "flush_idle": batches,
                    "flush_shed": 1,
                    "shed_items": 7,
                    "waiting_items": 3,
                },
            )
        )
        p = tracker.update(monitor)
        if t == 2.0:
            assert p.batcher.policy == "target" and p.batcher.mean_batch == 4.0
            assert p.batcher.flushes_per_s["idle"] == 10.0 and p.batcher.flushes_per_s["shed"] == 0.0
    b = p.batcher
    assert (b.policy, b.max_batch, b.target_p99_ms, b.batch_size, b.wait_ms) == ("fixed", 64, 80.0, 5, 1.5)
    assert (b.predicted_p99_ms, b.measured_p99_ms, b.fit_batches, b.shed_items) == (30.0, 25.0, 12, 7)
    assert b.mean_batch == pytest.approx(100 / 30) and p.stage("batcher").waiting_items == 3  # over 2 s
    latency = tracker.history(DECISION_LATENCY_CHART)
    _, target = latency["target p99"].arrays()
    assert target[0] == 80.0 and np.isnan(target[1])  # from the first target use on; a gap under fixed
    assert list(latency["predicted p99"].arrays()[1]) == [30.0] * 3
    assert tracker.history(DECISION_BATCH_CHART)["last"].last() == 5
    assert tracker.history(FLUSH_RATE_CHART)["idle"].last() == 15.0
    assert tracker.history(FIT_CHART)["a"].last() == pytest.approx(4.0)  # µs
    assert tracker.history(FIT_CHART)["b"].last() == pytest.approx(900.0)


def test_history_is_taken_at_most_once_per_interval_of_snapshot_time():
    from engine.demo.progress import THROUGHPUT_CHART, DemoProgressTracker

    monitor, tracker = RunMonitor("job-1"), DemoProgressTracker()
    for i in range(20):  # 20 snapshots within one second
        monitor.handle(snap("writer", "writer 1", 2, 50.0 + i * 0.05, counters={"rows": i}))
        tracker.update(monitor)
    t, _ = tracker.history(THROUGHPUT_CHART)["rows/s"].arrays()
    assert len(t) == 4 and np.all(np.diff(t) >= 0.25 - 1e-9)


def test_a_rate_asked_before_the_first_snapshot_does_not_anchor_on_time_zero():
    """The window asks for progress as soon as a run starts, before any snapshot (clock 0): a meter
    anchored there divided every rate of the run's first 3 s by the epoch (a 150,000 rows/s clean
    charted as 0.0001)."""
    from engine.clean.progress import CleanProgressTracker

    monitor, tracker = RunMonitor("job-1"), CleanProgressTracker()
    monitor.handle(JobStarted("job-1", 1_796_000_000.0))
    assert tracker.update(monitor).rows_read_per_s == 0.0  # no snapshot yet
    for i, rows in enumerate((0, 20_000, 40_000, 60_000)):
        monitor.handle(snap("clean", "clean 1", 2, 1_796_000_000.0 + 0.2 * (i + 1), counters={"rows_in": rows}))
        progress = tracker.update(monitor)
    assert progress.rows_read_per_s == pytest.approx(100_000)
