"""The Demo job's progress as named fields (see ``engine.progress``).

Counters read: rows_total, files_total, files_done from the coordinator; rows summed over the
``writer`` workers. The bar and the rows/s chart both read ``DemoProgress``.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.progress import Bar, ProgressTracker, RunMonitor, average_rate

WRITER_STAGE = "writer"
THROUGHPUT_CHART = "throughput"


@dataclass(frozen=True)
class DemoProgress:
    running: bool
    elapsed_s: float
    rows: int
    rows_total: int
    rows_per_s: float
    files_done: int
    files_total: int

    @property
    def bar(self) -> Bar:
        return Bar(self.rows, self.rows_total, self.rows_per_s, "rows")


class DemoProgressTracker(ProgressTracker[DemoProgress]):
    def compute(self, m: RunMonitor) -> DemoProgress:
        rows = int(m.counter("rows", WRITER_STAGE))
        rate = self.rate("rows", m.clock(), rows)
        if not m.running:
            rate = average_rate(rows, m.elapsed_s())
        return DemoProgress(
            running=m.running,
            elapsed_s=m.elapsed_s(),
            rows=rows,
            rows_total=int(m.gauge("rows_total")),
            rows_per_s=rate,
            files_done=int(m.gauge("files_done")),
            files_total=int(m.gauge("files_total")),
        )

    def record(self, progress: DemoProgress, x: float) -> None:
        self.series(THROUGHPUT_CHART, "rows/s").append(x, progress.rows_per_s)
