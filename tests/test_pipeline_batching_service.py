"""Batching policies in a real service over loopback: a lone request does not wait, policies switch
live with requests flowing, target mode sheds with 503 + Retry-After, two ingresses share a port."""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests.pipeline_support import COLD_START_S, FAULTY_MODEL, get, post, post_many, running_service

pytestmark = pytest.mark.usefixtures("no_leftover_children")


@pytest.mark.timeout(120)
def test_a_lone_request_is_answered_well_under_the_max_delay() -> None:
    with running_service(max_batch=128, max_delay_ms=1000.0) as running:  # idle is the default
        post(running.url, {"text": "warm up"})
        times = []
        for i in range(5):
            time.sleep(0.1)
            reply = post(running.url, {"text": f"alone {i}"})
            assert reply.status == 200 and reply.body["answer"] == {"echo": f"alone {i}"}
            times.append(reply.seconds)
        assert running.wait_for(
            lambda: (
                running.snapshots.get(("batcher", "0")) is not None
                and running.snapshots[("batcher", "0")].counters.get("flush_idle", 0) >= 6
            )
        )
    assert min(times) < 0.1, times  # the max delay (1 s) was not waited
    batcher = running.snapshots[("batcher", "0")].counters
    assert batcher["policy"] == 1 and batcher.get("flush_deadline", 0) == 0


@pytest.mark.timeout(120)
def test_the_first_request_after_ready_does_not_pay_the_warm_up() -> None:
    # The preprocess plug-in's first call in a process takes COLD_START_S: a request that met it
    # would take at least that long. /healthz says ok only once every worker has warmed up.
    with running_service(preprocess="tests.pipeline_support:cold_start_preprocess", preprocess_workers=2) as running:
        assert get(running.url, "/healthz")[0] == 200
        firsts = [post(running.url, {"text": f"first {i}"}) for i in range(2)]  # one per worker (round-robin)
    for reply in firsts:
        assert reply.status == 200 and reply.body["answer"]["echo"].startswith("first")
        assert reply.seconds < COLD_START_S * 0.6, [r.seconds for r in firsts]


@pytest.mark.timeout(180)
def test_switching_policy_while_requests_flow_loses_and_doubles_no_answer() -> None:
    texts = [f"flowing {i}" for i in range(1500)]
    with running_service(
        preprocess_workers=2, max_batch=16, max_delay_ms=30.0, target_p99_ms=60_000.0, max_inflight_items=5000
    ) as running:
        control = running.service.wiring.control
        replies: list = []
        sender = threading.Thread(
            target=lambda: replies.extend(post_many(running.url, [{"text": t} for t in texts], concurrency=40))
        )
        sender.start()
        switches = 0
        while sender.is_alive() and switches < 60:
            control.set(policy=("fixed", "idle", "target")[switches % 3])
            switches += 1
            time.sleep(0.03)
        sender.join(timeout=120)
        _, metrics_text = get(running.url, "/metrics")
    assert not sender.is_alive() and switches >= 3
    assert [r.status for r in replies] == [200] * len(texts)
    assert [r.body["answer"]["echo"] for r in replies] == texts
    assert len({r.body["id"] for r in replies}) == len(texts)
    snapshot = running.snapshots[("batcher", "0")]
    assert snapshot.items_out == len(texts)  # every item batched exactly once across the switches
    assert sum(snapshot.counters.get(f"flush_{r}", 0) for r in ("idle", "size", "deadline")) > 0
    assert 'mpwatch_batcher_flushes_total{reason="idle"}' in metrics_text
    assert "mpwatch_batcher_fit_a_ms" in metrics_text and "mpwatch_batcher_predicted_latency_ms" in metrics_text


@pytest.mark.timeout(180)
def test_target_mode_sheds_what_cannot_meet_the_target_with_retry_after() -> None:
    with running_service(
        model=FAULTY_MODEL,
        batching="target",
        target_p99_ms=150.0,
        max_batch=4,
        max_delay_ms=1000.0,
        request_timeout_s=30.0,
    ) as running:
        url = running.url
        for _ in range(4):  # teach the fit: a batch costs about 0.2 s, more than the plan allows a queue
            assert post(url, {"text": "slow:0.2"}).status in (200, 503)
        replies = post_many(url, [{"text": "slow:0.2"} for _ in range(12)], concurrency=12)
        assert running.wait_for(lambda: running.snapshots[("batcher", "0")].counters.get("fit_batches", 0) >= 1)
    statuses = [r.status for r in replies]
    shed = [r for r in replies if r.status == 503]
    assert shed, statuses
    assert all(r.headers.get("Retry-After") == "1" and "shed" in r.body["error"] for r in shed)
    assert {r.body["code"] for r in shed} <= {"shed_batcher", "shed_predicted", "shed_inflight", "shed_expired"}
    assert set(statuses) <= {200, 503}
    batcher = running.snapshots[("batcher", "0")].counters
    assert batcher["policy"] == 2 and batcher["fit_b_ms"] + batcher["fit_a_ms"] > 100


