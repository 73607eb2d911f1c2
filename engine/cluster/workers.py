"""The cluster's workers as the Processes view shows them, from what the scheduler knows.

    client.scheduler_info()["workers"][address]  ─┐  nthreads, host, metrics: cpu %, memory (RSS)
    client.processing()  {address: (keys…)}       ─┼─► WorkerInfo(name, pid, host, state, current,
    pids  {address: pid}  (asked once per worker) ─┘               cpu_percent, rss_bytes, threads)

``current`` shows the labels of this run's tasks on that worker (a key of another run or client is
counted, not named). ``pid`` is the worker's pid *on its host*: only meaningful with ``host``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.cluster.remote import worker_label
from engine.status import WorkerInfo

#: WorkerInfo.state of a worker with no task, by the scheduler's worker status (default "idle").
_IDLE_STATE = {"init": "starting", "closing": "dead", "closing_gracefully": "dead", "closed": "dead",
               "failed": "dead"}


def workers_from_scheduler(
    workers: Mapping[str, Mapping[str, Any]],
    processing: Mapping[str, Any],
    pids: Mapping[str, int],
    label_of: Callable[[str], str | None],
) -> list[WorkerInfo]:
    """One ``WorkerInfo`` per worker, sorted by address; ``label_of`` maps a dask key to our label."""
    infos = []
    for address in sorted(workers):
        info = workers[address]
        metrics = info.get("metrics", {})
        keys = [str(k) for k in processing.get(address, ())]
        ours = [label for label in map(label_of, keys) if label is not None]
        others = len(keys) - len(ours)
        current = ", ".join(ours) + (f"{' + ' if ours else ''}{others} other task(s)" if others else "")
        status = info.get("status", "running")
        state = "busy" if keys else _IDLE_STATE.get(str(status).lower(), "idle")
        cpu = metrics.get("cpu")
        memory = metrics.get("memory")
        infos.append(WorkerInfo(
            name=worker_label(address),
            pid=pids.get(address),
            host=str(info.get("host", "")),
            state=state,
            current=current,
            cpu_percent=None if cpu is None else float(cpu),
            rss_bytes=None if memory is None else int(memory),
            threads=info.get("nthreads"),
        ))
    return infos
