"""A ``local:N`` run's worker processes, started before the job is imported (the command line's and
the app's job process's hook).

    mpwatch clean … --cluster local:2          (engine/cli/clean.py ``run``)
      with workers_started_early("local:2", WorkerStart(…)):   ─► 2 worker processes spawned now
          import the job (numpy, pyarrow, its modules: ~0.3 s)   ‖ the workers import dask, the task's
          prepare, open the executor                             ‖ module, run the job's setup
            └─ connect("local:2") ─► take_started(2, start) ─► these workers (else fresh ones), attached
                                                               to the scheduler the job starts
      on leaving: workers no run took (a refused input, a resumed run with nothing left) are closed

Why: a worker process needs ~0.6 CPU-s of imports (dask, distributed, the task's module) before it
can take a task, the job process ~0.35 s more than the pool path (dask, the scheduler). Spawned by
the job's ``connect``, the workers start after the job's own imports; spawned here, they import
while the job does, on the core the job's single thread leaves free.

The app's job process does the same (engine/runner.py ``coordinator_main``): it gets the job by name
and its config pickled, spawns the workers, then imports the job and unpickles the config.

Only a run with the same worker count and the same ``WorkerStart`` takes them (the job's own, see
``WorkerStart.of``; ``JOB_WORKERS`` names it for each job): a mismatch costs a second start, never a
worker set up for another job.
The caller of ``workers_started_early`` owns the processes until a run takes them; then the run's
connection owns them and closes them with the cluster.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from engine.cluster.address import local_cluster_spec
from engine.cluster.local_workers import LocalWorkers, WorkerStart

#: What a ``local:N`` run's workers import and run as they start, by the job's function
#: ("module:function", not imported here): what each job opens its executor with
#: (tests/test_cluster_early_start.py checks each). Clean's workers also keep pyarrow from importing
#: pandas, as its pool workers do (engine/clean/job.py ``open_executor``); demo's and dialogues'
#: pool workers have no set-up (their tasks use pandas).
JOB_WORKERS: dict[str, WorkerStart] = {
    "engine.clean.job:run_clean": WorkerStart(
        "engine.clean.worker", "engine.pandas_free:keep_pyarrow_from_importing_pandas"
    ),
    "engine.demo.job:run_demo": WorkerStart("engine.demo.job"),
    "engine.dialogues.job:run_dialogues": WorkerStart("engine.dialogues.on_cluster"),
}


_lock = threading.Lock()
#: Workers started early and not taken yet: (count, start, workers).
_waiting: list[tuple[int, WorkerStart, LocalWorkers]] = []


@contextlib.contextmanager
def workers_started_early(cluster: str | None, start: WorkerStart) -> Iterator[None]:
    """Spawn the workers of ``cluster`` when it is ``local:N`` (else nothing), for a run inside the
    block to take; on leaving, close them unless a run took them."""
    spec = local_cluster_spec(cluster)
    if spec is None:
        yield
        return
    from engine.cluster.connection import LOCAL_CLUSTER_CONFIG

    entry = (spec.workers, start, LocalWorkers(spec.workers, start, LOCAL_CLUSTER_CONFIG))
    with _lock:
        _waiting.append(entry)
    try:
        yield
    finally:
        with _lock:
            left = entry in _waiting
            if left:
                _waiting.remove(entry)
        if left:
            entry[2].close()


def take_started(count: int, start: WorkerStart) -> LocalWorkers | None:
    """The workers started early for ``count`` workers doing ``start``, now the caller's; or None."""
    with _lock:
        for entry in _waiting:
            if entry[0] == count and entry[1] == start:
                _waiting.remove(entry)
                return entry[2]
    return None


def job_workers_started_early(cluster: str | None, job: str) -> contextlib.AbstractContextManager[None]:
    """``workers_started_early`` with the workers ``JOB_WORKERS`` names for ``job`` ("module:function")."""
    return workers_started_early(cluster, JOB_WORKERS[job])
