"""Owner of a job's long-lived processes: start, watch, restart, stop in stages.

Data flow::

    Supervisor (GUI thread, CLI, or a job coordinator)
      ├── start(role, target) ──► ManagedProcess (spawn) … each gets the job's JobContext
      ├── poll()  : connection.wait on every sentinel → WorkerExited events, restarts
      └── request_stop() → stop event ─(grace)→ terminate() ─(terminate_s)→ kill()
                           (engine/shutdown.py StagedStop; descendants found with psutil are ended
                            with their parent)

With ``relay_status=True`` each process gets a status pipe of its own instead of the shared status
queue (the ``JobContext`` in its arguments is swapped for one that writes that pipe) and ``poll``
relays what arrives (engine/status_pipe.py StatusRelay): a process killed mid-write then cannot
wedge the others' status.

``poll`` never blocks longer than its timeout, so the GUI drives a stop from its QTimer without
waiting on a join; ``stop`` is the blocking form for the CLI and for coordinators. Whatever the
path, when the supervisor reports ``finished`` no process it started (nor their children) is alive.
"""

from __future__ import annotations

import atexit
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_any
from typing import Any

from engine.context import SPAWN, JobContext, StopFlag
from engine.shutdown import Descendants, StagedStop
from engine.status import WorkerExited
from engine.status_pipe import PipeStatusWriter, StatusRelay
from engine.stop_signals import children_start_deaf, run_detached

_live_supervisors: weakref.WeakSet[Supervisor] = weakref.WeakSet()

#: How often a running supervisor looks for its processes' children. Finding them reads every
#: process in /proc, which at 20 polls a second cost the pipeline's owner ~15 % of a core.
DESCENDANT_SCAN_S = 1.0


@dataclass
class ManagedProcess:
    role: str
    process: Any
    target: Callable[..., Any]
    args: tuple
    kwargs: dict
    restart: bool
    restarts: int = 0
    status: StatusRelay | None = None
    #: The current process's exit has been reported. Kept apart from ``exitcode``: any thread that
    #: reads ``exitcode`` (``pids()``, ``alive()``) reaps the process, and a poll that only looked
    #: at "alive before, dead now" would then miss that death and never restart it.
    exit_handled: bool = False

    @property
    def pid(self) -> int | None:
        return self.process.pid


