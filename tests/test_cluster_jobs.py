"""Same results on a cluster: demo, clean and dialogues through the real CLI with ``--cluster``
write what a local run writes, byte for byte (demo workbooks: every part but the timestamp).

Two clusters: ``local:2`` (a LocalCluster the job starts and closes) and a real ``dask scheduler``
with two ``dask worker`` processes over loopback TCP (the fixture of test_cluster_scheduler)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cluster_jobs_support import (
    assert_same_dialogues,
    assert_same_files,
    assert_same_workbooks,
    ok,
    run_cli,
)
from tests.helpers import free_port
from tests.test_cluster_scheduler import scheduler_and_two_workers  # noqa: F401  (a fixture)

DEMO_ARGS = ("--files", "5", "--rows", "400", "--seed", "5")
CLEAN_ARGS = {
    "csv": ("--format", "csv", "--segment-files", "2", "--dedupe-scope", "run"),
    "parquet": ("--format", "parquet", "--segment-files", "3"),
    "xlsx": ("--format", "xlsx", "--segment-files", "3"),
}
DIALOGUES_ARGS = ("--val-size", "15", "--seed", "3")


@pytest.fixture(scope="module")
def local_runs(tmp_path_factory) -> dict[str, Path]:
    """Every job once on this machine's process pool: the reference outputs."""
    root = tmp_path_factory.mktemp("local")
    runs = {"demo": root / "demo"}
    ok(run_cli("demo", str(runs["demo"]), *DEMO_ARGS, "--workers", "2"))
    for fmt, args in CLEAN_ARGS.items():
        runs[f"clean-{fmt}"] = root / f"clean-{fmt}"
        ok(run_cli("clean", str(runs["demo"]), "--out", str(runs[f"clean-{fmt}"]), *args, "--workers", "2"))
    runs["dialogues"] = root / "dialogues"
    ok(run_cli("dialogues", str(runs["demo"]), "--out", str(runs["dialogues"]), *DIALOGUES_ARGS, "--workers", "2"))
    return runs


def run_everything_on(cluster: str, local: dict[str, Path], out: Path, formats: tuple[str, ...]) -> None:
    """Run the jobs on ``cluster`` and compare each with its local run."""
    demo = out / "demo"
    ok(run_cli("demo", str(demo), *DEMO_ARGS, "--cluster", cluster))
    assert assert_same_workbooks(demo, local["demo"]) == 5
    for fmt in formats:
        target = out / f"clean-{fmt}"
        ok(run_cli("clean", str(local["demo"]), "--out", str(target), *CLEAN_ARGS[fmt], "--cluster", cluster))
        if fmt == "xlsx":
            assert assert_same_workbooks(target, local[f"clean-{fmt}"]) == 2
        else:
            assert assert_same_files(target, local[f"clean-{fmt}"], f"clean_*.{fmt}") >= 2
        report = json.loads((target / "report.json").read_text())
        assert report["status"] == "done" and {f["status"] for f in report["files"]} == {"ok"}
        assert {f["worker"].split(":")[0] for f in report["files"]} == {"127.0.0.1"}  # ran on the workers
    target = out / "dialogues"
    ok(run_cli("dialogues", str(local["demo"]), "--out", str(target), *DIALOGUES_ARGS, "--cluster", cluster))
    assert_same_dialogues(target, local["dialogues"])
    report = json.loads((target / "dialogues-report.json").read_text())
    assert report["cluster"] == cluster
    assert report["build_groups"]["count"] > 1  # spread over the workers, and still the same bytes
    assert any(name.startswith("builder 127.0.0.1:") for name in report["peak_rss_bytes"])


@pytest.mark.timeout(300)
def test_jobs_on_a_local_cluster_write_what_a_local_run_writes(local_runs, tmp_path):
    run_everything_on("local:2", local_runs, tmp_path, ("csv", "parquet", "xlsx"))


@pytest.mark.timeout(300)
def test_jobs_on_a_scheduler_and_two_workers_write_what_a_local_run_writes(
    local_runs,
    scheduler_and_two_workers,  # noqa: F811 - the fixture imported above
    tmp_path,
):
    run_everything_on(scheduler_and_two_workers, local_runs, tmp_path, ("csv", "parquet"))


@pytest.mark.timeout(60)
def test_an_unreachable_scheduler_ends_the_job_with_one_line(local_runs, tmp_path):
    port = free_port()
    result = run_cli(
        "clean", str(local_runs["demo"]), "--out", str(tmp_path / "out"), "--cluster", f"tcp://127.0.0.1:{port}"
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [f"error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: Connection refused"], (
        result.stderr
    )


@pytest.mark.timeout(30)
def test_a_malformed_cluster_address_is_a_usage_error(tmp_path):
    result = run_cli("demo", str(tmp_path / "d"), "--cluster", "tcp://nohost")
    assert result.returncode == 2 and "is not a cluster address" in result.stderr
