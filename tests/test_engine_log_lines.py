"""The engine's run log lines by code keep the English text they had as plain f-strings (what the
CLI prints and a report may quote), numbers formatted as before; the CLI prints them unchanged."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.coded_errors import english, inner
from engine.demo.data import make_chat_frame

ROOT = Path(__file__).resolve().parent.parent


def test_each_log_line_reads_as_its_former_f_string():
    s, segments, name, rows, expected = 0, 4, "clean_00000-00024.xlsx", 452310, 452311
    out, n_val, total, budget, resting, largest = Path("/data/out"), 221, 442, 16 << 20, 140_000_000, 3_000_000
    error = "cannot write /data/out/report.json: No space left on device (ENOSPC)"
    tb = 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad'
    cases = [
        (
            "clean_resuming",
            dict(done=2, segments=segments),
            f"resuming: {2} of {segments} segments already complete, skipped",
        ),
        (
            "segment_written",
            dict(segment=s + 1, segments=segments, name=name, rows=rows),
            f"segment {s + 1}/{segments} written: {name} ({rows:,} rows)",
        ),
        ("segment_rows_disagree", dict(rows=rows, expected=expected), f"wrote {rows} rows, files counted {expected}"),
        ("segment_not_written", inner("error", "ValueError: bad"), "output not written: ValueError: bad"),
        (
            "segment_error",
            dict(segment=s + 1, error="output not written: x"),
            f"segment {s + 1}: output not written: x",
        ),
        (
            "segment_removed_after_stop",
            dict(segment=s + 1, name=name),
            f"segment {s + 1}: {name} was finished after the run stopped; removed",
        ),
        ("report_not_updated", dict(report="report.json", error=error), f"report.json not updated: {error}"),
        ("dialogues_inputs", dict(files=3, out=str(out)), f"dialogues: {3} input file(s) → {out}"),
        (
            "dialogues_done",
            dict(train=1200, val=100, utterances=98765, seconds=12.345),
            f"dialogues: {1200} train + {100} val dialogues, {98765} utterances in {12.345:.1f} s",
        ),
        (
            "validation_capped",
            dict(val=n_val, dialogues=total),
            f"validation set capped at {n_val} dialogues (train keeps at least half of {total})",
        ),
        (
            "memory_budget_too_small",
            dict(budget_mb=budget / 2**20, resting_mb=resting / 2**20, needed_mb=largest * 1.75 / 2**20),
            f"memory budget {budget / 2**20:.0f} MB is too small: the "
            f"coordinator uses {resting / 2**20:.0f} MB at rest and the largest partition needs "
            f"about {largest * 1.75 / 2**20:.0f} MB more; building one partition at a time",
        ),
        ("job_failed", dict(reason="ValueError: bad", traceback=tb), f"job failed: ValueError: bad\n{tb}"),
    ]
    for code, params, before in cases:
        assert english(code, params) == before, code
    assert english("segment_written", cases[1][1]).endswith("(452,310 rows)")


@pytest.mark.timeout(240)
def test_the_cli_prints_the_dialogues_warnings_in_english(tmp_path):
    for i in range(2):
        make_chat_frame(2000, seed=3, file_index=i).to_csv(tmp_path / f"chat_{i}.csv", index=False)
    command = [sys.executable, "main.py", "dialogues", str(tmp_path), "--out", str(tmp_path / "out")]
    options = ["--val-size", "100000", "--memory-budget", "16MB", "--workers", "2", "--quiet"]
    done = subprocess.run([*command, *options], cwd=ROOT, capture_output=True, text=True, timeout=200)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2, done.stderr
    assert re.fullmatch(
        r"warning: memory budget 16 MB is too small: the coordinator uses \d+ MB at rest and the largest "
        r"partition needs about \d+ MB more; building one partition at a time",
        warnings[0],
    )
    assert re.fullmatch(
        r"warning: validation set capped at (\d+) dialogues \(train keeps at least half of (\d+)\)", warnings[1]
    )
    capped, total = map(int, re.findall(r"\d+", warnings[1]))
    assert capped == total // 2
