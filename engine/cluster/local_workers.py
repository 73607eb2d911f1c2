"""The worker processes of a ``local:N`` cluster: Dask's own ``Worker``, each in a process we spawn.

    LocalWorkers(n, preload, config)         (before the coordinator imports dask)
      └─ SPAWN.Process(serve_worker) × n ─► import distributed + the task's module (both cores busy
                                             while the coordinator imports dask and starts the scheduler)
    .attach(scheduler address) ─► each child: address ◄─ pipe ─► Worker(address, nthreads=1) until closed
    watch thread: a child that dies while attached (a crash, a kill) ─► a fresh child on the same
                  scheduler (what a Dask nanny does: the scheduler reruns its tasks elsewhere meanwhile)
    .close(timeout) ─► terminate every child ─► join (kill after timeout) ─► none left
    a child whose parent dies (the job process killed) ─► exits at once (parent's sentinel)

Why not Dask's ``LocalCluster(processes=True)``: its nannies can only spawn a worker once the
coordinator has imported dask and started the scheduler, so the workers' imports (dask, numpy, the
job's modules) come after the coordinator's instead of beside them; and a nanny's graceful close and
monitoring add to every run. The scheduler, the workers and how tasks move are Dask's unchanged.
The children get this process's environment as a pool worker does, not a nanny's pre-spawn
settings: Dask's ``MALLOC_TRIM_THRESHOLD_=65536`` also turns off glibc's adaptive mmap threshold,
and the clean tasks cost ~9 % more CPU with it (23 files on a thread, median of 3: 4.09 vs 3.77 s).
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from multiprocessing import connection as mp_connection
from typing import Any

from engine.context import SPAWN

#: How long a child may take to end after SIGTERM before it is killed (and then joined).
KILL_AFTER_S = 1.0


#: Loggers that report a comm broken by the cluster's own close (Dask's, and tornado's and
#: asyncio's "exception never retrieved" for a write cut short): silenced in the workers, and in
#: the coordinator while it closes a ``local:N`` cluster.
QUIET_LOGGERS = ("distributed", "tornado", "asyncio")


def serve_worker(address_end: Any, preload: str | None, config: dict[str, Any]) -> None:
    """Process target: import dask and ``preload``, wait for the scheduler's address, run a Worker.

    Returns (the process ends) when the worker is closed, when the pipe closes without an address,
    and at once when the parent process dies.
    """
    threading.Thread(target=_exit_with_parent, name="mpwatch-parent-watch", daemon=True).start()
    import asyncio

    import dask
    import distributed  # noqa: F401  (imported here, while the coordinator imports it too)

    for name in QUIET_LOGGERS:  # a worker is ended by SIGTERM: its broken comms are no news
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if preload:
        try:
            importlib.import_module(preload)
        except BaseException:  # the first task imports it again and reports why it cannot
            pass
    try:
        address = address_end.recv()
    except EOFError:
        return
    with dask.config.set(config):
        asyncio.run(_run_worker(address))


async def _run_worker(address: str) -> None:
    from distributed import Worker

    async with Worker(address, nthreads=1, host="127.0.0.1") as worker:
        await worker.finished()


def _exit_with_parent() -> None:
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is not None:
        mp_connection.wait([parent.sentinel])
        os._exit(1)


class LocalWorkers:
    """Owns the worker processes of one ``local:N`` cluster; ``close()`` leaves none alive."""

    def __init__(self, count: int, preload: str | None, config: dict[str, Any]) -> None:
        self.preload = preload
        self.config = dict(config)
        self.address: str | None = None
        self.restarts = 0
        self._lock = threading.Lock()
        self._closing = False
        self._wake_read, self._wake_write = SPAWN.Pipe(duplex=False)
        self._children: list[tuple[Any, Any]] = [self._spawn() for _ in range(count)]  # (process, pipe end)
        self._watch = threading.Thread(target=self._replace_the_dead, name="mpwatch-local-workers", daemon=True)

    def _spawn(self) -> tuple[Any, Any]:
        receive, send = SPAWN.Pipe(duplex=False)
        process = SPAWN.Process(
            target=serve_worker, args=(receive, self.preload, self.config), name="dask worker", daemon=True
        )
        process.start()
        receive.close()
        if self.address is not None:
            send.send(self.address)
        return process, send

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return [process.pid for process, _ in self._children]

    def attach(self, scheduler_address: str) -> None:
        """Start a Worker in every child on ``scheduler_address``; from now on a dead child is replaced."""
        with self._lock:
            self.address = scheduler_address
            for _, send in self._children:
                send.send(scheduler_address)
        self._watch.start()

    def exit_codes(self) -> list[int | None]:
        with self._lock:
            return [process.exitcode for process, _ in self._children]

    def _replace_the_dead(self) -> None:
        while True:
            with self._lock:
                sentinels = {process.sentinel: i for i, (process, _) in enumerate(self._children)}
            ready = mp_connection.wait([*sentinels, self._wake_read])
            with self._lock:
                if self._closing:
                    return
                for sentinel in ready:
                    if sentinel in sentinels:
                        i = sentinels[sentinel]
                        dead, send = self._children[i]
                        dead.join()
                        send.close()
                        self._children[i] = self._spawn()
                        self.restarts += 1

    def close(self, kill_after_s: float = KILL_AFTER_S) -> None:
        """Terminate every child (a run's tasks are over: nothing to hand back), then join each one,
        killing any still alive after ``kill_after_s``."""
        with self._lock:
            self._closing = True
            self._wake_write.send(None)
            children = list(self._children)
        for process, send in children:
            send.close()
            if process.is_alive():
                process.terminate()
        for process, _ in children:
            process.join(kill_after_s)
            if process.is_alive():
                process.kill()
                process.join()
        if self._watch.is_alive():
            self._watch.join()
        self._wake_read.close()
        self._wake_write.close()
