"""Ending processes in stages, their descendants included: the one terminate path of the engine.

Stages::

    begin()  : note every live descendant (psutil), then ask nicely (stop flag, poison pill…)
       │ grace_s     processes may finish; ``on_wait`` relays their last words (final snapshots)
       ▼
    terminate (SIGTERM) the processes and the descendants noted
       │ terminate_s
       ▼
    kill (SIGKILL) whatever is left

``advance()`` does one step without blocking (the GUI's timer drives it through
``Supervisor.poll``); ``run()`` blocks until everything ended (the CLI, coordinators, a pool's
shutdown), never longer than ``grace_s + terminate_s`` plus a bounded last join. Descendants are
remembered at ``begin`` because a child whose parent already exited is re-parented and can no longer
be found from it.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass, field
from multiprocessing.connection import wait as wait_any
from typing import Any

import psutil

#: After the kill, how long ``run`` waits for the processes to be reaped.
REAP_S = 1.0


class Descendants:
    """The live descendants (children, grandchildren…) of some processes, found with psutil."""

    def __init__(self) -> None:
        self._known: dict[int, psutil.Process] = {}
        self._scan_pending = False

    def remember_in_background(self, root_pids: Iterable[int]) -> None:
        """``remember`` on the process's scanner thread, for a caller that must not wait (the GUI:
        a pass over /proc takes 50-100 ms on a loaded machine, a whole tick). Skipped while this
        object's previous scan is still waiting or running. ``remember`` only adds entries, one
        dict store each, so it is safe beside ``live``/``end`` in the caller's thread."""
        if self._scan_pending:
            return
        self._scan_pending = True
        roots = list(root_pids)
        _scanner.submit(lambda: self._scan_then_clear(roots))

    def _scan_then_clear(self, roots: list[int]) -> None:
        try:
            self.remember(roots)
        except psutil.Error:
            pass  # a process vanished mid-scan: the next scan sees the table as it is then
        finally:
            self._scan_pending = False

    def remember(self, root_pids: Iterable[int]) -> None:
        """Note every live descendant of ``root_pids`` (one pass over the process table)."""
        roots = {pid for pid in root_pids if pid}
        if not roots:
            return
        children: dict[int, list[psutil.Process]] = {}
        for proc in psutil.process_iter(["ppid"]):
            children.setdefault(proc.info["ppid"], []).append(proc)
        todo = list(roots)
        while todo:
            for child in children.get(todo.pop(), ()):
                if child.pid not in self._known and child.pid not in roots:
                    self._known[child.pid] = child
                    todo.append(child.pid)

    def live(self) -> list[psutil.Process]:
        """The remembered descendants still running (zombies count as ended)."""
        live = []
        for pid, proc in list(self._known.items()):
            try:
                if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                    live.append(proc)
                    continue
            except psutil.Error:
                pass
            del self._known[pid]
        return live

    def end(self, force: bool) -> None:
        """SIGTERM (or with ``force`` SIGKILL) every live remembered descendant."""
        for proc in self.live():
            try:
                proc.kill() if force else proc.terminate()
            except psutil.Error:
                pass


class _Scanner:
    """One daemon thread per process that runs the background scans, started on first use (a
    thread started per scan made the caller wait for its start-up: 10-20 ms on a loaded machine)."""

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, scan: Callable[[], None]) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="descendant-scanner", daemon=True)
                self._thread.start()
        self._requests.put(scan)

    def _run(self) -> None:
        while True:
            scan = self._requests.get()
            try:
                scan()
            except Exception:  # noqa: BLE001 - one failed scan must not end the scans after it
                pass


_scanner = _Scanner()


@dataclass(eq=False)
class StagedStop:
    """Stop ``processes`` (``multiprocessing`` processes) in stages; see the module docstring.

    ``processes`` is called at each step, so an owner can hand over its current list (a supervisor
    whose processes are replaced). ``ask`` is the polite first stage (set a stop flag, send poison
    pills); ``on_wait`` runs at every step of ``run`` (relay the processes' pipes).
    """

    processes: Callable[[], list[Any]]
    _: KW_ONLY
    grace_s: float
    terminate_s: float
    ask: Callable[[], None] | None = None
    on_wait: Callable[[], None] | None = None
    descendants: Descendants = field(default_factory=Descendants)
    extra_waitables: Callable[[], list[Any]] | None = None
    started: bool = field(default=False, init=False)
    terminate_at: float = field(default=0.0, init=False)
    kill_at: float = field(default=0.0, init=False)

    def alive(self) -> list[Any]:
        return [p for p in self.processes() if p.exitcode is None]

    @property
    def finished(self) -> bool:
        """True once every process and every remembered descendant has ended."""
        return not self.alive() and not self.descendants.live()

    def begin(self) -> StagedStop:
        """Note the descendants, then ask the processes to stop; the stage clock starts now."""
        if self.started:
            return self
        self.started = True
        self.descendants.remember(p.pid for p in self.alive())
        if self.ask is not None:
            self.ask()
        now = time.monotonic()
        self.terminate_at = now + self.grace_s
        self.kill_at = self.terminate_at + self.terminate_s
        return self

    def expire(self) -> None:
        """Skip what is left of the stages: the next ``advance`` kills (interpreter exit)."""
        self.begin()
        self.terminate_at = self.kill_at = time.monotonic()

    def advance(self) -> bool:
        """One non-blocking step: terminate or kill what is due; returns ``finished``."""
        self.begin()
        now = time.monotonic()
        if now >= self.kill_at:
            for process in self.alive():
                process.kill()
            self.descendants.end(force=True)
        elif now >= self.terminate_at:
            for process in self.alive():
                process.terminate()
            self.descendants.end(force=False)
        return self.finished

    def run(self, poll_s: float = 0.05) -> None:
        """Blocking form: step until everything ended (bounded by the stages), then reap."""
        self.begin()
        while True:
            if self.on_wait is not None:
                self.on_wait()
            if self.advance():
                break
            alive = self.alive()
            waitables = [p.sentinel for p in alive] + (self.extra_waitables() if self.extra_waitables else [])
            if waitables:
                wait_any(waitables, poll_s)
            else:
                time.sleep(poll_s)  # only descendants left: nothing of theirs to wait on
            if time.monotonic() >= self.kill_at + REAP_S:
                break
        if self.on_wait is not None:
            self.on_wait()
        for process in self.processes():
            process.join(REAP_S if process.exitcode is None else 0)
        self.descendants.end(force=True)
