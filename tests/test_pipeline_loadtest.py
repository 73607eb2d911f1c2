"""The load generator's bookkeeping stays bounded however long it runs, and stays right."""

from __future__ import annotations

import random
import time

import numpy as np
import pytest

from engine.pipeline.load_tally import TIMING_PARTS, LatencySample, RecentIds, TimingSample


def test_latency_sample_is_bounded_and_its_percentiles_stay_close():
    rng = random.Random(3)
    values = [rng.expovariate(1 / 20.0) for _ in range(50_000)]
    sample = LatencySample(capacity=5_000, seed=1)
    for v in values:
        sample.add(v)
    assert len(sample.values) == 5_000 and sample.count == 50_000
    assert sample.max == max(values)  # the maximum is exact, not sampled
    exact = np.percentile(values, [50, 95, 99])
    for got, want in zip(sample.percentiles(50, 95, 99), exact):
        assert got == pytest.approx(want, rel=0.1)
    assert LatencySample().percentiles(50, 99) == [0.0, 0.0]


def test_timing_sample_splits_an_accepted_request_into_its_parts_and_names_the_slowest():
    timing = TimingSample(capacity=2_000, seed=2)
    for k in range(1_000):  # due, sent 1 ms later, read 2 ms after that, answered 10 ms later, back in 1 ms
        start, wait = float(k), 0.05 if k % 100 == 0 else 0.002  # 1 % waited 50 ms before they were read
        timing.add(start, start + 0.001, start + 0.001 + wait, start + 0.011 + wait, start + 0.012 + wait)
    parts = {name: (p50, p99, slowest) for name, p50, p99, slowest in timing.parts()}
    assert tuple(parts) == TIMING_PARTS
    assert parts["send lag"][0] == pytest.approx(1.0) and parts["inside service"][0] == pytest.approx(10.0)
    assert parts["wait before read"][0] == pytest.approx(2.0) and parts["way back"][0] == pytest.approx(1.0)
    assert parts["wait before read"][2] == pytest.approx(50.0)  # the slowest 1 %: those that waited to be read
    assert parts["inside service"][2] == pytest.approx(10.0)
    assert TimingSample().parts() == ()


def test_recent_ids_count_a_repeat_and_forget_what_is_older_than_the_window():
    ids = RecentIds(window_s=0.2)
    assert not ids.seen_before(1) and not ids.seen_before(2)
    assert ids.seen_before(1)  # answered twice
    time.sleep(0.3)
    assert not ids.seen_before(3)  # arriving now purges 1 and 2
    assert len(ids) == 1


def test_the_client_times_from_the_write_and_preconnects_warmed_connections():
    import asyncio

    from engine.pipeline import event_loop
    from engine.pipeline.http_client import KeepAliveClient

    accepted = []
    health_checks = []
    answer_after_s = 0.03

    class Server(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport
            accepted.append(transport)

        def data_received(self, data):
            if data.startswith(b"GET /healthz"):
                health_checks.append(data)
                self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            else:  # answered a fixed time after the request came in
                body = b'{"id": 1, "answer": 0}'
                reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
                asyncio.get_running_loop().call_later(answer_after_s, self.transport.write, reply)

    async def run():
        server = await asyncio.get_running_loop().create_server(Server, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = KeepAliveClient(f"http://127.0.0.1:{port}/v1/predict", limit=4)
        try:
            ready = await client.preconnect(6, 5.0)  # at most the client's limit
            before = time.monotonic()
            status, body, sent_at, seconds = await client.post(b'{"text": "x"}', 5.0)
            return ready, before, status, body, sent_at, seconds
        finally:
            client.close()
            server.close()

    ready, before, status, body, sent_at, seconds = event_loop.run(run())
    assert ready == 4 and len(health_checks) == 4 and len(accepted) == 4  # the request reused one of them
    assert status == 200 and body == b'{"id": 1, "answer": 0}'
    assert sent_at >= before and answer_after_s <= seconds < answer_after_s + 0.5
