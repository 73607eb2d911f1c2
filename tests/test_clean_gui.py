"""The Clean panel runs a small clean from the main window: table, filter, drop chart, report."""

from __future__ import annotations

import json

import pytest

from engine.status import JobFinished, Snapshot
from tests.clean_fixtures import write_good_inputs
from tests.cli_support import injected_env
from tests.gui_clean_support import clean_panel_filled
from tests.helpers import wait_no_children


@pytest.mark.timeout(150)
def test_clean_from_the_panel(main_window, qtbot, tmp_path):
    good = write_good_inputs(tmp_path / "in", files=3, rows=2000, seed=5)
    (tmp_path / "in" / "renamed.xlsx").write_text("just text, not a workbook")
    (tmp_path / "in" / "zero.xlsx").write_bytes(b"")
    out = tmp_path / "out"
    panel = clean_panel_filled(main_window, tmp_path / "in", out, segment_files=2, out_format="parquet")
    with qtbot.waitSignal(panel.job_finished, timeout=120000) as finished:
        assert panel.start_job()
        assert panel.pending.count() == 5  # the queue of files is shown before any worker starts
    result: JobFinished = finished.args[0]
    assert result.ok, result.error
    qtbot.waitUntil(lambda: panel.file_table.rowCount() == 5, timeout=5000)

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    rows = {name.split(" ", 1)[1]: (status, error) for name, status, error in panel.file_table.visible_rows()}
    for entry in report["files"]:
        name = entry["path"].rsplit("/", 1)[1]
        assert rows[name][0] == entry["status"]
        assert rows[name][1] == entry["error"]
    assert "not an Excel file" in rows["renamed.xlsx"][1]
    assert rows["zero.xlsx"][1] == "empty file (0 bytes)"

    panel.only_failed.setChecked(True)
    assert sorted(r[0].split(" ", 1)[1] for r in panel.file_table.visible_rows()) == ["renamed.xlsx", "zero.xlsx"]
    panel.only_failed.setChecked(False)
    assert len(panel.file_table.visible_rows()) == 5

    failed_row = next(r for r in range(panel.file_table.rowCount()) if panel.file_table.item(r, 1).text() == "failed")
    panel._show_file_details(failed_row, 0)
    assert "Traceback" in panel._details_box.detailedText() or "InputError" in panel._details_box.detailedText()
    panel._details_box.close()

    totals = report["totals"]
    assert totals["files_ok"] == len(good) and totals["files_failed"] == 2 and totals["reconciles"]
    bars = panel.drops_chart.values()
    assert bars["missing"] == totals["dropped"]["missing_value"]
    assert bars["duplicate"] == totals["dropped"]["duplicate"]
    assert panel.progress.percent == 100.0
    assert panel.pending.count() == 0
    assert "Done." in panel.summary.text() and "2 file(s) failed" in panel.summary.text()
    t, rates = panel.chart.curve("read + cleaned").getData()
    assert t is not None and len(t) >= 1 and rates.max() > 0
    assert not wait_no_children(10.0)


