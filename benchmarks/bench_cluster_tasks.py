"""What one task costs on a ``local:N`` Dask cluster beyond its own work: CPU of the job process and
of the workers per task.

    python benchmarks/bench_cluster_tasks.py                  # 300 tasks of 20 ms CPU on local:2, 3 rounds
    python benchmarks/bench_cluster_tasks.py --tasks 1000 --task-ms 5
    python benchmarks/bench_cluster_tasks.py --group-cap 1    # one Dask task each (groups off)

Each round starts a fresh ``local:2`` cluster (``DaskExecutor.open``, as a job does), runs the tasks
through ``map_unordered`` and measures, from the first submit to the last result: the CPU time of
this process (the coordinator: client, scheduler, status relay) and of every worker process (from
/proc) minus the tasks' own CPU. The task spins on CPU for ``--task-ms`` and ticks its status
reporter like a job's task, so status snapshots cross the scheduler as in a run. Startup and close
are not in the figures (benchmarks/bench_cluster.py measures a whole run); on a machine other work
shares, CPU per task is steadier than wall time.
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import sys
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from proc_stat import proc_stat  # noqa: E402

from engine.cluster.groups import GROUP_CAP  # noqa: E402


def spin(task_ms: float) -> int:
    """A task: ``task_ms`` of CPU on this thread, ticking the status reporter meanwhile."""
    from engine.pool_worker import current_reporter

    reporter = current_reporter()
    end = time.thread_time() + task_ms / 1000
    while time.thread_time() < end:
        reporter.tick()
    return 1


def workers_cpu_s(pids: Iterable[int]) -> float:
    """CPU seconds of the workers so far (each must still run: a worker lost mid-round spoils it)."""
    stats = [proc_stat(pid) for pid in pids]
    assert None not in stats, "a worker exited during the round"
    return sum(stat.cpu_s for stat in stats)


def one_round(tasks: int, task_ms: float, workers: int, group_cap: int) -> tuple[float, float]:
    """(coordinator ms, workers ms) of CPU per task beyond the task's own."""
    from engine.cluster.executor import DaskExecutor
    from engine.context import JobContext, StopFlag
    from engine.executor import TaskSpec

    ctx = JobContext("bench", queue.SimpleQueue(), StopFlag())
    executor = DaskExecutor.open(f"local:{workers}", spin, ctx, group_cap=group_cap)
    try:
        pids = executor.connection.local_workers.pids
        workers_before, own_before = workers_cpu_s(pids), time.process_time()
        done = sum(r.value for r in executor.map_unordered(TaskSpec(i, task_ms) for i in range(tasks)) if r.ok)
        workers_cpu = workers_cpu_s(pids) - workers_before
        own_cpu = time.process_time() - own_before
    finally:
        executor.shutdown()
    assert done == tasks, f"{tasks - done} task(s) failed"
    return own_cpu * 1000 / tasks, (workers_cpu - tasks * task_ms / 1000) * 1000 / tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--task-ms", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--group-cap", type=int, default=GROUP_CAP, help="short tasks to one Dask task at most (1: groups off)"
    )
    args = parser.parse_args()
    print(
        f"{args.tasks} tasks of {args.task_ms:g} ms on local:{args.workers}, groups of up to {args.group_cap}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    own, theirs = [], []
    for n in range(args.rounds):
        coordinator_ms, workers_ms = one_round(args.tasks, args.task_ms, args.workers, args.group_cap)
        own.append(coordinator_ms)
        theirs.append(workers_ms)
        print(
            f"  round {n + 1} (load average {os.getloadavg()[0]:.1f}): job process {coordinator_ms:.2f} ms, "
            f"workers {workers_ms:.2f} ms of CPU per task beyond the task",
            flush=True,
        )
    print(f"median: job process {statistics.median(own):.2f} ms, workers {statistics.median(theirs):.2f} ms per task")


if __name__ == "__main__":
    main()
