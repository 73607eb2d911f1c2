"""The cost of running on a Dask cluster: the clean job over 100 files, local pool vs ``--cluster local:2``.

    python benchmarks/bench_cluster.py                       # 100 files x 20,000 rows, .xlsx, 3 rounds
    python benchmarks/bench_cluster.py --format csv          # another output format
    python benchmarks/bench_cluster.py --quick               # 10 files x 2,000 rows, 1 round

What is measured: the real clean job (``run_clean``, what ``mpwatch clean`` runs; segments of 25
files, the default rules), each run in a fresh Python process as a user's ``mpwatch clean`` is, so
both paths pay their cold start (interpreter, imports, workers, for (b) dask in every process):
  (a) this machine's process pool with N workers (no ``--cluster``);
  (b) ``cluster="local:N"``: a Dask scheduler started in the run process and N Dask worker
      processes (1 thread each), data-reach check, the same tasks on them, all closed again.
Wall time is taken around that process, from its start to its exit. The run process imports the
job only inside its function, like main.py, so the workers it spawns do not import it as their
``__main__``; for (b) it spawns the workers before it imports the job, as ``mpwatch clean`` does
(engine/cluster/early_start.py); both import ``engine.cli.clean``, as the command does. The status is drained from the job's queue by a thread, as the CLI does. Rounds
alternate (a, b, a, b, …) so load from elsewhere hits both alike; every round is printed with the
load average, then the median of each, the median of the rounds' own overheads (each round's
pair ran back to back), and the fastest round of each (on a shared machine, the nearest to what
each path costs alone).

CPU time too (``getrusage`` of every run process and of every descendant it waited for: the pool's
workers, the local:N cluster's workers): on a machine other work shares, wall time follows the load,
CPU seconds follow the work done. The outputs of (a) and (b) are compared: byte for byte (csv,
parquet), every part but docProps/core.xml (xlsx).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from status_drain import StatusDrain  # noqa: E402


def cpu_seconds_of_children() -> float:
    """User + system CPU of every descendant that has exited and been waited for (theirs too)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def run_once(data_dir: Path, out: Path, workers: int, out_format: str, cluster: str | None) -> dict:
    """One clean run in this process (the child of ``timed_run``): its summary. A ``local:N``
    cluster's workers are started before the job is imported, as ``mpwatch clean`` starts them."""
    import engine.cli.clean  # noqa: F401  (both paths import the command's module, as ``mpwatch clean`` does)
    from engine.cluster.early_start import job_workers_started_early

    with job_workers_started_early(cluster, "engine.clean.job:run_clean"):
        return clean_here(data_dir, out, workers, out_format, cluster)


def clean_here(data_dir: Path, out: Path, workers: int, out_format: str, cluster: str | None) -> dict:
    from engine.clean.config import CleanConfig
    from engine.clean.job import run_clean
    from engine.context import SPAWN, JobContext, StopFlag

    status = SPAWN.Queue(maxsize=10000)
    config = CleanConfig(inputs=(data_dir,), out_dir=out, workers=workers, out_format=out_format, cluster=cluster)
    with StatusDrain(status):
        return run_clean(config, JobContext("bench", status, StopFlag()))


def timed_run(
    data_dir: Path, out: Path, workers: int, out_format: str, cluster: str | None
) -> tuple[float, float, dict]:
    """Wall seconds of a fresh process running the clean job, the CPU seconds of it and of every
    process it started, and the job's summary."""
    command = [sys.executable, str(Path(__file__).resolve()), "--run-once", str(out), "--data-dir", str(data_dir)]
    command += ["--workers", str(workers), "--format", out_format] + (["--cluster", cluster] if cluster else [])
    cpu_started, started = cpu_seconds_of_children(), time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    seconds, cpu = time.perf_counter() - started, cpu_seconds_of_children() - cpu_started
    if done.returncode != 0:
        raise SystemExit(f"the run process failed (exit code {done.returncode})")
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    if summary["files_failed"]:
        raise SystemExit(f"{summary['files_failed']} file(s) failed: {summary['failed'][:3]}")
    return seconds, cpu, summary


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def content(path: Path) -> dict[str, bytes]:
    if path.suffix != ".xlsx":
        return {"": path.read_bytes()}
    with zipfile.ZipFile(path) as book:
        return {name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}


