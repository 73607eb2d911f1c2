"""What every stage process shares: its wiring (queues, slots, controls), setup, and plug-in loading.

``PipelineWiring`` is built once by the service and handed to each stage process as a spawn
argument (queues and shared memory can only be pickled at process creation).
"""

from __future__ import annotations

import importlib
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.context import SPAWN, JobContext
from engine.pipeline.config import CHUNK_ITEMS, MAX_BATCH_LIMIT, POLICIES, PipelineConfig
from engine.pipeline.hops import CancelBoard, HoldingSlot, put
from engine.pipeline.messages import FLUSH_REASONS, make_result
from engine.pipeline.metrics import IngressTally
from engine.pipeline.replicas import ReplicaBoard
from engine.queues import CountingQueue


class BatchControl:
    """Policy, max batch, max delay and latency target, changeable live by the owner; read by the
    batcher every loop.

    Raw shared values without a lock: one aligned word each, written by the owner only, so a
    reader never blocks and a killed reader cannot leave a lock held.
    """

    def __init__(
        self, max_batch: int, max_delay_ms: float, policy: str = "idle", target_p99_ms: float = 100.0, ctx: Any = SPAWN
    ) -> None:
        self._max_batch = ctx.RawValue("q", max_batch)
        self._max_delay_ms = ctx.RawValue("d", max_delay_ms)
        self._policy = ctx.RawValue("b", 0)
        self._target_p99_ms = ctx.RawValue("d", 0.0)
        self.set(policy=policy, target_p99_ms=target_p99_ms)

    @classmethod
    def from_config(cls, config: PipelineConfig) -> BatchControl:
        return cls(config.max_batch, config.max_delay_ms, config.batching, config.target_p99_ms)

    @property
    def max_batch(self) -> int:
        return int(self._max_batch.value)

    @property
    def max_delay_ms(self) -> float:
        return float(self._max_delay_ms.value)

    @property
    def policy(self) -> str:
        return POLICIES[self._policy.value]

    @property
    def policy_code(self) -> int:
        return int(self._policy.value)

    @property
    def target_p99_ms(self) -> float:
        return float(self._target_p99_ms.value)

    def set(
        self,
        max_batch: int | None = None,
        max_delay_ms: float | None = None,
        policy: str | None = None,
        target_p99_ms: float | None = None,
    ) -> None:
        """Change any of the four; ValueError (and nothing changed) for an invalid value."""
        if max_batch is not None and not 1 <= max_batch <= MAX_BATCH_LIMIT:
            raise ValueError(f"max batch must be between 1 and {MAX_BATCH_LIMIT}")
        if max_delay_ms is not None and max_delay_ms < 0:
            raise ValueError("max delay must be ≥ 0 ms")
        if policy is not None and policy not in POLICIES:
            raise ValueError(f"batching policy must be one of {', '.join(POLICIES)}, got {policy!r}")
        if target_p99_ms is not None and not target_p99_ms > 0:
            raise ValueError("the p99 target must be > 0 ms")
        if max_batch is not None:
            self._max_batch.value = int(max_batch)
        if max_delay_ms is not None:
            self._max_delay_ms.value = float(max_delay_ms)
        if target_p99_ms is not None:
            self._target_p99_ms.value = float(target_p99_ms)
        if policy is not None:
            self._policy.value = POLICIES.index(policy)


class BatchReport:
    """The batcher's latest decisions as shared numbers, for ``/metrics`` in any ingress process.

    Written by the batcher only (one aligned double each, no lock), read by the ingresses; the same
    values go into the batcher's snapshots under the same names (see ``batcher``).
    """

    NAMES = (
        "policy",
        "target_p99_ms",
        "waiting_items",
        "free_replicas",
        "decision_batch_size",
        "decision_wait_ms",
        "predicted_latency_ms",
        "measured_latency_ms",
        "admission_predicted_ms",
        "fit_a_ms",
        "fit_b_ms",
        "fit_sigma_ms",
        "fit_batches",
        "flush_idle",
        "flush_size",
        "flush_deadline",
        "flush_shed",
        "flush_shutdown",
        "shed_items",
    )

    def __init__(self, ctx: Any = SPAWN) -> None:
        self._values = ctx.RawArray("d", len(self.NAMES))

    def publish(self, values: dict[str, float]) -> None:
        for i, name in enumerate(self.NAMES):
            if name in values:
                self._values[i] = float(values[name])

    def read(self) -> dict[str, float]:
        return dict(zip(self.NAMES, self._values[:]))

    def get(self, name: str) -> float:
        return float(self._values[self.NAMES.index(name)])


