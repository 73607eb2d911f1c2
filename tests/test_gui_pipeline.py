"""The Pipeline panel starts the service, loads it from its own process, answers "try it", and stops."""

from __future__ import annotations

import pytest

from engine.status import JobFinished
from tests.helpers import wait_no_children


@pytest.mark.timeout(150)
def test_pipeline_panel_serves_loads_and_stops(main_window, qtbot):
    panel = main_window.panels["pipeline"]
    main_window.tabs.setCurrentWidget(panel)
    panel.port.setValue(0)  # a free port
    panel.host.setText("127.0.0.1")
    panel.preprocess_workers.setValue(1)
    panel.replicas.setValue(1)
    panel.max_delay_ms.setValue(50)
    panel.load.rate.setValue(300)
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

    with qtbot.waitSignal(panel.job_finished, timeout=30000) as finished:
        panel.stop_job()
    result: JobFinished = finished.args[0]
    assert result.ok or result.cancelled, result.error
    qtbot.waitUntil(lambda: panel.load.controller.run.finished, timeout=20000)
    assert panel.load.controller.monitor.finished is not None
    qtbot.waitUntil(lambda: main_window.poller.queue_count == 0, timeout=10000)  # both run queues retired
    assert not wait_no_children(10.0)
    assert panel.start_button.isEnabled() and not panel.try_box.button.isEnabled()
