"""The Dialogues job's progress as named fields (see ``engine.progress``).

Three phases, each with rows done of a total and its own rate: partition (readers: rows read of the
estimate), keys (rows counted of the rows kept) and build (rows built into std/mmi lines). Then the
lines written, the mmi writer's queue depth against its bound (back-pressure is the depth sitting at
the bound) and the RSS of every live process. The phase bars and the charts read one
``DialoguesProgress``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.dialogues.job import READER_STAGE
from engine.dialogues.writer import WRITER_STAGE
from engine.progress import Bar, ProgressTracker, RunMonitor

MB = 1024**2
PHASES = ("partition", "keys", "build")
THROUGHPUT_CHART = "throughput"
QUEUE_CHART = "queue"
RSS_CHART = "rss_mb"


@dataclass(frozen=True)
class PhaseProgress:
    done: int
    total: int  # the estimate while running; at least ``done`` once the run has ended
    rate_per_s: float

    @property
    def started(self) -> bool:
        return bool(self.done or self.total)

    @property
    def bar(self) -> Bar:
        return Bar(self.done, self.total, self.rate_per_s, "rows")


@dataclass(frozen=True)
class DialoguesProgress:
    running: bool
    elapsed_s: float
    partition: PhaseProgress
    keys: PhaseProgress
    build: PhaseProgress
    files_done: int
    files_total: int
    dialogues: int
    lines_std: int
    lines_mmi: int
    rows_per_s: float  # rows of whichever phase runs
    lines_std_per_s: float
    lines_mmi_per_s: float
    writer_queue_depth: int | None  # latest word of the coordinator or the writer, None before any
    writer_queue_bound: int | None
    rss_bytes: Mapping[str, float] = field(default_factory=dict)  # live process name → RSS

    def phase(self, name: str) -> PhaseProgress:
        return getattr(self, name)


class DialoguesProgressTracker(ProgressTracker[DialoguesProgress]):
    def compute(self, m: RunMonitor) -> DialoguesProgress:
        t = m.clock()
        kept_total = int(m.gauge("rows_total", "keys") or m.gauge("rows_total", "build"))
        dones = {
            "partition": int(m.counter("rows", READER_STAGE)),
            "keys": m.items("keys")[0],
            "build": m.items("build")[0],
        }
        totals = {"partition": int(m.gauge("rows_estimate", "partition")), "keys": kept_total, "build": kept_total}
        phases = {}
        for name in PHASES:
            done, total = dones[name], totals[name]
            rate = self.rate(name, t, done)
            if (total and done >= total) or not m.running:
                # A finished phase shows its average over the time the coordinator spent in it
                # (phases can be shorter than a window of snapshots).
                busy = max((s.busy_s for s in m.snapshots(name) if s.worker == "coordinator"), default=0.0)
                rate = done / busy if busy > 0 else 0.0
            phases[name] = PhaseProgress(done, total if m.running else max(total, done), rate)
        std, mmi = int(m.counter("lines_std", "build")), int(m.counter("lines_mmi", WRITER_STAGE))
        queued = [s for s in m.snapshots() if s.queue_bound and s.stage in ("build", WRITER_STAGE)]
        latest = max(queued, key=lambda s: s.t) if queued else None
        return DialoguesProgress(
            running=m.running,
            elapsed_s=m.elapsed_s(),
            **phases,
            files_done=int(m.gauge("files_done", "partition")),
            files_total=int(m.gauge("files_total", "partition")),
            dialogues=int(m.counter("dialogues", "keys")),
            lines_std=std,
            lines_mmi=mmi,
            rows_per_s=self.rate("rows", t, sum(dones.values())),
            lines_std_per_s=self.rate("std", t, std),
            lines_mmi_per_s=self.rate("mmi", t, mmi),
            writer_queue_depth=(latest.queue_depth or 0) if latest else None,
            writer_queue_bound=latest.queue_bound if latest else None,
            rss_bytes=self._process_rss(m),
        )

    @staticmethod
    def _process_rss(m: RunMonitor) -> dict[str, float]:
        """Latest RSS of each live process of the run, by a readable process name."""
        latest: dict[str, tuple[float, float]] = {}
        readers_done = any(True for _ in m.snapshots("keys"))  # the reader pool has ended
        for state in m.workers.values():
            if state.exited is not None or (readers_done and state.stage == READER_STAGE):
                continue
            rss = state.snapshot.counters.get("rss_bytes")
            if rss is None:
                continue
            name = state.worker  # "coordinator", "reader 1", …, "mmi-writer": one name per process
            if name not in latest or state.snapshot.t > latest[name][0]:
                latest[name] = (state.snapshot.t, rss)
        return {name: rss for name, (_, rss) in sorted(latest.items())}

    def record(self, p: DialoguesProgress, x: float) -> None:
        self.series(THROUGHPUT_CHART, "rows/s").append(x, p.rows_per_s)
        self.series(THROUGHPUT_CHART, "std lines/s").append(x, p.lines_std_per_s)
        self.series(THROUGHPUT_CHART, "mmi lines/s").append(x, p.lines_mmi_per_s)
        if p.writer_queue_bound is not None:
            self.series(QUEUE_CHART, "depth").append(x, p.writer_queue_depth or 0)
            self.series(QUEUE_CHART, "bound").append(x, p.writer_queue_bound)
        for name, rss in p.rss_bytes.items():
            self.series(RSS_CHART, name).append(x, rss / MB)