@pytest.mark.timeout(120)
def test_two_ingress_processes_answer_on_one_port() -> None:
    texts = [f"via any ingress {i}" for i in range(400)]
    with running_service(ingress=2) as running:
        assert {"ingress-0", "ingress-1"} <= set(running.service.pids())
        replies = post_many(running.url, [{"text": t} for t in texts], concurrency=64)
        assert running.wait_for(
            lambda: all(
                running.snapshots.get(("ingress", k)) is not None and running.snapshots[("ingress", k)].items_out > 0
                for k in "01"
            ),
            timeout=10,
        )
        # /metrics from whichever ingress answers the scrape counts the requests of both
        whole = f'mpwatch_requests_total{{status="200"}} {len(texts)}'
        scrapes = [get(running.url, "/metrics")[1] for _ in range(6)]
        assert running.wait_for(lambda: whole in get(running.url, "/metrics")[1], timeout=5)
    assert [r.body["answer"]["echo"] for r in replies] == texts
    assert len({r.body["id"] for r in replies}) == len(texts)
    served = [running.snapshots[("ingress", k)].items_out for k in "01"]
    assert sum(served) == len(texts) and min(served) > 0, served
    assert all("mpwatch_batch_size_count" in text for text in scrapes)


@pytest.mark.timeout(120)
def test_target_mode_refuses_at_the_door_before_any_work_is_spent() -> None:
    import asyncio

    from engine.pipeline.http_client import KeepAliveClient

    async def kept_alive(url: str) -> list[tuple[int, bytes]]:
        client = KeepAliveClient(url + "/v1/predict", limit=1)
        try:  # one connection, three requests: the door's canned 503 keeps the connection open
            return [(await client.post(b'{"text": "at the door"}', 10.0))[:2] for _ in range(3)]
        finally:
            client.close()

    # A target no request can meet: every request is refused, by the door (a kept-alive client
    # sending whole requests) or by the handler before the body is read (urllib: Connection: close).
    with running_service(batching="target", target_p99_ms=0.001) as running:
        at_the_door = asyncio.run(kept_alive(running.url))
        by_the_handler = post(running.url, {"text": "through aiohttp"})
        assert get(running.url, "/healthz")[0] == 200
        assert running.wait_for(
            lambda: (
                running.snapshots.get(("ingress", "0")) is not None
                and running.snapshots[("ingress", "0")].counters.get("requests_503", 0) >= 4
                and running.snapshots[("ingress", "0")].counters.get("admission_refused", 0) >= 4
            )
        )
        batcher = running.snapshots.get(("batcher", "0"))
    for status, body in at_the_door:
        assert status == 503 and json.loads(body)["error"].startswith("shed: predicted latency over the 0.001 ms")
        assert json.loads(body)["code"] == "shed_predicted" and json.loads(body)["params"] == {"target_ms": 0.001}
    assert by_the_handler.status == 503 and by_the_handler.headers.get("Retry-After") == "1"
    assert by_the_handler.body["error"].startswith("shed:")
    assert batcher is None or batcher.items_in == 0  # nothing was preprocessed or batched


@pytest.mark.timeout(120)
def test_target_mode_answers_503_when_the_target_runs_out_rather_than_late() -> None:
    """Admission's rule 3 (the backstop): a request admitted (nothing predicted it slow) whose model
    then holds it past the plan gets 503 + Retry-After when the plan runs out, not its late answer."""
    with running_service(model=FAULTY_MODEL, batching="target", target_p99_ms=300.0, request_timeout_s=30.0) as running:
        assert post(running.url, {"text": "in time"}).status == 200
        started = time.monotonic()
        late = post(running.url, {"text": "slow:1.5"})
        took_s = time.monotonic() - started
        assert running.wait_for(
            lambda: running.snapshots[("ingress", "0")].counters.get("admission_expired", 0) >= 1, timeout=10
        )
        ingress = running.snapshots[("ingress", "0")].counters
    assert late.status == 503 and late.headers.get("Retry-After") == "1"
    assert late.body["error"] == "shed: not answered within the 300 ms target; retry later"
    assert (late.body["code"], late.body["params"]) == ("shed_expired", {"target_ms": 300.0})
    assert took_s < 1.0, took_s  # at the plan (255 ms after its bytes were read), not after the model's 1.5 s
    assert ingress["admission_refused"] == 0 and ingress.get("requests_200", 0) == 1
