"""The batcher process: forms batches by the live policy, sheds in target mode, reports its decisions.

Data flow::

    receivers ──[(id, features, deadline), …]──► batcher_in ──► Batcher ──Batch──► predictor_in ──► replicas
                                                   ▲  │ shed (target mode): ResultBatch of 503s ──► results
         ReplicaBoard wake-up pipe ("a replica is free")  └ BatchControl (shared values): re-read every loop

The policies (``fixed``, ``idle`` — the default —, ``target``) are described in ``batch_policy``.
The loop waits on its inbox and on the replicas' wake-up pipe at once, timed to the next decision
(the oldest item's deadline), so a freed replica gets the waiting items at once and a partial batch
leaves on time with no further traffic. The deadline is checked on a clock, not on arrivals.

Counters in the batcher's snapshots (stage "batcher", worker "0"); the GUI and ``/metrics`` read them:

* cumulative: ``items_in``, ``items_out``, ``batches``, ``batch_items``, ``flush_idle``, ``flush_size``,
  ``flush_deadline``, ``flush_shed`` (shed events), ``flush_shutdown``, ``shed_items`` (items answered 503)
* settings in force: ``policy`` (0 fixed, 1 idle, 2 target), ``max_batch``, ``max_delay_ms``, ``target_p99_ms``
* now: ``waiting_items``, ``oldest_wait_ms``, ``free_replicas``
* the last decision: ``last_batch_size`` (= ``decision_batch_size``, the size chosen),
  ``decision_wait_ms`` (how long its oldest item waited here), ``predicted_latency_ms`` (p99 of the
  predictions made over the last 2 s: admission → model done), ``admission_predicted_ms`` (the same
  for a request admitted now: what target mode sheds on)
* measured: ``measured_latency_ms`` (p99 over the batches finished in the last 2 s of admission →
  model done of each batch's oldest item, as the replicas report it)
* the fit of one replica's service time: ``fit_a_ms`` (per item), ``fit_b_ms`` (per batch),
  ``fit_sigma_ms`` (residual spread), ``fit_batches`` (batches in the window)
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import numpy as np

from engine.coded_errors import CodedText, english
from engine.context import JobContext, parent_alive
from engine.pipeline.batch_policy import TARGET_RECHECK_S, Batcher, ReplicaView
from engine.pipeline.config import PipelineConfig
from engine.pipeline.hops import put, take
from engine.pipeline.messages import FLUSH_IDLE, FLUSH_SHED, FLUSH_SHUTDOWN, STATUS_SHED, is_end, make_batch
from engine.pipeline.service_time import ServiceTimeFit
from engine.pipeline.stage import PipelineWiring, stage_setup

#: Longest single wait, so a live retune or an orphaned batcher is noticed quickly.
MAX_IDLE_WAIT_S = 0.1
#: Predicted and measured latencies in snapshots cover this many recent seconds.
LATENCY_WINDOW_S = 2.0
#: The decision counters are computed at most this often (snapshots go out at 10/s).
REPORT_EVERY_S = 0.1
#: The service-time fit is refreshed at most this often.
REFIT_EVERY_S = 0.05
#: What the batcher says it is doing (its status label; made once, said per message).
BATCHING_LABEL = english("label_batching", {})
#: The trip of the newest item from admission to here counts for the admission prediction this long.
TRANSIT_FRESH_S = 0.5


def replica_view(wiring: PipelineWiring) -> ReplicaView:
    board = wiring.replicas
    queued = wiring.predictor_in.depth()
    return ReplicaView(
        free=board.free_replicas(queued), ready=board.ready_count(), busy=tuple(board.busy()), queued_batches=queued
    )


class BatcherLoop:
    """One batcher process's state around the ``Batcher``: flushing, shedding, fitting, reporting."""

    def __init__(self, ctx: JobContext, config: PipelineConfig, wiring: PipelineWiring) -> None:
        self.config = config
        self.wiring = wiring
        self.control = wiring.control
        self.reporter = ctx.reporter("batcher", "0")
        timeout_s = config.request_timeout_s
        self.batcher = Batcher(
            self.control.max_batch,
            self.control.max_delay_ms / 1000.0,
            self.control.policy,
            self.control.target_p99_ms / 1000.0,
            admitted=lambda item: item[2] - timeout_s,
        )
        self.batch_ids = iter(range(1, 1 << 62))
        self.fitted_at = -1
        self.fitted_time = 0.0
        self.reported_at = 0.0
        self.predictions: deque[tuple[float, float]] = deque(maxlen=10_000)
        self.decision: dict[str, float] = {}
        self.last_shed_check = 0.0
        self.view = ReplicaView()
        self.transit: tuple[float, float] = (0.0, 0.0)  # (when, admission → here of the newest item)

    def retune(self) -> None:
        control = self.control
        self.batcher.retune(
            control.max_batch, control.max_delay_ms / 1000.0, control.policy, control.target_p99_ms / 1000.0
        )
        done = self.wiring.replicas.completed_total()
        now = time.monotonic()
        if done != self.fitted_at and now - self.fitted_time >= REFIT_EVERY_S:  # new batches finished: refit
            self.fitted_at, self.fitted_time = done, now
            self.batcher.fit = ServiceTimeFit.from_batches((n, s) for n, s, _, _ in self.wiring.replicas.recent())
        self.view = replica_view(self.wiring)

    def flush(self, count: int | None, reason: str, predicted_s: float, now: float) -> None:
        """Send the oldest ``count`` items (default max batch) as one batch."""
        waited_s = self.batcher.oldest_wait_s(now)
        items = self.batcher.take(count)
        if put(self.wiring.predictor_in, make_batch(next(self.batch_ids), reason, items), parent_alive):
            self.reporter.add(items_out=len(items), batches=1, batch_items=len(items), **{f"flush_{reason}": 1})
            self.reporter.set_counter("last_batch_size", len(items))
            self.predictions.append((now, predicted_s))
            self.decision = {"decision_batch_size": len(items), "decision_wait_ms": waited_s * 1000.0}
        self._hold()

    def shed(self, now: float) -> None:
        """Target mode: answer 503 now to what cannot meet the target (checked every few ms)."""
        if self.batcher.policy != "target" or now - self.last_shed_check < TARGET_RECHECK_S:
            return
        self.last_shed_check = now
        items = self.batcher.remove(self.batcher.hopeless(now, self.view))
        if not items:
            return
        target_ms = self.control.target_p99_ms
        retry = self.config.retry_after_s
        reason = CodedText.of("shed_batcher", target_ms=target_ms, retry_s=retry)  # one object: pickled once
        self.wiring.send_outcomes(
            "batcher", 0, FLUSH_SHED, 0.0, [(item[0], STATUS_SHED, reason) for item in items], parent_alive
        )
        self.reporter.add(flush_shed=1, shed_items=len(items))
        self._hold()

    def _hold(self) -> None:
        self.wiring.slots["batcher"].set(item[0] for item in self.batcher.pending_items())

    def report(self, now: float, force: bool = False) -> None:
        rep, batcher, fit = self.reporter, self.batcher, self.batcher.fit
        if not force and now - self.reported_at < REPORT_EVERY_S:
            return
        self.reported_at = now
        while self.predictions and now - self.predictions[0][0] > LATENCY_WINDOW_S:
            self.predictions.popleft()
        measured = [
            latency for _, _, latency, finished in self.wiring.replicas.recent() if now - finished <= LATENCY_WINDOW_S
        ]
        arrived, transit = self.transit
        transit = transit if now - arrived <= TRANSIT_FRESH_S else 0.0
        values = {
            "policy": self.control.policy_code,
            "max_batch": batcher.max_batch,
            "max_delay_ms": batcher.max_delay_s * 1000.0,
            "target_p99_ms": batcher.target_s * 1000.0,
            "waiting_items": len(batcher),
            "oldest_wait_ms": batcher.oldest_wait_s(now) * 1000.0,
            "free_replicas": self.view.free,
            "predicted_latency_ms": _p99_ms([p for _, p in self.predictions]),
            "measured_latency_ms": _p99_ms(measured),
            "admission_predicted_ms": batcher.admission_predicted_s(now, self.view, transit) * 1000.0,
            "fit_a_ms": fit.a_s * 1000.0,
            "fit_b_ms": fit.b_s * 1000.0,
            "fit_sigma_ms": fit.sigma_s * 1000.0,
            "fit_batches": fit.batches,
            **self.decision,
        }
        for name, value in values.items():
            rep.set_counter(name, value)
        for name in ("flush_idle", "flush_size", "flush_deadline", "flush_shed", "flush_shutdown", "shed_items"):
            values[name] = rep.counters.get(name, 0)
        self.wiring.report.publish(values)
        rep.set_queue(self.wiring.batcher_in.depth(), self.wiring.batcher_in.maxsize)
        rep.flush() if force else rep.tick()

    def run(self) -> None:
        batcher, inbox, board = self.batcher, self.wiring.batcher_in, self.wiring.replicas
        ended = False
        while not ended:
            self.retune()
            now = time.monotonic()
            self.shed(now)
            decision = batcher.plan(now, self.view)
            if decision is not None and decision.reason == FLUSH_IDLE:
                absorbed = self._absorb()
                if absorbed is None:
                    ended = True
                    break
                if absorbed:
                    continue  # what already waited in the inbox joins this batch: decide again
            if decision is not None:
                self.flush(decision.count, decision.reason, decision.predicted_s, now)
                continue
            self.report(now)
            wait = batcher.wait_s(now, self.view)
            message = take(
                inbox, MAX_IDLE_WAIT_S if wait is None else min(MAX_IDLE_WAIT_S, wait), also=(board.wake_handle,)
            )
            board.clear_wakes()
            if message is None:
                if not parent_alive():
                    break
                continue
            ended = self._accept(message)
        if ended:
            while len(batcher):
                self.flush(None, FLUSH_SHUTDOWN, 0.0, time.monotonic())
        self.wiring.slots["batcher"].clear()
        self.report(time.monotonic(), force=True)

    def _accept(self, message: Any) -> bool:
        """Add a message's items to the line; True for END_OF_STREAM."""
        if is_end(message):
            return True
        self.reporter.begin(BATCHING_LABEL)
        now = time.monotonic()
        self.batcher.add(message, now)
        self.transit = (now, max(0.0, now - (message[-1][2] - self.config.request_timeout_s)))
        self.reporter.add(items_in=len(message))
        self.reporter.end()
        self._hold()
        return False

    def _absorb(self) -> bool | None:
        """Before an idle dispatch, the lists already in the inbox join the line (they wait now too,
        and a bigger batch costs the replica less per item): True when any came, None at END."""
        absorbed = False
        while len(self.batcher) < self.batcher.max_batch:
            message = take(self.wiring.batcher_in, 0.0)
            if message is None:
                return absorbed
            if self._accept(message):
                return None
            absorbed = True
        return absorbed


def _p99_ms(values: list[float]) -> float:
    return float(np.percentile(values, 99)) * 1000.0 if values else 0.0


def batcher_main(ctx: JobContext, config: PipelineConfig, wiring: PipelineWiring) -> None:
    """Process target of the batcher; flushes what it holds and ends on END_OF_STREAM."""
    stage_setup(ctx, "batcher")
    BatcherLoop(ctx, config, wiring).run()
