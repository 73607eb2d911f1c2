"""The worker processes of a ``local:N`` cluster: Dask's own ``Worker``, each in a process we spawn.

    LocalWorkers(n, WorkerStart(preload, setup), config)  (before the coordinator imports dask; the
      │                                                     command line: before it imports the job)
      └─ SPAWN.Process(serve_worker) × n ─► import distributed + the task's module, run ``setup``
                                             (both cores busy while the coordinator imports dask and
                                             starts the scheduler)
    .attach(scheduler address) ─► each child: address ◄─ pipe ─► Worker(address, nthreads=1) until closed
                                  each child, once registered: its worker address ─ pipe ─► ready
    .wait_ready(timeout) ─► returns when every child's Worker is registered (no polling of the scheduler)
    watch thread: a child that dies while attached (a crash, a kill) ─► a fresh child on the same
                  scheduler (what a Dask nanny does: the scheduler reruns its tasks elsewhere meanwhile);
                  one that dies MAX_START_FAILURES times in a row before its Worker registered (a crash
                  at import, a broken environment) is not started again: ``failure`` names it and how
                  it ended, ``wait_ready`` raises it, the executor ends the run with it
    .close(timeout) ─► terminate every child ─► join (kill after timeout) ─► none left
    a child whose parent dies (the job process killed) ─► exits at once (parent's sentinel)

Why not Dask's ``LocalCluster(processes=True)``: its nannies can only spawn a worker once the
coordinator has imported dask and started the scheduler, so the workers' imports (dask, numpy, the
job's modules) come after the coordinator's instead of beside them; and a nanny's graceful close and
monitoring add to every run. The scheduler, the workers and how tasks move are Dask's unchanged.
The children get this process's environment as a pool worker does, not a nanny's pre-spawn
settings: Dask's ``MALLOC_TRIM_THRESHOLD_=65536`` also turns off glibc's adaptive mmap threshold,
and the clean tasks cost ~9 % more CPU with it (23 files on a thread, median of 3: 4.09 vs 3.77 s).
``config`` is set for the whole child before ``distributed`` is imported, so settings read at import
(``distributed.comm.offload``) apply too.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing import connection as mp_connection
from typing import Any

from engine.coded_errors import CodedError
from engine.context import SPAWN
from engine.status import describe_exitcode
from engine.stop_signals import leave_signal_group

#: How long a child may take to end after SIGTERM before it is killed (and then joined).
KILL_AFTER_S = 1.0

#: A worker whose process dies this many times in a row before its Worker registered is given up on.
MAX_START_FAILURES = 3


#: Loggers that report a comm broken by the cluster's own close (Dask's, and tornado's and
#: asyncio's "exception never retrieved" for a write cut short): silenced in the workers, and in
#: the coordinator while it closes a ``local:N`` cluster.
QUIET_LOGGERS = ("distributed", "tornado", "asyncio")


class LocalWorkerFailed(RuntimeError, CodedError):
    """A ``local:N`` worker could not be started; the message names it and how its process ended."""


@dataclass(frozen=True)
class WorkerStart:
    """What each worker process of a ``local:N`` cluster does as it starts, before it knows the
    scheduler: import ``preload`` (the task function's module), then call ``setup``.

    Both by name ("package.module" and "package.module:function"): the command line starts the
    workers before it imports the job (engine/cluster/early_start.py), and naming a setup must not
    import its module there (``engine.pandas_free`` imports pyarrow: 0.15 s).
    """

    preload: str | None = None
    setup: str | None = None

    @classmethod
    def of(cls, preload: str | None, setup: Callable[[], None] | None) -> WorkerStart:
        """The start of workers that import ``preload`` and run the module-level function ``setup``."""
        return cls(preload, f"{setup.__module__}:{setup.__qualname__}" if setup is not None else None)

    def run_setup(self) -> None:
        if self.setup is not None:
            module, _, name = self.setup.partition(":")
            getattr(importlib.import_module(module), name)()


class LocalWorkersLate(TimeoutError, CodedError):
    """Not every ``local:N`` worker registered in time; the message says how many did."""


def serve_worker(pipe: Any, start: WorkerStart, config: dict[str, Any]) -> None:
    """Process target: import dask and ``start.preload``, run ``start.setup``, wait for the
    scheduler's address, run a Worker and send its address back once it is registered.

    Returns (the process ends) when the worker is closed, when the pipe closes without an address,
    and at once when the parent process dies.
    """
    # A stop signal sent to the job's group is the job's to handle (it closes this worker once its
    # tasks are cancelled); dying of it first would read as a lost worker whose tasks run again.
    leave_signal_group()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the owner's terminate ends it at once
    threading.Thread(target=_exit_with_parent, name="mpwatch-parent-watch", daemon=True).start()
    with imports_frozen():
        import asyncio

        import dask

        dask.config.set(config)  # this process is ours: for good, and before distributed reads it at import
        import distributed  # noqa: F401  (imported here, while the coordinator imports it too)

        for name in QUIET_LOGGERS:  # a worker is ended by SIGTERM: its broken comms are no news
            logging.getLogger(name).setLevel(logging.CRITICAL)
        if start.preload:
            try:
                importlib.import_module(start.preload)
            except BaseException:  # the first task imports it again and reports why it cannot
                pass
        start.run_setup()  # a failure ends this process: a worker that cannot start, named so
    try:
        address = pipe.recv()
    except EOFError:
        return
    asyncio.run(_run_worker(address, pipe))


@contextlib.contextmanager
def imports_frozen() -> Iterator[None]:
    """Import (dask, distributed, the job's modules) with the cyclic GC off, then freeze what exists.

    What the imports build (~130,000 objects: modules, functions, classes, Dask's config) lives as
    long as the process. With the collector on, their allocations set off full collections over
    everything imported so far (0.05-0.2 CPU-s of the ~0.5 s that ``dask`` + ``distributed`` +
    the clean task's modules take); frozen (``gc.freeze``), every later full collection skips them.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


async def _run_worker(address: str, pipe: Any) -> None:
    from distributed import Worker

    # memory_limit=0: no memory manager (its monitor wakes the event loop, and with it the GIL, every
    # tick to spill, pause or kill by RSS), like a pool worker; the scheduler still shows each RSS.
    async with Worker(address, nthreads=1, host="127.0.0.1", memory_limit=0) as worker:
        pipe.send(worker.address)  # registered with the scheduler: tasks can come
        await worker.finished()


def _exit_with_parent() -> None:
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is not None:
        mp_connection.wait([parent.sentinel])
        os._exit(1)


def _send_address(pipe: Any, address: str) -> None:
    try:
        pipe.send(address)
    except OSError:  # the child is dead already: the watch thread sees its sentinel
        pass


@dataclass
class _Slot:
    """One of the N workers: its current process, the pipe to it, and how its starts went."""

    number: int
    process: Any
    pipe: Any
    worker_address: str | None = None  # set once this process's Worker registered
    silent: bool = False  # the pipe ended before the Worker registered: its sentinel tells the rest
    start_failures: int = 0  # deaths in a row before a Worker registered


class LocalWorkers:
    """Owns the worker processes of one ``local:N`` cluster; ``close()`` leaves none alive."""

    def __init__(self, count: int, start: WorkerStart, config: dict[str, Any]) -> None:
        self.count = count
        #: What each worker process does as it starts (a replacement too): these workers run only
        #: this run's tasks, so a job may set them up as its own pool's workers.
        self.start = start
        self.config = dict(config)
        self.address: str | None = None
        self.restarts = 0
        #: Why a worker was given up on, as the params of "local_worker_crash_loop"
        #: (engine/coded_errors.py); None while all are fine. The run cannot go on without it.
        self.failure: dict[str, Any] | None = None
        self._changed = threading.Condition()
        self._closing = False
        self._wake_read, self._wake_write = SPAWN.Pipe(duplex=False)
        self._slots = [_Slot(n, *self._spawn()) for n in range(1, count + 1)]
        self._watch = threading.Thread(target=self._watch_children, name="mpwatch-local-workers", daemon=True)

    def _spawn(self) -> tuple[Any, Any]:
        ours, theirs = SPAWN.Pipe(duplex=True)
        process = SPAWN.Process(
            target=serve_worker, args=(theirs, self.start, self.config), name="dask worker", daemon=True
        )
        process.start()
        theirs.close()
        if self.address is not None:
            _send_address(ours, self.address)
        return process, ours

    @property
    def pids(self) -> list[int]:
        with self._changed:
            return [slot.process.pid for slot in self._slots]

    def pids_by_address(self) -> dict[str, int]:
        """Worker address → pid of every worker registered now (what the executor names them by)."""
        with self._changed:
            return {s.worker_address: s.process.pid for s in self._slots if s.worker_address is not None}

    def attach(self, scheduler_address: str) -> None:
        """Start a Worker in every child on ``scheduler_address``; from now on a dead child is replaced."""
        with self._changed:
            self.address = scheduler_address
            for slot in self._slots:
                _send_address(slot.pipe, scheduler_address)
        self._watch.start()

    def wait_ready(self, timeout_s: float) -> None:
        """Return once every worker is registered with the scheduler; raise ``LocalWorkerFailed`` when
        one was given up on, ``TimeoutError`` after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while self.failure is None and any(s.worker_address is None for s in self._slots):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LocalWorkersLate.coded("local_workers_ready", ready=self.ready_count(), count=self.count)
                self._changed.wait(left)
            if self.failure is not None:
                raise LocalWorkerFailed.coded("local_worker_crash_loop", **self.failure)

    def ready_count(self) -> int:
        return sum(s.worker_address is not None for s in self._slots)

    def exit_codes(self) -> list[int | None]:
        with self._changed:
            return [slot.process.exitcode for slot in self._slots]

    def _watch_children(self) -> None:
        while True:
            with self._changed:
                waiting = {s.process.sentinel: s for s in self._slots if s.process is not None}
                waiting.update(
                    {s.pipe: s for s in self._slots if s.pipe is not None and not (s.worker_address or s.silent)}
                )
            ready = mp_connection.wait([*waiting, self._wake_read])
            with self._changed:
                if self._closing:
                    return
                for handle in ready:
                    slot = waiting.get(handle)
                    if slot is None or slot.process is None:
                        continue
                    if handle is slot.pipe:
                        self._on_message(slot)
                    else:
                        self._on_death(slot)
                self._changed.notify_all()

    def _on_message(self, slot: _Slot) -> None:
        try:
            slot.worker_address = slot.pipe.recv()
            slot.start_failures = 0
        except (EOFError, OSError):  # the child died before it said anything: its sentinel tells
            slot.silent = True

    def _on_death(self, slot: _Slot) -> None:
        dead, pipe = slot.process, slot.pipe
        dead.join()
        if slot.worker_address is None:
            slot.start_failures += 1
        slot.worker_address, slot.silent = None, False
        pipe.close()
        if slot.start_failures >= MAX_START_FAILURES:
            slot.process, slot.pipe = None, None
            if self.failure is None:
                self.failure = dict(
                    number=slot.number,
                    count=self.count,
                    pid=dead.pid,
                    exit=describe_exitcode(dead.exitcode),
                    exitcode=dead.exitcode,
                    failures=slot.start_failures,
                )
            return
        slot.process, slot.pipe = self._spawn()
        self.restarts += 1

    def close(self, kill_after_s: float = KILL_AFTER_S) -> None:
        """Terminate every child (a run's tasks are over: nothing to hand back), then join each one,
        killing any still alive after ``kill_after_s``."""
        with self._changed:
            self._closing = True
            self._wake_write.send(None)
            slots = [(s.process, s.pipe) for s in self._slots if s.process is not None]
        for process, pipe in slots:
            pipe.close()
            if process.is_alive():
                process.terminate()
        for process, _ in slots:
            process.join(kill_after_s)
            if process.is_alive():
                process.kill()
                process.join()
        if self._watch.is_alive():
            self._watch.join()
        self._wake_read.close()
        self._wake_write.close()
