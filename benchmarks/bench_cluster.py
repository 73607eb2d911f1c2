"""The cost of running on a Dask cluster: clean's file task over 100 files, local pool vs local:2.

    python benchmarks/bench_cluster.py                  # 100 files x 20,000 rows, 3 rounds
    python benchmarks/bench_cluster.py --rows 5000      # a shorter run
    python benchmarks/bench_cluster.py --quick          # 10 files x 2,000 rows, 1 round

What is measured: the clean job's per-file task (``run_clean_task`` on a ``CleanFileTask``: read the
.xlsx, apply the rules, write the part file) over every input file, through the executor interface:
  (a) ``ProcessPool`` with N workers (today's local path), start-up included;
  (b) ``DaskExecutor.open("local:N")``: LocalCluster start, data-reach check, the same tasks.
Both drain the status into a queue as a job run does. Rounds alternate (a, b, a, b, …) so load from
elsewhere hits both alike; the median of each is reported, with (b) split into start-up and tasks.
The part files of (a) and (b) are compared byte for byte.
"""

from __future__ import annotations

import argparse
import filecmp
import queue
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_clean import ensure_data

from engine.clean.config import CleanRules, ColumnMap
from engine.clean.worker import CleanFileTask, PartFiles, run_clean_task
from engine.cluster.executor import DaskExecutor
from engine.context import SPAWN, JobContext
from engine.executor import Executor, TaskSpec
from engine.pool import ProcessPool


def tasks(paths: list[Path], parts: Path) -> list[TaskSpec]:
    return [TaskSpec(("file", i), CleanFileTask(i, p, PartFiles.in_folder(parts, i, "parquet"), ColumnMap(),
                                                CleanRules(), False, "parquet"), p.name) for i, p in enumerate(paths)]


def run(executor: Executor, specs: list[TaskSpec]) -> int:
    rows = 0
    for result in executor.map_unordered(specs):
        if not result.ok:
            raise SystemExit(f"{result.label} failed: {result.error}")
        rows += result.value["rows_in"]
    return rows


def time_pool(paths: list[Path], parts: Path, workers: int) -> tuple[float, int]:
    ctx = JobContext("bench", queue.Queue(), SPAWN.Event())
    started = time.perf_counter()
    with ProcessPool(run_clean_task, workers, ctx, stage="clean") as pool:
        rows = run(pool, tasks(paths, parts))
    return time.perf_counter() - started, rows


def time_cluster(paths: list[Path], parts: Path, workers: int) -> tuple[float, float, int]:
    ctx = JobContext("bench", queue.Queue(), SPAWN.Event())
    started = time.perf_counter()
    with DaskExecutor.open(f"local:{workers}", run_clean_task, ctx, stage="clean", inputs=paths,
                           output_dir=parts) as executor:
        opened = time.perf_counter()
        rows = run(executor, tasks(paths, parts))
    return time.perf_counter() - started, opened - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10 files x 2,000 rows, 1 round")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    if args.quick:
        args.files, args.rows, args.rounds = 10, 2000, 1
    data_dir = args.data_dir or Path(tempfile.gettempdir()) / f"mpwatch-bench-clean-{args.files}x{args.rows}"
    paths = ensure_data(data_dir, args.files, args.rows, args.workers)
    total = len(paths) * args.rows
    print(f"clean file tasks: {len(paths)} files x {args.rows:,} rows = {total:,} rows, {args.workers} workers, "
          f"{args.rounds} round(s)")
    pool_s, cluster_s, startup_s = [], [], []
    with tempfile.TemporaryDirectory(prefix="mpwatch-bench-cluster-") as out:
        for n in range(args.rounds):
            pool_parts, cluster_parts = Path(out, f"pool-{n}"), Path(out, f"cluster-{n}")
            pool_parts.mkdir()
            cluster_parts.mkdir()
            seconds, rows = time_pool(paths, pool_parts, args.workers)
            assert rows == total, rows
            pool_s.append(seconds)
            seconds, startup, rows = time_cluster(paths, cluster_parts, args.workers)
            assert rows == total, rows
            cluster_s.append(seconds)
            startup_s.append(startup)
            names = sorted(p.name for p in pool_parts.iterdir())
            _, mismatch, errors = filecmp.cmpfiles(pool_parts, cluster_parts, names, shallow=False)
            assert not mismatch and not errors and len(names) == len(paths), (mismatch, errors)
            print(f"  round {n + 1}: pool {pool_s[-1]:.2f} s, local:{args.workers} {cluster_s[-1]:.2f} s "
                  f"(start-up and data check {startup:.2f} s); part files identical", flush=True)
    pool, cluster, startup = (statistics.median(x) for x in (pool_s, cluster_s, startup_s))
    print(f"median: pool {pool:.2f} s ({total / pool:,.0f} rows/s); local:{args.workers} {cluster:.2f} s "
          f"({total / cluster:,.0f} rows/s) = {cluster / pool - 1:+.1%}; of which start-up {startup:.2f} s, "
          f"tasks {cluster - startup:.2f} s ({(cluster - startup) / pool - 1:+.1%} vs the whole pool run)")


if __name__ == "__main__":
    main()