def same_outputs(a: Path, b: Path, out_format: str) -> int:
    left, right = sorted(a.glob(f"clean_*.{out_format}")), sorted(b.glob(f"clean_*.{out_format}"))
    assert left and [p.name for p in left] == [p.name for p in right], (left, right)
    for x, y in zip(left, right):
        assert content(x) == content(y), f"{x.name} differs"
    return len(left)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--format", dest="out_format", choices=("xlsx", "csv", "parquet"), default="xlsx")
    parser.add_argument("--quick", action="store_true", help="10 files x 2,000 rows, 1 round")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--run-once", type=Path, metavar="OUT", help=argparse.SUPPRESS)
    parser.add_argument("--cluster", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_once:  # the child of timed_run: one run, its summary as the last line
        summary = run_once(args.data_dir, args.run_once, args.workers, args.out_format, args.cluster)
        print(json.dumps(summary, default=str))
        return
    from bench_clean import ensure_data

    if args.quick:
        args.files, args.rows, args.rounds = 10, 2000, 1
    data_dir = args.data_dir or Path(tempfile.gettempdir()) / f"mpwatch-bench-clean-{args.files}x{args.rows}"
    paths = ensure_data(data_dir, args.files, args.rows, args.workers)
    total = len(paths) * args.rows
    cluster = f"local:{args.workers}"
    print(
        f"clean job: {len(paths)} files x {args.rows:,} rows = {total:,} rows → {args.out_format}, "
        f"{args.workers} workers, {args.rounds} round(s); load average {load_average()}"
    )
    pool_s, cluster_s, pool_cpu, cluster_cpu = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="mpwatch-bench-cluster-") as out:
        for n in range(args.rounds):
            pool_out, cluster_out = Path(out, f"pool-{n}"), Path(out, f"cluster-{n}")
            seconds, cpu, summary = timed_run(data_dir, pool_out, args.workers, args.out_format, None)
            assert summary["rows_in"] == total, summary["rows_in"]
            pool_s.append(seconds)
            pool_cpu.append(cpu)
            seconds, cpu, summary = timed_run(data_dir, cluster_out, args.workers, args.out_format, cluster)
            assert summary["rows_in"] == total, summary["rows_in"]
            cluster_s.append(seconds)
            cluster_cpu.append(cpu)
            segments = same_outputs(pool_out, cluster_out, args.out_format)
            print(
                f"  round {n + 1} (load average {load_average()}): pool {pool_s[-1]:.2f} s, {cluster} {cluster_s[-1]:.2f} s "
                f"({cluster_s[-1] / pool_s[-1] - 1:+.1%}); CPU pool {pool_cpu[-1]:.2f} s, {cluster} "
                f"{cluster_cpu[-1]:.2f} s ({cluster_cpu[-1] / pool_cpu[-1] - 1:+.1%}); {segments} segments identical",
                flush=True,
            )
    print(f"load average at the end: {load_average()}")
    pool, on_cluster = statistics.median(pool_s), statistics.median(cluster_s)
    print(
        f"median: pool {pool:.2f} s ({total / pool:,.0f} rows/s); {cluster} {on_cluster:.2f} s "
        f"({total / on_cluster:,.0f} rows/s); overhead {on_cluster / pool - 1:+.1%}"
    )
    cpu_pool, cpu_cluster = statistics.median(pool_cpu), statistics.median(cluster_cpu)
    print(
        f"median CPU: pool {cpu_pool:.2f} s; {cluster} {cpu_cluster:.2f} s; overhead {cpu_cluster / cpu_pool - 1:+.1%}"
    )
    # Each round's pair ran back to back: the median of the pairs' own overheads is less moved by
    # the machine's speed changing between rounds than the ratio of the two medians.
    paired = statistics.median(c / p - 1 for p, c in zip(pool_s, cluster_s, strict=True))
    paired_cpu = statistics.median(c / p - 1 for p, c in zip(pool_cpu, cluster_cpu, strict=True))
    print(f"median of the rounds' own overheads: wall {paired:+.1%}, CPU {paired_cpu:+.1%}")
    # Other work on the machine only ever adds time: on a shared machine the fastest round of each
    # path is the nearest to what it costs alone.
    best_pool, best_cluster = min(pool_s), min(cluster_s)
    print(
        f"best round: pool {best_pool:.2f} s; {cluster} {best_cluster:.2f} s; overhead {best_cluster / best_pool - 1:+.1%}"
    )


if __name__ == "__main__":
    main()
