"""The cluster executor's log lines and errors, an OSError's own text and the load generator's errors
said by code keep the English text they had as f-strings (what the CLI prints and report.json keeps),
and carry what a window needs to say them in its language."""

from __future__ import annotations

import errno
import os

from engine.coded_errors import code_and_params, english, inner_coded, inner_exception, inner_lines
from engine.executor import WORKER_DIED, TaskResult

ADDRESS = "tcp://10.0.0.7:8786"
WORKER = "tcp://10.0.0.7:40211"


def test_each_cluster_line_reads_as_its_former_f_string():
    label, deaths, attempts, retried, still, grace_s = "writing clean_00000-00001.csv", 2, 3, 0, ["k1", "k2"], 5.0
    crash = dict(number=1, count=2, pid=4242, exit="signal 9 (SIGKILL)", exitcode=-9, failures=3)
    crash_text = (
        f"local Dask worker {1} of {2} (pid {4242}) ended with signal 9 (SIGKILL) before it started, {3} times "
        f"in a row: not started again"
    )
    cases = [
        ("cluster_starting_local", dict(workers="2"), f"starting a Dask cluster of {'2'} local workers…"),
        ("cluster_connecting", dict(address=ADDRESS), f"connecting to the Dask scheduler at {ADDRESS}…"),
        (
            "cluster_running",
            dict(scheduler="tcp://127.0.0.1:39001", address="local:2", workers=2, threads=2),
            f"running on the Dask cluster at tcp://127.0.0.1:39001 (local:2): {2} workers, {2} threads; "
            "every worker reaches the data",
        ),
        ("cluster_failed_in_flight", dict(failure=crash_text, tasks=3), f"{crash_text} ({3} tasks in flight)"),
        (
            "cluster_connection_lost",
            dict(address=ADDRESS, tasks=4),
            f"lost the connection to the Dask scheduler at {ADDRESS} ({4} tasks in flight)",
        ),
        (
            "task_run_alone",
            dict(task=label, deaths=deaths),
            f"{label}: a worker died under it on all {deaths} attempts, with other tasks beside "
            "it: run once more alone on one worker, to tell whether it is the cause",
        ),
        (
            "task_attempts",
            dict(task=label, attempts=attempts, deaths=deaths, retried=retried),
            f"{label}: {attempts} attempts ({deaths} worker(s) died under it, {retried} retries after it raised)",
        ),
        (
            "task_failed",
            dict(task=label, reason="worker died on all 3 attempts"),
            f"{label} failed: worker died on all 3 attempts",
        ),
        ("worker_died_every_attempt", dict(attempts=3), "worker died on all 3 attempts"),
        (
            "worker_died_every_attempt_alone",
            dict(attempts=3),
            "worker died on all 3 attempts, the last one alone on it",
        ),
        (
            "cancelled_still_running",
            dict(count=len(still), grace_s=grace_s, tasks=", ".join(still)),
            f"{len(still)} cancelled task(s) still running on the cluster after {grace_s:g} s "
            f"(they stop at their next stop check): {', '.join(still[:5])}",
        ),
        ("cluster_worker_joined", dict(worker=f"dask worker {WORKER}"), f"dask worker {WORKER} joined the cluster"),
        ("cluster_worker_left", dict(worker=f"dask worker {WORKER}"), f"dask worker {WORKER} left the cluster"),
        (
            "cluster_worker_rescheduled",
            dict(worker=f"dask worker {WORKER}", tasks="a.csv, b.csv"),
            f"dask worker {WORKER} was running a.csv, b.csv: scheduled again on the other workers",
        ),
        ("local_worker_crash_loop", crash, crash_text),
        ("local_workers_ready", dict(ready=1, count=2), f"{1} of {2} local Dask workers started"),
        (
            "local_workers_late",
            dict(
                workers=2,
                timeout_s=60.0,
                reason="1 of 2 local Dask workers started",
                exit_codes="[None, 1]",
                restarts=1,
            ),
            f"the {2} local Dask workers did not start within {60.0:g} s "
            f"(1 of 2 local Dask workers started; exit codes {[None, 1]}, {1} restarted)",
        ),
        (
            "scheduler_no_answer_at",
            dict(address=ADDRESS, reason="Timed out"),
            f"no Dask scheduler answered at {ADDRESS}: Timed out",
        ),
        (
            "scheduler_no_workers",
            dict(address=ADDRESS),
            f"the Dask scheduler at {ADDRESS} has no workers (start some with: dask worker {ADDRESS})",
        ),
        (
            "scheduler_timeout",
            dict(address=ADDRESS, timeout_s=10.0),
            f"cannot reach the Dask scheduler at {ADDRESS}: no answer within {10.0:g} s",
        ),
        (
            "scheduler_unreachable",
            dict(address=ADDRESS, cause="Connection refused", errno="ECONNREFUSED"),
            f"cannot reach the Dask scheduler at {ADDRESS}: Connection refused",
        ),
        (
            "scheduler_silent",
            dict(address=ADDRESS, timeout_s=10.0),
            f"{ADDRESS} accepted the connection but did not answer like a Dask "
            f"scheduler within {10.0:g} s (is it the scheduler's port?)",
        ),
        (
            "reach_timeout",
            dict(timeout_s=60.0, workers="worker-a, worker-b"),
            f"the data check did not finish within {60.0:g} s on worker-a, worker-b",
        ),
    ]
    for code, params, before in cases:
        assert english(code, params) == before, code


