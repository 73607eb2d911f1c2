"""``DaskExecutor``: the executor interface (engine/executor.py) on a Dask cluster.

Data flow::

    coordinator                                   dask.distributed                     workers
    ───────────                                   ────────────────                     ───────
    __init__: client.run(warm_up(fn's module)) ─► each worker imports it on a thread, answers its pid
    map_unordered(TaskSpec…) ─ reads ahead, dispatches while in flight < window (≈ 2 × worker threads)
      submit(key) meanwhile ─► pending ─┐      small tasks several to one Dask task: engine/cluster/groups.py
                                        ├─► client.submit(run_task, fn, payload, label, run,
                                        │        key="mpwatch-<run>-<n>-<key>", retries=N) ─► run_task
      as_completed ◄────────────────────┴── finished | TaskError | KilledWorker ◄─────────────┘
        finished: its Outcome came just before, as a TaskDone on the status topic (else gathered)
      TaskResult(key, label, ok, value | reason, error_type, traceback, attempts, worker, seconds)
    TopicRelay: status topic ─► job's StatusSink, TaskDone ─► outcomes by key; attempts per finished
                task from the scheduler
    WorkerWatch: the scheduler's worker removals ─► WorkerExited (+ what it was running) ─► relay
    cancel(): mark_stopped on every worker ─► client.cancel(futures) ─► wait until none executes
    shutdown(): relay closed, run state dropped on the workers, client (and a local:N cluster) closed

Dask keys are unique per run (a random run id) and per submission (a counter), so two runs on one
cluster, or one key submitted twice, never share a future. A task that raises is a failed result;
with ``retries`` Dask re-runs it first. A worker that dies has its tasks rescheduled by the scheduler
(up to its ``distributed.scheduler.allowed-failures``). The scheduler counts a death against every
task that was on that worker, the ones queued behind the culprit too, so a task given up on is run
once more alone, on one worker with none of ours beside it: it fails with "worker died" only if that
worker dies too. Small tasks go several to a Dask task (engine/cluster/groups.py), which Dask never
runs again: only the members not done go again, by the same rules.
"""

from __future__ import annotations

import itertools
import re
import time
import uuid
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any

from engine.cluster import outcomes, remote
from engine.cluster.connection import CONNECT_TIMEOUT_S, ClusterConnection, ClusterUnreachable, connect
from engine.cluster.groups import GROUP_CAP, Flight, GroupRuns, key_text
from engine.cluster.reach import check_data_reach
from engine.cluster.status_topic import GroupStarted, TaskDone, TopicRelay, topic_of
from engine.cluster.worker_events import WorkerWatch
from engine.cluster.workers import read_workers
from engine.coded_errors import inner, inner_coded
from engine.context import JobContext
from engine.executor import Executor, TaskResult, TaskSpec
from engine.status import WorkerInfo

#: Tasks kept in flight per worker thread: enough that a thread finishing one finds the next already
#: on its worker, few enough that a huge task list stays in the caller's lazy iterable.
IN_FLIGHT_PER_THREAD = 2

#: The worker-thread count (and so the window) is re-read from the scheduler at most this often.
THREADS_REFRESH_S = 1.0

#: After a cancel, how long to wait for running tasks to see the stop flag and return (inside the
#: 5 s a stopped job gets before it is terminated).
CANCEL_GRACE_S = 3.0


