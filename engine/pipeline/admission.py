"""Target mode's admission control in one ingress process: who is let in, and who is answered 503
at the last moment instead of late (``AdmissionGate``; the door that writes cheap refusals is
``door.DoorKeeper``).

What it protects: the p99 of *accepted* requests (status 200) ≤ X, the target, measured at the
client. Most of an overloaded request's time is spent outside the batcher's view — in the kernel's
receive queue while the ingress's event loop is busy, then in the loop's ready queue before the
handler runs, then one more turn for the answer to be written (issue 11). The loop measures that
itself: a timer due every ``PROBE_PERIOD_S`` fires late by about one turn (``LoopLag``).

Three rules, each with a clock passed in (``now``) so that tests drive them by hand:

1. **Refuse early** (503 + Retry-After at the door, before any parsing), on what is queued now:
   a request admitted now is predicted to take ``LOOP_TURNS × loop lag`` outside the handler plus
   the longer of the batcher's prediction (its line, its turn, its batch) and the drain time of
   the items already in flight here, ``in flight × fitted cost per item ÷ replicas`` (the cost
   ``a + b/M`` of the replicas' fit ``a·n + b`` at full batches, ``Backlog.per_item_s``). A line
   already late counts too: never less than the age of the oldest item in flight. Over
   ``PLAN_FRACTION`` of X → refused.
2. **Bound what is in flight** by the fitted capacity ``replicas × M ÷ (a·M + b)`` times the
   plan, not by the service's own answer rate: that rate is held down by the bound itself, and
   with the lag taken off the plan the bound sank to its floor on a shared CPU (issue 11: 19-53 %
   of capacity accepted at 150 % offered). An AIMD limit cut by late answers was tried in its place
   and sank the same way: on a shared CPU some answers are late whatever is in flight.
3. **Answer 503 rather than late** (the backstop): an admitted request not answered by
   ``answer_by`` — its first byte read + the plan − one loop turn (the kernel's wait before that
   read) — is answered 503 with Retry-After then and its items are cancelled (skipped before
   compute); an answer that arrives after ``answer_by`` (the loop stalled) is answered 503 too.
   Rules 1 and 2 are predictions and a CPU shared with other programs makes any prediction wrong
   at times; this rule is what holds the p99 of accepted requests inside the service, whatever
   the predictions said. Its 503s are counted apart (``admission_expired``).

Early 503s (rules 1-2, and the batcher's shedding of what its fit says cannot make it, see
``batch_policy``) are preferred: they cost no work. Rule 3's 503s come at the last moment and cost
the work already done, but they are what keeps a wrong prediction from becoming a late answer.
The rules keep no memory of past overload: once the lag and the line are short again, the next
request is admitted.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from engine.coded_errors import CodedText
from engine.pipeline.batch_policy import PLAN_FRACTION

#: How often the loop-lag probe asks to run.
PROBE_PERIOD_S = 0.002
#: How often the probe looks whether it is wanted while target mode is off (idle and fixed use no
#: lag: probing every 2 ms there would wake an idle service 500 times a second for nothing).
DORMANT_PERIOD_S = 0.1
#: The lag counted is the largest seen over this many recent seconds.
LAG_WINDOW_S = 0.05
#: Turns of the loop a request waits that rule 3's clock does not see: in the kernel before its
#: bytes are read, and after its answer is ready until the handler runs again and writes it.
#: (Three turns, counting the one before the handler, refused most requests while the lag was
#: 20-30 ms on a shared CPU; rule 3 covers that turn.)
LOOP_TURNS = 2.0
#: Rule 2's bound when there is no fit yet (its capacity is then unknown, taken as unbounded).
MAX_BOUND_ITEMS = 1 << 20


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


@dataclass(frozen=True)
class Backlog:
    """What is queued now, as one ingress sees it when a request arrives."""

    inflight_items: int = 0  # admitted here, not answered yet
    oldest_age_s: float = 0.0  # since the oldest of them was admitted
    batcher_predicted_ms: float = 0.0  # the batcher's prediction for an item joining its line now
    per_item_s: float = 0.0  # fitted time one replica spends per item at full batches (a + b/M)
    replicas: int = 1

    @classmethod
    def fitted(
        cls,
        a_ms: float,
        b_ms: float,
        max_batch: int,
        replicas: int,
        inflight_items: int,
        oldest_age_s: float,
        batcher_predicted_ms: float,
    ) -> Backlog:
        """From the batcher's published fit (``fit_a_ms``, ``fit_b_ms``) and settings."""
        per_item_s = (a_ms + b_ms / max(1, max_batch)) / 1000.0
        return cls(inflight_items, oldest_age_s, batcher_predicted_ms, per_item_s, max(1, replicas))

    def drain_s(self) -> float:
        """Seconds the replicas need for the items in flight (0 before the first fit)."""
        return self.inflight_items * self.per_item_s / self.replicas

    def capacity_per_s(self) -> float:
        """Items per second the replicas answer at full batches (infinite before the first fit)."""
        return self.replicas / self.per_item_s if self.per_item_s > 0 else float("inf")