def test_the_data_reach_error_reads_as_before_and_says_each_line_by_code():
    problems = [
        (
            "reach_cannot_read",
            dict(address=WORKER, path="/data/a.xlsx", cause="No such file or directory", errno="ENOENT"),
        ),
        ("reach_cannot_write", dict(address=WORKER, path="/data/out", cause="Not a directory", errno="ENOTDIR")),
        ("reach_check_failed", dict(address=WORKER, reason="boom")),
        ("reach_more", dict(more=3)),
    ]
    params = inner_lines("problems", problems, "\n")
    assert english("reach_failed", params) == (
        "the cluster's workers cannot reach the data (workers read and write by path, "
        "so every host needs the same paths):\n"
        f"worker {WORKER} cannot read /data/a.xlsx: No such file or directory\n"
        f"worker {WORKER} cannot write to /data/out: Not a directory\n"
        f"worker {WORKER} could not run the data check: boom\n"
        "… and 3 more"
    )
    assert params["problems_separator"] == "\n"
    assert [code for code, _ in params["problems_lines"]] == [code for code, _ in problems]


def test_an_os_errors_own_text_is_said_by_its_errno(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "file").write_text("x")
    raised = []
    for act in (
        lambda: os.rename(tmp_path / "file", tmp_path / "taken"),
        lambda: open(tmp_path / "missing"),  # noqa: SIM115
        lambda: os.listdir(tmp_path / "file"),
    ):
        try:
            act()
        except OSError as exc:
            raised.append(exc)
    assert len(raised) == 3
    for exc in raised:
        code, params = code_and_params(exc)
        assert english(code, params) == str(exc), code
        assert params["errno"] == errno.errorcode[exc.errno]
    assert code_and_params(raised[0])[0] == "os_error_files"
    assert code_and_params(raised[1])[0] == "os_error_file"
    assert code_and_params(OSError(errno.EIO, "Input/output error")) == (
        "os_error",
        {"number": errno.EIO, "cause": "Input/output error", "errno": "EIO"},
    )
    # not the C library's words (asyncio's "Connect call failed …"): said, never replaced by the errno's
    refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed ('127.0.0.1', 9)")
    assert "errno" not in code_and_params(refused)[1]
    assert code_and_params(OSError("a plain message")) == ("", {})


def test_a_failed_tasks_type_and_reason_are_said_by_code():
    reason = "[Errno 21] Is a directory: 'a.tmp' -> 'a.csv'"
    code, params = code_and_params(IsADirectoryError(21, "Is a directory", "a.tmp", None, "a.csv"))
    result = TaskResult(
        ("segment", 0), "writing a.csv", False, reason=reason, error_type="IsADirectoryError", code=code, params=params
    )
    assert result.error == f"IsADirectoryError: {reason}"
    event = result.failed_event("j", result.error)
    assert (event.reason, event.code) == (result.error, "exception_text")
    assert english(event.code, event.params) == result.error
    assert event.params["detail_code"] == "os_error_files"
    assert result.failed_event("j", reason).code == "os_error_files"  # its own reason: its own code
    assert result.failed_event("j", "something else").code == ""
    said = result.failed_event(
        "j", "output not written: x", coded={"code": "segment_not_written", "params": {"error": "x"}}
    )
    assert (said.code, said.params) == ("segment_not_written", {"error": "x"})


