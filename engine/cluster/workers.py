"""The cluster's workers as the Processes view shows them, from what the scheduler knows.

    read_workers(client):
    client.scheduler_info()["workers"][address]  ─┐  nthreads, host, metrics: cpu %, memory (RSS)
    client.processing()  {address: (keys…)}       ─┼─► WorkerInfo(name, pid, host, state, current,
    pids  {address: pid}  (asked once per worker) ─┘               cpu_percent, rss_bytes, threads)

``current`` shows the labels of this run's tasks on that worker (a key of another run or client is
counted, not named). ``pid`` is the worker's pid *on its host*: only meaningful with ``host``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from engine.cluster.connection import CONNECT_TIMEOUT_S, connect
from engine.cluster.remote import worker_label
from engine.status import WorkerInfo

#: WorkerInfo.state of a worker with no task, by the scheduler's worker status (default "idle").
_IDLE_STATE = {"init": "starting", "closing": "dead", "closing_gracefully": "dead", "closed": "dead", "failed": "dead"}


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
        infos.append(
            WorkerInfo(
                name=worker_label(address),
                pid=pids.get(address),
                host=str(info.get("host", "")),
                state=state,
                current=current,
                cpu_percent=None if cpu is None else float(cpu),
                rss_bytes=None if memory is None else int(memory),
                threads=info.get("nthreads"),
            )
        )
    return infos


def read_workers(
    client: Any, pids: dict[str, int], label_of: Callable[[str], str | None] = lambda key: None
) -> list[WorkerInfo]:
    """The workers now (two scheduler round trips; a third to ask new workers their pid, kept in
    ``pids``). At most once a second: the Processes view's rate."""
    workers = client.scheduler_info()["workers"]
    unknown = [address for address in workers if address not in pids]
    if unknown:
        answers = client.run(os.getpid, workers=unknown, on_error="return")
        pids.update({address: pid for address, pid in answers.items() if isinstance(pid, int)})
    return workers_from_scheduler(workers, client.processing(), pids, label_of)


def cluster_workers(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> list[WorkerInfo]:
    """ "Test connection": connect to ``address``, list its workers, disconnect.

    Blocks for up to ``timeout_s`` (a GUI calls it on a thread of its own, never on the event loop);
    raises ``ValueError`` for a malformed address and ``ClusterUnreachable`` with the reason.
    """
    with connect(address, timeout_s) as connection:
        return read_workers(connection.client, {})
