"""The service end to end over loopback, with real stage processes.

Each test starts a service on 127.0.0.1 with a free port (owner loop in a thread of the test
process) and stops it at the end; ``no_leftover_children`` checks that Stop leaves no process.
"""

from __future__ import annotations

import os
import random
import signal
import time

import pytest

from engine.status import WorkerExited
from engine.textnorm import normalise_text_scalar
from tests.pipeline_support import FAULTY_MODEL, PostInThread, get, post, post_many, running_service

pytestmark = pytest.mark.usefixtures("no_leftover_children")


@pytest.mark.timeout(150)
def test_ten_thousand_concurrent_requests_each_get_their_own_answer() -> None:
    rng = random.Random(1)
    alphabet = "你好请问有货吗包邮退款发票快递abcXYZ 😀\n"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20))) + f"#{i}" for i in range(10_000)]
    with running_service(preprocess_workers=2, max_delay_ms=10.0, max_inflight_items=20_000) as running:
        replies = post_many(running.url, [{"text": t} for t in texts], concurrency=400)
        status, metrics_text = get(running.url, "/metrics")
    assert [r.status for r in replies] == [200] * len(texts)
    for text, reply in zip(texts, replies):
        assert reply.body["answer"] == {"echo": normalise_text_scalar(text)}
    assert len({r.body["id"] for r in replies}) == len(texts)
    assert status == 200 and 'mpwatch_requests_total{status="200"} 10000' in metrics_text
    assert "mpwatch_batch_size_bucket" in metrics_text and "mpwatch_queue_depth" in metrics_text


@pytest.mark.timeout(120)
def test_bad_requests_get_clear_errors_and_the_default_model_answers() -> None:
    with running_service(
        model="engine.pipeline.model:build_model",
        preprocess="engine.pipeline.preprocess:normalise_and_featurise",
        demo_rows=3000,
    ) as running:
        url = running.url
        bad_json = post(url, raw=b"{not json")
        missing = post(url, {"question": "hi"})
        wrong_type = post(url, {"text": 42})
        too_many = post(url, {"texts": ["a"] * 65})
        too_big = post(url, {"text": "长" * 40_000})  # ~120 KB of UTF-8, over the 64 KiB limit
        ok = post(url, {"text": "请问这个还有货吗😀"})
        several = post(url, {"texts": ["能开发票吗", "包邮吗"]})
        health = get(url, "/healthz")
    assert bad_json.status == 400 and "invalid JSON" in bad_json.body["error"]
    assert missing.status == 400 and '"text"' in missing.body["error"]
    assert wrong_type.status == 400 and too_many.status == 400
    assert too_big.status == 413 and "limit" in too_big.body["error"]
    assert ok.status == 200 and ok.body["answer"]["reply"] and ok.body["answer"]["score"] > 0.5
    assert ok.body["latency_ms"] > 0 and isinstance(ok.body["id"], int)
    assert several.status == 200 and len(several.body["answers"]) == 2
    assert health[0] == 200 and '"ok"' in health[1]


@pytest.mark.timeout(150)
def test_a_failing_model_fails_only_its_batch_and_a_killed_predictor_recovers() -> None:
    with running_service(model=FAULTY_MODEL, max_batch=8, max_delay_ms=20.0, request_timeout_s=30.0) as running:
        url = running.url
        boom = post(url, {"texts": ["boom", "fine"]})
        after_boom = post(url, {"text": "fine again"})
        short = post(url, {"texts": ["short", "x"]})
        after_short = post(url, {"text": "still fine"})

        # A request held by the predictor while it is killed gets an error, not a hang; a request
        # still queued behind it is answered by the restarted predictor.
        held = PostInThread(url, {"text": "slow:60"})
        running.wait_until_holding("predictor-0")
        queued = PostInThread(url, {"text": "queued behind"})
        time.sleep(0.3)
        victim = running.service.pids()["predictor-0"]
        os.kill(victim, signal.SIGKILL)
        held_reply = held.wait(20)
        queued_reply = queued.wait(40)
        recovered = post(url, {"text": "after the restart"})
        new_pid = running.service.pids()["predictor-0"]
    assert boom.status == 500 and "boom in the batch" in boom.body["error"]
    assert after_boom.status == 200 and after_boom.body["answer"] == {"echo": "fine again"}
    assert short.status == 500 and "1 answers for a batch of 2" in short.body["error"]
    assert after_short.status == 200
    assert held_reply.status == 503 and "predictor-0 died" in held_reply.body["error"]
    assert held_reply.seconds < 15  # answered when the death was noticed, not at a timeout
    assert queued_reply.status == 200 and queued_reply.body["answer"] == {"echo": "queued behind"}
    assert recovered.status == 200 and new_pid != victim
    deaths = [e for e in running.events if isinstance(e, WorkerExited) and not e.expected]
    assert [(e.role, e.pid, e.signal) for e in deaths] == [("predictor-0", victim, signal.SIGKILL)]


