"""Target mode's door: refuse (503 + Retry-After) at once a request that could not be answered
within the p99 target, before any parsing or preprocessing is spent on it.

Why here and not only in the batcher: measured at the client, most of an overloaded request's
time is spent before the batcher sees it — in the kernel's receive queues while the ingress's
event loop is busy, then in the loop's ready queue before the handler runs (issue 11: p99 1.6-3 s
at the client, 82-227 ms inside the service). Neither the handler's start time nor the batcher's
prediction sees that wait. The loop itself does: a timer that should fire every ``PROBE_PERIOD_S``
fires late by about one turn of the loop, and a request that came in meanwhile has waited about
as long in the kernel, then as long again in the ready queue before its handler, and its answer
needs one more turn to be written. So a request admitted now is predicted to take::

    LOOP_TURNS × loop lag  +  the batcher's prediction (queues before it, its turn, its batch)

and, when this ingress's oldest unanswered request has already waited longer, at least that.
Over ``PLAN_FRACTION`` of the target → refused.

Predictions can be wrong (a CPU shared with other programs slows every stage at once), so a
second rule holds whatever they say: the items in flight in this ingress are bounded by Little's
law, ``answers per second × the time left in the plan``, the answer rate measured over the
target's length (within ``RATE_WINDOW_S``). Items in flight wait on average in-flight ÷ rate;
keeping that within the plan keeps the queue behind the door, where a refusal costs nothing, short. That bound is never
below ``MIN_INFLIGHT_ITEMS``, so a service just started (no rate yet) or idle admits a burst, and
it is not used for targets longer than ``RATE_WINDOW_S`` allows to measure. And
since even that assumes every stage gets its CPU when it needs it, the bound actually used is the
smaller of it and an AIMD limit (as TCP's congestion window, or Netflix's concurrency-limits):
each answer inside the plan raises the limit by about one item per round of answers; once per
target's length (a round trip, for TCP), when more than ``LATE_SHARE`` of that round's answers came
late (past the plan: a p99 allows 1 %), the limit is cut to ``AIMD_CUT`` × the most items in
flight that round (it starts at ``AIMD_START_ITEMS``). Cutting on every late
answer instead made the limit collapse on a shared CPU, where a few answers are always late.

The refusal must cost far less than an answer, or an ingress offered more than it can parse
builds a standing queue in the kernel that no prediction can undo. Through aiohttp a 503 costs
about 110 µs of CPU here (request object, handler task, response object), a quarter of a whole
answer. ``DoorKeeper`` answers earlier: it sits between the socket and the connection guard, and
when a connection between requests receives exactly one complete ``POST /v1/predict`` (the
common case: one request per read) while the gate refuses, it writes a canned 503 with
Retry-After itself and aiohttp never sees the request. Anything else (a partial or pipelined
request, another path, ``Connection: close``, ``Expect``, chunked bodies) goes through aiohttp,
whose handler asks the same gate before reading the body.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from engine.pipeline.batch_policy import PLAN_FRACTION
from engine.pipeline.connection_guard import IDLE

#: How often the loop-lag probe asks to run.
PROBE_PERIOD_S = 0.002
#: How often the probe looks whether it is wanted while target mode is off (idle and fixed use no
#: lag: probing every 2 ms there would wake an idle service 500 times a second for nothing).
DORMANT_PERIOD_S = 0.1
#: The lag counted is the largest seen over this many recent seconds.
LAG_WINDOW_S = 0.05
#: Turns of the loop a request waits outside the batcher's view: in the kernel, in the ready queue
#: before its handler, and for its answer to be written.
LOOP_TURNS = 3.0
#: The answer rate that sizes the in-flight bound is measured over the target's length, within
#: these bounds (a pause in the answers shorter than the target must not shrink the bound).
RATE_WINDOW_S = (0.5, 5.0)
#: Little's-law bound never goes below this many items.
MIN_INFLIGHT_ITEMS = 32
#: The AIMD limit: where it starts, its range, and the cut after a round with too many late answers.
AIMD_START_ITEMS = 64.0
AIMD_RANGE = (1.0, 4096.0)
AIMD_CUT = 0.8
LATE_SHARE = 0.01


class LoopLag:
    """How late the event loop runs a timer: the length of one of its turns, measured continuously."""

    def __init__(self, period_s: float = PROBE_PERIOD_S, window_s: float = LAG_WINDOW_S) -> None:
        self.period_s = period_s
        self.window_s = window_s
        self._samples: deque[tuple[float, float]] = deque(maxlen=4096)
        self._due = 0.0
        self._handle: asyncio.TimerHandle | None = None
        self._wanted: Callable[[], bool] = lambda: True

    def start(self, wanted: Callable[[], bool] | None = None) -> None:
        """Begin probing on the running loop (call from inside it); while ``wanted()`` is false the
        probe only looks again every ``DORMANT_PERIOD_S`` and keeps no samples."""
        if wanted is not None:
            self._wanted = wanted
        self._due = time.monotonic() + self.period_s
        self._handle = asyncio.get_running_loop().call_later(self.period_s, self._tick)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _tick(self) -> None:
        now = time.monotonic()
        if self._wanted():
            self._samples.append((now, max(0.0, now - self._due)))
            period = self.period_s
        else:
            self._samples.clear()
            period = DORMANT_PERIOD_S
        self._due = now + period
        self._handle = asyncio.get_running_loop().call_later(period, self._tick)

    def observe(self, now: float, lag_s: float) -> None:
        """Record a lag measured elsewhere (tests, or a loop driven by hand)."""
        self._samples.append((now, lag_s))

    def recent_s(self, now: float) -> float:
        """The largest lag of the last ``window_s``; also the time since the probe last ran, since
        a loop stuck in one long turn has not run the probe at all yet."""
        samples = self._samples
        while samples and now - samples[0][0] > self.window_s:
            samples.popleft()
        overdue = max(0.0, now - self._due) if self._handle is not None else 0.0
        return max([overdue] + [lag for _, lag in samples])


class AdmissionGate:
    """Target mode's admission decision for one ingress process (see the module docstring)."""

    def __init__(self, lag: LoopLag | None = None) -> None:
        self.lag = lag or LoopLag()
        self.refused = 0
        self.last_predicted_ms = 0.0
        self._answers: deque[tuple[float, int]] = deque()
        self._answered_in_window = 0
        self._since = time.monotonic()
        self.aimd_limit = AIMD_START_ITEMS
        self._round_began = time.monotonic()
        self._round_answers = 0
        self._round_late = 0
        self._inflight_seen = 0  # the most items in flight met by a refusal check this round

    def budget_s(self, now: float, target_p99_ms: float) -> float:
        """The time the plan leaves a request once it is inside the handler."""
        return max(0.0, target_p99_ms * PLAN_FRACTION / 1000.0 - LOOP_TURNS * self.lag.recent_s(now))

    def answered(self, now: float, items: int, latency_s: float, target_p99_ms: float) -> None:
        """``items`` were answered (status 200) at ``now``, ``latency_s`` after their handler began:
        feeds the answer rate and the AIMD limit."""
        self._answers.append((now, items))
        self._answered_in_window += items
        low, high = AIMD_RANGE
        self._round_answers += items
        if latency_s > self.budget_s(now, target_p99_ms):
            self._round_late += items
        else:
            self.aimd_limit = min(high, self.aimd_limit + items / self.aimd_limit)
        if now - self._round_began >= target_p99_ms / 1000.0:  # a round ends
            if self._round_late > LATE_SHARE * self._round_answers:  # cut from what was in flight
                self.aimd_limit = max(low, min(self.aimd_limit, self._inflight_seen or self.aimd_limit) * AIMD_CUT)
            self._round_began, self._round_answers, self._round_late = now, 0, 0
            self._inflight_seen = 0

    def answer_rate(self, now: float, window_s: float = RATE_WINDOW_S[0]) -> float:
        """Items answered per second over the last ``window_s`` (or since the gate began)."""
        while self._answers and now - self._answers[0][0] > window_s:
            self._answered_in_window -= self._answers.popleft()[1]
        return self._answered_in_window / max(1e-3, min(window_s, now - self._since))

    def inflight_limit(self, now: float, target_p99_ms: float) -> int:
        """The items that may be in flight: Little's law's bound or the AIMD limit, the smaller."""
        window_s = min(max(target_p99_ms / 1000.0, RATE_WINDOW_S[0]), RATE_WINDOW_S[1])
        if target_p99_ms / 1000.0 > window_s:  # a rate over a window shorter than the target says little
            return max(1, int(self.aimd_limit))
        little = max(MIN_INFLIGHT_ITEMS, int(self.answer_rate(now, window_s) * self.budget_s(now, target_p99_ms)))
        return max(1, min(little, int(self.aimd_limit)))

    def figures(self, now: float, target_p99_ms: float) -> dict[str, float]:
        """The gate's state for the ingress's status snapshots."""
        return {
            "loop_lag_ms": self.lag.recent_s(now) * 1000.0,
            "admission_inflight_limit": self.inflight_limit(now, target_p99_ms),
            "admission_refused": self.refused,
        }

    def predicted_ms(self, now: float, batcher_predicted_ms: float, oldest_pending_s: float) -> float:
        """Predicted latency, at the client, of a request admitted now."""
        outside_ms = LOOP_TURNS * self.lag.recent_s(now) * 1000.0
        return max(outside_ms + batcher_predicted_ms, oldest_pending_s * 1000.0)

    def refusal(
        self,
        now: float,
        target_p99_ms: float,
        batcher_predicted_ms: float,
        oldest_pending_s: float,
        inflight_items: int,
    ) -> str | None:
        """Why a request arriving now is refused, or None to admit it."""
        predicted = self.predicted_ms(now, batcher_predicted_ms, oldest_pending_s)
        self.last_predicted_ms = predicted
        self._inflight_seen = max(self._inflight_seen, inflight_items)
        if predicted > target_p99_ms * PLAN_FRACTION:
            reason = "predicted latency over"
        elif inflight_items >= self.inflight_limit(now, target_p99_ms):
            reason = "more requests in flight than can be answered within"
        else:
            return None
        self.refused += 1
        return f"shed: {reason} the {target_p99_ms:g} ms target; retry later"