class DaskExecutor(GroupRuns, Executor):
    """Runs ``fn(payload)`` for each task on the workers of a Dask cluster.

    ``fn`` must be importable on the workers (a module-level function of mpwatch, installed there in
    the same version). Tasks read and write by path: ``open`` checks first that every worker reaches
    the data. ``own_connection``: shutting down also closes the client (and its local:N cluster).
    """

    kind = "dask"
    _pending: deque[Flight]

    def __init__(
        self,
        fn: Callable[[Any], Any],
        ctx: JobContext,
        connection: ClusterConnection,
        *,
        stage: str = "worker",
        retries: int = 0,
        own_connection: bool = False,
        in_flight_per_thread: int = IN_FLIGHT_PER_THREAD,
        group_cap: int = GROUP_CAP,
    ) -> None:
        from distributed import as_completed

        super().__init__(fn, ctx, stage)
        self.connection = connection
        self.client = connection.client
        self.retries = retries
        self.own_connection = own_connection
        self.in_flight_per_thread = in_flight_per_thread
        self.base = f"{_slug(ctx.job)}-{uuid.uuid4().hex[:10]}"
        self.key_prefix = f"mpwatch-{self.base}"
        self._generation = 0
        self._run = self._remote_run()
        self._flights: dict[str, Flight] = {}
        self._alone: str | None = None  # the dask key of the task running alone on its worker …
        self._alone_on = ""  # … and that worker's address
        self._numbers = itertools.count()
        # Outcomes come on the status topic (TaskDone): no gather round trip through the scheduler
        # to the worker per task. Written on the client's event-loop thread, taken on ours.
        self._completed = as_completed(loop=self.client.loop, with_results=False)
        self._outcomes: dict[str, remote.Outcome] = {}
        self._threads = 1
        self._threads_read = float("-inf")
        self._pids: dict[str, int] = {}
        if connection.local_workers is not None:  # ours: spawned with the module imported, pids known
            self._pids.update(connection.local_workers.pids_by_address())
        else:  # every worker imports the task's module while we prepare, and tells its pid (a worker
            # that dies is named with it); one round trip for both
            answers = self.client.run(remote.warm_up, fn.__module__, on_error="return")
            self._pids.update({address: pid for address, pid in answers.items() if isinstance(pid, int)})
        self._init_groups(group_cap if not retries else 1)  # Dask's retries would run a whole group again
        self.relay = TopicRelay(self.client, self._run.topic, ctx.sink, self._on_done).start()
        self.watch = WorkerWatch(self.client, ctx.job, self.relay.post, self._pids, self._label_of).start()

    @classmethod
    def open(
        cls,
        address: str,
        fn: Callable[[Any], Any],
        ctx: JobContext,
        *,
        stage: str = "worker",
        inputs: Iterable[Path | str] = (),
        output_dir: Path | str | None = None,
        retries: int = 0,
        timeout_s: float = CONNECT_TIMEOUT_S,
        local_worker_setup: Callable[[], None] | None = None,
        group_cap: int = GROUP_CAP,
    ) -> DaskExecutor:
        """Connect to ``address`` (``tcp://HOST:PORT`` or ``local:N``), check that every worker reaches
        ``inputs`` and ``output_dir``, and return an executor that owns the connection.

        ``local_worker_setup``: run once in each worker process of a ``local:N`` cluster as it
        starts (they run this run's tasks only); not on a remote scheduler's workers.
        ``group_cap``: at most this many short tasks to one Dask task (1: one each).

        Raises ``ValueError`` (bad address), ``ClusterUnreachable`` or ``DataReachError``.
        """
        if address.startswith("local:"):
            ctx.log_coded("info", "cluster_starting_local", workers=address.removeprefix("local:"))
        else:
            ctx.log_coded("info", "cluster_connecting", address=address)
        connection = connect(address, timeout_s, preload=fn.__module__, local_setup=local_worker_setup)
        try:
            executor = cls(fn, ctx, connection, stage=stage, retries=retries, own_connection=True, group_cap=group_cap)
        except BaseException:
            connection.close()
            raise
        try:
            checked = check_data_reach(connection.client, inputs, output_dir, executor.key_prefix)
        except BaseException:
            executor.shutdown(cancel=True)
            raise
        threads = executor._worker_threads()
        scheduler = connection.scheduler_address
        ctx.log_coded("info", "cluster_running", scheduler=scheduler, address=address, workers=checked, threads=threads)
        return executor

    def _remote_run(self) -> remote.RemoteRun:
        return remote.RemoteRun(
            base=self.base,
            run_id=f"{self.base}.{self._generation}",
            job=self.ctx.job,
            stage=self.stage,
            topic=topic_of(self.base),
        )

    # -- submitting ----------------------------------------------------------------------------
    def submit(self, key: Hashable, payload: Any, label: str | None = None) -> None:
        spec = TaskSpec(key, payload, label)
        self._pending.append(Flight(spec, label if label is not None else str(key)))

    def _before_dispatch(self) -> None:
        local = self.connection.local_workers
        if local is not None and local.failure is not None:
            failure = inner_coded("failure", "local_worker_crash_loop", **local.failure)
            raise ClusterUnreachable.coded("cluster_failed_in_flight", tasks=len(self._flights), **failure)
        if self.client.status == "closed":
            address = str(self.connection.address)
            raise ClusterUnreachable.coded("cluster_connection_lost", address=address, tasks=len(self._flights))

    def _has_room(self) -> bool:
        if self._alone is not None:
            return False
        if self._pending and self._pending[0].alone:  # its turn comes once nothing of ours runs
            return not self._flights and not self._groups and bool(self.client.nthreads())
        return len(self._flights) + len(self._groups) < self.in_flight_per_thread * self._worker_threads()

    @property
    def in_flight(self) -> int:
        return len(self._flights) + sum(len(group.unreported()) for group in self._groups.values())

    def _collect(self, timeout: float) -> Iterator[TaskResult]:
        ready = self._ready(timeout)
        yield from self._member_results()
        ours = [f for f in ready if f.status != "cancelled"]
        yield from self._groups_ended([f for f in ours if f.key in self._groups])
        done = [f for f in ours if f.key in self._flights]
        reruns = self._reruns_of([f.key for f in done]) if done else {}
        for future in done:
            if future.key in self._flights:  # else cancel() was called while we yielded
                value = self._value_of(future)
                result = self._result_of(future, value, reruns.get(future.key, (0, 0))) if value is not None else None
                if result is not None:
                    yield self._measured(result)
        if self._alone is not None and self._alone_on in self.watch.removed:
            flight = self._flights.pop(self._alone)
            self.client.cancel([flight.future])  # pinned to a worker that is gone: it would wait for ever
            self._alone = None
            if flight.future.key in self.watch.lost:
                yield self._died_alone(flight)
            else:  # that worker left before it ran there, or on purpose: another one, still alone
                self._pending.appendleft(
                    Flight(flight.spec, flight.label, deaths_before=flight.deaths_before, alone=True)
                )

    def _dispatch(self, flight: Flight) -> None:
        dask_key = f"{self.key_prefix}-{next(self._numbers)}-{key_text(flight.spec.key)}"
        flight.started = time.monotonic()
        where = {}
        if flight.alone:  # pinned: if that worker dies, the task waits (no-worker) instead of killing more
            self._alone, self._alone_on = dask_key, min(self.client.nthreads())
            where = {"workers": [self._alone_on], "allow_other_workers": False}
        self._flights[dask_key] = flight  # before it can finish: its TaskDone is kept only for a flight
        try:
            flight.future = self.client.submit(
                remote.run_task,
                self.fn,
                flight.spec.payload,
                flight.label,
                self._run,
                key=dask_key,
                retries=self.retries,
                pure=False,
                **where,
            )
        except BaseException:
            del self._flights[dask_key]
            raise
        self._completed.add(flight.future)

    def _on_done(self, done: TaskDone | GroupStarted) -> None:
        """A task of ours returned (client's event-loop thread): keep its outcome for ``_value_of``;
        a group's news goes to ``_on_group_news``."""
        if done.key not in self._flights:
            self._on_group_news(done)
        elif isinstance(done, TaskDone) and done.outcome is not None:
            self._outcomes[done.key] = done.outcome

    def _value_of(self, future: Any) -> Any:
        """``outcomes.value_of`` the future; one no longer finished is watched again."""
        value = outcomes.value_of(future, self._outcomes.pop(future.key, None))
        if value is None:
            self._completed.add(future)
        return value

    def _ready(self, timeout: float) -> list[Any]:
        """Futures done since the last call, waiting up to ``timeout`` for the first one."""
        if not self._flights and not self._groups:
            return []
        condition = self._completed.thread_condition
        with condition:  # as_completed notifies it after queueing a done future, ``_on_group_news`` too
            if not self._completed.has_ready() and not self._members_done:
                condition.wait(timeout)
        return self._completed.next_batch(block=False)

    def _reruns_of(self, dask_keys: list[str]) -> dict[str, tuple[int, int]]:
        """(worker deaths, retries used) per finished task, from the scheduler: one round trip per
        batch of results, made only once a worker has left during the run or when retries are
        allowed. Otherwise every task ran once: a worker's removal reaches ``watch`` before the
        result of a task run again after it (both come on the scheduler's stream, in order)."""
        if not self.retries and not self.watch.exits:
            return {}
        return self.client.run_on_scheduler(remote.scheduler_attempts, dask_keys, self.retries)

    def _result_of(self, future: Any, value: Any, reruns: tuple[int, int]) -> TaskResult | None:
        """The task's result, or None when the scheduler gave up on it and it goes again alone."""
        flight = self._flights.pop(future.key)
        if future.key == self._alone:
            self._alone = None
        deaths, retried = reruns
        deaths += flight.deaths_before
        # Decided by what as_completed handed over, not by ``future.status``: that can change after
        # (a finished result held by a worker that then dies is "lost" and computed again).
        if outcomes.killed(value):  # it died on its last attempt
            if flight.alone:
                return self._died_alone(flight, deaths)
            self.ctx.log_coded("warning", "task_run_alone", task=flight.label, deaths=deaths)
            self._pending.appendleft(Flight(flight.spec, flight.label, deaths_before=deaths, alone=True))
            return None
        attempts = deaths + retried + 1
        if attempts > 1:
            self.ctx.log_coded(
                "warning", "task_attempts", task=flight.label, attempts=attempts, deaths=deaths, retried=retried
            )
        return outcomes.task_result(flight.spec.key, flight.label, value, attempts, flight.started)

    def _died_alone(self, flight: Flight, attempts: int | None = None) -> TaskResult:
        """The failed result of a task whose worker died while it ran alone there."""
        attempts = attempts if attempts is not None else flight.deaths_before + 1
        result = outcomes.worker_died(flight.spec.key, flight.label, attempts, flight.started, flight.alone)
        self.ctx.log_coded(
            "error", "task_failed", task=flight.label, **inner("reason", result.reason, result.code, result.params)
        )
        return result

    def _worker_threads(self) -> int:
        now = time.monotonic()
        if now - self._threads_read >= THREADS_REFRESH_S:
            self._threads_read = now
            self._threads = max(1, self.connection.worker_threads())
        return self._threads

    # -- workers -------------------------------------------------------------------------------
    def workers(self) -> list[WorkerInfo]:
        return read_workers(self.client, self._pids, self._label_of)

    def _label_of(self, dask_key: str) -> str | None:
        """The label of this run's task under ``dask_key`` in flight (None: not ours, or done)."""
        flight = self._flights.get(dask_key)
        if flight is not None:
            return flight.label
        group = self._groups.get(dask_key)
        return group.running_label() if group is not None else None

    # -- stopping ------------------------------------------------------------------------------
    def _futures(self) -> list[Any]:
        """The Dask futures of this executor in flight: its single tasks' and its groups'."""
        return [f.future for f in self._flights.values()] + [g.future for g in self._groups.values()]

    def cancel(self, grace_s: float = CANCEL_GRACE_S) -> list[Hashable]:
        """Drop pending tasks, cancel every future and wait (up to ``grace_s``) until no task of this
        executor runs on any worker; returns the keys dropped. Later tasks run normally."""
        dropped = [f.spec.key for f in self._pending] + [f.spec.key for f in self._flights.values()]
        dropped += self._group_keys()
        self._pending.clear()
        self._source_cancelled = True
        stopped = self._run.run_id
        self._generation += 1
        self._run = self._remote_run()
        futures = self._futures()
        self._flights.clear()
        self._clear_groups()
        self._alone = None
        self._completed.clear()
        self._outcomes.clear()
        self.client.run(remote.mark_stopped, stopped, on_error="return")
        if futures:
            self.client.cancel(futures)
        still = self.wait_idle(stopped, grace_s)
        if still:
            shown = ", ".join(still[:5])
            self.ctx.log_coded("warning", "cancelled_still_running", count=len(still), grace_s=grace_s, tasks=shown)
        return dropped

    def wait_idle(self, run_id: str, timeout_s: float) -> list[str]:
        """Wait until no task of ``run_id`` executes on any worker; returns the keys still running."""
        deadline = time.monotonic() + timeout_s
        while True:
            running = self.client.run(remote.running_keys, run_id, f"{self.key_prefix}-", on_error="return")
            keys = sorted(k for keys in running.values() if isinstance(keys, list) for k in keys)
            if not keys or time.monotonic() >= deadline:
                return keys
            time.sleep(0.05)

    def shutdown(self, cancel: bool = False, grace_s: float = CANCEL_GRACE_S) -> None:
        """Cancel (or, without ``cancel``, wait up to ``grace_s`` for) the tasks in flight, stop the
        status relay, drop the run's state on the workers and close the connection if owned."""
        if self._closed:
            return
        self._closed = True
        try:
            futures = self._futures()
            if futures and not cancel:
                from distributed import as_completed

                try:
                    for _ in as_completed(futures, loop=self.client.loop, timeout=grace_s):
                        pass
                except TimeoutError:
                    pass
            if futures or self._pending or self._ahead:
                self.cancel(grace_s)
            if not (self.own_connection and self.connection.local_workers is not None):  # else they end now
                self.client.run(remote.forget_run, self.base, on_error="return")
        finally:
            self.watch.close()  # closing our own local:N cluster below is no worker death
            self.relay.close()
            if self.own_connection:
                self.connection.close()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text)[:40] or "job"
