"""Running a job: in this process (CLI, library) or in a coordinator process (GUI).

A job is a function ``fn(config, ctx) -> summary dict``. ``run_job`` wraps it with the lifecycle
events (``JobStarted`` … ``JobFinished``) so every job reports the same way, and turns Stop and
crashes into a ``JobFinished`` rather than an exception the watcher never sees.

``JobRun`` is the GUI's handle: the coordinator runs in its own spawn process under a
``Supervisor`` (which also ends the coordinator's pool workers), so the event loop never runs job
code and Stop always ends every process of the run. With ``background=True`` the coordinator
lowers its own scheduling priority first thing (engine/priority.py), so every process of the run,
which the coordinator starts, runs below the window that watches it.

A ``local:N`` run of clean, dialogues or demo reaches its coordinator as a ``DeferredJob`` (the
function and config pickled): the coordinator spawns the run's workers before it imports the job,
as the command line does (engine/cluster/early_start.py), so their imports (dask, the task's
module) run beside the job's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import pickle
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.coded_errors import code_and_params, english, exception_code, inner
from engine.context import Cancelled, JobContext, JobError, StopFlag, parent_alive
from engine.priority import lower_priority
from engine.status import JobFinished, JobStarted, format_exception
from engine.supervisor import Supervisor

JobFunction = Callable[[Any, JobContext], Mapping[str, Any]]

_run_numbers = itertools.count(1)


def config_params(config: Any) -> dict[str, Any]:
    """A JSON-friendly dict of a config dataclass (paths become strings)."""
    if not dataclasses.is_dataclass(config):
        return {}

    def plain(value: Any) -> Any:
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        return value

    return {f.name: plain(getattr(config, f.name)) for f in dataclasses.fields(config)}


def run_job(fn: JobFunction, config: Any, ctx: JobContext) -> JobFinished:
    """Run ``fn`` here, reporting JobStarted/JobFinished; never raises for a job failure or Stop."""
    ctx.sink.send_event(JobStarted(job=ctx.job, t=time.time(), params=config_params(config)))
    try:
        summary = fn(config, ctx)
        finished = JobFinished(job=ctx.job, t=time.time(), ok=True, summary=dict(summary or {}))
    except (Cancelled, KeyboardInterrupt):
        finished = JobFinished(
            job=ctx.job, t=time.time(), ok=False, cancelled=True, error=english("stopped", {}), code="stopped"
        )
    except JobError as exc:  # its message is the whole story: no traceback, no class name
        code, params = code_and_params(exc)
        finished = JobFinished(job=ctx.job, t=time.time(), ok=False, error=str(exc), code=code, params=params)
    except Exception as exc:
        reason, tb = format_exception(exc)
        code, params = exception_code(exc)
        ctx.log_coded("error", "job_failed", traceback=tb, **inner("reason", reason, code, params))
        finished = JobFinished(job=ctx.job, t=time.time(), ok=False, error=reason, code=code, params=params)
    ctx.sink.send_event(finished)
    return finished


@dataclass(frozen=True)
class DeferredJob:
    """A ``local:N`` run of a job whose workers ``JOB_WORKERS`` names, handed to its coordinator in
    a form whose unpickling imports nothing of the job: the function and its config pickled together
    (``payload``; a demo config is defined in the job's own module). The coordinator spawns the
    workers, then unpickles it (``resolve``), so their imports run beside the job's."""

    job: str  # "module:qualname", the key of JOB_WORKERS
    cluster: str
    payload: bytes

    @classmethod
    def of(cls, fn: JobFunction, config: Any) -> DeferredJob | None:
        """The deferred form of this run, or None when its workers cannot start early (no
        ``local:N`` cluster, a job ``JOB_WORKERS`` does not name): then it is passed as it is."""
        cluster = getattr(config, "cluster", None)
        if cluster is None:
            return None
        from engine.cluster.address import local_cluster_spec
        from engine.cluster.early_start import JOB_WORKERS

        job = f"{getattr(fn, '__module__', '')}:{getattr(fn, '__qualname__', '')}"
        if local_cluster_spec(cluster) is None or job not in JOB_WORKERS:
            return None
        return cls(job, cluster, pickle.dumps((fn, config)))

    @contextlib.contextmanager
    def workers_started(self) -> Iterator[None]:
        """The run's workers spawned for the job to take (engine/cluster/early_start.py); those it
        did not take are closed on leaving."""
        from engine.cluster.early_start import job_workers_started_early

        with job_workers_started_early(self.cluster, self.job):
            yield

    def resolve(self) -> tuple[JobFunction, Any]:
        """The job function and its config (the job's modules imported now)."""
        return pickle.loads(self.payload)


def coordinator_main(
    fn: JobFunction | None,
    config: Any,
    ctx: JobContext,
    background: bool = False,
    deferred: DeferredJob | None = None,
) -> None:
    """Process target of a job's coordinator: ``fn(config)``, or the job in ``deferred`` (``fn`` and
    ``config`` None) once its workers are spawned; ``background``: lower the priority of the whole
    run (set here, before any child exists, so every child inherits it)."""
    if background:
        lower_priority()
    ctx.announce("coordinator")
    with deferred.workers_started() if deferred is not None else contextlib.nullcontext():
        if deferred is not None:
            fn, config = deferred.resolve()
        run_job(fn, config, ctx)
    if ctx.status_queue is not None and parent_alive():
        ctx.status_queue.close()
        ctx.status_queue.join_thread()


class JobRun:
    """One run of a job in a coordinator process; non-blocking to drive from a GUI timer."""

    def __init__(self, kind: str, fn: JobFunction, config: Any, status_queue: Any, *, background: bool = False) -> None:
        self.kind = kind
        self.background = background
        self.job_id = f"{kind}-{next(_run_numbers)}"
        self.config = config
        self.ctx = JobContext(self.job_id, status_queue, StopFlag())
        self.supervisor = Supervisor(self.ctx, background_scan=True)  # a scan must not stall the GUI
        self.fn = fn
        self.started_at: float | None = None

    def start(self) -> JobRun:
        self.started_at = time.time()
        deferred = DeferredJob.of(self.fn, self.config)  # local:N: its workers start before the job's imports
        args = (None, None) if deferred is not None else (self.fn, self.config)
        self.supervisor.start("coordinator", coordinator_main, (*args, self.ctx, self.background, deferred))
        return self

    def poll(self) -> None:
        self.supervisor.poll(0.0)

    def request_stop(self, grace_s: float = 5.0, terminate_s: float = 2.0) -> None:
        self.supervisor.request_stop(grace_s, terminate_s)

    @property
    def finished(self) -> bool:
        return self.started_at is not None and self.supervisor.finished

    @property
    def stopping(self) -> bool:
        return self.supervisor.stopping

    def coordinator_exitcode(self) -> int | None:
        return self.supervisor.processes[0].process.exitcode if self.supervisor.processes else None
