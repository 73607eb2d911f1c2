"""Target mode's door (engine/pipeline/admission.py): what the gate refuses and why, the canned 503
written before aiohttp parses a request, and the loop-lag probe it leans on."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from engine.pipeline.admission import (
    AIMD_CUT,
    AIMD_START_ITEMS,
    LOOP_TURNS,
    MIN_INFLIGHT_ITEMS,
    AdmissionGate,
    DoorKeeper,
    LoopLag,
    canned_refusal,
    one_whole_request,
)
from engine.pipeline.batch_policy import PLAN_FRACTION
from engine.pipeline.connection_guard import BUSY, HEAD, IDLE

BODY = b'{"text": "hello"}'


def request(body: bytes = BODY, extra: bytes = b"", line: bytes = b"POST /v1/predict HTTP/1.1") -> bytes:
    return (
        line + b"\r\nHost: 127.0.0.1:8000\r\nContent-Type: application/json\r\n" + extra
        + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )  # fmt: skip


# -- the gate ----------------------------------------------------------------------------------------
def test_the_gate_admits_when_every_rule_is_within_the_plan() -> None:
    gate = AdmissionGate()
    assert gate.refusal(time.monotonic(), 100.0, 20.0, 0.01, 3) is None
    assert gate.refused == 0


def test_the_gate_refuses_on_the_batchers_prediction_and_on_the_oldest_wait() -> None:
    gate = AdmissionGate()
    now = time.monotonic()
    plan_ms = 100.0 * PLAN_FRACTION
    assert gate.refusal(now, 100.0, plan_ms + 1.0, 0.0, 0) is not None
    assert gate.refusal(now, 100.0, 0.0, (plan_ms + 1.0) / 1000.0, 0) is not None
    reason = gate.refusal(now, 100.0, plan_ms - 1.0, 0.0, 0)
    assert reason is None and gate.refused == 2


def test_loop_lag_counts_several_turns_against_the_target() -> None:
    gate = AdmissionGate()
    now = time.monotonic()
    lag_s = 0.02  # one turn; LOOP_TURNS of them plus the batcher's 40 ms exceed the 85 ms plan
    gate.lag.observe(now, lag_s)
    assert LOOP_TURNS * lag_s * 1000.0 + 40.0 > 100.0 * PLAN_FRACTION
    reason = gate.refusal(now, 100.0, 40.0, 0.0, 0)
    assert reason is not None and reason.startswith("shed: predicted latency over the 100 ms target")
    # the lag is forgotten after its window: the same request is admitted a moment later
    assert gate.refusal(now + 2 * gate.lag.window_s, 100.0, 40.0, 0.0, 0) is None


def test_items_in_flight_are_bounded_by_littles_law_and_never_below_the_floor() -> None:
    gate = AdmissionGate()
    start = time.monotonic()
    gate._since = start - 1.0  # a gate that has run for a while
    assert gate.inflight_limit(start, 100.0) == MIN_INFLIGHT_ITEMS  # no answers yet: the floor
    for i in range(2000):  # 4,000 items/s over the last half second, each answered in 10 ms
        gate.answered(start - 0.5 + i * 0.00025, 1, 0.010, 100.0)
    limit = gate.inflight_limit(start, 100.0)
    little = int(4000 * 100.0 * PLAN_FRACTION / 1000.0)
    assert limit == pytest.approx(min(little, int(gate.aimd_limit)), abs=2) and limit > MIN_INFLIGHT_ITEMS
    assert gate.refusal(start, 100.0, 0.0, 0.0, limit - 1) is None
    reason = gate.refusal(start, 100.0, 0.0, 0.0, limit)
    assert reason is not None and "in flight" in reason


def test_a_pause_in_the_answers_does_not_bound_a_long_target() -> None:
    gate = AdmissionGate()
    start = time.monotonic()
    gate._since = start - 10.0
    for i in range(400):  # 100 items/s for 4 s, then a 1 s pause
        gate.answered(start - 5.0 + i * 0.01, 1, 0.01, 60_000.0)
    assert gate.inflight_limit(start, 60_000.0) == int(gate.aimd_limit) > MIN_INFLIGHT_ITEMS  # no rate bound
    assert gate.inflight_limit(start, 100.0) == MIN_INFLIGHT_ITEMS  # a 100 ms target: over 0.5 s, none


def test_rounds_with_late_answers_cut_the_aimd_limit_and_rounds_in_time_raise_it() -> None:
    gate = AdmissionGate()
    now = gate._round_began
    assert gate.aimd_limit == AIMD_START_ITEMS
    gate.refusal(now, 100.0, 0.0, 0.0, 50)  # 50 items in flight meet the gate
    gate.answered(now + 0.101, 1, 0.5, 100.0)  # a round of late answers: cut from what was in flight
    assert gate.aimd_limit == pytest.approx(50 * AIMD_CUT)
    for i in range(2, 11):  # nine more such rounds: one cut each
        gate.answered(now + i * 0.101, 1, 0.5, 100.0)
    cut = gate.aimd_limit
    assert cut == pytest.approx(50 * AIMD_CUT**10, rel=0.01)
    # one late answer in a round of 200 (0.5 %) is what a p99 allows: no cut, and the limit grows
    base = now + 1.2
    for i in range(200):
        gate.answered(base + 0.0004 * i, 1, 0.5 if i == 100 else 0.01, 100.0)
    gate.answered(base + 0.101, 1, 0.01, 100.0)  # the round ends
    assert gate.aimd_limit > cut + 10
    assert gate.inflight_limit(base + 0.101, 100.0) <= int(gate.aimd_limit)


def test_the_loop_lag_probe_sees_a_loop_held_up() -> None:
    async def held_up() -> tuple[float, float]:
        lag = LoopLag(period_s=0.002, window_s=0.5)
        lag.start()
        await asyncio.sleep(0.02)
        calm = lag.recent_s(time.monotonic())
        time.sleep(0.06)  # a callback that holds the loop for 60 ms, as a burst of parsing would
        await asyncio.sleep(0.01)
        held = lag.recent_s(time.monotonic())
        lag.stop()
        return calm, held

    calm, held = asyncio.run(held_up())
    assert held >= 0.05 and held > calm


def test_the_loop_lag_probe_sleeps_while_target_mode_is_off() -> None:
    """Idle and fixed read no lag: the probe must not wake the loop every 2 ms for them."""

    async def run(wanted: list[bool]) -> tuple[int, int, int, int]:
        lag = LoopLag(period_s=0.002, window_s=0.5)
        calls = 0

        def target_on() -> bool:
            nonlocal calls
            calls += 1
            return wanted[0]

        lag.start(target_on)
        await asyncio.sleep(0.25)
        off_calls, off_samples = calls, len(lag._samples)
        wanted[0] = True
        await asyncio.sleep(0.25)
        lag.stop()
        return off_calls, off_samples, calls - off_calls, len(lag._samples)

    off_calls, off_samples, on_calls, on_samples = asyncio.run(run([False]))
    assert off_calls <= 4 and off_samples == 0, "while off: a look every 0.1 s, no samples"
    assert on_calls >= 20 and on_samples >= 20, "switched on: probing every 2 ms again"


# -- the door ----------------------------------------------------------------------------------------
def test_one_whole_request_is_exactly_one_complete_predict_post() -> None:
    assert one_whole_request(request())
    assert not one_whole_request(request()[:-3])  # body still arriving
    assert not one_whole_request(request() + request())  # pipelined: aiohttp keeps their order
    assert not one_whole_request(request(line=b"POST /metrics HTTP/1.1"))
    assert not one_whole_request(request(line=b"GET /v1/predict HTTP/1.1"))
    for header in (b"Connection: close\r\n", b"Expect: 100-continue\r\n", b"Authorization: Bearer x\r\n"):
        assert not one_whole_request(request(extra=header)), header
    assert not one_whole_request(request().replace(b"Content-Length: 17", b"Transfer-Encoding: chunked"))


def test_the_canned_refusal_is_a_keep_alive_503_with_retry_after_and_a_json_reason() -> None:
    raw = canned_refusal("shed: predicted latency over the 100 ms target; retry later", 2)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 503 Service Unavailable"
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["Retry-After"] == "2" and int(headers["Content-Length"]) == len(body)
    assert "Connection" not in headers  # the connection stays open for the next request
    assert json.loads(body) == {"error": "shed: predicted latency over the 100 ms target; retry later"}


class FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)


class FakeGuarded:
    """What the door needs of the guard's connection: its state, mark_idle and the protocol calls."""

    def __init__(self) -> None:
        self.state = HEAD
        self.received: list[bytes] = []
        self.idled = 0

    def connection_made(self, transport: object) -> None:
        pass

    def data_received(self, data: bytes) -> None:
        self.received.append(data)

    def mark_idle(self) -> None:
        self.state = IDLE
        self.idled += 1


