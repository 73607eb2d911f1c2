"""Target mode's admission control (engine/pipeline/admission.py) driven by an injected clock:
what the gate refuses and why (overload step, recovery, CPU stall), the answer-by backstop, the
loop-lag probe it leans on; and the door (engine/pipeline/door.py) that writes the canned 503."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from engine.coded_errors import CodedText
from engine.pipeline.admission import LOOP_TURNS, AdmissionGate, Backlog, LoopLag
from engine.pipeline.batch_policy import PLAN_FRACTION
from engine.pipeline.connection_guard import BUSY, HEAD, IDLE
from engine.pipeline.door import DoorKeeper, canned_refusal, one_whole_request

BODY = b'{"text": "hello"}'
T0 = 1000.0  # the injected clock's start
X_MS = 100.0  # the p99 target
PLAN_MS = X_MS * PLAN_FRACTION
#: The replicas' fit as the batcher publishes it: 0.05 ms per item, 1.6 ms per batch of up to 32.
FIT = {"a_ms": 0.05, "b_ms": 1.6, "max_batch": 32, "replicas": 1}
PER_ITEM_S = (0.05 + 1.6 / 32) / 1000.0  # 0.1 ms: 10,000 items/s


def request(body: bytes = BODY, extra: bytes = b"", line: bytes = b"POST /v1/predict HTTP/1.1") -> bytes:
    return (
        line + b"\r\nHost: 127.0.0.1:8000\r\nContent-Type: application/json\r\n" + extra
        + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )  # fmt: skip


def backlog(inflight: int = 0, oldest_s: float = 0.0, batcher_ms: float = 5.0) -> Backlog:
    return Backlog.fitted(inflight_items=inflight, oldest_age_s=oldest_s, batcher_predicted_ms=batcher_ms, **FIT)


def gate_at() -> AdmissionGate:
    """A gate whose lag probe never ran: the lag is only what a test observes."""
    return AdmissionGate(LoopLag())


# -- the gate ----------------------------------------------------------------------------------------
def test_the_backlog_drains_at_the_fitted_cost_and_its_capacity_is_the_fit_not_the_answer_rate() -> None:
    queued = backlog(inflight=500)
    assert queued.per_item_s == pytest.approx(PER_ITEM_S)
    assert queued.drain_s() == pytest.approx(0.05)  # 500 items x 0.1 ms
    assert queued.capacity_per_s() == pytest.approx(10_000)
    two = Backlog.fitted(inflight_items=500, oldest_age_s=0.0, batcher_predicted_ms=0.0, **{**FIT, "replicas": 2})
    assert two.drain_s() == pytest.approx(0.025) and two.capacity_per_s() == pytest.approx(20_000)
    unfitted = Backlog(inflight_items=500)  # before the first batch: no bound from the fit
    assert unfitted.drain_s() == 0.0 and unfitted.capacity_per_s() == float("inf")


def test_the_gate_admits_when_every_rule_is_within_the_plan() -> None:
    gate = gate_at()
    assert gate.refusal(T0, X_MS, backlog(inflight=3, oldest_s=0.01)) is None
    assert gate.refused == 0


def test_an_overload_step_is_refused_on_what_is_queued_now_and_the_line_recovers_at_once() -> None:
    gate = gate_at()
    # the step: items pile up faster than the fitted replicas drain them
    admitted = 0
    for inflight in range(0, 2000, 50):
        if gate.refusal(T0, X_MS, backlog(inflight=inflight)) is None:
            admitted = inflight
    # the drain time of what is in flight reaches the plan at 850 items (0.1 ms each): refused beyond
    assert admitted == pytest.approx(PLAN_MS / 1000.0 / PER_ITEM_S, abs=50)
    reason = gate.refusal(T0, X_MS, backlog(inflight=900))
    assert reason is not None and reason.text.startswith("shed: predicted latency over the 100 ms target")
    assert (reason.code, reason.params) == ("shed_predicted", {"target_ms": X_MS})
    # a line already late (its oldest item past the plan) is refused whatever the fit says
    assert gate.refusal(T0, X_MS, backlog(inflight=10, oldest_s=(PLAN_MS + 1) / 1000.0)) is not None
    # the batcher's own prediction (its line, its batch) counts too
    assert gate.refusal(T0, X_MS, backlog(inflight=10, batcher_ms=PLAN_MS + 1)) is not None
    # recovery: once the line has drained, the next request is admitted; no memory of the overload
    assert gate.refusal(T0 + 0.2, X_MS, backlog(inflight=20, oldest_s=0.004)) is None


def test_items_in_flight_are_bounded_by_the_fitted_capacity_not_by_the_answers_seen() -> None:
    gate = gate_at()
    limit = gate.inflight_limit(T0, X_MS, backlog())
    assert limit == int(10_000 * PLAN_MS / 1000.0)  # capacity x plan: 850 items
    # no answer has been seen, and the bound is already there (no rate to measure, no floor)
    gate.lag.observe(T0, 0.0)
    reason = gate.refusal(T0, X_MS, backlog(inflight=limit, batcher_ms=0.0))
    assert reason is not None and "in flight" in reason.text and reason.code == "shed_inflight"
    assert gate.refusal(T0, X_MS, backlog(inflight=limit - 1, batcher_ms=0.0)) is None
    slower = Backlog.fitted(inflight_items=0, oldest_age_s=0.0, batcher_predicted_ms=0.0, **{**FIT, "a_ms": 0.15})
    assert gate.inflight_limit(T0 + 1.0, X_MS, slower) == int(5_000 * PLAN_MS / 1000.0)  # a slower model


def test_a_cpu_stall_refuses_while_it_lasts_and_shortens_the_answer_by_of_what_arrives() -> None:
    gate = gate_at()
    began = T0
    assert gate.answer_by(began, T0, X_MS) == pytest.approx(T0 + PLAN_MS / 1000.0)
    stall_s = 0.045  # the loop ran a timer 45 ms late: a turn of the loop took that long
    gate.lag.observe(T0, stall_s)
    assert LOOP_TURNS * stall_s * 1000.0 + 5.0 > PLAN_MS  # the turns outside the handler and a 5 ms batch
    reason = gate.refusal(T0, X_MS, backlog(inflight=1))
    assert reason is not None and "predicted latency" in reason.text
    # a request read during the stall waited about one turn in the kernel before: less time is left
    assert gate.answer_by(began, T0, X_MS) == pytest.approx(T0 + PLAN_MS / 1000.0 - stall_s)
    # the stall is forgotten after the lag window: admitted again
    later = T0 + 2 * gate.lag.window_s
    assert gate.refusal(later, X_MS, backlog(inflight=1)) is None
    assert gate.refused == 1


def test_an_answer_that_misses_its_answer_by_is_a_503_counted_apart() -> None:
    gate = gate_at()
    reason = gate.expire(X_MS)
    assert reason.text == "shed: not answered within the 100 ms target; retry later"
    assert (reason.code, reason.params) == ("shed_expired", {"target_ms": X_MS})
    assert gate.expired == 1 and gate.refused == 0
    figures = gate.figures(T0 + 0.09, X_MS)
    assert figures["admission_expired"] == 1 and figures["admission_refused"] == 0


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
    raw = canned_refusal(CodedText.of("shed_predicted", target_ms=100.0), 2)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 503 Service Unavailable"
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["Retry-After"] == "2" and int(headers["Content-Length"]) == len(body)
    assert "Connection" not in headers  # the connection stays open for the next request
    assert json.loads(body) == {
        "error": "shed: predicted latency over the 100 ms target; retry later",
        "code": "shed_predicted",
        "params": {"target_ms": 100.0},
    }


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
    keeper = DoorKeeper(
        inner,
        lambda: True,
        lambda: CodedText.of("shed_predicted", target_ms=1.0) if refuse else None,
        lambda: counted.append(1),
        1,
    )
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
