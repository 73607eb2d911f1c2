"""The Pipeline panel set up the way every GUI test of the inference service starts it, and stopped the way they stop it."""

from __future__ import annotations

from typing import Any

from engine.status import JobFinished


def pipeline_panel_on_free_port(
    main_window: Any, small: bool = True, max_delay_ms: int | None = None, load_rate: int | None = None
) -> Any:
    """The Pipeline panel, on screen, its form set for a service on a free loopback port (whatever an
    earlier test saved). ``small``: one preprocess worker and one predictor replica, for tests that
    need the service to work, not to be fast; ``max_delay_ms`` and ``load_rate`` (requests/s of the
    load generator) are set when given; the form's other values are the caller's to set."""
    panel = main_window.panels["pipeline"]
    main_window.tabs.setCurrentWidget(panel)
    panel.port.setValue(0)  # a free port
    panel.host.setText("127.0.0.1")
    if small:
        panel.preprocess_workers.setValue(1)
        panel.replicas.setValue(1)
    if max_delay_ms is not None:
        panel.max_delay_ms.setValue(max_delay_ms)
    if load_rate is not None:
        panel.load.rate.setValue(load_rate)
    return panel


def stop_service_and_load(panel: Any, qtbot: Any, timeout_ms: int = 30000) -> JobFinished:
    """Stop the service and wait for its end (stopped or done: a failed run fails the test), then for
    the end of the load generator's run, which stops with it."""
    with qtbot.waitSignal(panel.job_finished, timeout=timeout_ms) as finished:
        panel.stop_job()
    result: JobFinished = finished.args[0]
    assert result.ok or result.cancelled, result.error
    qtbot.waitUntil(lambda: panel.load.controller.run.finished, timeout=20000)
    return result