def door(refuse: bool) -> tuple[DoorKeeper, FakeGuarded, FakeTransport, list[int]]:
    inner, transport, counted = FakeGuarded(), FakeTransport(), []
    keeper = DoorKeeper(inner, lambda: True, lambda: "shed: test" if refuse else None, lambda: counted.append(1), 1)
    keeper.connection_made(transport)
    return keeper, inner, transport, counted


def test_the_door_answers_a_whole_request_itself_when_the_gate_refuses() -> None:
    keeper, inner, transport, counted = door(refuse=True)
    keeper.data_received(request())  # the connection's first request
    keeper.data_received(request())  # the next one, on the same kept-alive connection
    assert inner.received == [] and len(transport.written) == 2 and len(counted) == 2
    assert all(raw.startswith(b"HTTP/1.1 503 ") for raw in transport.written)
    assert inner.idled == 2 and inner.state == IDLE  # the guard's idle deadline restarts after each


def test_the_door_forwards_what_it_admits_and_whatever_it_cannot_answer_whole() -> None:
    keeper, inner, transport, counted = door(refuse=False)
    keeper.data_received(request())
    assert inner.received == [request()] and transport.written == [] and counted == []

    keeper, inner, transport, counted = door(refuse=True)
    first, rest = request()[:20], request()[20:]
    keeper.data_received(first)  # a partial request: aiohttp's (its handler asks the same gate)
    inner.state = BUSY  # aiohttp parsed the head and runs the handler
    keeper.data_received(rest)
    assert inner.received == [first, rest] and transport.written == [] and counted == []


def test_the_door_only_forwards_outside_target_mode() -> None:
    inner, transport, asked = FakeGuarded(), FakeTransport(), []
    keeper = DoorKeeper(inner, lambda: False, lambda: asked.append(1) or "shed: test", lambda: None, 1)
    keeper.connection_made(transport)
    keeper.data_received(request())
    assert inner.received == [request()] and transport.written == [] and asked == []
