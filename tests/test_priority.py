"""Background priority: every process of a GUI run is niced (setting on, the default), none of a run
started with it off, and a CLI run only with --background-priority. Checked with psutil on the live
processes, not on what the code meant to do."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from engine.priority import BACKGROUND_NICE_INCREMENT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="nice values are POSIX")

ROOT = Path(__file__).resolve().parent.parent
BASE_NICE = psutil.Process().nice()
BACKGROUND_NICE = min(19, BASE_NICE + BACKGROUND_NICE_INCREMENT)


def live_nice(table, job_prefix: str) -> dict[str, int]:
    """role → nice value of every running process the Processes view lists for the job."""
    out = {}
    for row in list(table.rows.values()):
        if row.state == "running" and row.job.startswith(job_prefix):
            try:
                out[row.role] = psutil.Process(row.pid).nice()
            except psutil.Error:
                pass
    return out


def start_demo(window, out: Path, files: int):
    panel = window.panels["demo"]
    window.tabs.setCurrentWidget(panel)
    panel.out_dir.set_text(str(out))
    panel.files.setValue(files)
    panel.rows.setValue(20000)
    panel.workers.setValue(2)
    assert panel.start_job()
    return panel


def wait_for_roles(qtbot, window, job: str, count: int) -> dict[str, int]:
    seen: dict[str, int] = {}

    def enough() -> bool:
        seen.update(live_nice(window.process_table, job))
        return len(seen) >= count

    qtbot.waitUntil(enough, timeout=60000)
    return seen


@pytest.mark.timeout(150)
def test_a_gui_run_is_niced_and_one_started_with_the_setting_off_is_not(main_window, qtbot, tmp_path):
    assert main_window.background_priority_action.isChecked(), "on by default in the window"
    panel = start_demo(main_window, tmp_path / "a", files=40)
    job = panel.run.job_id
    nice = wait_for_roles(qtbot, main_window, job, 3)  # the coordinator and both writers
    assert "coordinator" in nice and len(nice) >= 3, nice
    assert set(nice.values()) == {BACKGROUND_NICE}, nice
    with qtbot.waitSignal(panel.job_finished, timeout=60000):
        panel.stop_job()

    main_window.background_priority_action.setChecked(False)
    panel = start_demo(main_window, tmp_path / "b", files=40)
    nice = wait_for_roles(qtbot, main_window, panel.run.job_id, 3)
    assert set(nice.values()) == {BASE_NICE}, nice
    with qtbot.waitSignal(panel.job_finished, timeout=60000):
        panel.stop_job()
    main_window.background_priority_action.setChecked(True)


def cli_demo_nice(tmp_path: Path, *flags: str) -> set[int]:
    """Nice values of the `demo` command's process and its pool workers while it runs."""
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "demo",
            str(tmp_path),
            "--files",
            "40",
            "--rows",
            "20000",
            "--workers",
            "2",
            "--quiet",
            *flags,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen: dict[int, int] = {}
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                workers = [c for c in parent.children() if "resource_tracker" not in " ".join(c.cmdline())]
                for p in [parent, *workers]:
                    seen[p.pid] = p.nice()
            except psutil.Error:
                pass
            if len(seen) >= 3:
                break
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert len(seen) >= 3, f"saw only {seen}"
    return set(seen.values())


@pytest.mark.timeout(150)
def test_the_cli_runs_at_normal_priority_unless_asked(tmp_path):
    assert cli_demo_nice(tmp_path / "plain") == {BASE_NICE}
    assert cli_demo_nice(tmp_path / "background", "--background-priority") == {BACKGROUND_NICE}
