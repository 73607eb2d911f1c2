"""The clean job end to end with real spawn workers: hostile files, SIGKILL, Stop, resume, CLI."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import threading
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from engine.clean.config import CleanConfig, CleanRules
from engine.clean.job import run_clean
from engine.context import SPAWN, JobContext, StopFlag
from engine.pool import ProcessPool
from engine.runner import JobRun, run_job
from engine.status import JobFinished, Snapshot, TaskFinished, WorkerExited, WorkersReport
from main import main
from tests.clean_fixtures import (
    assert_no_temporaries,
    expected_clean_rows,
    read_outputs,
    write_good_inputs,
    write_hostile_inputs,
    write_xlsx,
)
from tests.cli_support import clean_args
from tests.helpers import spawned_children, wait_no_children


def as_written(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.fillna("").astype(str)


def load_report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


@pytest.mark.timeout(180)
def test_hostile_files_are_reported_and_every_good_row_arrives(tmp_path, capsys, no_leftover_children):
    good = write_good_inputs(tmp_path / "in", files=5, rows=400)
    hostile = write_hostile_inputs(tmp_path / "in")
    out = tmp_path / "out"
    code = main(clean_args(tmp_path / "in", out, "parquet", 4))
    assert code == 3, capsys.readouterr()
    report = load_report(out)
    entries = {Path(f["path"]).name: f for f in report["files"]}
    for name, words in hostile.items():
        assert entries[name]["status"] == "failed", name
        assert words in entries[name]["error"], (name, entries[name]["error"])
    for path in good:
        entry = entries[path.name]
        assert entry["status"] == "ok" and entry["rows_in"] == 400
        assert entry["rows_in"] == entry["rows_out"] + sum(entry["dropped"].values())
    totals = report["totals"]
    assert totals["files_failed"] == len(hostile) and totals["files_ok"] == len(good)
    assert totals["reconciles"] and totals["rows_in"] == 2000
    got = read_outputs(report, "parquet")
    expected = as_written(expected_clean_rows(good))
    pd.testing.assert_frame_equal(got, expected)
    assert totals["rows_out"] == len(got)
    assert_no_temporaries(out)
    printed = capsys.readouterr().out
    assert "cleaned 5 of" in printed and "missing column 消息内容" in printed


@pytest.mark.timeout(180)
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_formats_hold_the_same_rows_and_formula_text_stays_text(tmp_path, fmt, no_leftover_children):
    good = write_good_inputs(tmp_path / "in", files=3, rows=1500, seed=8)
    out = tmp_path / "out"
    assert main(clean_args(good, out, fmt, 2)) == 0
    report = load_report(out)
    assert [Path(p).name for p in report["outputs"]] == [f"clean_00000-00001.{fmt}", f"clean_00002-00002.{fmt}"]
    expected = as_written(expected_clean_rows(good, CleanConfig(("x",), "y", out_format=fmt).effective_rules))
    got = read_outputs(report, fmt)
    risky = expected["消息内容"].str.match(r"[=+\-@]")
    assert risky.sum() > 0, "demo data should hold formula-looking messages"
    if fmt == "csv":
        assert got.loc[risky, "消息内容"].str.startswith("'").all()
        got["消息内容"] = got["消息内容"].where(~risky, got["消息内容"].str[1:])
    else:
        book = openpyxl.load_workbook(report["outputs"][0], read_only=True)
        try:
            rows = book.active.iter_rows(min_row=2)
            cells = [r[3] for r in rows if isinstance(r[3].value, str) and r[3].value[:1] in "=+-@"]
        finally:
            book.close()
        assert cells and all(c.data_type == "s" for c in cells)
    pd.testing.assert_frame_equal(got, expected)


def run_watched(config: CleanConfig, on_message) -> JobFinished:
    """Run the job in a thread of this process (workers are our children); feed every status
    message to ``on_message`` as it arrives."""
    status_queue = SPAWN.Queue(maxsize=10000)
    ctx = JobContext("clean-test", status_queue, StopFlag())
    result: list[JobFinished] = []
    thread = threading.Thread(target=lambda: result.append(run_job(run_clean, config, ctx)))
    thread.start()
    while thread.is_alive() or not status_queue.empty():
        try:
            on_message(status_queue.get(timeout=0.05))
        except queue.Empty:
            pass
    thread.join()
    return result[0]


def live_spawned_children() -> list[int]:
    """Our pool workers' pids (tests.helpers ``spawned_children``)."""
    return [child.pid for child in spawned_children()]


