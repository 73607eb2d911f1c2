"""Open (and close) the Dask client a run works through, with a deadline a person can wait for.

    parse_cluster_address(text) ─► SchedulerAddress ─► TCP probe ─► Client(address) ─► ≥ 1 worker?
                                 └► LocalClusterSpec ─► LocalCluster(N processes, 1 thread each) ─► Client
    ClusterConnection.close() ─► Client.close() ─► every nanny closed at once, its worker killed after
                                 WORKER_CLOSE_TIMEOUT_S ─► LocalCluster.close() (the scheduler ends)

Why a TCP probe before ``Client(address, timeout=…)``: the client retries a refused connection until
its timeout, and it waits without limit on a listener that accepts but never speaks (a wrong port).
A Dask scheduler writes its handshake as soon as it accepts a connection, so "refused", "no answer
within the deadline" and "answered" are told apart in one short step, each with its own message.
"""

from __future__ import annotations

import asyncio
import logging
import select
import socket
import time
from dataclasses import dataclass
from typing import Any, Self

from engine.cluster.address import (
    ClusterAddress,
    LocalClusterSpec,
    SchedulerAddress,
    parse_cluster_address,
)
from engine.context import JobError

#: Connecting to a scheduler (probe, handshake and the first worker) fails after this long.
CONNECT_TIMEOUT_S = 10.0

#: ``local:N``: a task whose worker died is started again at most this many times, then fails with
#: "worker died" (the local pool's ``max_retries``). A remote scheduler keeps its own setting
#: (``distributed.scheduler.allowed-failures``, 3 by default).
LOCAL_ALLOWED_FAILURES = 2

#: How long closing the client and a LocalCluster may take before we give up waiting.
CLOSE_TIMEOUT_S = 10.0

#: Closing a LocalCluster a run started: each worker process is asked to stop and, if it has not
#: exited after 80 % of this, killed (then joined). Its tasks are over and it holds nothing the run
#: needs (outputs are files the tasks closed), so Dask's graceful worker close (0.4-1 s: unregister,
#: shut its thread pool, close its comms) buys nothing at the end of a run.
WORKER_CLOSE_TIMEOUT_S = 0.25

#: Dask settings of a LocalCluster a run starts (never applied to someone's scheduler): its
#: background work cut to what a run uses. Dask's defaults sample every task thread's stack every
#: 10 ms (the statistical profiler), poll the GIL every 1 ms, check the event loop every 20 ms and
#: each worker's memory every 100 ms: 0.11 CPU-seconds per second for an idle local:2, 0.016 with
#: these (benchmarks/bench_cluster.py; the workers' memory metric still arrives once a second).
#: Host-wide disk I/O counters (read from /proc and sysfs for every device by the scheduler, each
#: nanny and each worker on every monitor tick) are not shown anywhere: off.
#: Dask sets ``MALLOC_TRIM_THRESHOLD_=65536`` before it spawns a worker (to hand memory back to the
#: OS early); that also turns off glibc's adaptive mmap threshold, so every buffer over 128 KiB is
#: mapped and unmapped again, page faults each time. The clean tasks cost ~9 % more CPU with it
#: (23 files on a thread, median of 3: 4.09 vs 3.77 CPU-s): a run's workers use glibc's defaults, as
#: the pool's do. (One malloc arena for the task thread, tried too, changed nothing measurable.)
LOCAL_CLUSTER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.admin.system-monitor.disk": False,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
}


class ClusterUnreachable(JobError):
    """The cluster cannot be used: the message says which address and why, for a person to act on."""


