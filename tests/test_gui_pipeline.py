"""The Pipeline panel starts the service, loads it from its own process, answers "try it", and stops."""

from __future__ import annotations

import numpy as np
import pytest

from tests.gui_pipeline_support import pipeline_panel_on_free_port, stop_service_and_load
from tests.helpers import wait_no_children


@pytest.mark.timeout(150)
def test_pipeline_panel_serves_loads_and_stops(main_window, qtbot):
    panel = pipeline_panel_on_free_port(main_window, max_delay_ms=50, load_rate=300)
    assert panel.start_job()
    qtbot.waitUntil(lambda: panel.try_box.button.isEnabled(), timeout=60000)
    assert panel.endpoint.startswith("http://127.0.0.1:")

    panel.try_box.text.setText("请问这个还有货吗")
    panel.try_box.send()
    qtbot.waitUntil(lambda: "score" in panel.try_box.answer.text(), timeout=20000)

    assert panel.load.start()
    load_queue = panel.load.controller.run.ctx.status_queue
    assert load_queue is not panel.controller.run.ctx.status_queue  # the load generator has a queue of its own
    qtbot.waitUntil(lambda: panel.monitor.counter("requests_200", stage="ingress") > 200, timeout=40000)
    qtbot.waitUntil(lambda: "sent" in panel.load.stats.text(), timeout=10000)
    t, rates = panel.throughput_chart.curve("predictor").getData()
    assert len(t) >= 2 and rates.max() > 0
    assert "→ batcher" in panel.depth_chart.series_names()
    _, p99 = panel.latency_chart.curve("p99").getData()
    assert p99.max() > 0
    flushes = panel.flush_chart.values()
    assert flushes["idle"] + flushes["deadline"] + flushes["size"] > 0
    assert any(view.rate > 0 for view in panel.diagram.stages)

    panel.max_batch.setValue(7)  # live retune reaches the batcher process
    qtbot.waitUntil(lambda: panel.monitor.gauge("max_batch", stage="batcher") == 7, timeout=10000)

    stop_service_and_load(panel, qtbot)
    assert panel.load.controller.monitor.finished is not None
    qtbot.waitUntil(lambda: main_window.poller.queue_count == 0, timeout=10000)  # both run queues retired
    assert not wait_no_children(10.0)
    assert panel.start_button.isEnabled() and not panel.try_box.button.isEnabled()


def _pick(combo, data: str) -> None:
    combo.setCurrentIndex(combo.findData(data))


@pytest.mark.timeout(180)
def test_pipeline_panel_switches_the_batching_policy_live_and_charts_its_decisions(main_window, qtbot):
    from engine.pipeline.config import POLICIES

    panel = pipeline_panel_on_free_port(main_window)
    batching = panel.batching
    panel.ingress.setValue(2)  # the form's ingress count reaches the service
    panel.max_delay_ms.setValue(40)
    _pick(batching.policy, "idle")
    assert not batching.target.isEnabled()  # the target only means something to the target policy
    panel.load.rate.setValue(300)
    assert panel.start_job()
    # Start load may be pressed while the service starts (it queues); wait for the service to answer.
    qtbot.waitUntil(lambda: panel.try_box.button.isEnabled(), timeout=60000)
    qtbot.waitUntil(lambda: panel.job_progress.stage("ingress").workers == 2, timeout=10000)
    assert panel.load.start()
    batching.tabs.setCurrentWidget(batching)
    qtbot.waitUntil(lambda: panel.monitor.counter("requests_200", stage="ingress") > 100, timeout=40000)
    qtbot.waitUntil(lambda: batching.flush_chart.curve("idle").getData()[1].max() > 0, timeout=10000)

    _pick(batching.policy, "fixed")  # live: the batcher process reports the policy it now runs
    qtbot.waitUntil(lambda: panel.monitor.gauge("policy", stage="batcher") == POLICIES.index("fixed"), timeout=10000)
    answered = panel.monitor.counter("requests_200", stage="ingress")
    # fixed at 300 req/s with max batch 128: batches leave when the 40 ms deadline comes, not when idle
    qtbot.waitUntil(lambda: batching.flush_chart.curve("deadline").getData()[1].max() > 0, timeout=10000)
    assert "In force:</b> fixed" in batching.summary.text()

    _pick(batching.policy, "target")
    assert batching.target.isEnabled()
    batching.target.setValue(250)  # the target spin box retunes the running batcher
    qtbot.waitUntil(
        lambda: panel.job_progress.batcher.policy == "target" and panel.job_progress.batcher.target_p99_ms == 250,
        timeout=10000,
    )
    qtbot.waitUntil(
        lambda: (
            "target" in batching.latency_chart.series_names()
            and 250 in batching.latency_chart.curve("target").getData()[1]
        ),
        timeout=10000,
    )
    batching.target.setValue(400)
    qtbot.waitUntil(lambda: panel.monitor.gauge("target_p99_ms", stage="batcher") == 400, timeout=10000)
    qtbot.waitUntil(lambda: panel.monitor.counter("requests_200", stage="ingress") > answered + 100, timeout=20000)

    for label in ("predicted p99", "measured p99"):
        t, ms = batching.latency_chart.curve(label).getData()
        assert len(t) >= 2 and ms.max() > 0, label
    _, sizes = batching.batch_chart.curve("last batch").getData()
    assert sizes.max() >= 1
    _, log_b = batching.fit_chart.curve("b per batch").getData()  # log axis: log10 of µs
    assert np.isfinite(log_b).any()
    assert panel.job_progress.batcher.fit_batches > 0

    stop_service_and_load(panel, qtbot)
    assert not wait_no_children(10.0)


def test_the_stage_diagram_shows_what_start_builds_before_a_run(main_window):
    """No empty band before the first run: the stages, with the form's process counts and the queue
    bounds, nothing flowing; a changed count redraws it."""
    panel = main_window.panels["pipeline"]
    panel.replicas.setValue(3)
    panel.preprocess_workers.setValue(2)
    stages = panel.diagram.stages
    assert [s.key for s in stages] == ["ingress", "preprocess", "receiver", "batcher", "predictor"]
    assert [s.processes for s in stages] == [panel.ingress.value(), 2, panel.receivers.value(), 1, 3]
    assert [s.bound for s in stages] == [None, 16, 32, 32, 4] and all(s.rate == 0 and s.busy == 0 for s in stages)
    assert panel.diagram.results_depth == (0, 256)
