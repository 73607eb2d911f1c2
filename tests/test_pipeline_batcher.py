"""The batcher's decisions (size, deadline, shutdown, live retune) and the shared-memory helpers."""

from __future__ import annotations

import time

import pytest

from engine.pipeline.batcher import Batcher
from engine.pipeline.hops import CancelBoard, HoldingSlot, live_items
from engine.pipeline.messages import FLUSH_DEADLINE, FLUSH_SIZE
from engine.pipeline.stage import BatchControl
from engine.status import StatusReporter, StatusSink


def test_size_flush_is_inclusive() -> None:
    batcher = Batcher(max_batch=4, max_delay_s=10.0)
    batcher.add(range(3), now=0.0)
    assert batcher.due(0.0) is None
    batcher.add([3], now=0.0)
    assert batcher.due(0.0) == FLUSH_SIZE  # exactly max_batch items: leaves now
    assert batcher.take() == [0, 1, 2, 3]
    assert len(batcher) == 0


def test_size_flush_takes_the_oldest_and_keeps_the_rest() -> None:
    batcher = Batcher(max_batch=3, max_delay_s=10.0)
    batcher.add(range(7), now=0.0)
    assert batcher.take() == [0, 1, 2]
    assert batcher.take() == [3, 4, 5]
    assert batcher.due(0.0) is None and len(batcher) == 1


def test_deadline_counts_from_the_oldest_item_without_further_arrivals() -> None:
    batcher = Batcher(max_batch=128, max_delay_s=1.0)
    batcher.add(["a"], now=10.0)
    batcher.add(["b"], now=10.9)  # a newer item does not push the deadline back
    assert batcher.wait_s(10.9) == pytest.approx(0.1)
    assert batcher.due(10.99) is None
    assert batcher.due(11.0) == FLUSH_DEADLINE
    assert batcher.take() == ["a", "b"]
    assert batcher.wait_s(11.0) is None  # empty: nothing to wait for


def test_shutdown_flush_returns_everything_in_batches() -> None:
    batcher = Batcher(max_batch=4, max_delay_s=10.0)
    batcher.add(range(10), now=0.0)
    assert batcher.drain() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(batcher) == 0


def test_live_retune_applies_to_items_already_waiting() -> None:
    batcher = Batcher(max_batch=128, max_delay_s=10.0)
    batcher.add(range(5), now=0.0)
    assert batcher.due(1.0) is None
    batcher.retune(max_batch=5, max_delay_s=10.0)
    assert batcher.due(1.0) == FLUSH_SIZE
    batcher.retune(max_batch=128, max_delay_s=0.5)
    assert batcher.due(1.0) == FLUSH_DEADLINE


def test_batch_control_is_shared_and_validated() -> None:
    control = BatchControl(128, 1000.0)
    control.set(max_batch=8, max_delay_ms=5.0)
    assert (control.max_batch, control.max_delay_ms) == (8, 5.0)
    with pytest.raises(ValueError):
        control.set(max_batch=0)
    with pytest.raises(ValueError):
        control.set(max_delay_ms=-1)


def test_holding_slot_round_trip_and_capacity() -> None:
    slot = HoldingSlot(4)
    assert slot.read() == []
    slot.set([5, 6, 7])
    assert slot.read() == [5, 6, 7]
    slot.set(range(10))  # more than it can hold: keeps the first ``capacity``
    assert slot.read() == [0, 1, 2, 3]
    slot.clear()
    assert slot.read() == []


def test_cancel_board_reader_sees_new_ids_and_survives_wraparound() -> None:
    board = CancelBoard(capacity=8)
    reader = board.reader()
    board.cancel([1, 2, 3])
    reader.refresh()
    assert reader.is_cancelled(2) and not reader.is_cancelled(4)
    board.cancel(range(100, 120))  # more than a ring: the oldest of these are lost, the newest seen
    reader.refresh()
    assert reader.is_cancelled(119) and reader.is_cancelled(112)
    assert not reader.is_cancelled(100)


def test_live_items_keeps_what_is_due_and_counts_each_drop_once_by_why() -> None:
    board = CancelBoard(capacity=8)
    reader = board.reader()
    reporter = StatusReporter(StatusSink(None), "pipeline", "receiver", "0")
    later, past = time.monotonic() + 60, time.monotonic() - 1
    board.cancel([2, 4])  # 4 is past its deadline too: counted as cancelled, not twice
    message = [(1, "a", later), (2, "b", later), (3, "c", past), (4, "d", past), (5, "e", later)]
    assert live_items(message, reader, reporter) == [message[0], message[4]]
    assert reporter.items_in == 5
    assert reporter.counters == {"drops_cancelled": 2, "drops_expired": 1}
