"""The inference service's and the load generator's progress as named fields (see ``engine.progress``).

This is the one place that knows the service's counter names: the hop depths and bounds the
coordinator (stage ``service``) reports as ``depth_<hop>`` / ``bound_<hop>`` (one hop per
preprocess worker, ``depth_preprocess-<i>``, summed here), the ingress's ``requests_<status>`` and
latency percentiles, the batcher's flush reasons, the load generator's ``status_<code>``. Views read
``PipelineProgress`` / ``LoadgenProgress`` and parse no counter name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from engine.progress import ProgressTracker, RunMonitor

#: Stages in data-flow order, as they name themselves in snapshots.
STAGES = ("ingress", "preprocess", "receiver", "batcher", "predictor")
SERVICE = ("service", "0")
THROUGHPUT_CHART = "throughput"
DEPTH_CHART = "depth"
LATENCY_CHART = "latency"
BATCH_CHART = "batch"
STATUS_CHART = "status"
CONNECTION_ERROR = 0  # the load generator's "status" of a request that got no HTTP answer


@dataclass(frozen=True)
class StageProgress:
    stage: str
    workers: int  # live (or cleanly exited) workers reporting
    items_out: int
    rate_per_s: float  # items out per second
    busy_share: float  # 0..1, mean over the stage's workers
    depth: int | None  # messages waiting in the hop into this stage (None: no such hop)
    bound: int | None
    inflight_items: int | None = None  # ingress only
    waiting_items: int | None = None  # batcher only

    @property
    def alive(self) -> bool:
        return self.workers > 0


@dataclass(frozen=True)
class PipelineProgress:
    running: bool
    elapsed_s: float
    stages: tuple[StageProgress, ...]
    results_depth: int
    results_bound: int
    replicas_ready: int
    restarts: int
    lost_items: int
    max_batch: float | None  # the batching limit in force (None before the coordinator reports)
    latency_p50_ms: float | None  # None before the ingress reports
    latency_p95_ms: float | None
    latency_p99_ms: float | None
    answers: Mapping[int, int] = field(default_factory=dict)  # HTTP status → requests answered
    answers_per_s: Mapping[int, float] = field(default_factory=dict)
    batches_per_s: float = 0.0
    mean_batch: float = 0.0  # items per batch over the last window
    flushes: Mapping[str, int] = field(default_factory=dict)  # reason → batches (size, deadline, shutdown)

    @property
    def ready(self) -> bool:
        return self.running and self.replicas_ready > 0

    def stage(self, name: str) -> StageProgress:
        return next(s for s in self.stages if s.stage == name)


@dataclass(frozen=True)
class LoadgenProgress:
    running: bool
    reporting: bool  # the generator has sent a snapshot
    sent: int
    answers: Mapping[int, int]  # status → count; CONNECTION_ERROR for no answer
    latency_p50_ms: float
    latency_p99_ms: float
    open_requests: int
    skipped_at_cap: int


def _codes(counters: Mapping[str, float], prefix: str) -> dict[int, int]:
    out = {}
    for key, value in counters.items():
        code = key[len(prefix):]
        if key.startswith(prefix) and code.isdigit():
            out[int(code)] = int(value)
    return dict(sorted(out.items()))


def hop_depth(stage: str, service: Mapping[str, float]) -> tuple[int | None, int | None]:
    """(depth, bound) of the hop into ``stage`` from the coordinator's counters."""
    if stage == "preprocess":
        keys = [k for k in service if k.startswith("depth_preprocess-")]
        if not keys:
            return None, None
        return (int(sum(service[k] for k in keys)),
                int(sum(service.get("bound_" + k[len("depth_"):], 0) for k in keys)))
    if stage == "ingress" or f"depth_{stage}" not in service:
        return None, None
    return int(service[f"depth_{stage}"]), int(service.get(f"bound_{stage}", 0))


#: The batcher's flush reasons, as its counters name them (``flush_<reason>``).
FLUSH_REASONS = ("idle", "size", "deadline", "shed", "shutdown")


def _merge_ingress(counters: list[Mapping[str, float]]) -> dict[str, float]:
    """Counters of every ingress as one: counts summed, latency percentiles the worst of them."""
    merged: dict[str, float] = {}
    for c in counters:
        for key, value in c.items():
            if key.startswith("latency_"):
                merged[key] = max(merged.get(key, 0.0), value)
            else:
                merged[key] = merged.get(key, 0) + value
    return merged


