"""The batching decision, free of processes, queues and clocks (``batcher`` drives it with real ones).

Three policies, switchable live (``BatchControl``), all bounded by max batch M and max delay D:

* ``fixed`` — the inherited rule: a batch leaves when M items wait ("size") or when the oldest has
  waited D ("deadline"), whether or not a replica is idle.
* ``idle`` (default, work-conserving) — whenever a replica is free, whatever waits now (up to M)
  leaves at once ("idle"); items wait only while every replica is busy, then leave at M ("size",
  queued for the next free replica) or at D ("deadline"). A lone request never waits.
* ``target`` — ``idle``'s dispatch, with two additions that keep the predicted p99 ≤ X (the target):
  the batch size is capped so that the oldest item's predicted latency stays within X, and every
  waiting item whose predicted latency cannot meet X even in the best case is shed: answered 503
  with Retry-After now ("shed") instead of queueing. The prediction for an item is
  ``age (since admission) + wait for a replica + p99 service time of its batch``, the service time
  fitted as a·n + b (``ServiceTimeFit``); the plan uses ``PLAN_FRACTION`` of X, the rest is for the
  trip back to the client that the batcher cannot see.

A replica is "free" when its model is built, it holds no batch, and no batch already sits in the
predictor queue for it (``ReplicaView.free``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from engine.pipeline.messages import FLUSH_DEADLINE, FLUSH_IDLE, FLUSH_SIZE
from engine.pipeline.service_time import ServiceTimeFit

#: Share of the p99 target the batcher plans for (admission → model done).
PLAN_FRACTION = 0.85
#: In target mode, how often shedding is re-checked while every replica is busy.
TARGET_RECHECK_S = 0.005


@dataclass(frozen=True)
class ReplicaView:
    """The replicas as the batcher sees them at one instant."""

    free: int = 0  # replicas that would take a batch now (may be negative: batches queued ahead)
    ready: int = 1
    busy: tuple[tuple[float, int], ...] = ()  # (started, items) of each replica holding a batch
    queued_batches: int = 0

    def next_free_in_s(self, now: float, fit: ServiceTimeFit, max_batch: int) -> float:
        """Predicted seconds until a replica takes the next batch (0 when one is free now)."""
        if self.free > 0:
            return 0.0
        remaining = [max(0.0, started + fit.mean_s(items) - now) for started, items in self.busy]
        soonest = min(remaining) if remaining else fit.mean_s(max_batch)
        ahead = max(0, self.queued_batches - max(0, self.ready - len(self.busy)))
        return soonest + ahead * fit.mean_s(max_batch) / max(1, self.ready)


@dataclass(frozen=True)
class Decision:
    reason: str  # FLUSH_IDLE / FLUSH_SIZE / FLUSH_DEADLINE
    count: int
    predicted_s: float  # predicted latency (admission → model done) of the batch's oldest item


class Batcher:
    """Items waiting for a batch, oldest first, and the policy that lets them go."""

    def __init__(
        self,
        max_batch: int,
        max_delay_s: float,
        policy: str = "fixed",
        target_s: float = 0.1,
        admitted: Callable[[Any], float] | None = None,
    ) -> None:
        self.max_batch = max_batch
        self.max_delay_s = max_delay_s
        self.policy = policy
        self.target_s = target_s
        self.fit = ServiceTimeFit()
        self._admitted = admitted
        self._pending: deque[tuple[float, Any]] = deque()

    def __len__(self) -> int:
        return len(self._pending)

    def retune(
        self, max_batch: int, max_delay_s: float, policy: str | None = None, target_s: float | None = None
    ) -> None:
        """New limits apply to what is already waiting, at the next decision."""
        self.max_batch = max(1, int(max_batch))
        self.max_delay_s = max(0.0, float(max_delay_s))
        if policy is not None:
            self.policy = policy
        if target_s is not None:
            self.target_s = float(target_s)

    def add(self, items: Iterable[Any], now: float) -> None:
        self._pending.extend((now, item) for item in items)

    def oldest_wait_s(self, now: float) -> float:
        return now - self._pending[0][0] if self._pending else 0.0

    def age_s(self, index: int, now: float) -> float:
        """How long item ``index`` has been in the service (since admission, else since it came here)."""
        arrived, item = self._pending[index]
        return now - (self._admitted(item) if self._admitted is not None else arrived)

    # -- decisions --------------------------------------------------------------------------------------
    def due(self, now: float, replicas: ReplicaView | None = None) -> str | None:
        """Why a batch should leave now, or None (``plan`` with the reason only)."""
        decision = self.plan(now, replicas or ReplicaView(free=0))
        return decision.reason if decision else None

    def plan(self, now: float, replicas: ReplicaView) -> Decision | None:
        """The batch to send now (reason and size), or None to keep waiting."""
        n = len(self._pending)
        if n == 0:
            return None
        size = min(n, self.max_batch)
        if self.policy != "fixed" and replicas.free > 0:
            if self.policy == "target":
                size = self._target_size(now, size)
            reason = FLUSH_SIZE if size >= self.max_batch else FLUSH_IDLE
            return Decision(reason, size, self.predict_s(now, size, 0.0))
        start_in = replicas.next_free_in_s(now, self.fit, self.max_batch) if self.policy != "fixed" else 0.0
        if n >= self.max_batch:
            return Decision(FLUSH_SIZE, size, self.predict_s(now, size, start_in))
        if self.oldest_wait_s(now) >= self.max_delay_s:
            return Decision(FLUSH_DEADLINE, size, self.predict_s(now, size, start_in))
        return None

    def predict_s(self, now: float, size: int, start_in_s: float) -> float:
        return self.age_s(0, now) + start_in_s + self.fit.p99_s(size)

    def _target_size(self, now: float, size: int) -> int:
        """The largest batch (≤ size) whose oldest item is still predicted within the plan. When not
        even a batch of one would make it, the full size: shrinking the batch would then save no
        one and only lower the throughput that every item behind it waits on."""
        budget = self.target_s * PLAN_FRACTION
        age = self.age_s(0, now)
        if age + self.fit.p99_s(1) > budget:
            return size
        while size > 1 and age + self.fit.p99_s(size) > budget:
            size -= 1
        return size

    def wait_s(self, now: float, replicas: ReplicaView | None = None) -> float | None:
        """Seconds the loop may wait before deciding again (0 when past due), None when empty."""
        if not self._pending:
            return None
        if self.policy != "fixed" and replicas is not None and replicas.free > 0:
            return 0.0
        wait = max(0.0, self.max_delay_s - self.oldest_wait_s(now))
        return min(wait, TARGET_RECHECK_S) if self.policy == "target" else wait

    def hopeless(self, now: float, replicas: ReplicaView) -> list[int]:
        """Target mode: positions of the waiting items predicted to miss the plan even if served in
        order at full speed from the next free replica on (shed them). Empty in other modes."""
        if self.policy != "target" or not self._pending:
            return []
        budget = self.target_s * PLAN_FRACTION
        fit, m = self.fit, self.max_batch
        start_in = replicas.next_free_in_s(now, fit, m)
        ready = max(1, replicas.ready)
        free_now = max(0, replicas.free)
        out = []
        admitted = self._admitted
        for position, (arrived, item) in enumerate(self._pending):
            batch = position // m
            if batch < free_now:
                rounds_ahead, wait = 0, 0.0
            else:
                rounds_ahead = (batch - free_now) // ready
                wait = start_in + rounds_ahead * fit.mean_s(m)
            size = min(m, len(self._pending) - batch * m)
            age = now - (admitted(item) if admitted is not None else arrived)
            if age + wait + fit.p99_s(size) > budget:
                out.append(position)
        return out

    def admission_predicted_s(self, now: float, replicas: ReplicaView, transit_s: float) -> float:
        """Predicted latency of a request admitted now: its trip here, its turn, its batch."""
        fit, m = self.fit, self.max_batch
        ahead_batches = len(self._pending) // m
        rounds = max(0, ahead_batches - max(0, replicas.free)) // max(1, replicas.ready)
        wait = 0.0 if replicas.free > ahead_batches else replicas.next_free_in_s(now, fit, m) + rounds * fit.mean_s(m)
        return transit_s + wait + fit.p99_s(min(m, len(self._pending) % m + 1))

    # -- taking items -----------------------------------------------------------------------------------
    def take(self, count: int | None = None) -> list[Any]:
        """The oldest ``count`` items (default max_batch), or all if fewer."""
        count = min(self.max_batch if count is None else count, len(self._pending))
        return [self._pending.popleft()[1] for _ in range(count)]

    def remove(self, positions: list[int]) -> list[Any]:
        """Take the items at ``positions`` (ascending) out of the line, keeping the others' order."""
        if not positions:
            return []
        wanted = set(positions)
        removed = [entry[1] for position, entry in enumerate(self._pending) if position in wanted]
        self._pending = deque(entry for position, entry in enumerate(self._pending) if position not in wanted)
        return removed

    def drain(self) -> list[list[Any]]:
        """Everything still waiting, as batches of at most ``max_batch`` (shutdown)."""
        batches = []
        while self._pending:
            batches.append(self.take())
        return batches

    def pending_items(self) -> list[Any]:
        return [item for _, item in self._pending]