@pytest.mark.timeout(240)
def test_sigkilled_workers_lose_and_duplicate_nothing(tmp_path, monkeypatch, no_leftover_children):
    good = write_good_inputs(tmp_path / "in", files=4, rows=30000, seed=4)
    out = tmp_path / "out"
    config = CleanConfig((tmp_path / "in",), out, workers=2, out_format="xlsx", segment_files=2)
    killed: dict[str, int] = {}
    deaths: list[WorkerExited] = []
    finished_keys: list = []
    workers_reports: list[WorkersReport] = []
    frozen: set[int] = set()

    clean_pids: dict[str, int] = {}
    real_dispatch = ProcessPool._dispatch

    def dispatch(pool, task):
        # The segment write is far shorter than a file (tens of ms) and handed to the worker the
        # moment its last file's result is in, so it is caught as it is handed over (the job runs
        # in a thread of this process: this is its pool): every pool worker alive now, a
        # replacement that has not reported yet included (our children started by spawn_main; not
        # the resource tracker), is frozen (SIGSTOP) before the task is sent, so none can finish
        # it, and SIGKILLed 0.3 s later.
        if task.key == ("segment", 0) and "segment" not in killed:
            killed["segment"] = -1
            for pid in live_spawned_children():
                os.kill(pid, signal.SIGSTOP)
                threading.Timer(0.3, os.kill, (pid, signal.SIGKILL)).start()
                frozen.add(pid)
        real_dispatch(pool, task)

    monkeypatch.setattr(ProcessPool, "_dispatch", dispatch)

    def on_message(message):
        # SIGKILL a worker as soon as it reports its first file task (~0.2 s long); no delay is
        # needed, its status goes to a pipe its owner relays, so a kill mid-write wedges nothing.
        if isinstance(message, Snapshot) and message.stage == "clean":
            clean_pids[message.worker] = message.pid
            if message.current.startswith("#") and "file" not in killed:
                killed["file"] = message.pid
                os.kill(message.pid, signal.SIGKILL)
        elif isinstance(message, WorkerExited):
            deaths.append(message)
            clean_pids.pop(message.role, None)
        elif isinstance(message, TaskFinished):
            finished_keys.append((message.key, message.attempts))
        elif isinstance(message, WorkersReport):
            workers_reports.append(message)

    finished = run_watched(config, on_message)
    assert finished.ok, finished.error
    # Files are known by their key, a retried one too (its event says attempt 2).
    assert sorted(k for k, _ in finished_keys) == [("file", i) for i in range(4)]
    assert max(a for _, a in finished_keys) == 2
    assert workers_reports and all(len(r.workers) == 2 for r in workers_reports)
    assert set(killed) == {"file", "segment"}
    assert {d.pid for d in deaths if d.signal == signal.SIGKILL} == {killed["file"]} | frozen
    report = load_report(out)
    assert report["totals"]["files_ok"] == 4 and report["totals"]["reconciles"]
    assert max(f["attempts"] for f in report["files"]) == 2  # the killed file was retried
    assert max(s["attempts"] for s in report["segments"]) == 2  # and so was the killed segment write
    got = read_outputs(report, "xlsx")
    pd.testing.assert_frame_equal(got, as_written(expected_clean_rows(good, config.effective_rules)))
    assert_no_temporaries(out)


@pytest.mark.timeout(240)
def test_stop_mid_run_leaves_no_process_and_no_half_written_file(tmp_path, no_leftover_children):
    write_good_inputs(tmp_path / "in", files=6, rows=8000, seed=6)
    out = tmp_path / "out"
    config = CleanConfig((tmp_path / "in",), out, workers=2, out_format="xlsx", segment_files=3)
    status_queue = SPAWN.Queue(maxsize=10000)
    run = JobRun("clean", run_clean, config, status_queue).start()
    finished: list[JobFinished] = []
    stop_sent = False
    deadline = time.monotonic() + 180
    while not run.finished and time.monotonic() < deadline:
        run.poll()
        try:
            message = status_queue.get(timeout=0.05)
        except queue.Empty:
            continue
        writing = isinstance(message, Snapshot) and message.counters.get("rows_written", 0) > 0
        if writing and not stop_sent:  # a segment is half written right now
            run.request_stop()
            stop_sent = True
        if isinstance(message, JobFinished):
            finished.append(message)
    assert stop_sent and run.finished
    assert not wait_no_children(timeout_s=10), "a process of the run is still alive"
    while not status_queue.empty():
        message = status_queue.get()
        if isinstance(message, JobFinished):
            finished.append(message)
    assert finished and finished[-1].cancelled
    report = load_report(out)
    assert report["status"] == "stopped"
    assert_no_temporaries(out)
    # Whatever exists under a final name is complete: it opens and holds the rows the report says.
    for segment in report["segments"]:
        for path in segment["outputs"]:
            sheets = pd.read_excel(path, sheet_name=None, engine="calamine")
            assert sum(len(s) for s in sheets.values()) == segment["rows"]
    listed = {Path(p).name for p in report["outputs"]}
    on_disk = {p.name for p in out.glob("clean_*")}
    assert on_disk == listed


