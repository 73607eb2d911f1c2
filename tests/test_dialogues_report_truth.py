"""dialogues-report.json tells the truth from start to end: SIGKILL of every process, a full disk."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from engine.demo.data import make_chat_frame
from engine.dialogues.layout import OUTPUT_FILES, REPORT_NAME, WORK_PREFIX
from tests.cli_support import ROOT, injected_env, kill_group, read_report, run_cli, start_cli, wait_for_report


def dialogues_command(chat: Path, out: Path) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "dialogues", str(chat), "--out", str(out), "--quiet"]


def no_final_output(out: Path) -> bool:
    return not any((out / rel).exists() for rel in OUTPUT_FILES.values())


@pytest.fixture(scope="module")
def chat(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dialogues-truth") / "chat.csv"
    make_chat_frame(30000, seed=9).to_csv(path, index=False)
    return path


@pytest.mark.timeout(180)
def test_sigkill_after_a_phase_leaves_running_with_that_phase_then_a_new_run_finishes(chat, tmp_path):
    out = tmp_path / "out"
    cli = start_cli(dialogues_command(chat, out), tmp_path / "stderr.txt")
    try:
        wait_for_report(out, lambda report: "partition" in report["phases"], 90, REPORT_NAME)
    finally:
        kill_group(cli)
    report = read_report(out, REPORT_NAME)
    assert report["status"] == "running" and report["error"] == ""
    assert "partition" in report["phases"] and report["phase"] in ("keys", "build", "publishing")
    assert report["outputs"] == {} and no_final_output(out)
    assert list(out.glob(f"{WORK_PREFIX}*")), "the killed run's work folder is still there"

    code, stderr = run_cli(dialogues_command(chat, out), tmp_path)
    assert code == 0, stderr
    report = read_report(out, REPORT_NAME)
    assert report["status"] == "done" and report["phase"] == "done"
    assert set(report["phases"]) == {"partition", "keys", "build"}
    assert all(Path(p).is_file() for p in report["outputs"].values()) and report["rows"]["reconciles"]
    assert not list(out.glob(f"{WORK_PREFIX}*")), "the next run removed the dead run's work folder"


@pytest.mark.timeout(180)
def test_a_full_disk_fails_the_run_naming_the_file(chat, tmp_path):
    out = tmp_path / "out"
    env = injected_env(MPWATCH_TEST_FULL_DISK="std-train")
    code, stderr = run_cli(dialogues_command(chat, out), tmp_path, env)
    assert code == 1, stderr
    report = read_report(out, REPORT_NAME)
    assert report["status"] == "failed" and report["outputs"] == {}
    assert report["error"].startswith(f"cannot write {out}/{WORK_PREFIX}")
    assert report["error"].endswith("std-train.txt: No space left on device (ENOSPC)")
    assert f"error: {report['error']}" in stderr
    assert no_final_output(out) and not list(out.glob(f"{WORK_PREFIX}*"))
