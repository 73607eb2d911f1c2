"""The Clean job's progress as named fields, from its status snapshots (see ``engine.progress``).

Counters read (sent by the coordinator, stage ``job``, and the pool workers, stage ``clean``):
files_todo/done/failed/resumed, rows_out(_resumed), segments_total/written/empty/failed and
drops_<reason> from the coordinator; rows_in and rows_written summed over the workers.

One number, one source: the progress bar's done/total/rate (``bar``) and the throughput chart
(``rows_read_per_s``, ``rows_written_per_s``) are fields of the same ``CleanProgress``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.clean.config import DropReason
from engine.progress import Bar, ProgressTracker, RunMonitor, average_rate

JOB_STAGE = "job"
WORKER_STAGE = "clean"
THROUGHPUT_CHART = "throughput"


@dataclass(frozen=True)
class CleanProgress:
    running: bool
    elapsed_s: float
    #: "cleaning" while files are read; "writing" once every file is cleaned and segments are still
    #: being written (.xlsx writes ~20× slower than cleaning: a bar over files alone would sit at
    #: 100 % for most of the run); "" once the run has ended.
    phase: str
    files_todo: int
    files_done: int
    files_failed: int
    files_resumed: int
    files_per_s: float
    rows_read: int
    rows_read_per_s: float
    rows_written: int
    rows_written_per_s: float
    rows_to_write: int  # rows out of this run (resumed segments are not written again)
    segments_total: int
    segments_written: int
    segments_empty: int
    segments_failed: int
    drops: Mapping[str, int] = field(default_factory=dict)  # DropReason → rows, only reasons with drops
    current_files: frozenset[str] = frozenset()  # labels the workers are on now

    @property
    def files_ended(self) -> int:
        """Files of this run that ended (cleaned or failed); resumed ones did not run."""
        return self.files_done + self.files_failed - self.files_resumed

    @property
    def bar(self) -> Bar:
        if self.phase == "writing":
            return Bar(self.rows_written, max(self.rows_to_write, 1), self.rows_written_per_s, "rows written")
        return Bar(self.files_ended, self.files_todo, self.files_per_s, "files")


class CleanProgressTracker(ProgressTracker[CleanProgress]):
    def compute(self, m: RunMonitor) -> CleanProgress:
        t, elapsed = m.clock(), m.elapsed_s()

        def coordinator(name: str) -> int:
            return int(m.gauge(name, JOB_STAGE))

        files_todo, files_done = coordinator("files_todo"), coordinator("files_done")
        files_failed, files_resumed = coordinator("files_failed"), coordinator("files_resumed")
        ended = files_done + files_failed - files_resumed
        rows_read = int(m.counter("rows_in", WORKER_STAGE))
        rows_written = int(m.counter("rows_written", WORKER_STAGE))
        files_rate = self.rate("files", t, ended, window_s=10.0)
        read_rate = self.rate("read", t, rows_read)
        write_rate = self.rate("written", t, rows_written)
        if not m.running:  # the run's average, not the last window's
            files_rate, read_rate = average_rate(ended, elapsed), average_rate(rows_read, elapsed)
        segments = {name: coordinator(f"segments_{name}") for name in ("total", "written", "empty", "failed")}
        segments_left = segments["total"] - segments["written"] - segments["empty"] - segments["failed"]
        if not m.running:
            phase = ""
        elif files_todo and ended >= files_todo and segments_left > 0:
            phase = "writing"
        else:
            phase = "cleaning"
        drops = {reason: coordinator(f"drops_{reason}") for reason in DropReason.ALL}
        return CleanProgress(
            running=m.running,
            elapsed_s=elapsed,
            phase=phase,
            files_todo=files_todo,
            files_done=files_done,
            files_failed=files_failed,
            files_resumed=files_resumed,
            files_per_s=files_rate,
            rows_read=rows_read,
            rows_read_per_s=read_rate,
            rows_written=rows_written,
            rows_written_per_s=write_rate,
            rows_to_write=coordinator("rows_out") - coordinator("rows_out_resumed"),
            segments_total=segments["total"],
            segments_written=segments["written"],
            segments_empty=segments["empty"],
            segments_failed=segments["failed"],
            drops={reason: n for reason, n in drops.items() if n > 0},
            current_files=frozenset(
                w.snapshot.current for w in m.stage_workers(WORKER_STAGE) if w.snapshot.current and w.exited is None
            ),
        )

    def record(self, progress: CleanProgress, x: float) -> None:
        self.series(THROUGHPUT_CHART, "read + cleaned").append(x, progress.rows_read_per_s)
        self.series(THROUGHPUT_CHART, "written").append(x, progress.rows_written_per_s)
