"""Task functions for the Dask executor tests (module level: the workers import them by name)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from engine.cluster import task_scope
from engine.status import LogLine

# The pool's task functions run unchanged on a Dask worker: pool_worker.current_reporter()
# answers from the task scope there, and a task that SIGKILLs its own process kills a Dask worker.
from tests.targets import always_kill_self, kill_self_once, square, square_or_raise  # noqa: E402,F401


def _scope() -> task_scope.TaskScope:
    scope = task_scope.current()
    assert scope is not None, "run outside a bound task"
    return scope


def fail_first_time(args: tuple[int, str]) -> int:
    """Raises on its first run (a marker file remembers), succeeds on the retry."""
    x, marker_dir = args
    marker = Path(marker_dir) / f"failed-{x}"
    if not marker.exists():
        marker.write_text("once")
        raise OSError(f"transient failure on {x}")
    return x


def run_until_stopped(args: tuple[int, str]) -> int:
    """Runs until its run is stopped; leaves 'started-x' and then 'ended-x' in ``marker_dir``.
    A negative x returns at once (a quick task for the same executor)."""
    x, marker_dir = args
    if x < 0:
        return x
    Path(marker_dir, f"started-{x}").write_text(str(os.getpid()))
    scope = _scope()
    spins = 0
    while not scope.stop_requested():
        spins += sum(range(2000))
    Path(marker_dir, f"ended-{x}").write_text(str(spins))
    return spins


def report_rows(rows: int) -> int:
    """Counts ``rows`` in small steps with ticks, and logs one line (an event) when done."""
    scope = _scope()
    for _ in range(rows):
        scope.reporter.add(rows_done=1)
        scope.reporter.tick()
        time.sleep(0.01)  # paced so that several throttled snapshots go out during the task
    scope.reporter.sink.send_event(LogLine(scope.reporter.job, "info", f"counted {rows}", time.time()))
    return rows


def hold_local_cluster(out) -> None:
    """A job process that starts local:2, reports its worker pids and then waits to be killed."""
    from engine.cluster.connection import connect

    connection = connect("local:2")
    out.put(sorted(connection.client.run(os.getpid).values()))
    while True:
        time.sleep(0.05)  # a test process that only waits to be killed


def pyarrow_imported_pandas() -> bool:
    """Let pyarrow meet Python values (its first look for pandas); whether pandas is imported now."""
    import sys

    import pyarrow as pa

    pa.array([1, 2])
    pa.scalar(0)
    return "pandas" in sys.modules


def gc_state() -> tuple[bool, bool]:
    """(the cyclic GC is on, objects are frozen out of its scans) in this process."""
    import gc

    return gc.isenabled(), gc.get_freeze_count() > 0


def read_text(path: str) -> str:
    """The file's text: a missing file raises FileNotFoundError, an OSError with its errno."""
    return Path(path).read_text()


def bytes_of(size: int) -> bytes:
    """A task whose value is ``size`` bytes: small ones travel with the status, large ones are gathered."""
    return b"x" * size


def count_start_kill_once(args: tuple[int, str, int]) -> int:
    """Notes each start in 'starts-x' (one line each); SIGKILLs its worker the first time x equals
    ``killer`` (a marker file remembers)."""
    x, marker_dir, killer = args
    with open(Path(marker_dir) / f"starts-{x}", "a") as starts:
        starts.write(f"{os.getpid()}\n")
    marker = Path(marker_dir) / "killed"
    if x == killer and not marker.exists():
        marker.write_text(str(os.getpid()))
        time.sleep(0.5)  # mid-task: what it sent before (the members done) has gone out
        os.kill(os.getpid(), signal.SIGKILL)
    return x * 10


def _wait_for_go(marker_dir: str, why: str) -> None:
    """Wait (up to 20 s) for the file 'go' in ``marker_dir``, which the test writes."""
    deadline = time.monotonic() + 20
    while not (Path(marker_dir) / "go").exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no go: {why}")
        time.sleep(0.01)


def wait_for_go(args: tuple[int, str]) -> int:
    """x == 1 waits (up to 20 s) for 'go' in ``marker_dir``, which the test writes once it has the
    result of x == 0: a group's members must report one by one, not when the group ends."""
    x, marker_dir = args
    if x == 1:
        _wait_for_go(marker_dir, "the result of 0 did not reach the coordinator")
    if x == 5:
        raise ValueError("bad input 5")
    return x


def flush_or_hold(args: tuple[int, str, bool]) -> int:
    """A quick task that sends its snapshot as it ends, or (``hold``) one that notes its start in
    'started-x' (its pid) and then waits for 'go' sending nothing, as a long file read does."""
    x, marker_dir, hold = args
    if not hold:
        _scope().reporter.flush()
        return x
    Path(marker_dir, f"started-{x}").write_text(str(os.getpid()))
    _wait_for_go(marker_dir, "the held task's start did not reach the live view")
    return x