@dataclass
class ClusterConnection:
    """A connected ``distributed.Client`` and, for ``local:N``, the LocalCluster this run owns."""

    address: ClusterAddress
    client: Any
    local_cluster: Any | None = None

    @property
    def scheduler_address(self) -> str:
        return self.client.scheduler.address

    def worker_threads(self) -> int:
        """Threads over all workers now (what the executor sizes its in-flight window by)."""
        return sum(self.client.nthreads().values())

    def close(self) -> None:
        """Close the client, then the LocalCluster this run started (every process of it ends)."""
        try:
            self.client.close(timeout=CLOSE_TIMEOUT_S)
        finally:
            if self.local_cluster is not None:
                try:
                    self.local_cluster.sync(_stop_workers, self.local_cluster, WORKER_CLOSE_TIMEOUT_S)
                finally:
                    self.local_cluster.close(timeout=CLOSE_TIMEOUT_S)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _stop_workers(cluster: Any, timeout_s: float) -> None:
    """Close every nanny of ``cluster`` at once, each killing its worker process after ``timeout_s``
    at most; the cluster's own close then finds them closed and stops the scheduler.

    A killed process that takes longer than ``timeout_s`` to be reaped (a loaded machine) makes its
    nanny's close raise: that one is then joined with the patient ``CLOSE_TIMEOUT_S``.
    """
    nannies = list(cluster.workers.values())
    processes = [getattr(nanny.process, "process", None) for nanny in nannies]
    results = await asyncio.gather(*(nanny.close(timeout=timeout_s) for nanny in nannies), return_exceptions=True)
    for process, result in zip(processes, results):
        if isinstance(result, BaseException) and process is not None and process.is_alive():
            await process.join(CLOSE_TIMEOUT_S)


def connect(address: ClusterAddress | str, timeout_s: float = CONNECT_TIMEOUT_S) -> ClusterConnection:
    """A client on ``address`` with at least one worker, or ``ClusterUnreachable`` within ``timeout_s``."""
    if isinstance(address, str):
        address = parse_cluster_address(address)
    if isinstance(address, LocalClusterSpec):
        return _start_local(address)
    return _connect_scheduler(address, timeout_s)


def _start_local(spec: LocalClusterSpec) -> ClusterConnection:
    import dask
    from distributed import Client

    # Task failures come back to the coordinator as data; the workers' own "Compute Failed" log
    # lines would only repeat them on stderr. The settings are read as the scheduler and the
    # nannies start (a nanny hands its copy to the worker it starts, and to a replacement).
    with dask.config.set(LOCAL_CLUSTER_CONFIG):
        cluster = _local_cluster(spec)
    try:
        client = Client(cluster, set_as_default=False)
    except BaseException:
        cluster.close(timeout=CLOSE_TIMEOUT_S)
        raise
    return ClusterConnection(spec, client, cluster)


def _local_cluster(spec: LocalClusterSpec) -> Any:
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=spec.workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
        # The scheduler serves HTTP (health, metrics) even without a dashboard, on
        # :8787 unless told otherwise: any free port, so a second cluster never clashes.
        scheduler_kwargs={"allowed_failures": LOCAL_ALLOWED_FAILURES, "dashboard_address": "127.0.0.1:0"},
    )


def _connect_scheduler(address: SchedulerAddress, timeout_s: float) -> ClusterConnection:
    from distributed import Client

    deadline = time.monotonic() + timeout_s
    _probe_scheduler(address, deadline, timeout_s)
    try:
        client = Client(str(address), timeout=max(0.5, deadline - time.monotonic()), set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterUnreachable(f"no Dask scheduler answered at {address}: {exc}") from exc
    try:
        client.wait_for_workers(1, timeout=max(0.5, deadline - time.monotonic()))
    except (OSError, TimeoutError) as exc:
        client.close(timeout=CLOSE_TIMEOUT_S)
        raise ClusterUnreachable(
            f"the Dask scheduler at {address} has no workers (start some with: dask worker {address})"
        ) from exc
    except BaseException:
        client.close(timeout=CLOSE_TIMEOUT_S)
        raise
    return ClusterConnection(address, client)


def _probe_scheduler(address: SchedulerAddress, deadline: float, timeout_s: float) -> None:
    """Raise ``ClusterUnreachable`` unless something at ``address`` accepts and speaks first."""
    try:
        sock = socket.create_connection((address.host, address.port), timeout=max(0.1, deadline - time.monotonic()))
    except TimeoutError as exc:
        raise ClusterUnreachable(
            f"cannot reach the Dask scheduler at {address}: no answer within {timeout_s:g} s"
        ) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ClusterUnreachable(f"cannot reach the Dask scheduler at {address}: {reason}") from exc
    with sock:
        readable, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
        if not readable:
            raise ClusterUnreachable(
                f"{address} accepted the connection but did not answer like a Dask "
                f"scheduler within {timeout_s:g} s (is it the scheduler's port?)"
            )
