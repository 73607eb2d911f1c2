"""Process targets and pool tasks for the engine-core tests (importable by spawn children)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

from engine.context import SPAWN, JobContext
from engine.executor import TaskSpec
from engine.pool import ProcessPool
from engine.pool_worker import current_reporter, stop_requested
from engine.status import LogLine


def file_specs(n: int, pulled: list[int]) -> Iterator[TaskSpec]:
    """Tasks ("file", i) for i below ``n``, each i noted in ``pulled`` as the executor pulls it (the
    executor tests check its back-pressure on the source)."""
    for i in range(n):
        pulled.append(i)
        yield TaskSpec(("file", i), i, f"file {i}")


def square(x: int) -> int:
    current_reporter().add(rows=1)
    return x * x


def square_or_raise(x: int) -> int:
    if x == 3:
        raise ValueError(f"bad input {x}")
    return x * x


def kill_self_once(args: tuple[int, str]) -> int:
    """Kills its own worker (pool or Dask) with SIGKILL the first time it sees x == 2 (a marker file
    remembers)."""
    x, marker_dir = args
    marker = Path(marker_dir) / f"killed-{x}"
    if x == 2 and not marker.exists():
        marker.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return x * 10


def always_kill_self(x: int) -> int:
    """SIGKILLs whichever worker runs it with x == 1 (every attempt)."""
    if x == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def busy_until_stopped(x: int) -> int:
    """Computes until the job is stopped (a long task that honours Stop)."""
    total = 0
    while not stop_requested():
        total += sum(range(10000))
    return total


def spin_forever_ignoring_stop(ctx: JobContext) -> None:
    """A process that never looks at the stop event: only terminate/kill end it. Announces itself
    once SIGTERM is ignored (a test waits for that instead of sleeping)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ctx.announce("stubborn")
    while True:
        sum(range(100000))


def sleep_ignoring_term_forever() -> None:
    """A plain process (no job context) that ignores SIGTERM: only SIGKILL ends it."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(0.05)  # a test process that only waits to be killed


def parent_of_stubborn_grandchild(ready) -> None:
    """Starts a grandchild that ignores SIGTERM, sets ``ready``, then waits to be ended."""
    grandchild = SPAWN.Process(target=sleep_ignoring_term_forever, daemon=False)
    grandchild.start()
    ready.set()
    while True:
        time.sleep(0.05)  # a test process that only waits to be ended


def exit_with(code: int) -> None:
    raise SystemExit(code)


def pool_owner(ctx: JobContext, workers: int) -> None:
    """A coordinator whose pool workers run until stopped (used to kill the coordinator under them)."""
    ctx.announce("coordinator")
    with ProcessPool(busy_until_stopped, workers, ctx) as pool:
        for _ in pool.map_unordered(TaskSpec(i, i) for i in range(workers)):
            pass


def send_events(q, n: int) -> None:
    for i in range(n):
        q.put(LogLine(job="t", level="info", text=str(i), t=time.time()))
    q.close()
    q.join_thread()


def child_with_grandchild(ctx: JobContext) -> None:
    """Starts a grandchild that ignores SIGTERM, then waits for the stop event without exiting."""
    grandchild = SPAWN.Process(target=spin_forever_ignoring_stop, args=(ctx,), daemon=False)
    grandchild.start()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(0.05)  # a test process that only waits to be killed


def announce_and_log(ctx: JobContext, n: int) -> None:
    ctx.announce("sender")
    for i in range(n):
        ctx.log(str(i))


def report_then_maybe_die(args: tuple[int, str]) -> int:
    """Floods snapshots; on its first attempt every third task SIGKILLs its own worker mid-report."""
    x, marker_dir = args
    reporter = current_reporter()
    marker = Path(marker_dir) / f"died-{x}"
    for i in range(300):
        reporter.add(rows=1)
        reporter.flush()
        if x % 3 == 0 and i == 150 and not marker.exists():
            marker.write_text("1")
            os.kill(os.getpid(), signal.SIGKILL)
    return x


def compute_for(seconds: float) -> float:
    """Real computation for about ``seconds`` (a long task for the idle-death test)."""
    deadline = time.monotonic() + seconds
    total = 0
    while time.monotonic() < deadline:
        total += sum(range(10000))
    return seconds


def take_queue_locks_and_wait(q, ready) -> None:
    """Takes every lock of a CountingQueue, as a stage killed mid-put/get would hold them."""
    for lock in (q._q._rlock, q._q._wlock, q._puts.get_lock(), q._gets.get_lock()):
        lock.acquire()
    ready.set()
    while True:
        time.sleep(0.05)  # a test process that only waits to be killed


def clean_task_and_pandas_loaded(task: object) -> tuple[dict, bool]:
    """``run_clean_task`` in a pool worker, and whether pandas was loaded in that worker after it."""
    import sys

    from engine.clean.worker import run_clean_task

    return run_clean_task(task), "pandas" in sys.modules


def leave_an_atexit_mark(path: str) -> int:
    """Register an interpreter-exit hook that writes ``path``: it runs only if the worker's
    interpreter is torn down normally. Returns this worker's pid."""
    import atexit
    from pathlib import Path

    atexit.register(Path(path).write_text, "torn down")
    return os.getpid()


def clean_task_and_numpy_ma_loaded(task: object) -> tuple[dict, bool]:
    """``run_clean_task`` in a pool worker, and whether numpy.ma was loaded in that worker after it."""
    import sys

    from engine.clean.worker import run_clean_task

    return run_clean_task(task), "numpy.ma" in sys.modules