#: The one request line the door answers itself (anything else goes to aiohttp).
PREDICT_LINE = b"POST /v1/predict HTTP/1.1\r\n"
#: Request headers that make a canned answer wrong: the door leaves such requests to aiohttp.
_NOT_AT_THE_DOOR = (b"\r\nconnection:", b"\r\nexpect:", b"\r\ntransfer-encoding:", b"\r\nauthorization:")


def canned_refusal(reason: str, retry_after_s: int) -> bytes:
    """A complete keep-alive 503 response, the same JSON shape as the handler's errors."""
    body = json.dumps({"error": reason}).encode()
    return (
        f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"Retry-After: {retry_after_s}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def one_whole_request(data: bytes) -> bool:
    """True when ``data`` is exactly one complete ``POST /v1/predict`` with a Content-Length body
    and none of the headers that need aiohttp (``_NOT_AT_THE_DOOR``)."""
    if not data.startswith(PREDICT_LINE):
        return False
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    head = data[: end + 2].lower()
    if any(name in head for name in _NOT_AT_THE_DOOR):
        return False
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        return False
    value = head[at + 17 : head.find(b"\r\n", at + 2)].strip()
    return value.isdigit() and len(data) == end + 4 + int(value)


class DoorKeeper(asyncio.Protocol):
    """A connection's protocol in front of the guard's (``GuardedConnection``): refuses at the door
    (see the module docstring), forwards everything else unchanged."""

    def __init__(
        self,
        inner: Any,
        watching: Callable[[], bool],
        refusal: Callable[[], str | None],
        on_refused: Callable[[], None],
        retry_after_s: int,
    ) -> None:
        self.inner = inner
        self.watching = watching  # target mode is on: otherwise the door only forwards
        self.refusal = refusal
        self.on_refused = on_refused
        self.retry_after_s = retry_after_s
        self.transport: Any = None
        self.fresh = True  # nothing received yet: between requests, like an idle connection

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        between_requests = self.fresh or self.inner.state == IDLE
        self.fresh = False
        if between_requests and self.watching() and one_whole_request(data):
            reason = self.refusal()
            if reason is not None:
                self.transport.write(canned_refusal(reason, self.retry_after_s))
                self.inner.mark_idle()  # the guard's idle deadline starts again, as after any answer
                self.on_refused()
                return
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def connection_lost(self, exc: BaseException | None) -> None:
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()
