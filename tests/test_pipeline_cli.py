"""``serve`` and ``loadtest`` from the command line: Ctrl-C stops cleanly, the load test prints figures."""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from engine.pipeline.loadtest import LoadGenerator, LoadtestConfig
from tests.cli_support import run_main, serving
from tests.pipeline_support import post, running_service

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(120)
def test_serve_answers_then_ctrl_c_stops_every_process(no_leftover_children) -> None:
    with serving("--max-delay-ms", "20") as (server, url):
        deadline = time.monotonic() + 60
        reply = None
        while time.monotonic() < deadline:
            try:
                reply = post(url, {"text": "请问这个还有货吗"}, timeout=5)
                if reply.status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        assert reply is not None and reply.status == 200 and reply.body["answer"]["reply"]
        stages = psutil.Process(server.pid).children(recursive=True)
        assert len(stages) >= 6  # ingress, preprocess, receiver, batcher, predictor (+ resource tracker)
        os.killpg(server.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
        assert server.wait(timeout=30) == 130  # 128 + SIGINT, after the drain
        rest = server.stderr.read()
        assert "stopped (Ctrl-C) after" in rest and "Traceback" not in rest
        # The stages were joined before exit; multiprocessing's resource tracker ends when it reads
        # EOF from its pipe, a moment after the server itself: give it that moment.
        _, alive = psutil.wait_procs(stages, timeout=5)
        assert not [(p.pid, p.cmdline()) for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_loadtest_rejects_a_non_http_url() -> None:
    done = run_main("loadtest", "https://example.invalid", "--rate", "1", "--duration", "1", timeout_s=60)
    assert done.returncode == 2 and "plain http" in done.stderr


@pytest.mark.timeout(120)
def test_load_generator_counts_statuses_and_matches_answers(no_leftover_children) -> None:
    texts = [f"message {i}" for i in range(50)]
    with running_service() as running:
        config = LoadtestConfig(url=running.url + "/v1/predict", rate_per_s=300, duration_s=2.0, concurrency=64)
        generator = LoadGenerator(config, texts, check_answer=lambda text, answer: answer["answer"] == {"echo": text})
        import asyncio

        result = asyncio.run(generator.run())
        grouped = asyncio.run(
            LoadGenerator(replace(config, rate_per_s=100, duration_s=1.5, texts_per_request=4), texts).run()
        )
    assert grouped.by_status == {200: grouped.sent} and grouped.wrong_answers == 0  # 4 answers each
    assert grouped.items_per_s == pytest.approx(4 * grouped.throughput_per_s)
    assert 400 < result.sent < 800  # Poisson at 300/s for 2 s
    assert result.by_status == {200: result.sent} and result.answered == result.sent
    assert result.wrong_answers == 0 and result.duplicate_ids == 0
    assert 0 < result.p50_ms <= result.p99_ms <= result.max_ms
    assert 0 < result.server_p99_ms <= result.max_ms  # the service's own latency_ms, inside the client's
    assert json.loads(json.dumps(result.as_dict()))["by_status"] == {"200": result.sent}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "no_such_module:factory"], "no module named"),
        (["--model", "not-a-spec"], "package.module:function"),
        (["--index", "/nonexistent/dialogues"], "std/train.txt"),
        (["--max-batch", "5000"], "max_batch"),
    ],
)
def test_serve_refuses_bad_options_before_starting_anything(args, message) -> None:
    done = run_main("serve", "--port", "0", *args, timeout_s=60)
    assert done.returncode == 2 and message in done.stderr