@pytest.mark.timeout(240)
def test_resume_skips_complete_segments_and_redoes_the_rest(tmp_path, capsys, no_leftover_children):
    good = write_good_inputs(tmp_path / "in", files=4, rows=500, seed=2)
    out = tmp_path / "out"
    args = clean_args(tmp_path / "in", out, "csv", 2)
    assert main(args) == 0
    first = load_report(out)
    first_rows = read_outputs(first, "csv")
    Path(first["outputs"][1]).unlink()  # as if the run had been stopped before segment 2 was written
    assert main(args + ["--resume"]) == 0
    second = load_report(out)
    assert second["resumed_segments"] == [0]
    assert second["totals"] == first["totals"]
    pd.testing.assert_frame_equal(read_outputs(second, "csv"), first_rows)
    # Other settings: refuse to resume (exit 2), say why.
    assert main(clean_args(tmp_path / "in", out, "csv", 2, "--resume", "--min-length", "3")) == 2
    assert "different settings" in capsys.readouterr().err
    assert len(good) == 4


@pytest.mark.timeout(180)
@pytest.mark.parametrize("fmt,segment_files", [("parquet", 1), ("parquet", 3), ("csv", 3)])
def test_duplicates_across_the_run_when_asked(tmp_path, no_leftover_children, fmt, segment_files):
    """In one segment of 3, part a is copied as encoded, b (all repeats) and c (some) are encoded again
    without their repeats; csv keeps the rows beside its encoded part for that."""
    (tmp_path / "in").mkdir()
    frame = pd.read_parquet(write_good_inputs(tmp_path / "src", files=3, rows=600, seed=1)[2])
    write_xlsx(tmp_path / "in" / "a.xlsx", frame)
    shutil.copy(tmp_path / "in" / "a.xlsx", tmp_path / "in" / "b.xlsx")  # an export delivered twice
    write_xlsx(tmp_path / "in" / "c.xlsx", frame.iloc[:100])
    out = tmp_path / "out"
    config = CleanConfig(
        (tmp_path / "in",),
        out,
        workers=2,
        out_format=fmt,
        segment_files=segment_files,
        rules=CleanRules(dedupe_scope="run"),
    )
    finished = run_watched(config, lambda message: None)
    assert finished.ok, finished.error
    report = load_report(out)
    a, b, c = report["files"]
    assert b["rows_out"] == 0 and b["dropped"]["duplicate_in_run"] == a["rows_out"]
    assert c["rows_out"] == 0 and c["dropped"]["duplicate_in_run"] > 0
    assert report["totals"]["reconciles"]
    got = read_outputs(report, fmt)
    assert len(got) == a["rows_out"] and not got.duplicated().any()
    assert_no_temporaries(out)


@pytest.mark.timeout(120)
def test_a_segment_that_cannot_be_written_fails_its_files_and_the_rest_goes_on(tmp_path, no_leftover_children):
    good = write_good_inputs(tmp_path / "in", files=4, rows=300, seed=3)
    out = tmp_path / "out"
    (out / "clean_00000-00001.csv").mkdir(parents=True)  # something in the way of segment 1's output
    assert main(clean_args(tmp_path / "in", out, "csv", 2)) == 3
    report = load_report(out)
    first, second = report["segments"]
    assert first["status"] == "failed" and "output not written" in first["error"]
    assert second["status"] == "written"
    assert [f["status"] for f in report["files"]] == ["failed", "failed", "ok", "ok"]
    assert report["totals"]["reconciles"] and report["totals"]["files_ok"] == 2
    got = read_outputs(report, "csv")
    assert len(got) == report["totals"]["rows_out"] == len(expected_clean_rows(good[2:]))
    assert_no_temporaries(out)


def test_bad_arguments_exit_2(tmp_path, capsys):
    assert main(["clean", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert "input not found" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["clean", str(blocker), "--out", str(blocker / "o")]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["clean", str(blocker), "--out", str(tmp_path), "--columns", "who=x"])
    assert exc.value.code == 2
