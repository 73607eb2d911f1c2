"""The inference service's and the load generator's progress as named fields (see ``engine.progress``).

This is the one place that knows the service's counter names: the hop depths and bounds the
coordinator (stage ``service``) reports as ``depth_<hop>`` / ``bound_<hop>`` (one hop per
preprocess worker, ``depth_preprocess-<i>``, summed here), the ingress's ``requests_<status>`` and
latency percentiles, the batcher's policy, decisions and flush reasons (``BatcherProgress``; the counter
names are listed in ``engine.pipeline.batcher``), the load generator's ``status_<code>``. Views read
``PipelineProgress`` / ``LoadgenProgress`` and parse no counter name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.pipeline.config import POLICIES
from engine.progress import ProgressTracker, RunMonitor

#: Stages in data-flow order, as they name themselves in snapshots.
STAGES = ("ingress", "preprocess", "receiver", "batcher", "predictor")
SERVICE = ("service", "0")
THROUGHPUT_CHART = "throughput"
DEPTH_CHART = "depth"
LATENCY_CHART = "latency"
BATCH_CHART = "batch"
STATUS_CHART = "status"
#: The batcher's decisions over time. Latency: series "predicted p99", "measured p99", "wait" and, from
#: the first use of the target policy on, "target p99" (NaN while another policy runs); ms.
DECISION_LATENCY_CHART = "decision latency"
#: Batch size chosen: "last" (the latest decision), "mean" (over the last 2 s), "max batch"; items.
DECISION_BATCH_CHART = "decision batch"
#: Batches let go per second, by flush reason (``FLUSH_RATE_REASONS``); shed: shed events per second.
FLUSH_RATE_CHART = "flush rate"
#: The fitted service time of one replica, a·n + b: series "a" (per item) and "b" (per batch), in µs.
FIT_CHART = "fit"
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
class BatcherProgress:
    """The batching policy in force and its latest decisions, as the batcher process reports them.

    What the batcher reports is what it runs with: a live retune shows here once it has reached
    the batcher process (the control's shared values are only what was asked for).
    """

    policy: str  # one of config.POLICIES
    max_batch: int
    max_delay_ms: float
    target_p99_ms: float
    waiting_items: int
    free_replicas: int
    batch_size: int  # size of the last batch the policy let go
    mean_batch: float  # mean size of the batches it let go over the last 2 s (0: none)
    wait_ms: float  # how long the last batch's oldest item waited in the batcher
    predicted_p99_ms: float  # admission → model done, predicted at dispatch, over the last 2 s
    measured_p99_ms: float  # the same, measured by the replicas, over the last 2 s
    admission_predicted_ms: float  # predicted for a request admitted now (what target mode sheds on)
    fit_a_ms: float  # per item
    fit_b_ms: float  # per batch
    fit_sigma_ms: float
    fit_batches: int
    shed_items: int  # requests answered 503 by the target policy, in total
    flushes_per_s: Mapping[str, float] = field(default_factory=dict)  # FLUSH_RATE_REASONS → batches/s


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
    flushes: Mapping[str, int] = field(default_factory=dict)  # reason → batches (FLUSH_REASONS)
    batcher: BatcherProgress | None = None  # None before the batcher reports

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
        code = key[len(prefix) :]
        if key.startswith(prefix) and code.isdigit():
            out[int(code)] = int(value)
    return dict(sorted(out.items()))


def hop_depth(stage: str, service: Mapping[str, float]) -> tuple[int | None, int | None]:
    """(depth, bound) of the hop into ``stage`` from the coordinator's counters."""
    if stage == "preprocess":
        keys = [k for k in service if k.startswith("depth_preprocess-")]
        if not keys:
            return None, None
        return (
            int(sum(service[k] for k in keys)),
            int(sum(service.get("bound_" + k[len("depth_") :], 0) for k in keys)),
        )
    if stage == "ingress" or f"depth_{stage}" not in service:
        return None, None
    return int(service[f"depth_{stage}"]), int(service.get(f"bound_{stage}", 0))


#: The batcher's flush reasons, as its counters name them (``flush_<reason>``).
FLUSH_REASONS = ("idle", "size", "deadline", "shed", "shutdown")
#: The reasons charted over time (a shutdown flush happens once, at the end).
FLUSH_RATE_REASONS = ("idle", "size", "deadline", "shed")


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
            held = int(
                sum(s.counters.get("inflight_items" if name == "ingress" else "waiting_items", 0) for s in snaps)
            )  # every ingress holds its own requests (``--ingress N``)
            stages.append(
                StageProgress(
                    name,
                    len(snaps),
                    out_total,
                    self.rate(f"out {name}", t, out_total, window_s=2.0),
                    min(1.0, busy),
                    depth,
                    bound,
                    inflight_items=held if name == "ingress" and snaps else None,
                    waiting_items=held if name == "batcher" and snaps else None,
                )
            )
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
            running=m.running,
            elapsed_s=m.elapsed_s(),
            stages=tuple(stages),
            results_depth=int(service.get("depth_results", 0)),
            results_bound=int(service.get("bound_results", 0)),
            replicas_ready=int(service.get("replicas_ready", 0)),
            restarts=int(service.get("restarts", 0)),
            lost_items=int(service.get("lost_items", 0)),
            max_batch=service.get("max_batch"),
            latency_p50_ms=ingress.get("latency_p50_ms", 0.0) if ingress is not None else None,
            latency_p95_ms=ingress.get("latency_p95_ms", 0.0) if ingress is not None else None,
            latency_p99_ms=ingress.get("latency_p99_ms", 0.0) if ingress is not None else None,
            answers=answers,
            answers_per_s={code: self.rate(f"status {code}", t, n, window_s=2.0) for code, n in answers.items()},
            batches_per_s=per_s,
            mean_batch=items_per_s / per_s if per_s > 0 else 0.0,
            flushes={reason: int(batcher.get(f"flush_{reason}", 0)) for reason in FLUSH_REASONS}
            if batcher is not None
            else {},
            batcher=self._batcher(t, batcher) if batcher is not None else None,
        )

    def _batcher(self, t: float, c: Mapping[str, float]) -> BatcherProgress:
        code = int(c.get("policy", POLICIES.index("idle")))
        batches = self.rate("batcher batches", t, c.get("batches", 0), window_s=2.0)
        items = self.rate("batcher items", t, c.get("batch_items", 0), window_s=2.0)
        return BatcherProgress(
            policy=POLICIES[code] if 0 <= code < len(POLICIES) else "?",
            max_batch=int(c.get("max_batch", 0)),
            max_delay_ms=c.get("max_delay_ms", 0.0),
            target_p99_ms=c.get("target_p99_ms", 0.0),
            waiting_items=int(c.get("waiting_items", 0)),
            free_replicas=int(c.get("free_replicas", 0)),
            batch_size=int(c.get("decision_batch_size", 0)),
            mean_batch=items / batches if batches > 0 else 0.0,
            wait_ms=c.get("decision_wait_ms", 0.0),
            predicted_p99_ms=c.get("predicted_latency_ms", 0.0),
            measured_p99_ms=c.get("measured_latency_ms", 0.0),
            admission_predicted_ms=c.get("admission_predicted_ms", 0.0),
            fit_a_ms=c.get("fit_a_ms", 0.0),
            fit_b_ms=c.get("fit_b_ms", 0.0),
            fit_sigma_ms=c.get("fit_sigma_ms", 0.0),
            fit_batches=int(c.get("fit_batches", 0)),
            shed_items=int(c.get("shed_items", 0)),
            flushes_per_s={
                reason: self.rate(f"flush {reason}", t, c.get(f"flush_{reason}", 0), window_s=2.0)
                for reason in FLUSH_RATE_REASONS
            },
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
        if p.batcher is not None:
            self._record_batcher(p.batcher, x)

    def _record_batcher(self, b: BatcherProgress, x: float) -> None:
        for name, value in (
            ("predicted p99", b.predicted_p99_ms),
            ("measured p99", b.measured_p99_ms),
            ("wait", b.wait_ms),
        ):
            self.series(DECISION_LATENCY_CHART, name).append(x, value)
        # The target line appears once the target policy is first used; NaN (a gap) while another runs.
        if b.policy == "target" or "target p99" in self.history(DECISION_LATENCY_CHART):
            self.series(DECISION_LATENCY_CHART, "target p99").append(
                x, b.target_p99_ms if b.policy == "target" else float("nan")
            )
        for name, value in (("last", b.batch_size), ("mean", b.mean_batch), ("max batch", b.max_batch)):
            self.series(DECISION_BATCH_CHART, name).append(x, value)
        for reason, rate in b.flushes_per_s.items():
            self.series(FLUSH_RATE_CHART, reason).append(x, rate)
        # Before the fit has two batch sizes to go on, a is 0: NaN leaves a gap on a log axis.
        self.series(FIT_CHART, "a").append(x, b.fit_a_ms * 1000.0 if b.fit_a_ms > 0 else float("nan"))
        self.series(FIT_CHART, "b").append(x, b.fit_b_ms * 1000.0 if b.fit_b_ms > 0 else float("nan"))


class LoadgenProgressTracker(ProgressTracker[LoadgenProgress]):
    def compute(self, m: RunMonitor) -> LoadgenProgress:
        gen = m.worker("loadgen", "0")
        c = gen.snapshot.counters if gen else {}
        return LoadgenProgress(
            running=m.running,
            reporting=gen is not None,
            sent=gen.snapshot.items_in if gen else 0,
            answers=_codes(c, "status_"),
            latency_p50_ms=c.get("latency_p50_ms", 0.0),
            latency_p99_ms=c.get("latency_p99_ms", 0.0),
            open_requests=int(c.get("open_requests", 0)),
            skipped_at_cap=int(c.get("skipped_at_cap", 0)),
        )
