"""The engine's run log lines by code keep the English text they had as plain f-strings (what the
CLI prints and a report may quote), numbers formatted as before; the CLI prints them unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.coded_errors import english, inner
from engine.demo.data import make_chat_frame
from tests.cli_support import run_main


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
    options = ["--val-size", "100000", "--memory-budget", "16MB", "--workers", "2", "--quiet"]
    done = run_main("dialogues", tmp_path, "--out", tmp_path / "out", *options, timeout_s=200)
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


def test_each_pipeline_log_line_reads_as_its_former_f_string():
    """engine/pipeline/: the service's, ingress's, predictor's and load test's lines, English unchanged."""
    from engine.pipeline.config import PipelineConfig
    from engine.pipeline.log_lines import lock_params, model_ready_params, starting_params
    from engine.status import WorkerExited

    index, allowed, wanted, url, pid, role, model = 1, 1019, 2048, "http://127.0.0.1:8765", 4321, "predictor-0", "m:f"
    died = WorkerExited(job="j", role="batcher", pid=77, t=0.0, exitcode=-9, expected=False)
    tb = 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad'
    cases = [
        (
            "ingress_connection_limit",
            dict(index=index, allowed=allowed, wanted=wanted),
            f"ingress {index}: the open-file limit allows {allowed} connections, not {wanted}",
        ),
        (
            "ingress_no_defer_accept",
            dict(index=index),
            f"ingress {index}: no TCP_DEFER_ACCEPT here; idle connections are accepted",
        ),
        (
            "ingress_listening",
            dict(index=index, url=url, pid=pid, loop="uvloop"),
            f"ingress {index} listening on {url} (pid {pid}, uvloop event loop)",
        ),
        (
            "model_build_failed",
            dict(worker=role, model=model, reason="ValueError: bad", traceback=tb),
            f"{role}: could not build the model {model}: ValueError: bad\n{tb}",
        ),
        (
            "model_ready",
            dict(worker=role, model=model, seconds=1.23456, **model_ready_params(20000)),
            f"{role}: model {model} ready in {1.23456:.2f} s ({20000} indexed pairs)",
        ),
        (
            "model_ready",
            dict(worker=role, model=model, seconds=0.5, **model_ready_params(None)),
            f"{role}: model {model} ready in {0.5:.2f} s",
        ),
        (
            "beyond_loopback",
            dict(host="0.0.0.0"),
            "listening on 0.0.0.0, beyond loopback: anyone who can reach this machine can send requests",
        ),
        (
            "ingress_died",
            died.as_params(),
            f"{died.describe()}; its open connections were reset, it is being restarted",
        ),
        ("lost_not_reported", dict(count=3, worker=role), f"could not report {3} lost requests of {role}"),
        (
            "stage_died",
            dict(count=5, **died.as_params()),
            f"{died.describe()}; {5} in-flight requests answered with an error",
        ),
        (
            "lock_released",
            dict(worker="batcher", **lock_params("put counter lock")),
            "batcher died holding the put counter lock of a queue it used; released it",
        ),
        (
            "stages_left_after_drain",
            dict(stages="batcher, ingress-0", roles=["batcher", "ingress-0"]),
            "stages still running after the drain, ending them: batcher, ingress-0",
        ),
        ("load_test", dict(result="offered 50/s for 2.0 s: sent 100"), "load test: offered 50/s for 2.0 s: sent 100"),
    ]
    for config in (
        PipelineConfig(),
        PipelineConfig(batching="target", target_p99_ms=250.0, max_delay_ms=2.5, ingress=2),
    ):
        target = f" (target p99 {config.target_p99_ms:g} ms)" if config.batching == "target" else ""
        before = (
            f"pipeline starting: {config.ingress} ingress, {config.preprocess_workers} preprocess, "
            f"{config.receivers} receivers, {config.replicas} predictors, batching {config.batching}{target}, "
            f"max batch {config.max_batch}, max delay {config.max_delay_ms:g} ms, endpoint {config.url}/v1/predict"
        )
        cases.append(("pipeline_starting", starting_params(config), before))
    for code, params, before in cases:
        assert english(code, params) == before, code
    assert "(target p99 250 ms)" in cases[-1][2] and "max delay 2.5 ms" in cases[-1][2]


def _former_describe(r) -> str:
    """LoadtestResult.describe() as it was written before its lines were coded (the reference)."""
    statuses = ", ".join(f"{'conn-error' if k == 0 else k}: {v}" for k, v in sorted(r.by_status.items()))
    return (
        f"offered {r.offered_rate_per_s:g}/s for {r.duration_s:.1f} s: sent {r.sent}, "
        f"answered {r.answered} ({statuses})"
        + (f", {r.skipped_at_cap} not sent (concurrency cap)" if r.skipped_at_cap else "")
        + f"\nthroughput {r.throughput_per_s:,.1f} answers/s (status 200)"
        + (f", {r.items_per_s:,.0f} texts/s ({r.texts_per_request} per request)" if r.texts_per_request > 1 else "")
        + (
            f"\nlatency of 200s: p50 {r.p50_ms:.1f} ms, p95 {r.p95_ms:.1f} ms, "
            f"p99 {r.p99_ms:.1f} ms, max {r.max_ms:.1f} ms; inside the service p99 "
            f"{r.server_p99_ms:.1f} ms; the generator's own lag p99 {r.client_lag_p99_ms:.1f} ms"
            if r.by_status.get(200)
            else "\nlatency: none (no request succeeded)"
        )
        + (f"\nduplicate answer ids: {r.duplicate_ids}" if r.duplicate_ids else "")
        + "".join(f"\nerror ×{count}: {text}" for text, count in r.errors)
    )


def test_the_load_test_summary_reads_as_before_line_by_line():
    from engine.pipeline.loadtest import LoadtestResult

    answered = LoadtestResult(
        offered_rate_per_s=1500.0, duration_s=10.04, sent=15000, answered=14990, skipped_at_cap=0,
        by_status={200: 14000, 503: 990, 0: 10}, throughput_per_s=1399.96, p50_ms=3.14159, p95_ms=20.5,
        p99_ms=48.75, max_ms=1203.4, server_p99_ms=30.25, client_lag_p99_ms=0.44,
    )  # fmt: skip
    everything = LoadtestResult(
        offered_rate_per_s=2.5, duration_s=3.0, sent=7, answered=5, skipped_at_cap=2, by_status={200: 5},
        throughput_per_s=1.6667, texts_per_request=64, duplicate_ids=1,
        errors=(("503: overloaded", 4), ("connection reset", 1)),
    )  # fmt: skip
    none = LoadtestResult(offered_rate_per_s=10, duration_s=1, sent=3, answered=0, skipped_at_cap=0, by_status={0: 3})
    for result in (answered, everything, none):
        assert result.describe() == _former_describe(result)
        assert [code for code, _ in result.lines()][0] == "load_offered"
    assert len(everything.lines()) == 6 and "106.7 texts/s (64 per request)" not in everything.describe()
    assert "107 texts/s (64 per request)" in everything.describe()