class Supervisor:
    """Starts processes for one job and guarantees they end.

    ``restart=True`` on ``start`` restarts a process that exits while the job is not stopping
    (pipeline stages); ``on_exit`` callbacks hear about every exit (to fail the requests a dead
    stage held, for example).
    """

    def __init__(
        self,
        ctx: JobContext,
        mp_context: Any = SPAWN,
        max_restarts: int = 5,
        relay_status: bool = False,
        background_scan: bool = False,
    ) -> None:
        self.ctx = ctx
        #: Do the periodic look for descendants on a thread (``Descendants.remember_in_background``:
        #: the GUI's supervisors, whose poll must not stall a tick); the one when a stop begins stays
        #: synchronous.
        self.background_scan = background_scan
        self.relay_status = relay_status
        if ctx.stop_event is None:
            ctx.stop_event = StopFlag(mp_context)
        self.mp = mp_context
        self.max_restarts = max_restarts
        self.processes: list[ManagedProcess] = []
        self.exits: list[WorkerExited] = []
        self.on_exit: list[Callable[[ManagedProcess, WorkerExited], None]] = []
        self._stop: StagedStop | None = None
        self._descendants = Descendants()
        self._descendants_scanned = float("-inf")
        _live_supervisors.add(self)

    # -- starting --------------------------------------------------------------------------------
    def start(
        self, role: str, target: Callable[..., Any], args: tuple = (), kwargs: dict | None = None, restart: bool = False
    ) -> ManagedProcess:
        """Start ``target(*args, **kwargs)`` in a new spawn process, owned by this supervisor."""
        managed = ManagedProcess(role, None, target, args, dict(kwargs or {}), restart)
        with children_start_deaf():  # recorded before a stop signal's KeyboardInterrupt: ours to end
            self._launch(managed)
            self.processes.append(managed)
        return managed

    def _launch(self, managed: ManagedProcess) -> None:
        args, kwargs, writer = managed.args, managed.kwargs, None
        if self.relay_status:
            reader, writer = self.mp.Pipe(duplex=False)
            own = JobContext(self.ctx.job, PipeStatusWriter(writer), self.ctx.stop_event)
            args = tuple(own if a is self.ctx else a for a in args)
            kwargs = {k: (own if v is self.ctx else v) for k, v in kwargs.items()}
            if managed.status is not None:  # the previous run's last words
                managed.status.drain()
                managed.status.close()
            managed.status = StatusRelay(reader, self.ctx.sink)
        managed.process = self.mp.Process(
            target=run_detached,
            args=(managed.target, args, kwargs),
            name=f"mpwatch-{self.ctx.job}-{managed.role}",
            daemon=False,
        )
        managed.exit_handled = False
        with children_start_deaf():  # a stop signal now waits until the process is ours to end
            managed.process.start()
            if writer is not None:
                writer.close()

    def relay(self) -> None:
        """Forward what the processes' status pipes hold (relay_status mode)."""
        for managed in self.processes:
            if managed.status is not None:
                managed.status.drain()  # a process of ours sends status only; anything else is dropped

    # -- watching ----------------------------------------------------------------------------------
    @property
    def stopping(self) -> bool:
        return self._stop is not None

    def alive(self) -> list[ManagedProcess]:
        return [m for m in self.processes if m.process.exitcode is None]

    @property
    def finished(self) -> bool:
        """True when every process (and every descendant seen) has ended."""
        return not self.alive() and not self._descendants.live()

    def poll(self, timeout: float = 0.0) -> list[WorkerExited]:
        """Reap exited processes (report, restart if asked) and advance a staged stop.

        Blocks at most ``timeout`` seconds, in ``connection.wait`` on the sentinels.
        """
        running = self.alive()
        if running and timeout > 0:
            wait_any([m.process.sentinel for m in running], timeout)
        self.relay()
        if (self.stopping or running) and time.monotonic() - self._descendants_scanned >= DESCENDANT_SCAN_S:
            self._remember_descendants()
        exited: list[WorkerExited] = []
        for managed in list(self.processes):
            if managed.exit_handled or managed.process.exitcode is None:
                continue
            managed.exit_handled = True
            managed.process.join(0)
            # Stop was asked (the job's flag: Stop, a stop signal, service.stop's drain): an exit now
            # is the stop's doing, not a death to restart (a second signal kills every process).
            stopping = self.stopping or self.ctx.stop_requested()
            event = WorkerExited(
                job=self.ctx.job,
                role=managed.role,
                pid=managed.pid or 0,
                t=time.time(),
                exitcode=managed.process.exitcode,
                expected=stopping or managed.process.exitcode == 0,
            )
            exited.append(event)
            self.exits.append(event)
            self.ctx.sink.send_event(event)
            for callback in self.on_exit:
                callback(managed, event)
            if managed.restart and not stopping and not event.expected:
                if managed.restarts < self.max_restarts:
                    managed.restarts += 1
                    self.ctx.log_coded(
                        "warning", "restarting", restarts=managed.restarts, most=self.max_restarts, **event.as_params()
                    )
                    self._launch(managed)
                else:
                    self.ctx.log_coded("error", "restarts_used_up", most=self.max_restarts, **event.as_params())
        if self._stop is not None:
            self._stop.advance()
        return exited

    # -- stopping ----------------------------------------------------------------------------------
    def request_stop(self, grace_s: float = 5.0, terminate_s: float = 2.0) -> None:
        """Begin a staged stop: set the stop event now, terminate after ``grace_s``, kill after that."""
        if self._stop is not None:
            return
        self._descendants_scanned = time.monotonic()
        self._stop = StagedStop(
            lambda: [m.process for m in self.processes],
            grace_s=grace_s,
            terminate_s=terminate_s,
            ask=self.ctx.stop_event.set,
            descendants=self._descendants,
        ).begin()

    def stop(self, grace_s: float = 5.0, terminate_s: float = 2.0) -> list[WorkerExited]:
        """Blocking staged stop; returns when every process has ended (bounded by the stages)."""
        self.request_stop(grace_s, terminate_s)
        deadline = time.monotonic() + grace_s + terminate_s + 5.0
        while not self.finished and time.monotonic() < deadline:
            self.poll(timeout=0.05)
        self.poll()
        self._descendants.end(force=True)
        return self.exits

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every process has exited on its own (or ``timeout``); True when all ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.alive():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            self.poll(timeout=0.1 if left is None else min(0.1, left))
        self.poll()
        return True

    def _remember_descendants(self) -> None:
        self._descendants_scanned = time.monotonic()
        roots = [m.pid for m in self.alive()]
        if self.background_scan:
            self._descendants.remember_in_background(roots)
        else:
            self._descendants.remember(roots)

    def kill_all(self) -> None:
        """Last resort (interpreter exit): end everything now."""
        if self._stop is None:
            self.request_stop(grace_s=0.0, terminate_s=0.0)
        self._stop.expire()
        self._stop.advance()
        for managed in self.processes:
            managed.process.join(timeout=1.0 if managed.process.exitcode is None else 0)
        self._descendants.end(force=True)


@atexit.register
def _kill_leftovers() -> None:
    for supervisor in list(_live_supervisors):
        if supervisor.alive():
            supervisor.kill_all()