@pytest.mark.timeout(120)
def test_overload_gets_503_and_a_slow_answer_gets_504() -> None:
    with running_service(model=FAULTY_MODEL, max_batch=1, max_inflight_items=4, request_timeout_s=1.5) as running:
        url = running.url
        slow = PostInThread(url, {"texts": ["slow:3"] * 4})
        running.wait_until_holding("predictor-0")
        overloaded = post(url, {"text": "one more"})
        slow_reply = slow.wait(20)
        time.sleep(2.0)  # the predictor finishes the slow batch (its answer is discarded)
        later = post(url, {"text": "after"})
    assert overloaded.status == 503 and overloaded.headers.get("Retry-After") == "1"
    assert "overloaded" in overloaded.body["error"]
    assert slow_reply.status == 504 and "1.5 s" in slow_reply.body["error"]
    assert later.status == 200


@pytest.mark.timeout(120)
def test_deadline_flush_live_retune_and_stop_drains_waiting_requests() -> None:
    with running_service(batching="fixed", max_batch=128, max_delay_ms=300.0) as running:
        url = running.url
        lone = post(url, {"text": "alone at idle"})  # no further traffic: leaves at the deadline
        control = running.service.wiring.control
        control.set(max_delay_ms=60_000)
        waiting = [PostInThread(url, {"text": f"waiting {i}"}) for i in range(3)]
        running.wait_until_holding("batcher")
        time.sleep(0.5)
        assert all(p.reply is None for p in waiting)  # held by the 60 s deadline
        control.set(max_delay_ms=50)  # live retune: they leave now
        replies = [p.wait(10) for p in waiting]
        control.set(max_delay_ms=60_000)
        last = PostInThread(url, {"text": "held at stop"})
        running.wait_until_holding("batcher")
        _, metrics_before_stop = get(url, "/metrics")
    # Leaving the block stopped the service: the batcher flushed what it held on shutdown.
    at_stop = last.wait(10)
    assert lone.status == 200 and 0.25 < lone.seconds < 0.3 + 0.5
    assert sorted(r.body["answer"]["echo"] for r in replies) == ["waiting 0", "waiting 1", "waiting 2"]
    assert 'mpwatch_batches_total{reason="deadline"}' in metrics_before_stop
    assert at_stop.status == 200 and at_stop.body["answer"] == {"echo": "held at stop"}
    batcher = running.snapshots[("batcher", "0")]
    assert batcher.counters.get("flush_shutdown") == 1


@pytest.mark.timeout(120)
def test_a_request_whose_client_left_is_dropped_before_compute() -> None:
    import json
    import socket

    with running_service(model=FAULTY_MODEL, max_batch=1, request_timeout_s=20.0) as running:
        url = running.url
        slow = PostInThread(url, {"text": "slow:2"})
        running.wait_until_holding("predictor-0")
        body = json.dumps({"text": "nobody waits for me"}).encode()
        host, port = running.service.config.host, running.service.config.port
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(
                b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            time.sleep(0.5)  # queued behind the slow batch; then the client hangs up
        slow_reply = slow.wait(20)
        after = post(url, {"text": "next"})
        assert running.wait_for(
            lambda: (
                sum(
                    s.counters.get("drops_cancelled", 0)
                    for (stage, _), s in running.snapshots.items()
                    if stage in ("preprocess", "receiver", "predictor")
                )
                >= 1
            ),
            timeout=10,
        )
        _, metrics_text = get(url, "/metrics")
    assert slow_reply.status == 200 and after.status == 200
    predictor = running.snapshots[("predictor", "0")]
    assert predictor.counters.get("drops_cancelled", 0) == 1  # it never reached the model
    assert predictor.items_out == 2  # the slow one and "next"
    assert 'mpwatch_requests_total{status="499"} 1' in metrics_text  # counted as "client closed request"


@pytest.mark.timeout(180)
def test_every_stage_killed_in_turn_is_restarted_and_the_service_recovers() -> None:
    with running_service(max_delay_ms=20.0) as running:
        url = running.url
        for role in ("preprocess-0", "receiver-0", "batcher", "ingress"):
            victim = running.service.pids()[role]
            os.kill(victim, signal.SIGKILL)
            assert running.wait_for(
                lambda role=role, victim=victim: running.service.pids().get(role) not in (None, victim), timeout=20
            ), role
            deadline = time.monotonic() + 30
            reply = None
            while time.monotonic() < deadline:
                try:
                    reply = post(url, {"text": f"after {role}"}, timeout=10)
                    if reply.status == 200:
                        break
                except OSError:  # the ingress is coming back
                    time.sleep(0.1)
            assert reply is not None and reply.status == 200, (role, reply)
            assert reply.body["answer"] == {"echo": f"after {role}"}
    deaths = [(e.role, e.signal) for e in running.events if isinstance(e, WorkerExited) and not e.expected]
    assert deaths == [(role, signal.SIGKILL) for role in ("preprocess-0", "receiver-0", "batcher", "ingress")]
