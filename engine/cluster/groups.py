"""Several of the caller's tasks in one Dask task, when they are small (issue 12).

Every Dask task costs ~3 ms of the job process's CPU and ~2.4 ms of its worker's in scheduler
messages (benchmarks/bench_cluster_tasks.py), a clean file task ~120 ms: Dask's own guidance is a
task of ≥ ~100 ms. So the executor packs its tasks into groups, sized as guided self-scheduling
does: big while much is left, single tasks toward the end so the tail stays short::

    pending (submitted, first) + ahead (pulled from the caller's iterable, ≤ LOOK_AHEAD_PER_THREAD
    × threads × cap) ─► take_group(size = clamp(ceil(remaining / (4 × threads)), 1, cap)), cap
                        lowered so that a group holds ≈ GROUP_TARGET_S of the tasks' measured time
        size 1 ─► remote.run_task, as before (Dask reschedules it when its worker dies)
        size > 1 ─► remote.run_group(fn, ((payload, label), …)) under a key with GROUP_MARK
                    ─► one TaskDone per member, "<key>/<index>", as each ends: a result at once
                    ─► its worker dies: KilledWorker at once (group_plugin), the members not done
                       go back to pending; the first of them (the one that was running, charged
                       the death if the group had begun) goes as a single task, so Dask's own
                       rescheduling and the executor's "run alone" apply to it as to any task

The caller sees nothing of this: every task keeps its key, its TaskResult (own value or failure),
its live status (begin/end on the worker's reporter) and its own attempts count.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.cluster import outcomes, remote
from engine.cluster.status_topic import GroupStarted
from engine.context import JobContext
from engine.executor import TaskResult, TaskSpec

#: The most caller tasks in one Dask task (benchmarks/bench_cluster.py, bench_cluster_phases.py and
#: bench_cluster_tasks.py: 2, 4 and 8 measured; 8 cost the job process least per task).
GROUP_CAP = 8

#: A group takes no more tasks than run in about this long (from the tasks' own measured seconds):
#: a task of a second or more gains nothing from sharing a Dask task and would only lengthen the tail.
GROUP_TARGET_S = 1.0

#: Groups are sized for this many per worker thread over what is left, so that every thread still
#: gets several as the run ends.
GROUPS_PER_THREAD = 4

#: What a group's dask key contains (a single task's key is ``mpwatch-<run>-<n>-<key>``).
GROUP_MARK = "~group"

#: How far ahead of dispatch the caller's iterable is read (× worker threads × cap), to know how
#: much is left; the iterable stays lazy beyond that.
LOOK_AHEAD_PER_THREAD = 4


@dataclass
class Flight:
    """One caller task on its way: from ``submit`` (or the iterable) until its result is yielded."""

    spec: Any  # engine.executor.TaskSpec
    label: str
    future: Any = None
    started: float = field(default_factory=time.monotonic)
    #: Worker deaths charged to it so far (a group's member that was running, or the scheduler's count).
    deaths_before: int = 0
    #: Set once the scheduler gave up on it: its last attempt runs alone on one worker.
    alone: bool = False
    #: Set when its group's worker died while it ran: it goes again as a single Dask task.
    single: bool = False


@dataclass
class GroupFlight:
    """A group in flight: its members in the order they run, and which have reported."""

    members: list[Flight]
    future: Any = None
    reported: set[int] = field(default_factory=set)
    #: Its first member began on a worker (its ``GroupStarted`` came; set on the client's event-loop thread).
    started: bool = False

    def unreported(self) -> list[Flight]:
        return [m for i, m in enumerate(self.members) if i not in self.reported]

    def running_label(self) -> str | None:
        """The label of the member that runs now (the first not reported), for the Processes view."""
        left = self.unreported()
        return left[0].label if left else None


def cap_for(task_s: float | None, cap: int) -> int:
    """``cap``, or fewer when tasks take ``task_s`` on average (None: not measured yet)."""
    if task_s is None or task_s <= 0:
        return cap
    return max(1, min(cap, int(GROUP_TARGET_S / task_s)))


def group_size(remaining: int | None, threads: int, cap: int) -> int:
    """How many tasks the next group takes: ``remaining`` None means "more than we know"."""
    if cap <= 1:
        return 1
    if remaining is None:
        return cap
    return max(1, min(cap, math.ceil(remaining / (GROUPS_PER_THREAD * max(1, threads)))))


def take_group(pending: deque[Flight], ahead: deque[Flight], size: int) -> list[Flight]:
    """Up to ``size`` flights, submitted ones first; a flight that must run alone goes by itself."""
    taken: list[Flight] = []
    for queue in (pending, ahead):
        while queue and len(taken) < size:
            if queue[0].alone or queue[0].single:
                if not taken:
                    taken.append(queue.popleft())
                return taken
            taken.append(queue.popleft())
    return taken


def key_text(key: Hashable) -> str:
    """A readable, bounded rendering of the caller's key for a dask key (uniqueness is the counter's)."""
    return re.sub(r"\s+", "", repr(key))[:60]


def split_member_key(key: str) -> tuple[str, int] | None:
    """(group key, index) of a member's ``TaskDone`` key, ``"<group key>/<index>"`` (remote.run_group);
    None for another key."""
    group_key, slash, index = key.rpartition("/")
    if not slash or not index.isdigit():
        return None
    return group_key, int(index)


def requeue_after_death(group: GroupFlight, pending: deque[Flight], started: bool) -> Flight | None:
    """Put the members of a group whose worker died, not reported yet, back at the front of
    ``pending`` in their order; the first of them goes by itself as a single task (if it killed the
    worker, Dask's own rescheduling and the executor's "run alone" deal with it as with any task).
    It is charged the death only when the group had ``started`` (its ``GroupStarted`` or a member's
    result came): else it may have waited behind another task on that worker. Returns it (None when
    every member had reported)."""
    left = group.unreported()
    if not left:
        return None
    suspect = left[0]
    suspect.deaths_before += int(started)
    suspect.single = True
    for flight in reversed(left):
        pending.appendleft(flight)
    return suspect


class GroupRuns:
    """The ``DaskExecutor``'s side of groups: reading the caller's tasks ahead, submitting a group,
    and turning its members' ``TaskDone`` (or the group's end) into one ``TaskResult`` each.

    Mixed into ``DaskExecutor`` (engine/cluster/executor.py), whose executor hooks it calls:
    ``_before_dispatch``, ``_has_room`` and ``_dispatch`` (engine/executor.py ``Executor``) and
    ``_worker_threads``. It declares none of them, so that it can never shadow the executor's own."""

    client: Any
    ctx: JobContext
    fn: Callable[[Any], Any]
    group_cap: int
    key_prefix: str
    _run: remote.RemoteRun
    _numbers: itertools.count
    _completed: Any  # distributed.as_completed
    _pending: deque[Flight]
    _ahead: deque[Flight]
    _groups: dict[str, GroupFlight]
    _members_done: deque[tuple[str, int, Any]]
    _task_seconds: list[float]  # [sum, count] of the tasks' own seconds so far

    _source_cancelled: bool

    def _init_groups(self, cap: int) -> None:
        """No group yet; groups of up to ``cap`` tasks from now on. The scheduler gets the plugin
        that keeps groups from being run again (group_plugin.py); one that refuses it gets one task
        per Dask task (a group run twice would run members already done again)."""
        self.group_cap = cap
        self._groups = {}
        self._ahead = deque()  # pulled from the caller's iterable, not dispatched yet
        self._members_done = deque()  # (group key, index, outcome): put on the client's event-loop thread
        self._task_seconds = [0.0, 0]
        if cap > 1:
            from engine.cluster import group_plugin

            try:
                group_plugin.register(self.client)
            except Exception as exc:  # e.g. mpwatch not importable on a remote scheduler
                self.group_cap = 1
                self.ctx.log_coded("info", "cluster_no_groups", reason=f"{type(exc).__name__}: {exc}")

    def _fill(self, source: Iterator[TaskSpec], exhausted: bool) -> bool:
        """As ``Executor._fill``, a group of tasks per Dask task (groups.py): ``source`` is read a
        little ahead to know how much is left; exhausted once that read-ahead is dispatched too."""
        self._before_dispatch()
        exhausted = exhausted or self._source_cancelled
        while self._has_room():
            exhausted = self._read_ahead(source, exhausted)
            remaining = len(self._pending) + len(self._ahead) if exhausted else None
            size = group_size(remaining, self._worker_threads(), cap_for(self._mean_task_s(), self.group_cap))
            members = take_group(self._pending, self._ahead, size)
            if not members:
                break
            if len(members) == 1:
                self._dispatch(members[0])
            else:
                self._dispatch_group(members, members[0].spec.key)
        return exhausted and not self._ahead

    def _read_ahead(self, source: Iterator[TaskSpec], exhausted: bool) -> bool:
        """Pull specs from ``source`` into ``_ahead`` up to the look-ahead; returns whether it ended."""
        limit = LOOK_AHEAD_PER_THREAD * self._worker_threads() * self.group_cap if self.group_cap > 1 else 1
        while not exhausted and len(self._ahead) < limit:
            try:
                spec = next(source)
            except StopIteration:
                return True
            self._ahead.append(Flight(spec, spec.label if spec.label is not None else str(spec.key)))
        return exhausted

    def _dispatch_group(self, members: list[Flight], first_key: Hashable) -> None:
        dask_key = f"{self.key_prefix}-{next(self._numbers)}{GROUP_MARK}{len(members)}-{key_text(first_key)}"
        group = GroupFlight(members)
        for member in members:
            member.started = time.monotonic()
        self._groups[dask_key] = group  # before it can end: its members' TaskDone are kept only for it
        try:
            batch = tuple((m.spec.payload, m.label) for m in members)
            group.future = self.client.submit(remote.run_group, self.fn, batch, self._run, key=dask_key, pure=False)
        except BaseException:
            del self._groups[dask_key]
            raise
        self._completed.add(group.future)

    def _on_group_news(self, news: Any) -> None:
        """A group's ``GroupStarted`` or a member's ``TaskDone`` (client's event-loop thread): note
        the start; queue the member's outcome and wake ``_ready``."""
        if isinstance(news, GroupStarted):
            group = self._groups.get(news.key)
            if group is not None:
                group.started = True
            return
        member = split_member_key(news.key)
        if member is not None and member[0] in self._groups and news.outcome is not None:
            with self._completed.thread_condition:
                self._members_done.append((*member, news.outcome))
                self._completed.thread_condition.notify_all()

    def _clear_groups(self) -> None:
        """Forget every group and what was read ahead (a cancel: their futures are cancelled)."""
        self._groups.clear()
        self._ahead.clear()
        self._members_done.clear()

    def _member_results(self) -> Iterator[TaskResult]:
        """The results of group members that ended since the last call, as each ended."""
        while self._members_done:
            group_key, index, outcome = self._members_done.popleft()
            group = self._groups.get(group_key)
            if group is None or index in group.reported or index >= len(group.members):
                continue  # cancelled meanwhile, or already taken from the group's own result
            group.reported.add(index)
            yield self._member_result(group.members[index], outcome)

    def _member_result(self, member: Flight, outcome: Any) -> TaskResult:
        """A member's result from its ``Outcome`` or ``TaskError`` (groups are never run again by
        Dask: its attempts are the deaths charged to it plus this one)."""
        value = outcome if outcomes.finished(outcome) else (type(outcome), outcome, None)
        attempts = member.deaths_before + 1
        if attempts > 1:
            self.ctx.log_coded(
                "warning", "task_attempts", task=member.label, attempts=attempts, deaths=attempts - 1, retried=0
            )
        return self._measured(outcomes.task_result(member.spec.key, member.label, value, attempts, member.started))

    def _measured(self, result: TaskResult) -> TaskResult:
        """Note how long a task that ran took (its own seconds, on its worker), for ``cap_for``."""
        if result.ok:
            self._task_seconds[0] += result.seconds
            self._task_seconds[1] += 1
        return result

    def _mean_task_s(self) -> float | None:
        total, count = self._task_seconds
        return total / count if count else None

    def _groups_ended(self, futures: list[Any]) -> Iterator[TaskResult]:
        """Results of the members of ended groups that had not reported (an outcome too large to
        carry, or the whole group failed); a group whose worker died puts those members back."""
        for future in futures:
            group = self._groups.pop(future.key)
            started = group.started or bool(group.reported)
            if not group.unreported():
                continue
            if future.status == "finished":
                try:
                    ran = future.result()  # run_group's outcomes in member order (members after a Stop did not run)
                except Exception as exc:
                    failure: Any = (type(exc), exc, exc.__traceback__)
                else:
                    for index, outcome in enumerate(ran):
                        if index not in group.reported:
                            group.reported.add(index)
                            yield self._member_result(group.members[index], outcome)
                    continue
            else:
                failure = outcomes.value_of(future, None)
                if failure is None:  # it ended, but its worker died holding outcomes we lack: not run
                    self.client.cancel([future])  # again whole (members reported would run twice)
                    requeue_after_death(group, self._pending, started=False)
                    continue
                if outcomes.killed(failure):
                    requeue_after_death(group, self._pending, started)
                    continue
            for member in group.unreported():  # the group could not run at all: each member fails so
                attempts = member.deaths_before + 1
                yield outcomes.task_result(member.spec.key, member.label, failure, attempts, member.started)

    def _group_keys(self) -> list[Hashable]:
        """The caller's keys of the tasks read ahead or in groups not reported yet."""
        keys = [f.spec.key for f in self._ahead]
        keys += [m.spec.key for group in self._groups.values() for m in group.unreported()]
        return keys
