"""Where the CPU of one clean run goes, per process and per phase: local pool vs ``--cluster local:N``.

    python benchmarks/bench_cluster_phases.py --data-dir /tmp/bench_cluster_data            # local:2
    python benchmarks/bench_cluster_phases.py --data-dir /tmp/bench_cluster_data --pool     # the pool

One clean run (``run_clean``, as benchmarks/bench_cluster.py runs it) in this fresh process. Phase
marks are set by wrapping the job's own steps (nothing in engine/ knows of them): the executor
opened (for local:N split into the cluster started, the executor's set-up and the data-reach
check), the first file result, the last file result, the last segment written, the executor shut
down. At each mark the CPU seconds (user + system, /proc/PID/stat) of this process and of every
worker process are read; the table shows what each process spent between two marks. Workers that
have exited by the end are read at their last sample (the close phase of the pool then shows what
it had at the last mark before it; ``--interval`` samples in between to catch that).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from proc_stat import ProcStat, proc_stat  # noqa: E402


def children_of(pid: int) -> list[int]:
    """Every descendant of ``pid`` alive now (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := proc_stat(int(entry))) is not None:
            parents.setdefault(stat.ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Marks:
    """CPU of this process and of each descendant at named moments; a descendant's last reading
    is kept after it exits."""

    def __init__(self, system_only: bool = False) -> None:
        #: ``system_only``: count kernel time alone (what syscalls, page faults and thread wake-ups cost)
        self.system_only = system_only
        self.rows: list[tuple[str, float, dict[int, float]]] = []
        self.last: dict[int, float] = {}
        self.detail: dict[int, ProcStat] = {}
        self.lock = threading.Lock()
        self.mark("process start")

    def sample(self, scan: bool = True) -> dict[int, float]:
        """Read every descendant (``scan``: look for new ones in /proc first, ~5 ms; else only the
        ones known)."""
        with self.lock:
            for pid in children_of(os.getpid()) if scan else list(self.last):
                stat = proc_stat(pid)
                if stat is not None:
                    self.last[pid] = self.seconds(stat)
                    self.detail[pid] = stat
            return {0: self.seconds(proc_stat(os.getpid())), **self.last}

    def seconds(self, stat: ProcStat) -> float:
        return stat.system_s if self.system_only else stat.cpu_s

    def mark(self, name: str) -> None:
        self.rows.append((name, time.perf_counter(), self.sample()))

    def table(self) -> str:
        """Per phase: wall seconds, CPU seconds of the job process, of all workers, and the sum."""
        head = f"{'phase':34} {'wall s':>7} {'job':>7} {'workers':>8} {'all':>7}"
        lines = [head]
        rows = [*zip(self.rows, self.rows[1:]), (self.rows[0], ("total", *self.rows[-1][1:]))]
        for (_, t0, before), (name, t1, after) in rows:
            own = after[0] - before[0]
            workers = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items() if pid != 0)
            lines.append(f"{name:34} {t1 - t0:7.2f} {own:7.2f} {workers:8.2f} {own + workers:7.2f}")
        return "\n".join(lines)


def wrap(owner: object, name: str, before: str | None = None, after: str | None = None, marks: Marks = None) -> None:
    original = getattr(owner, name)

    def wrapped(*args, **kwargs):
        if before:
            marks.mark(before)
        try:
            return original(*args, **kwargs)
        finally:
            if after:
                marks.mark(after)

    setattr(owner, name, wrapped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--format", dest="out_format", default="xlsx")
    parser.add_argument("--pool", action="store_true", help="the local process pool instead of local:N")
    parser.add_argument("--system", action="store_true", help="CPU columns: system (kernel) seconds only")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between background samples")
    args = parser.parse_args()
    marks = Marks(args.system)
    from bench_cluster import clean_here

    import engine.cli.clean  # noqa: F401  (both paths import the command's module, as ``mpwatch clean`` does)
    from engine.cluster.early_start import job_workers_started_early

    cluster = None if args.pool else f"local:{args.workers}"
    # local:N: spawned now, as mpwatch clean does
    with job_workers_started_early(cluster, "engine.clean.job:run_clean"):
        run_marked(args, marks, cluster, clean_here)


def run_marked(args: argparse.Namespace, marks: Marks, cluster: str | None, clean_here) -> None:
    from engine.clean import job

    marks.mark("import the clean job")
    stop_sampling = threading.Event()

    def sampler() -> None:
        while not stop_sampling.wait(args.interval):
            marks.sample(scan=False)

    threading.Thread(target=sampler, daemon=True).start()
    files_done = [0]
    segments_done = [0]
    original_file_done = job._CleanRun.on_file_done
    original_segment_written = job._CleanRun.on_segment_written

    def on_file_done(self, result, index):
        original_file_done(self, result, index)
        files_done[0] += 1
        if files_done[0] == 1:
            marks.mark("first file result")
        elif files_done[0] == len(self.files):
            marks.mark("the other file results")

    def on_segment_written(self, result, s):
        original_segment_written(self, result, s)
        segments_done[0] += 1
        if segments_done[0] == len(self.segments):
            marks.mark("segments written (after files)")

    job._CleanRun.on_file_done = on_file_done
    job._CleanRun.on_segment_written = on_segment_written
    if args.pool:
        wrap(job._CleanRun, "start_workers_early", after="pool started (workers spawning)", marks=marks)
        wrap(job._CleanRun, "prepare", after="prepare", marks=marks)
    else:
        from engine.cluster import connection, executor

        wrap(job._CleanRun, "prepare", after="prepare", marks=marks)
        wrap(executor, "connect", after="cluster started (workers ready)", marks=marks)
        wrap(executor, "check_data_reach", before="executor set-up", after="data-reach check", marks=marks)
        wrap(connection.ClusterConnection, "close", before="executor shutdown (before close)", marks=marks)
    with tempfile.TemporaryDirectory(prefix="mpwatch-phases-") as out:
        summary = clean_here(args.data_dir, Path(out), args.workers, args.out_format, cluster)
        marks.mark("closed (run_clean returned)")
    stop_sampling.set()
    print(f"{'pool' if args.pool else f'local:{args.workers}'}: {summary['files_ok']} files; load {os.getloadavg()}")
    print(marks.table())
    marks.detail[0] = proc_stat(os.getpid())
    for pid, stat in sorted(marks.detail.items()):
        print(
            f"  {'job' if pid == 0 else f'pid {pid}'}: user {stat.user_s:.2f} s, system {stat.system_s:.2f} s, "
            f"{stat.minor_faults:,} minor faults"
        )


if __name__ == "__main__":
    main()
