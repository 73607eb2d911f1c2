"""Dask workers joining and leaving a run's cluster, as the status protocol's events.

    scheduler.remove_worker ─► log_event("all", {"action": "remove-worker", "worker": …, "expected": …,
                                                  "processing-tasks": …})
    scheduler.add_worker    ─► log_event("all", {"action": "add-worker", "worker": …})
          └─► client.subscribe_topic("all") ─► WorkerWatch._on_event (client event-loop thread, never waits)
                 ├─ WorkerExited(role="dask worker tcp://…", pid on its host, exitcode=None, expected)
                 └─ LogLine: which of this run's tasks it was running (they run elsewhere), or "joined"
              ─► post(message): the status relay's inbox, in order with the workers' own status

A local pool worker's death is seen by its sentinel; a Dask worker lives on another host, so its
death is what the scheduler says: a worker that crashed or was killed is ``expected=False``, one
retired or closed on purpose ``expected=True``. There is no exit code to report (``exitcode`` None).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from engine.coded_errors import english
from engine.status import LogLine, WorkerExited

#: The scheduler's topic that carries worker arrivals and removals.
SCHEDULER_TOPIC = "all"

#: ``WorkerExited.role`` of a Dask worker: this prefix and its address.
ROLE_PREFIX = "dask worker "


def worker_role(address: str) -> str:
    return f"{ROLE_PREFIX}{address}"


def coded_line(job: str, level: str, t: float, code: str, **params: Any) -> LogLine:
    """A LogLine said by code (engine/coded_errors.py), at the scheduler's time ``t``."""
    return LogLine(job, level, english(code, params), t, code, params)


class WorkerWatch:
    """Turns the scheduler's worker removals (and arrivals) into events of one run.

    ``pids`` (address → pid, filled as the executor learns them) names the process; ``label_of``
    maps a dask key to the run's task label (None: not this run's); ``post`` must never block.
    """

    def __init__(
        self,
        client: Any,
        job: str,
        post: Callable[[Any], None],
        pids: Mapping[str, int],
        label_of: Callable[[str], str | None],
    ) -> None:
        self.client = client
        self.job = job
        self.post = post
        self.pids = pids
        self.label_of = label_of
        self.exits: list[WorkerExited] = []
        #: Dask keys that were processing on a worker that died (not one retired or closed on purpose).
        self.lost: set[str] = set()
        #: Addresses of the workers that left, for whatever reason (filled after ``lost``).
        self.removed: set[str] = set()
        self._subscribed = False

    def start(self) -> WorkerWatch:
        self.client.subscribe_topic(SCHEDULER_TOPIC, self._on_event)
        self._subscribed = True
        return self

    def close(self) -> None:
        """Stop listening (before the run's own cluster is closed: that is no worker death)."""
        if self._subscribed:
            self._subscribed = False
            try:
                self.client.unsubscribe_topic(SCHEDULER_TOPIC)
            except Exception:  # the client is already closed: nothing more can arrive anyway
                pass

    def _on_event(self, event: tuple[float, Any]) -> None:
        t, message = event
        if not self._subscribed or not isinstance(message, dict) or "worker" not in message:
            return
        action, address = message.get("action"), str(message["worker"])
        if action == "remove-worker":
            self._removed(address, message, t)
        elif action == "add-worker":
            self.post(coded_line(self.job, "info", t, "cluster_worker_joined", worker=worker_role(address)))

    def _removed(self, address: str, message: Mapping[str, Any], t: float) -> None:
        expected = bool(message.get("expected", False))
        exited = WorkerExited(
            job=self.job,
            role=worker_role(address),
            pid=self.pids.get(address, 0),
            t=t,
            exitcode=None,
            expected=expected,
        )
        keys = [str(k) for k in message.get("processing-tasks", ())]
        if not expected:
            self.lost.update(keys)
        self.removed.add(address)
        self.exits.append(exited)
        self.post(exited)
        ours = [label for label in map(self.label_of, keys) if label is not None]
        if ours:  # the death itself is the WorkerExited's line; this says what it means for the run
            shown = ", ".join(ours[:5]) + (" …" if len(ours) > 5 else "")
            rescheduled = coded_line(
                self.job,
                "warning",
                t or time.time(),
                "cluster_worker_rescheduled",
                worker=worker_role(address),
                tasks=shown,
            )
            self.post(rescheduled)
        elif expected:
            self.post(
                coded_line(self.job, "info", t or time.time(), "cluster_worker_left", worker=worker_role(address))
            )