def test_a_task_whose_worker_died_on_every_attempt_reads_as_before():
    from engine.cluster import outcomes

    alone = outcomes.worker_died("k", "a.csv", 3, 0.0, alone=True)
    assert (alone.reason, alone.error_type, alone.code) == (
        "worker died on all 3 attempts, the last one alone on it",
        WORKER_DIED,
        "worker_died_every_attempt_alone",
    )
    assert outcomes.worker_died("k", "a.csv", 2, 0.0, alone=False).reason == "worker died on all 2 attempts"
    assert alone.failed_event("j", alone.error).code == "worker_died_every_attempt_alone"


def test_the_load_generators_statuses_and_errors_carry_their_codes_not_in_the_report():
    from engine.pipeline.loadtest import LoadtestResult

    shed = inner_coded("text", "http_error", http_status=503, reason="shed: retry later")
    refused = inner_exception("text", "ConnectionRefusedError", "[Errno 111] Connect call failed")
    bare = inner_exception("text", "TimeoutError", "")
    assert (shed["text"], refused["text"], bare["text"]) == (
        "503: shed: retry later",
        "ConnectionRefusedError: [Errno 111] Connect call failed",
        "TimeoutError",
    )
    codes = {x["text"]: (x["text_code"], x["text_params"]) for x in (shed, refused, bare)}
    result = LoadtestResult(
        offered_rate_per_s=10, duration_s=1.0, sent=9, answered=9, skipped_at_cap=0, by_status={0: 4, 503: 5},
        errors=((shed["text"], 5), (refused["text"], 3), (bare["text"], 1)), error_codes=codes,
    )  # fmt: skip
    lines = result.lines()
    offered = lines[0][1]
    assert offered["statuses"] == "conn-error: 4, 503: 5"
    assert offered["statuses_lines"] == [
        ["load_conn_errors", {"count": 4}],
        ["load_status_count", {"http_status": 503, "count": 5}],
    ]
    errors = [params for code, params in lines if code == "load_error"]
    assert [e["error_code"] for e in errors] == ["http_error", "exception_text", "exception_only"]
    assert result.describe().endswith(
        "error ×5: 503: shed: retry later\nerror ×3: ConnectionRefusedError: [Errno 111] Connect call failed"
        "\nerror ×1: TimeoutError"
    )
    assert "error_codes" not in result.as_dict()


def test_a_load_against_a_closed_port_counts_its_connection_errors_by_code():
    from engine.pipeline.loadtest import MAX_ERROR_KINDS, LoadGenerator, LoadtestConfig, run_loadtest
    from tests.test_cluster_scheduler import free_port

    config = LoadtestConfig(url=f"http://127.0.0.1:{free_port()}/v1/predict", rate_per_s=40, duration_s=0.5)
    result = run_loadtest(config, ["请问这个还有货吗"])
    assert result.by_status.keys() == {0} and result.errors
    for text, _ in result.errors:
        code, params = result.error_codes[text]
        assert code in {"exception_text", "exception_only"} and english(code, params) == text
        assert params["exception"] == text.split(":")[0]
    generator = LoadGenerator(config, ["a"])
    for n in range(MAX_ERROR_KINDS + 2):
        generator._count_error(**inner_coded("text", "http_error", http_status=500, reason=f"reason {n}"))
    errors = dict(generator.result(1.0).errors)
    assert len(errors) == MAX_ERROR_KINDS + 1 and errors["other errors"] == 2
    assert generator.error_codes["other errors"] == ("load_other_errors", {})


def test_a_wrong_cluster_address_and_a_given_up_connection_test_read_as_before():
    import pytest

    from engine.cluster.address import parse_cluster_address

    for text, before in [
        ("local:0", "'local:0': a local cluster needs at least 1 worker (local:2)"),
        ("tcp://h:70000", "'tcp://h:70000': port 70000 is out of range (1-65535)"),
        (
            "10.0.0.5:8786",
            "'10.0.0.5:8786' is not a cluster address: use tcp://HOST:PORT for a running Dask scheduler "
            "(e.g. tcp://10.0.0.5:8786) or local:N for N local worker processes",
        ),
    ]:
        with pytest.raises(ValueError) as refused:
            parse_cluster_address(text)
        assert str(refused.value) == before and english(refused.value.code, refused.value.params) == before
    assert english("connection_test_no_answer", {"exit": "exit code 1"}) == (
        "the connection test ended without an answer (exit code 1)"
    )
    assert (
        english("connection_test_timeout", {"address": ADDRESS, "limit": 12.0})
        == f"no answer from {ADDRESS} within 12 s"
    )