class AdmissionGate:
    """Target mode's admission decisions for one ingress process (see the module docstring)."""

    def __init__(self, lag: LoopLag | None = None) -> None:
        self.lag = lag or LoopLag()
        self.refused = 0
        self.refused_predicted = 0  # of ``refused``: by rule 1 (the rest by rule 2)
        self.expired = 0
        self.last_predicted_ms = 0.0
        self.fitted_limit = float("inf")  # rule 2's bound at the last refusal check

    @staticmethod
    def plan_s(target_p99_ms: float) -> float:
        return target_p99_ms * PLAN_FRACTION / 1000.0

    def answer_by(self, began: float, now: float, target_p99_ms: float) -> float:
        """Rule 3: the moment after which an answer to a request whose first byte was read at
        ``began`` would miss the plan (one loop turn is spent in the kernel before that read)."""
        return began + self.plan_s(target_p99_ms) - self.lag.recent_s(now)

    def predicted_ms(self, now: float, backlog: Backlog) -> float:
        """Rule 1: predicted latency, at the client, of a request admitted now."""
        outside_ms = LOOP_TURNS * self.lag.recent_s(now) * 1000.0
        inside_ms = max(backlog.batcher_predicted_ms, backlog.drain_s() * 1000.0)
        return max(outside_ms + inside_ms, backlog.oldest_age_s * 1000.0)

    def inflight_limit(self, now: float, target_p99_ms: float, backlog: Backlog | None = None) -> int:
        """Rule 2: the items that may be in flight (``backlog``: what the fit says now; without
        it, the bound of the last check)."""
        if backlog is not None:
            self.fitted_limit = backlog.capacity_per_s() * self.plan_s(target_p99_ms)
        return max(1, int(min(self.fitted_limit, MAX_BOUND_ITEMS)))

    def refusal(self, now: float, target_p99_ms: float, backlog: Backlog) -> CodedText | None:
        """Why a request arriving now is refused, or None to admit it."""
        predicted = self.predicted_ms(now, backlog)
        self.last_predicted_ms = predicted
        if predicted > target_p99_ms * PLAN_FRACTION:
            code = "shed_predicted"
            self.refused_predicted += 1
        elif backlog.inflight_items >= self.inflight_limit(now, target_p99_ms, backlog):
            code = "shed_inflight"
        else:
            return None
        self.refused += 1
        return CodedText.of(code, target_ms=target_p99_ms)

    def expire(self, target_p99_ms: float) -> CodedText:
        """Rule 3 answers a request 503 at its ``answer_by``: counted; the reason to send."""
        self.expired += 1
        return CodedText.of("shed_expired", target_ms=target_p99_ms)

    def figures(self, now: float, target_p99_ms: float) -> dict[str, float]:
        """The gate's state for the ingress's status snapshots."""
        return {
            "loop_lag_ms": self.lag.recent_s(now) * 1000.0,
            "admission_inflight_limit": self.inflight_limit(now, target_p99_ms),
            "admission_refused": self.refused,
            "admission_refused_predicted": self.refused_predicted,
            "admission_expired": self.expired,
        }
