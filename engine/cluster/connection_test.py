"""'Test connection' for a person choosing where to run: connect, list the workers, disconnect, in a
process of its own, so the caller (the GUI's event loop) only ever polls.

    ConnectionTest(address).start() ─► spawn process: cluster_workers(address, timeout_s)
                                             └─► one ConnectionTestResult on a pipe, then it exits
    poll()   (a timer, every ~100 ms) ─► None while it runs, then the result; ``done`` once reaped
    cancel() ─► the test is given up: terminated now, killed later if it lingers (later polls reap it)

Why a process and not a thread: importing dask, starting a local cluster (``local:N``) or waiting on
a silent port must never hold the caller's interpreter; a process can always be ended, and a
local cluster it started ends with it. The address is checked before any process starts, so a typo
is a ``ValueError`` at once.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.cluster.address import parse_cluster_address
from engine.cluster.connection import CONNECT_TIMEOUT_S
from engine.coded_errors import code_and_params, english, exception_code
from engine.context import SPAWN, JobError
from engine.status import WorkerInfo, describe_exitcode

#: What starting the test process (interpreter, imports) may add to the connect deadline before the
#: caller gives up on it; a local cluster's workers also start within this.
START_ALLOWANCE_S = 20.0

#: How long the process may take to exit after its answer before it is terminated (then killed).
EXIT_GRACE_S = 3.0


@dataclass(frozen=True)
class ConnectionTestResult:
    """The workers found at ``address``, or ``error`` (a sentence for a person) when none were."""

    address: str
    workers: tuple[WorkerInfo, ...] = ()
    error: str = ""
    seconds: float = 0.0
    #: ``error`` as a code and params (engine/coded_errors.py), for a window's language.
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.error


def run_connection_test(address: str, timeout_s: float, conn: Any) -> None:
    """Process target: list the workers at ``address`` and send one ``ConnectionTestResult``."""
    from engine.cluster.workers import cluster_workers

    started = time.monotonic()
    try:
        workers = tuple(cluster_workers(address, timeout_s))
        result = ConnectionTestResult(address, workers, seconds=time.monotonic() - started)
    except (ValueError, JobError) as exc:  # their messages say it all (ClusterUnreachable is a JobError)
        code, params = code_and_params(exc)
        seconds = time.monotonic() - started
        result = ConnectionTestResult(address, error=str(exc), seconds=seconds, code=code, params=params)
    except Exception as exc:  # noqa: BLE001 - anything else still reaches the person, as data
        code, params = exception_code(exc)
        error, seconds = english(code, params), time.monotonic() - started
        result = ConnectionTestResult(address, error=error, seconds=seconds, code=code, params=params)
    conn.send(result)
    conn.close()


class ConnectionTest:
    """One connection test in a spawned process; no method blocks (the GUI calls them on its thread).

    Poll until ``done``: the result comes first, the process is reaped on a later poll (it exits
    right after sending; one that lingers is terminated, then killed).
    """

    def __init__(self, address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        self.address = str(parse_cluster_address(address))  # ValueError now, before any process
        self.timeout_s = timeout_s
        self.result: ConnectionTestResult | None = None
        self._receiver, self._sender = SPAWN.Pipe(duplex=False)
        self._process = SPAWN.Process(
            target=run_connection_test,
            args=(self.address, timeout_s, self._sender),
            name="mpwatch-connection-test",
            daemon=False,  # a daemonic process may not start children: local:N starts its nannies
        )
        self._started = 0.0
        self._ended_at: float | None = None  # when the result came (or the test was given up)
        self._signalled = 0  # 1: terminated, 2: killed

    def start(self) -> ConnectionTest:
        self._started = time.monotonic()
        self._process.start()
        self._sender.close()  # the child holds its own end; EOF on ours means it is gone
        return self

    @property
    def done(self) -> bool:
        """The result is there and the process has been reaped."""
        return self.result is not None and (self._process.pid is None or self._process.exitcode is not None)

    def poll(self) -> ConnectionTestResult | None:
        """The result once it is there, else None. After ``timeout_s + START_ALLOWANCE_S`` without
        one, the process is ended and the result says so. Reaps the process once it has exited."""
        if self.result is None:
            self._read()
        if self.result is not None:
            self._reap()
        return self.result

    def cancel(self) -> None:
        """Give up on the test: no other result comes; its process is ended on the next polls."""
        if self.result is None:
            self._give_up("connection_test_cancelled")
        self._reap()

    def _read(self) -> None:
        try:
            if self._receiver.poll(0):
                self.result = self._receiver.recv()
                self._ended_at = time.monotonic()
                self._receiver.close()
                return
        except (EOFError, OSError):
            code = self._process.exitcode
            self._give_up("connection_test_no_answer", exit=describe_exitcode(code), exitcode=code)
            return
        limit = self.timeout_s + START_ALLOWANCE_S
        if time.monotonic() - self._started > limit:
            self._give_up("connection_test_timeout", address=self.address, limit=limit)

    def _give_up(self, code: str, **params: Any) -> None:
        """End the test with the error ``code`` (engine/coded_errors.py) and ``params``."""
        error, seconds = english(code, params), time.monotonic() - self._started
        self.result = ConnectionTestResult(self.address, error=error, seconds=seconds, code=code, params=params)
        self._ended_at = time.monotonic()
        self._receiver.close()
        if self._process.pid is not None and self._process.exitcode is None:
            self._process.terminate()
            self._signalled = 1

    def _reap(self) -> None:
        process = self._process
        if process.pid is None:
            return
        if process.exitcode is not None:
            process.join(0)  # already exited: returns at once
            return
        lingering = time.monotonic() - (self._ended_at or time.monotonic())
        if self._signalled == 0 and lingering > EXIT_GRACE_S:
            process.terminate()
            self._signalled = 1
        elif self._signalled == 1 and lingering > 2 * EXIT_GRACE_S:
            process.kill()
            self._signalled = 2
