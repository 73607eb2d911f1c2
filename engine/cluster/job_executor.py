"""The one place a job chooses where its tasks run: this machine's process pool, or a Dask cluster.

    open_job_executor(fn, ctx, workers=N, stage=…, cluster=None)       ─► ProcessPool (today's path)
    open_job_executor(fn, ctx, …, cluster="tcp://HOST:PORT" | "local:N",
                      inputs=paths read, output_dir=folder written)   ─► DaskExecutor.open(…)
                                                                          connect ≤ 10 s, data reach

Either way the job gets an ``Executor`` (engine/executor.py) and its code does not change; dask is
imported only when a cluster is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from engine.context import JobContext
from engine.executor import Executor


def open_job_executor(
    fn: Callable[[Any], Any],
    ctx: JobContext,
    *,
    workers: int,
    stage: str,
    cluster: str | None = None,
    inputs: Iterable[Path | str] = (),
    output_dir: Path | str | None = None,
    local_worker_setup: Callable[[], None] | None = None,
    **pool_options: Any,
) -> Executor:
    """A ``ProcessPool`` of ``workers`` without ``cluster``; with it, a ``DaskExecutor`` on that
    cluster that has checked every worker reads ``inputs`` and writes ``output_dir``.

    Raises ``ValueError`` (malformed address), ``ClusterUnreachable``, ``DataReachError``: each with a
    message for a person, naming the address, the worker and the path.

    ``local_worker_setup``: what the job's own pool workers do for themselves before their first
    task, for the workers of a ``local:N`` cluster, which run only this run's tasks too (each
    runs it once as it starts); the pool and a remote scheduler's shared workers ignore it.
    """
    if cluster is None:
        from engine.pool import ProcessPool

        return ProcessPool(fn, workers, ctx, stage=stage, **pool_options)
    from engine.cluster.executor import DaskExecutor

    return DaskExecutor.open(
        cluster, fn, ctx, stage=stage, inputs=inputs, output_dir=output_dir, local_worker_setup=local_worker_setup
    )
