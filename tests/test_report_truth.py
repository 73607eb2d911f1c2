"""report.json tells the truth at every moment: SIGKILL every process of a clean run mid-way, then
the report names exactly the segments written and the files cleaned, and ``--resume`` produces the
rows of an uninterrupted run."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pandas as pd
import pytest

from engine.clean.job import PARTS_DIR
from engine.clean.naming import segment_name
from engine.clean.worker import PartFiles
from tests.clean_fixtures import good_inputs_folder, read_output_file, read_outputs
from tests.cli_support import (
    clean_command,
    group_processes,
    kill_group,
    read_report,
    run_cli,
    start_cli,
    wait_for_report,
)

INPUT_FILES = 24
SEGMENT_FILES = 2
WORKERS = 2


def written(report: dict) -> list[dict]:
    return [s for s in report["segments"] if s["status"] == "written"]


def wait_mid_run(cli, out: Path, fmt: str, segments: int, timeout_s: float = 60.0) -> None:
    """Return once at least one segment is on disk and at least two are still to come. Watched on
    the disk, every 5 ms: the whole run takes ~1.5 s and writes its segments ~30 ms apart, faster
    than report.json is rewritten (at most every 0.25 s), so the report may jump from none written
    to done (it did on CI)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and cli.poll() is None:
        if 1 <= len(final_outputs(out, fmt)) <= segments - 2:
            return
        time.sleep(0.005)
    raise AssertionError(f"no moment with a segment written and two to come: {read_report(out)}")


def final_outputs(out: Path, fmt: str) -> set[str]:
    """Files under a final output name (temporaries are hidden, ``.NAME.part-PID``)."""
    return {str(p) for p in out.glob(f"clean_*.{fmt}")}


def assert_report_not_ahead_of_the_disk(report: dict, out: Path, fmt: str) -> None:
    """Everything the report claims is on disk: written segments with their rows, ok files in them,
    cleaned files with their rows waiting in the parts folder."""
    assert report["status"] == "running"
    in_written = set()
    for segment in written(report):
        (path,) = segment["outputs"]
        assert Path(path).is_file(), f"report.json claims {path}"
        assert len(read_output_file(path, fmt)) == segment["rows"]
        in_written.update(segment["files"])
    for index, entry in enumerate(report["files"]):
        assert (entry["status"] == "ok") == (entry["path"] in in_written), entry
        if entry["status"] == "cleaned":
            assert PartFiles.in_folder(out / PARTS_DIR, index, fmt).chunk.is_file(), entry
    assert set(report["outputs"]) <= final_outputs(out, fmt)


def resume_gives_the_uninterrupted_rows(
    inputs: Path, out: Path, fmt: str, segment_files: int, expected: pd.DataFrame, tmp: Path
) -> dict:
    """Rows do not depend on the segment size: one reference serves every run."""
    before = read_report(out)
    code, stderr = run_cli(clean_command(inputs, out, fmt, segment_files, "--resume"), tmp)
    assert code == 0, stderr
    after = read_report(out)
    assert after["status"] == "done" and after["error"] == ""
    assert after["resumed_segments"] == [s["index"] for s in written(before)]
    pd.testing.assert_frame_equal(read_outputs(after, fmt), expected)
    assert final_outputs(out, fmt) == set(after["outputs"])
    assert not [p.name for p in out.rglob(".*")], "no temporary may stay after the resumed run"
    return after


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    return good_inputs_folder(tmp_path_factory, "truth", files=INPUT_FILES, rows=1200, seed=7)


@pytest.fixture(scope="module")
def uninterrupted(inputs, tmp_path_factory) -> dict[str, pd.DataFrame]:
    """Each format's rows from a run nobody touched (the reference for the resumed runs)."""
    rows = {}
    for fmt in ("parquet", "xlsx"):
        out = tmp_path_factory.mktemp(f"reference-{fmt}")
        code, stderr = run_cli(clean_command(inputs, out, fmt, SEGMENT_FILES), out)
        assert code == 0, stderr
        report = read_report(out)
        assert report["status"] == "done" and report["totals"]["files_cleaned"] == 0
        rows[fmt] = read_outputs(report, fmt)
    return rows


@pytest.mark.timeout(240)
def test_sigkill_at_any_moment_leaves_a_true_report_and_resume_completes_it(inputs, uninterrupted, tmp_path):
    """The issue's case (.xlsx): killpg SIGKILL whenever a segment is written and more are to come."""
    out = tmp_path / "out"
    cli = start_cli(clean_command(inputs, out, "xlsx", SEGMENT_FILES), tmp_path / "stderr.txt")
    try:
        wait_mid_run(cli, out, "xlsx", INPUT_FILES // SEGMENT_FILES)
    finally:
        kill_group(cli)
    report = read_report(out)
    assert_report_not_ahead_of_the_disk(report, out, "xlsx")
    assert report["totals"]["files_ok"] == SEGMENT_FILES * len(written(report))
    resume_gives_the_uninterrupted_rows(inputs, out, "xlsx", SEGMENT_FILES, uninterrupted["xlsx"], tmp_path)


@pytest.mark.timeout(240)
def test_report_names_exactly_what_is_done_when_the_kill_comes(inputs, uninterrupted, tmp_path):
    """The issue's case, made exact: segments of 12 files, every process but the coordinator frozen
    (SIGSTOP) once 4 files wait in parts, the coordinator left a second to catch up, then killpg
    SIGKILL. The report names exactly the cleaned files (a report rewritten only per segment would
    say "pending" for all), save what was in flight in a frozen worker (its part renamed, its result
    not sent yet: at most one per worker)."""
    out = tmp_path / "out"
    cli = start_cli(clean_command(inputs, out, "parquet", 12), tmp_path / "stderr.txt")

    def parts_waiting(report: dict) -> bool:
        return report["status"] == "running" and len(list((out / PARTS_DIR).glob("part_*.parquet"))) >= 4

    try:
        coordinator = wait_for_report(out, parts_waiting)["pid"]
        for process in group_processes(cli):
            if process.pid != coordinator:
                process.send_signal(signal.SIGSTOP)
        time.sleep(1.0)  # > SAVE_INTERVAL_S + the executor's poll: every result received is in the report
    finally:
        kill_group(cli)
    report = read_report(out)
    assert_report_not_ahead_of_the_disk(report, out, "parquet")
    status = [entry["status"] for entry in report["files"]]
    on_disk = {i for i in range(len(status)) if PartFiles.in_folder(out / PARTS_DIR, i, "parquet").chunk.is_file()}
    cleaned = {i for i, s in enumerate(status) if s == "cleaned"}
    in_flight = on_disk - cleaned
    assert len(in_flight) <= WORKERS and all(status[i] == "pending" for i in in_flight), (in_flight, status)
    unreported = final_outputs(out, "parquet") - set(report["outputs"])
    assert len(unreported) <= WORKERS
    for segment in report["segments"]:  # a write that ended in a frozen worker: its files are all cleaned
        files = [i for i, entry in enumerate(report["files"]) if entry["segment"] == segment["index"]]
        if str(out / segment_name(files[0], files[-1], "parquet")) in unreported:
            assert {status[i] for i in files} == {"cleaned"}, segment
    resume_gives_the_uninterrupted_rows(inputs, out, "parquet", 12, uninterrupted["parquet"], tmp_path)
