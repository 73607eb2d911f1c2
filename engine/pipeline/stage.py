"""What every stage process shares: its wiring (queues, slots, controls), setup, and plug-in loading.

``PipelineWiring`` is built once by the service and handed to each stage process as a spawn
argument (queues and shared memory can only be pickled at process creation).
"""

from __future__ import annotations

import importlib
import signal
from dataclasses import dataclass
from typing import Any, Callable

from engine.context import SPAWN, JobContext
from engine.queues import CountingQueue
from engine.pipeline.config import CHUNK_ITEMS, MAX_BATCH_LIMIT, PipelineConfig
from engine.pipeline.hops import CancelBoard, HoldingSlot


class BatchControl:
    """Max batch and max delay, changeable live by the owner; read by the batcher every loop.

    Raw shared values without a lock: one aligned word each, written by the owner only, so a
    reader never blocks and a killed reader cannot leave a lock held.
    """

    def __init__(self, max_batch: int, max_delay_ms: float, ctx: Any = SPAWN) -> None:
        self._max_batch = ctx.RawValue("q", max_batch)
        self._max_delay_ms = ctx.RawValue("d", max_delay_ms)

    @property
    def max_batch(self) -> int:
        return int(self._max_batch.value)

    @property
    def max_delay_ms(self) -> float:
        return float(self._max_delay_ms.value)

    def set(self, max_batch: int | None = None, max_delay_ms: float | None = None) -> None:
        if max_batch is not None:
            if not 1 <= max_batch <= MAX_BATCH_LIMIT:
                raise ValueError(f"max batch must be between 1 and {MAX_BATCH_LIMIT}")
            self._max_batch.value = int(max_batch)
        if max_delay_ms is not None:
            if max_delay_ms < 0:
                raise ValueError("max delay must be ≥ 0 ms")
            self._max_delay_ms.value = float(max_delay_ms)


@dataclass
class PipelineWiring:
    """Every hop and shared structure of one service run."""

    preprocess_in: list[CountingQueue]
    receiver_in: CountingQueue
    batcher_in: CountingQueue
    predictor_in: CountingQueue
    results: CountingQueue
    slots: dict[str, HoldingSlot]
    cancel_board: CancelBoard
    control: BatchControl
    models_ready: Any  # RawArray of one flag per predictor replica: 1 once its model is built

    @classmethod
    def create(cls, config: PipelineConfig, control: BatchControl | None = None) -> "PipelineWiring":
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
            results=CountingQueue(config.results_queue_batches),
            slots=slots,
            cancel_board=CancelBoard(),
            control=control or BatchControl(config.max_batch, config.max_delay_ms),
            models_ready=SPAWN.RawArray("b", config.replicas),
        )

    def replicas_ready(self) -> int:
        return sum(1 for flag in self.models_ready if flag)

    def depths(self) -> dict[str, int]:
        """Depth of every hop, in messages, keyed by the stage that reads it."""
        out = {f"preprocess-{i}": q.depth() for i, q in enumerate(self.preprocess_in)}
        out.update(receiver=self.receiver_in.depth(), batcher=self.batcher_in.depth(),
                   predictor=self.predictor_in.depth(), results=self.results.depth())
        return out

    def bounds(self) -> dict[str, int]:
        out = {f"preprocess-{i}": q.maxsize for i, q in enumerate(self.preprocess_in)}
        out.update(receiver=self.receiver_in.maxsize, batcher=self.batcher_in.maxsize,
                   predictor=self.predictor_in.maxsize, results=self.results.maxsize)
        return out


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
