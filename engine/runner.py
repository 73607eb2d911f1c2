"""Running a job: in this process (CLI, library) or in a coordinator process (GUI).

A job is a function ``fn(config, ctx) -> summary dict``. ``run_job`` wraps it with the lifecycle
events (``JobStarted`` … ``JobFinished``) so every job reports the same way, and turns Stop and
crashes into a ``JobFinished`` rather than an exception the watcher never sees.

``JobRun`` is the GUI's handle: the coordinator runs in its own spawn process under a
``Supervisor`` (which also ends the coordinator's pool workers), so the event loop never runs job
code and Stop always ends every process of the run. With ``background=True`` the coordinator
lowers its own scheduling priority first thing (engine/priority.py), so every process of the run,
which the coordinator starts, runs below the window that watches it.

The coordinator gets its job as a ``JobCall`` (the function by name, the config pickled): for a
``local:N`` run it spawns the run's workers before it imports the job, as the command line does
(engine/cluster/early_start.py), so their imports (dask, the task's module) run beside the job's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import itertools
import pickle
import time
from collections.abc import Callable, Mapping
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
class JobCall:
    """A job for a coordinator process, in a form whose unpickling imports nothing of the job: the
    function by name ("module:qualname") and the config pickled (a demo config is defined in the
    job's own module). ``cluster``: the config's, read by the coordinator before the job exists."""

    function: str
    config: bytes
    cluster: str | None = None

    @classmethod
    def of(cls, fn: JobFunction, config: Any) -> JobCall:
        cluster = getattr(config, "cluster", None)
        return cls(f"{fn.__module__}:{fn.__qualname__}", pickle.dumps(config), cluster)

    def resolve(self) -> tuple[JobFunction, Any]:
        """The job function (its module imported now) and the config."""
        module, _, name = self.function.partition(":")
        fn: Any = importlib.import_module(module)
        for part in name.split("."):
            fn = getattr(fn, part)
        return fn, pickle.loads(self.config)

    def workers_started_early(self) -> contextlib.AbstractContextManager[None]:
        """A ``local:N`` run's workers spawned now, for the job to take (engine/cluster/early_start.py);
        nothing for any other run, or a job whose workers are not named in ``JOB_WORKERS``."""
        if self.cluster is None:
            return contextlib.nullcontext()
        from engine.cluster.early_start import JOB_WORKERS, workers_started_early

        start = JOB_WORKERS.get(self.function)
        return workers_started_early(self.cluster, start) if start is not None else contextlib.nullcontext()


def coordinator_main(call: JobCall, ctx: JobContext, background: bool = False) -> None:
    """Process target of a job's coordinator; ``background``: lower the priority of the whole run
    (set here, before any child exists, so every child inherits it)."""
    if background:
        lower_priority()
    ctx.announce("coordinator")
    with call.workers_started_early():  # local:N: they import while the job is imported here
        fn, config = call.resolve()
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
        call = JobCall.of(self.fn, self.config)
        self.supervisor.start("coordinator", coordinator_main, (call, self.ctx, self.background))
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
