"""Stop signals: SIGINT, SIGTERM and SIGHUP mean Stop to the process that owns a run, and nothing to
its children.

Who hears what::

    terminal / kill / docker stop ─ SIGINT | SIGTERM | SIGHUP ─► owner (the CLI's main process, the window)
      (to the pid, or to its whole process group)                 │ 1st: the run's stop flag is set, then
                                                                  │      KeyboardInterrupt (CLI) or a callback
                                                                  │      (the window closes): the Ctrl-C drain,
                                                                  │      bounded by a watchdog (drain_limit_s)
                                                                  │ 2nd, or the watchdog: every descendant is
                                                                  │      SIGKILLed now; the drain ends at once
                                                                  ▼
                                                   exit 128 + signal: 130 INT, 143 TERM, 129 HUP
    children (pool workers, stages, coordinators, the mmi writer) are started with those signals
    blocked (``children_start_deaf``) and, first thing, leave the owner's process group (``os.setsid``)
    and ignore SIGINT and SIGHUP (``leave_signal_group``): a signal sent to the group reaches the
    owner alone, which drives their drain. SIGTERM stays the owner's terminate stage; in a child it
    raises ``Terminated`` so that its cleanup (temporary files) runs before it exits.

A child that died of the group's signal would lose what it holds (a pipeline stage's requests) and
be "replaced" by its pool in the middle of a stop. The owner must exit normally (not die of the
signal) so that multiprocessing's finalizers unlink the run's semaphores: otherwise Python's
resource tracker warns about "leaked semaphore objects". The tracker itself is started here with
SIGHUP blocked (it ignores SIGINT and SIGTERM on its own) so that a group SIGHUP cannot kill it.

Windows has no SIGTERM or SIGHUP from outside and no process groups for signals: Ctrl-C
(CTRL_C_EVENT, SIGINT) and Ctrl-Break (CTRL_BREAK_EVENT, SIGBREAK) go to every process of the
console, so there children ignore both and the owner treats both as Stop (exit 130 / 149).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: The signals that mean Stop, on this platform.
STOP_SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK") if hasattr(signal, name)
)

#: Exit code of a run stopped by Ctrl-C (128 + SIGINT), and of one stopped when no signal is known.
EXIT_INTERRUPTED = 128 + signal.SIGINT

#: Default bound of a drain (jobs); the serve command passes its own.
DEFAULT_DRAIN_LIMIT_S = 10.0

#: After the descendants are killed, how long the owner may still take before it exits on its own.
HARD_EXIT_AFTER_S = 2.0


def exit_code_for(signum: int | None) -> int:
    """128 + the signal number (the shell's convention); 130 when no signal is known."""
    return 128 + signum if signum else EXIT_INTERRUPTED


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class StopSignals:
    """The owner's handlers for ``STOP_SIGNALS`` (one per process, installed from the main thread).

    ``interrupt=True`` (the CLI): the first signal raises KeyboardInterrupt in the main thread, as
    Ctrl-C always did, so the code that handled Ctrl-C handles every stop signal. ``interrupt=False``
    (the window): the first signal only calls the ``on_stop`` callbacks (close the window).
    """

    def __init__(self, *, interrupt: bool = True, drain_limit_s: float = DEFAULT_DRAIN_LIMIT_S) -> None:
        self.interrupt = interrupt
        self.drain_limit_s = drain_limit_s
        self.received: int | None = None
        self.finishing = False
        self._callbacks: list[Callable[[], None]] = []
        self._deferring = 0
        self._deferred = False
        self._hard_stopped = False
        self._previous: dict[int, Any] = {}

    # -- installing ---------------------------------------------------------------------------------
    def install(self) -> StopSignals:
        """Take over ``STOP_SIGNALS`` and start the resource tracker immune to them. Outside the
        main thread (a library caller's worker thread) nothing is installed: ``received`` stays None."""
        if threading.current_thread() is not threading.main_thread():
            return self
        for signum in STOP_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        _start_resource_tracker_deaf()
        return self

    def uninstall(self) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    def stop_requested(self) -> bool:
        return self.received is not None

    @contextmanager
    def polled(self) -> Iterator[None]:
        """Within the block the first signal raises nothing: the code polls ``stop_requested``
        (an event loop, which a KeyboardInterrupt would tear down without its figures)."""
        interrupt, self.interrupt = self.interrupt, False
        try:
            yield
        finally:
            self.interrupt = interrupt

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` at the first stop signal (now, if one already came): set a stop flag."""
        self._callbacks.append(callback)
        if self.received is not None:
            callback()

    # -- what a signal does -----------------------------------------------------------------------
    def _handle(self, signum: int, frame: Any) -> None:
        if self.received is not None:
            self.stop_now()
            return
        self.received = signum
        for callback in list(self._callbacks):
            callback()
        _daemon_timer(self.drain_limit_s - HARD_EXIT_AFTER_S, self.stop_now)
        if self.interrupt and not self.finishing:
            if self._deferring:
                self._deferred = True  # raised when the process being started is recorded
            else:
                raise KeyboardInterrupt

    def stop_now(self) -> None:
        """Second signal or drain overdue: SIGKILL every descendant, so whatever the drain waits on
        ends now; exit by force if the owner still has not exited ``HARD_EXIT_AFTER_S`` later."""
        if self._hard_stopped:
            return
        self._hard_stopped = True
        kill_descendants()
        _daemon_timer(HARD_EXIT_AFTER_S, lambda: os._exit(self.exit_code()))

    def exit_code(self, default: int = EXIT_INTERRUPTED) -> int:
        """The exit code of a run that stopped: 128 + the signal, ``default`` when none came."""
        return exit_code_for(self.received) if self.received is not None else default

    def describe(self) -> str:
        """``SIGTERM`` / ``Ctrl-C``: what stopped the run, for the one line printed at the end."""
        if self.received is None or self.received == signal.SIGINT:
            return "Ctrl-C"
        return signal_name(self.received)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """KeyboardInterrupt waits until the block ends (a child process being started and recorded)."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1
            if not self._deferring and self._deferred:
                self._deferred = False
                raise KeyboardInterrupt


_installed: StopSignals | None = None


def install_stop_signals(*, interrupt: bool = True, drain_limit_s: float = DEFAULT_DRAIN_LIMIT_S) -> StopSignals:
    """The process's ``StopSignals``, installed on first call (later calls return it unchanged)."""
    global _installed
    if _installed is None:
        _installed = StopSignals(interrupt=interrupt, drain_limit_s=drain_limit_s).install()
    return _installed


@contextmanager
def owning_stop_signals(**options: Any) -> Iterator[StopSignals]:
    """The process's ``StopSignals`` for the length of a command. Installed here when nobody did
    (a test calling the CLI in-process), then removed again; when the program installed them first
    thing (main.py) they stay, and a signal while the interpreter exits raises nothing."""
    global _installed
    mine = _installed is None
    signals = install_stop_signals(**options)
    try:
        yield signals
    finally:
        signals.finishing = True
        if mine:
            signals.uninstall()
            _installed = None


def installed() -> StopSignals | None:
    """This process's ``StopSignals``, if it owns its signals (the CLI main process, the window)."""
    return _installed


def _daemon_timer(delay_s: float, action: Callable[[], None]) -> None:
    timer = threading.Timer(max(0.0, delay_s), action)
    timer.daemon = True
    timer.start()


def kill_descendants() -> None:
    """SIGKILL every descendant of this process but Python's resource tracker (which must outlive
    us to unlink what our finalizers do not)."""
    import psutil

    try:
        descendants = psutil.Process().children(recursive=True)
    except psutil.Error:
        return
    for proc in descendants:
        try:
            if "resource_tracker" not in " ".join(proc.cmdline()):
                proc.kill()
        except psutil.Error:
            pass


def _start_resource_tracker_deaf() -> None:
    """Start multiprocessing's resource tracker now, with the stop signals blocked: it inherits the
    mask, ignores SIGINT/SIGTERM and unblocks those two only, so SIGHUP to our group stays pending
    there forever instead of killing it (a dead tracker is relaunched with a warning)."""
    if os.name != "posix":
        return
    from multiprocessing import resource_tracker

    with _blocked(STOP_SIGNALS):
        resource_tracker.ensure_running()


@contextmanager
def _blocked(signums: tuple[int, ...]) -> Iterator[None]:
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, signums)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


# -- the children's side ---------------------------------------------------------------------------
@contextmanager
def children_start_deaf() -> Iterator[None]:
    """Around starting (and recording) a child process: it inherits the stop signals blocked, so a
    group signal during its start-up waits for ``leave_signal_group``; in the owner, a stop signal's
    KeyboardInterrupt waits until the child is recorded (its owner then ends it)."""
    owner = _installed
    with _blocked(STOP_SIGNALS), owner.deferred() if owner is not None else _nothing():
        yield


@contextmanager
def _nothing() -> Iterator[None]:
    yield


class Terminated(KeyboardInterrupt):
    """Raised in a child by SIGTERM, its owner's terminate stage: ``finally`` blocks and atomic
    writes clean up (no partial file stays behind), then ``run_detached`` exits 143 quietly. A
    KeyboardInterrupt, so the code that handled Ctrl-C in a job handles it the same way."""


def _raise_terminated(signum: int, frame: Any) -> None:
    # StagedStop repeats SIGTERM at every step of its terminate stage: the cleanup the first one
    # started must not be interrupted by the next (SIGKILL ends a cleanup that takes too long).
    signal.signal(signum, signal.SIG_IGN)
    raise Terminated


def leave_signal_group() -> None:
    """First thing in a child: stop signals sent to the owner's group no longer reach it, and
    SIGTERM raises ``Terminated``. What the group got while this process started (pending, blocked)
    is discarded by the SIG_IGN; a SIGTERM its owner sent meanwhile comes again (StagedStop repeats
    it at every step, then kills)."""
    for name in ("SIGINT", "SIGHUP", "SIGBREAK", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    if hasattr(os, "setsid"):
        try:
            os.setsid()
        except OSError:
            pass  # already a group leader (started by hand): nothing to leave
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    signal.signal(signal.SIGTERM, _raise_terminated)


def run_detached(target: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """Process target wrapper: ``leave_signal_group``, then ``target(*args, **kwargs)``; a
    ``Terminated`` that reaches here ends the process with 143, without a traceback."""
    try:
        leave_signal_group()
        return target(*args, **kwargs)
    except Terminated:
        sys.exit(exit_code_for(signal.SIGTERM))
