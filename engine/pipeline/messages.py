"""What travels between the stages of the service: plain tuples and lists, named here.

Data flow (every arrow a bounded ``CountingQueue``; messages are lists of items to cut IPC cost)::

    A ingress ──Chunk──► B preprocess i ──Chunk──► C receivers ──Chunk──► batcher ──Batch──► predictor j
      ▲  (one queue per B worker, round-robin)   (one shared queue)   (one queue)   (one shared queue)
      └───────────────────── ResultBatch / Lost ◄── results queue ◄── predictors, B workers, service

Items are tuples, not dataclasses: millions of them cross process boundaries and a tuple of
builtins pickles several times faster. The positions are named by the constructors below.

* request item   ``(item_id, text, deadline)``  — ``deadline`` on ``time.monotonic()`` (system-wide)
* feature item   ``(item_id, features, deadline)``
* ``Batch``      ``("batch", batch_id, reason, items)`` — reason in ``FLUSH_REASONS``
* ``ResultBatch`` ``("result", stage, batch_id, reason, size, compute_s, outcomes)`` (one per ingress
  concerned: ``PipelineWiring.send_outcomes`` splits by the ingress an item id names; ``size`` is the
  whole batch's in the first part, 0 in the others) with outcomes
  ``[(item_id, http_status, payload)]``: payload is the answer as JSON text when status is 200,
  else the reason a person reads.
* ``Lost``       ``("lost", item_ids, reason)`` — a stage died holding these items (sent by the service).

``END_OF_STREAM`` ends a hop explicitly; nothing received from the network is ever unpickled (the
ingress parses JSON and only ever puts these tuples on queues).
"""

from __future__ import annotations

from typing import Any

END_OF_STREAM = "__end_of_stream__"

FLUSH_IDLE = "idle"
FLUSH_SIZE = "size"
FLUSH_DEADLINE = "deadline"
FLUSH_SHED = "shed"
FLUSH_SHUTDOWN = "shutdown"
FLUSH_REASONS = (FLUSH_IDLE, FLUSH_SIZE, FLUSH_DEADLINE, FLUSH_SHED, FLUSH_SHUTDOWN)

STATUS_OK = 200
STATUS_STAGE_FAILED = 500
STATUS_STAGE_DIED = 503
STATUS_SHED = 503


def is_end(message: Any) -> bool:
    return isinstance(message, str) and message == END_OF_STREAM


def make_batch(batch_id: int, reason: str, items: list) -> tuple:
    return ("batch", batch_id, reason, items)


def make_result(stage: str, batch_id: int, reason: str, size: int, compute_s: float, outcomes: list) -> tuple:
    return ("result", stage, batch_id, reason, size, compute_s, outcomes)


def make_lost(item_ids: list[int], reason: str) -> tuple:
    return ("lost", item_ids, reason)