class PipelineProgressTracker(ProgressTracker[PipelineProgress]):
    def compute(self, m: RunMonitor) -> PipelineProgress:
        t = m.clock()
        service_state = m.worker(*SERVICE)
        service = service_state.snapshot.counters if service_state else {}
        stages = []
        for name in STAGES:
            snaps = [w.snapshot for w in m.stage_workers(name) if w.exited is None or w.exited.expected]
            out_total = sum(s.items_out for s in snaps)
            busy = self.rate(f"busy {name}", t, sum(s.busy_s for s in snaps), window_s=2.0) / max(1, len(snaps))
            depth, bound = hop_depth(name, service)
            first = snaps[0].counters if snaps else {}
            stages.append(StageProgress(
                name, len(snaps), out_total, self.rate(f"out {name}", t, out_total, window_s=2.0), min(1.0, busy),
                depth, bound,
                inflight_items=int(first.get("inflight_items", 0)) if name == "ingress" and snaps else None,
                waiting_items=int(first.get("waiting_items", 0)) if name == "batcher" and snaps else None))
        # One snapshot per ingress process (``--ingress N``): answers add up, latency is the worst.
        ingress_snaps = [w.snapshot.counters for w in m.stage_workers("ingress")]
        ingress = _merge_ingress(ingress_snaps) if ingress_snaps else None
        answers = _codes(ingress or {}, "requests_")
        batches = m.counter("batches", "predictor")
        per_s = self.rate("batches", t, batches)
        items_per_s = self.rate("batch items", t, m.counter("batch_items", "predictor"))
        batcher_state = m.worker("batcher", "0")
        batcher = batcher_state.snapshot.counters if batcher_state else None
        return PipelineProgress(
            running=m.running, elapsed_s=m.elapsed_s(), stages=tuple(stages),
            results_depth=int(service.get("depth_results", 0)), results_bound=int(service.get("bound_results", 0)),
            replicas_ready=int(service.get("replicas_ready", 0)), restarts=int(service.get("restarts", 0)),
            lost_items=int(service.get("lost_items", 0)), max_batch=service.get("max_batch"),
            latency_p50_ms=ingress.get("latency_p50_ms", 0.0) if ingress is not None else None,
            latency_p95_ms=ingress.get("latency_p95_ms", 0.0) if ingress is not None else None,
            latency_p99_ms=ingress.get("latency_p99_ms", 0.0) if ingress is not None else None,
            answers=answers,
            answers_per_s={code: self.rate(f"status {code}", t, n, window_s=2.0) for code, n in answers.items()},
            batches_per_s=per_s, mean_batch=items_per_s / per_s if per_s > 0 else 0.0,
            flushes={reason: int(batcher.get(f"flush_{reason}", 0)) for reason in FLUSH_REASONS}
            if batcher is not None else {},
        )

    def record(self, p: PipelineProgress, x: float) -> None:
        """Series are named by stage (throughput, depth) and by status code (answers)."""
        for stage in p.stages:
            self.series(THROUGHPUT_CHART, stage.stage).append(x, stage.rate_per_s)
            if stage.depth is not None:
                self.series(DEPTH_CHART, stage.stage).append(x, stage.depth)
        if p.latency_p50_ms is not None:
            self.series(LATENCY_CHART, "p50").append(x, p.latency_p50_ms)
            self.series(LATENCY_CHART, "p95").append(x, p.latency_p95_ms or 0.0)
            self.series(LATENCY_CHART, "p99").append(x, p.latency_p99_ms or 0.0)
            for code, rate in p.answers_per_s.items():
                self.series(STATUS_CHART, str(code)).append(x, rate)
        self.series(BATCH_CHART, "mean batch").append(x, p.mean_batch)
        if p.max_batch is not None:
            self.series(BATCH_CHART, "max batch").append(x, p.max_batch)


class LoadgenProgressTracker(ProgressTracker[LoadgenProgress]):
    def compute(self, m: RunMonitor) -> LoadgenProgress:
        gen = m.worker("loadgen", "0")
        c = gen.snapshot.counters if gen else {}
        return LoadgenProgress(
            running=m.running, reporting=gen is not None, sent=gen.snapshot.items_in if gen else 0,
            answers=_codes(c, "status_"), latency_p50_ms=c.get("latency_p50_ms", 0.0),
            latency_p99_ms=c.get("latency_p99_ms", 0.0), open_requests=int(c.get("open_requests", 0)),
            skipped_at_cap=int(c.get("skipped_at_cap", 0)))
