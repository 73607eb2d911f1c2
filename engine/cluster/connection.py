"""Open (and close) the Dask client a run works through, with a deadline a person can wait for.

    parse_cluster_address(text) ─► SchedulerAddress ─► TCP probe ─► Client(address) ─► ≥ 1 worker?
                                 └► LocalClusterSpec ─► LocalWorkers: N processes spawned first (1 thread each)
                                    ─► scheduler (SpecCluster; tcp for the workers, inproc for us)
                                    ─► attach ─► Client (inproc) ─► every worker says it registered
    ClusterConnection.close() ─► Client.close() ─► the workers terminated and joined ─► the scheduler

Why a TCP probe before ``Client(address, timeout=…)``: the client retries a refused connection until
its timeout, and it waits without limit on a listener that accepts but never speaks (a wrong port).
A Dask scheduler writes its handshake as soon as it accepts a connection, so "refused", "no answer
within the deadline" and "answered" are told apart in one short step, each with its own message.

Why the client of a ``local:N`` run talks to its scheduler over ``inproc://``: both live in this
process, on one event loop; over TCP every message between them (each submit, result, release and
status event: about half of a task's messages) is framed, msgpacked, written and read back by that
same thread. The workers reach the scheduler over TCP as before.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Self

from engine.cluster.address import (
    ClusterAddress,
    LocalClusterSpec,
    SchedulerAddress,
    parse_cluster_address,
)
from engine.cluster.early_start import take_started
from engine.cluster.local_workers import QUIET_LOGGERS, LocalWorkerFailed, LocalWorkers, WorkerStart, imports_frozen
from engine.coded_errors import CodedError, errno_name, inner_error
from engine.context import JobError

#: Connecting to a scheduler (probe, handshake and the first worker) fails after this long.
CONNECT_TIMEOUT_S = 10.0

#: ``local:N``: a task whose worker died is started again at most this many times, then fails with
#: "worker died" (the local pool's ``max_retries``). A remote scheduler keeps its own setting
#: (``distributed.scheduler.allowed-failures``, 3 by default).
LOCAL_ALLOWED_FAILURES = 2

#: How long closing the client and a local:N cluster may take before we give up waiting.
CLOSE_TIMEOUT_S = 10.0

#: How long a ``local:N`` cluster's workers may take to start and register before the run fails.
LOCAL_START_TIMEOUT_S = 60.0

#: Dask settings of a local:N cluster a run starts (never applied to someone's scheduler): its
#: background work cut to what a run uses. Dask's defaults sample every task thread's stack every
#: 10 ms (the statistical profiler), poll the GIL every 1 ms, check the event loop every 20 ms and
#: each worker's memory every 100 ms: 0.11 CPU-seconds per second for an idle local:2, 0.016 with
#: these (benchmarks/bench_cluster.py; the workers' memory metric still arrives once a second).
#: Host-wide disk I/O counters (read from /proc and sysfs for every device by the scheduler, each
#: worker on every monitor tick) are not shown anywhere: off. The workers read these too
#: (engine/cluster/local_workers.py hands them over, before they import distributed). There,
#: ``comm.offload`` off: a worker measures every message it sends with ``sizeof`` (recursively,
#: heartbeats included) to decide whether to serialise it on a thread, which only pays for messages
#: of 10 MiB; our tasks' results and status events are small (11 % of a worker's event loop).
#: Every wake-up of a worker's event loop also takes the GIL from its task thread: on a busy machine
#: the task thread then waits until the OS runs the loop thread (hence the 5 s tick cycle too).
#: The scheduler's work stealing (a callback every 100 ms and a cost estimate on every task
#: transition) and its active memory manager (every 2 s) have nothing to do for one-thread workers
#: holding two tasks each and no replicated data: off.
LOCAL_CLUSTER_CONFIG = {
    "distributed.comm.offload": False,
    "distributed.admin.system-monitor.disk": False,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.tick.cycle": "5s",
    "distributed.admin.system-monitor.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing": False,
    "distributed.scheduler.active-memory-manager.start": False,
}


class ClusterUnreachable(JobError, CodedError):
    """The cluster cannot be used: the message says which address and why, for a person to act on."""


@dataclass
class ClusterConnection:
    """A connected ``distributed.Client`` and, for ``local:N``, the scheduler (``local_cluster``, a
    ``SpecCluster`` without workers of its own) and the worker processes this run owns."""

    address: ClusterAddress
    client: Any
    local_cluster: Any | None = None
    local_workers: LocalWorkers | None = None

    @property
    def scheduler_address(self) -> str:
        """Where workers reach the scheduler (for ``local:N`` its TCP address, not our inproc one)."""
        if self.local_workers is not None and self.local_workers.address is not None:
            return self.local_workers.address
        return self.client.scheduler.address

    def worker_threads(self) -> int:
        """Threads over all workers now (what the executor sizes its in-flight window by)."""
        return sum(self.client.nthreads().values())

    def close(self) -> None:
        """Close the client, then the ``local:N`` cluster this run started: its workers are terminated
        (the run's tasks are over, they hold nothing it needs) and joined, then its scheduler closed."""
        with quiet_loggers(self.local_workers is not None):
            try:
                if self.client is not None:
                    self.client.close(timeout=CLOSE_TIMEOUT_S)
            finally:
                try:
                    if self.local_workers is not None:
                        self.local_workers.close()
                finally:
                    if self.local_cluster is not None:
                        self.local_cluster.close(timeout=CLOSE_TIMEOUT_S)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def quiet_loggers(quiet: bool) -> Iterator[None]:
    """While a ``local:N`` cluster is closed, the comms cut by its workers' SIGTERM are not errors
    to print (a traceback once in a dozen runs, from a write in flight): ``QUIET_LOGGERS`` are
    raised to CRITICAL, then put back."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS] if quiet else []
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def connect(
    address: ClusterAddress | str,
    timeout_s: float = CONNECT_TIMEOUT_S,
    preload: str | None = None,
    local_setup: Callable[[], None] | None = None,
) -> ClusterConnection:
    """A client on ``address`` with at least one worker, or ``ClusterUnreachable`` within ``timeout_s``.

    ``preload``: a module the workers of a ``local:N`` cluster import as they start (the task
    function's), beside the coordinator's own start instead of before the first task;
    ``local_setup``: a module-level function each of them runs once then (see ``LocalWorkers``).
    Workers the command line started for the same (engine/cluster/early_start.py) are taken
    instead of new ones. A remote scheduler's workers are someone else's, shared by other runs:
    neither applies to them.
    """
    if isinstance(address, str):
        address = parse_cluster_address(address)
    if isinstance(address, LocalClusterSpec):
        return _start_local(address, WorkerStart.of(preload, local_setup))
    return _connect_scheduler(address, timeout_s)


def _start_local(spec: LocalClusterSpec, start: WorkerStart) -> ClusterConnection:
    # first: they start while we import dask (or they were started before the job was imported)
    workers = take_started(spec.workers, start) or LocalWorkers(spec.workers, start, LOCAL_CLUSTER_CONFIG)
    connection = ClusterConnection(spec, None, None, workers)
    try:
        with imports_frozen():
            import dask
            from distributed import Client

            with dask.config.set(LOCAL_CLUSTER_CONFIG):
                connection.local_cluster = _scheduler_cluster()
        workers.attach(_tcp_address(connection.local_cluster.scheduler))
        connection.client = Client(connection.local_cluster, set_as_default=False)  # its inproc address
        try:
            workers.wait_ready(LOCAL_START_TIMEOUT_S)
        except TimeoutError as exc:
            raise ClusterUnreachable.coded(
                "local_workers_late",
                workers=spec.workers,
                timeout_s=LOCAL_START_TIMEOUT_S,
                exit_codes=str(workers.exit_codes()),
                restarts=workers.restarts,
                **inner_error("reason", exc),
            ) from exc
        except LocalWorkerFailed as exc:
            raise ClusterUnreachable.coded(exc.code, **exc.params) from None
    except BaseException:
        connection.close()
        raise
    return connection


def _scheduler_cluster() -> Any:
    """A Dask scheduler in this process (on a loop thread of its own): ``inproc://`` first (the
    cluster's address, which our client connects to) and a free loopback TCP port for the workers."""
    from distributed import Scheduler, SpecCluster

    options = {
        "protocol": ["inproc", "tcp"],
        "host": [None, "127.0.0.1"],
        "port": [None, 0],
        "allowed_failures": LOCAL_ALLOWED_FAILURES,
        # The scheduler serves HTTP (health, metrics) even without a dashboard, on :8787 unless
        # told otherwise: any free port, so a second cluster never clashes.
        "dashboard_address": "127.0.0.1:0",
    }
    # Task failures come back to the coordinator as data; Dask's own log lines would only repeat them.
    return SpecCluster(
        scheduler={"cls": Scheduler, "options": options}, workers={}, silence_logs=logging.CRITICAL, name="mpwatch"
    )


def _tcp_address(scheduler: Any) -> str:
    """The scheduler's TCP address (the one its workers connect to)."""
    return next(lst.contact_address for lst in scheduler.listeners if lst.contact_address.startswith("tcp://"))


def _connect_scheduler(address: SchedulerAddress, timeout_s: float) -> ClusterConnection:
    from distributed import Client

    deadline = time.monotonic() + timeout_s
    _probe_scheduler(address, deadline, timeout_s)
    try:
        client = Client(str(address), timeout=max(0.5, deadline - time.monotonic()), set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterUnreachable.coded("scheduler_no_answer_at", address=str(address), reason=str(exc)) from exc
    try:
        client.wait_for_workers(1, timeout=max(0.5, deadline - time.monotonic()))
    except (OSError, TimeoutError) as exc:
        client.close(timeout=CLOSE_TIMEOUT_S)
        raise ClusterUnreachable.coded("scheduler_no_workers", address=str(address)) from exc
    except BaseException:
        client.close(timeout=CLOSE_TIMEOUT_S)
        raise
    return ClusterConnection(address, client)


def _probe_scheduler(address: SchedulerAddress, deadline: float, timeout_s: float) -> None:
    """Raise ``ClusterUnreachable`` unless something at ``address`` accepts and speaks first."""
    try:
        sock = socket.create_connection((address.host, address.port), timeout=max(0.1, deadline - time.monotonic()))
    except TimeoutError as exc:
        raise ClusterUnreachable.coded("scheduler_timeout", address=str(address), timeout_s=timeout_s) from exc
    except OSError as exc:
        cause = exc.strerror or str(exc)
        raise ClusterUnreachable.coded(
            "scheduler_unreachable", address=str(address), cause=cause, errno=errno_name(exc)
        ) from exc
    with sock:
        readable, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
        if not readable:
            raise ClusterUnreachable.coded("scheduler_silent", address=str(address), timeout_s=timeout_s)
