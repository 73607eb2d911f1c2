"""Status from Dask workers over a Dask event topic: the same protocol as a local run, one more hop.

Data flow::

    dask worker, task thread                   scheduler               coordinator (the job process)
    ────────────────────────                   ─────────               ──────────────────────────────
    StatusReporter ─► StatusSink(TopicWriter) ─► log_event(topic, pickled message)
    run_task's end: TaskDone(key, outcome, last snapshot) ─┘
                                                  └─► topic subscribers ─► client event loop thread:
                                                                           TopicRelay._on_event
                                                                           (never blocks) ─► inbox
                                                       TaskDone's outcome ─► on_done (the executor)
                                                      relay thread ─► forward() ─► the job's StatusSink
                                                      (snapshots droppable, events delivered)

One topic per run (``mpwatch-status-<run id>``), so runs sharing a cluster never see each other's
status. Messages are pickled to bytes because an event must be msgpack-serialisable; they are the
frozen dataclasses of engine/status.py, unchanged. The handler runs on the client's event-loop thread,
which also carries results: it only unpickles and hands on. Forwarding into the job's sink can wait
(``send_event`` waits for room in a full queue), so that happens on a thread of its own.

Ordering: a worker sends a task's status messages and then its result on the same stream to the
scheduler, which forwards both to the client in that order; so by the time a result is seen, the
last snapshot of that task is in the inbox (a worker that dies loses what it had not sent yet).

``TaskDone``: a task that returned sends its last snapshot and its outcome as one event, just
before Dask's own "task finished" (same stream, so it reaches the client first). The executor then
takes the outcome from here instead of gathering it from the worker: per task one event instead of
two snapshots plus a round trip coordinator → scheduler → worker and back (engine/cluster/executor.py
falls back to Dask's gather when no ``TaskDone`` came, or its outcome was too large to carry).
"""

from __future__ import annotations

import pickle
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.status import Snapshot, StatusSink
from engine.status_pipe import forward

#: Prefix of a run's status topic.
TOPIC_PREFIX = "mpwatch-status-"

_STOP = object()  # ends the relay thread once everything before it was forwarded


@dataclass(frozen=True)
class TaskDone:
    """A task returned on a worker: its dask ``key``, its outcome (None when too large to carry:
    then the coordinator gathers it) and its worker thread's last ``snapshot``."""

    key: str
    outcome: Any
    snapshot: Snapshot


@dataclass(frozen=True)
class GroupStarted:
    """A group of tasks (engine/cluster/groups.py) began on a worker: its dask ``key`` and the
    worker thread's ``snapshot`` with its first member as the current task. Tells the coordinator,
    should that worker die, that the first member not reported was running (not queued)."""

    key: str
    snapshot: Snapshot


def topic_of(run_id: str) -> str:
    return f"{TOPIC_PREFIX}{run_id}"


class TopicWriter:
    """The worker's end: queue-like (``put_nowait``/``put``) so a ``StatusSink`` uses it unchanged.

    ``log_event`` only schedules a send on the worker's event loop, so neither call ever blocks.
    """

    def __init__(self, worker: Any, topic: str) -> None:
        self.worker = worker
        self.topic = topic

    def put_nowait(self, item: Any) -> None:
        self.worker.log_event(self.topic, pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)


class TopicRelay:
    """The coordinator's end: subscribes to a run's topic and forwards into the job's sink.

    ``on_done`` gets each ``TaskDone`` and ``GroupStarted`` on the client's event-loop thread (it
    must not wait), after its snapshot was queued for the sink.
    """

    def __init__(
        self,
        client: Any,
        topic: str,
        sink: StatusSink,
        on_done: Callable[[TaskDone | GroupStarted], None] | None = None,
    ) -> None:
        self.client = client
        self.topic = topic
        self.sink = sink
        self.on_done = on_done
        self.received = 0
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._relay, name=f"mpwatch-{topic}", daemon=True)
        self._subscribed = False

    def start(self) -> TopicRelay:
        self._thread.start()
        self.client.subscribe_topic(self.topic, self._on_event)
        self._subscribed = True
        return self

    def _on_event(self, event: tuple[float, Any]) -> None:
        """Runs on the client's event-loop thread: unpickle and hand on, nothing that can wait."""
        _, payload = event
        try:
            message = pickle.loads(payload)
        except Exception:  # not ours (someone else logged on our topic): ignore it
            return
        self.received += 1
        if isinstance(message, (TaskDone, GroupStarted)):
            self._inbox.put(message.snapshot)
            if self.on_done is not None:
                self.on_done(message)
            return
        self._inbox.put(message)

    def post(self, message: Any) -> None:
        """Forward a message of our own (a log line) in order with the relayed ones; never blocks."""
        self._inbox.put(message)

    def _relay(self) -> None:
        while True:
            message = self._inbox.get()
            if message is _STOP:
                return
            forward(message, self.sink)

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop listening; what already arrived is forwarded before the thread ends."""
        if self._subscribed:
            self._subscribed = False
            try:
                self.client.unsubscribe_topic(self.topic)
            except Exception:  # the client is already closed: nothing more can arrive anyway
                pass
        if self._thread.is_alive():
            self._inbox.put(_STOP)
            self._thread.join(timeout_s)