@dataclass
class PipelineWiring:
    """Every hop and shared structure of one service run."""

    preprocess_in: list[CountingQueue]
    receiver_in: CountingQueue
    batcher_in: CountingQueue
    predictor_in: CountingQueue
    results: list[CountingQueue]  # one per ingress process: answers go to the ingress that admitted them
    slots: dict[str, HoldingSlot]
    cancel_board: CancelBoard
    control: BatchControl
    replicas: ReplicaBoard
    report: BatchReport
    tally: IngressTally
    preprocess_warm: Any  # RawArray of bytes, one per preprocess worker: 1 once it has warmed up

    @classmethod
    def create(cls, config: PipelineConfig, control: BatchControl | None = None) -> PipelineWiring:
        slots: dict[str, HoldingSlot] = {}
        for i in range(config.preprocess_workers):
            slots[f"preprocess-{i}"] = HoldingSlot(CHUNK_ITEMS)
        for i in range(config.receivers):
            slots[f"receiver-{i}"] = HoldingSlot(CHUNK_ITEMS)
        slots["batcher"] = HoldingSlot(MAX_BATCH_LIMIT + CHUNK_ITEMS)
        for i in range(config.replicas):
            slots[f"predictor-{i}"] = HoldingSlot(MAX_BATCH_LIMIT)
        return cls(
            preprocess_in=[CountingQueue(config.preprocess_queue_chunks) for _ in range(config.preprocess_workers)],
            receiver_in=CountingQueue(config.receiver_queue_chunks),
            batcher_in=CountingQueue(config.batcher_queue_chunks),
            predictor_in=CountingQueue(config.predictor_queue_batches),
            results=[CountingQueue(config.results_queue_batches) for _ in range(config.ingress)],
            slots=slots,
            cancel_board=CancelBoard(),
            control=control or BatchControl.from_config(config),
            replicas=ReplicaBoard(config.replicas),
            report=BatchReport(),
            tally=IngressTally(config.ingress, FLUSH_REASONS),
            preprocess_warm=SPAWN.RawArray("b", config.preprocess_workers),
        )

    def replicas_ready(self) -> int:
        return self.replicas.ready_count()

    def ready(self) -> bool:
        """The service answers at full speed: a replica has its model and every preprocess worker
        has warmed up once (a restarted worker warms up again before it takes a message)."""
        return self.replicas_ready() > 0 and all(self.preprocess_warm)

    def depths(self) -> dict[str, int]:
        """Depth of every hop, in messages, keyed by the stage that reads it (results: all ingresses)."""
        out = {f"preprocess-{i}": q.depth() for i, q in enumerate(self.preprocess_in)}
        out.update(
            receiver=self.receiver_in.depth(),
            batcher=self.batcher_in.depth(),
            predictor=self.predictor_in.depth(),
            results=sum(q.depth() for q in self.results),
        )
        return out

    def bounds(self) -> dict[str, int]:
        out = {f"preprocess-{i}": q.maxsize for i, q in enumerate(self.preprocess_in)}
        out.update(
            receiver=self.receiver_in.maxsize,
            batcher=self.batcher_in.maxsize,
            predictor=self.predictor_in.maxsize,
            results=sum(q.maxsize for q in self.results),
        )
        return out

    def send_outcomes(
        self, stage: str, batch_id: int, reason: str, compute_s: float, outcomes: list, keep_going: Callable[[], bool]
    ) -> None:
        """Answers to the ingress(es) that admitted them: one ResultBatch per ingress concerned. Its
        ``size`` is the whole batch's in the first part and 0 in the others, so that ``/metrics``
        (summed over the ingresses) counts each batch once."""
        by_ingress: dict[int, list] = {}
        for outcome in outcomes:
            by_ingress.setdefault(ingress_of(outcome[0]), []).append(outcome)
        size = len(outcomes)
        for index, part in by_ingress.items():
            queue = self.results[index if index < len(self.results) else 0]
            put(queue, make_result(stage, batch_id, reason, size, compute_s, part), keep_going)
            size = 0


#: Bits of an item id: ingress index (4, so at most MAX_INGRESS) · ingress pid (22) · counter (36);
#: the sign bit stays 0 (ids travel as int64 in the holding slots).
INGRESS_SHIFT = 58
_PID_BITS = 22
_COUNTER_BITS = 36


def first_item_id(ingress_index: int, pid: int) -> int:
    """Where ingress ``ingress_index`` (process ``pid``) starts numbering its items: ids name the
    ingress an answer goes back to, and differ from a restarted ingress's (its pid differs)."""
    return (ingress_index << INGRESS_SHIFT) | ((pid & ((1 << _PID_BITS) - 1)) << _COUNTER_BITS)


def ingress_of(item_id: int) -> int:
    return item_id >> INGRESS_SHIFT


def stage_setup(ctx: JobContext, role: str) -> None:
    """First thing in every stage process: Ctrl-C is the owner's business, then say hello.

    The terminal sends SIGINT to the whole process group; a stage that died of it would lose
    the requests it holds instead of draining in order when the owner stops the service.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGUSR1"):  # `kill -USR1 PID` prints where a stage is, e.g. when it looks stuck
        import faulthandler

        faulthandler.register(signal.SIGUSR1, all_threads=True)
    ctx.announce(role)


def load_callable(spec: str) -> Callable[..., Any]:
    """``package.module:function`` → the function (a clear error for a malformed spec)."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"expected 'package.module:function', got {spec!r}")
    target: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{spec} is not callable")
    return target
