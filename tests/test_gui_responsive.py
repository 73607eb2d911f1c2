"""The window keeps its 100 ms ticks while the pipeline, loaded past saturation by the window's own
load generator, keeps both cores busy; every process of both runs is at background priority.

Before issue 16 the window got 70 of 150 ticks in 15 s here (4.7 a second). The floor below (7 a
second, 70 %) leaves room for a loaded CI machine and still fails on a halving.
"""

from __future__ import annotations

import sys
import time

import psutil
import pytest

from engine.priority import is_background
from tests.gui_pipeline_support import pipeline_panel_on_free_port, stop_service_and_load
from tests.helpers import wait_no_children

MIN_TICKS_PER_S = 7.0
MEASURE_S = 6.0
OFFERED_PER_S = 2000


@pytest.mark.timeout(240)
def test_ticks_keep_coming_while_the_pipeline_is_saturated(main_window, qtbot):
    panel = pipeline_panel_on_free_port(main_window, small=False)  # charts and diagram on screen: the worst case
    assert panel.start_job()
    qtbot.waitUntil(lambda: panel.try_box.button.isEnabled(), timeout=90000)  # the service answers
    panel.load.rate.setValue(OFFERED_PER_S)
    assert panel.load.start()
    qtbot.waitUntil(lambda: panel.monitor.counter("requests_200", stage="ingress") > 500, timeout=60000)

    ticks: list[float] = []
    main_window.poller.add_tick_hook(lambda: ticks.append(time.perf_counter()))
    qtbot.wait(int(MEASURE_S * 1000))
    rate = len(ticks) / MEASURE_S
    answered = panel.monitor.counter("requests_200", stage="ingress")
    load = psutil.cpu_percent(interval=None)

    if sys.platform != "win32":
        roles = {row.role: row.pid for row in main_window.process_table.rows.values() if row.state == "running"}
        kinds = {role.split("-")[0] for role in roles}  # "ingress-0", "predictor-1" … are numbered
        assert {"coordinator", "ingress", "batcher", "loadgen"} <= kinds, roles
        low = {role: is_background(pid) for role, pid in roles.items() if psutil.pid_exists(pid)}
        assert all(low.values()), f"not at background priority: {low}"

    stop_service_and_load(panel, qtbot, timeout_ms=60000)
    assert not wait_no_children(10.0)
    assert answered > 500
    assert rate >= MIN_TICKS_PER_S, (
        f"{len(ticks)} ticks in {MEASURE_S:.0f} s ({rate:.1f}/s) while the pipeline was loaded (cpu {load:.0f} %)"
    )