@pytest.mark.timeout(60)
def test_bad_settings_are_refused_before_anything_starts(main_window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    panel = main_window.panels["clean"]
    panel.form.inputs.set_text(str(tmp_path / "nothing-here"))
    panel.form.out_dir.set_text(str(tmp_path / "out"))
    assert not panel.start_job()
    assert "input not found" in shown[-1]
    (tmp_path / "in").mkdir()
    panel.form.inputs.set_text(str(tmp_path / "in"))
    panel.form.columns.setText("nonsense=1")
    assert not panel.start_job()
    assert shown[-1].startswith("Columns:")
    assert panel.run is None


@pytest.mark.timeout(150)
def test_stop_from_the_panel_leaves_no_process_and_no_partial_file(main_window, qtbot, tmp_path):
    write_good_inputs(tmp_path / "in", files=8, rows=8000, seed=2)
    out = tmp_path / "out"
    panel = clean_panel_filled(main_window, tmp_path / "in", out, segment_files=4, out_format="xlsx")
    with qtbot.waitSignal(panel.job_finished, timeout=120000) as finished:
        assert panel.start_job()
        qtbot.waitUntil(lambda: panel.file_table.rowCount() >= 1, timeout=60000)
        panel.stop_job()
    assert finished.args[0].cancelled
    assert not wait_no_children(10.0)
    assert "Stopped." in panel.summary.text()
    assert not [p.name for p in out.rglob(".*")], "no temporary or half-written file may stay"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "stopped"
    assert {p.name for p in out.glob("clean_*")} == {p.rsplit("/", 1)[1] for p in report["outputs"]}
    assert panel.start_button.isEnabled()


def test_progress_follows_the_writing_once_every_file_is_cleaned():
    from engine.clean.progress import CleanProgressTracker
    from engine.progress import RunMonitor

    monitor = RunMonitor("clean-1")
    tracker = CleanProgressTracker()
    clock = iter(range(1000, 2000))

    def report(job: dict, written: tuple[int, int]):
        t = float(next(clock))
        monitor.handle(Snapshot("clean-1", "job", "coordinator", 1, t, counters=job))
        for i, rows in enumerate(written):  # two workers: their rows written add up
            monitor.handle(Snapshot("clean-1", "clean", f"clean {i + 1}", 10 + i, t, counters={"rows_written": rows}))
        return tracker.update(monitor)

    job = {
        "files_todo": 40,
        "files_done": 38,
        "files_failed": 1,
        "segments_total": 2,
        "segments_written": 1,
        "rows_out": 700,
        "rows_out_resumed": 100,
    }
    progress = report(job, (150, 100))
    assert progress.phase == "cleaning" and (progress.bar.done, progress.bar.total) == (39, 40)  # a file still cleans
    progress = report({**job, "files_done": 39}, (150, 100))
    assert progress.phase == "writing"
    assert (progress.bar.done, progress.bar.total, progress.bar.unit) == (
        250,
        600,
        "rows written",
    )  # resumed rows are not written again
    progress = report({**job, "files_done": 39}, (250, 200))
    assert progress.bar.rate_per_s == 100.0  # 200 more rows over two seconds of snapshot time
    progress = report({**job, "files_done": 39, "segments_written": 2}, (400, 200))
    assert progress.phase == "cleaning" and progress.bar.unit == "files"  # nothing left to write
    report({**job, "files_done": 39}, (150, 100))
    monitor.handle(JobFinished("clean-1", 2000.0, ok=True))
    assert tracker.update(monitor).phase == ""  # the run has ended


@pytest.mark.timeout(150)
def test_a_full_disk_shows_in_the_panel_and_the_log(main_window, qtbot, tmp_path, monkeypatch):
    """ENOSPC injected at the write call of the second segment's file, in every process the run
    spawns (tests/inject/sitecustomize.py): the panel and the Log name the path and the cause."""
    for name, value in injected_env(MPWATCH_TEST_FULL_DISK="clean_00002-00003").items():
        monkeypatch.setenv(name, value)
    write_good_inputs(tmp_path / "in", files=6, rows=1000, seed=4)
    out = tmp_path / "out"
    panel = clean_panel_filled(main_window, tmp_path / "in", out, segment_files=2, out_format="xlsx")
    with qtbot.waitSignal(panel.job_finished, timeout=120000) as finished:
        assert panel.start_job()
    result: JobFinished = finished.args[0]
    assert not result.ok and not result.cancelled
    where = str(out / "clean_00002-00003.xlsx")
    assert result.error == f"cannot write {where}: No space left on device (ENOSPC)"
    assert "Failed:" in panel.summary.text() and where in panel.summary.text()
    assert any("failed" in line and where in line and "ENOSPC" in line for line in main_window.log_view.lines)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "failed" and report["error"] == result.error
    assert not (out / "clean_00002-00003.xlsx").exists()
    assert panel.start_button.isEnabled()
    assert not wait_no_children(10.0)
