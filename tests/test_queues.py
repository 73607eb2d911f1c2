"""CountingQueue: depth without a lock, and the locks of a killed process given back."""

from __future__ import annotations

import os
import queue
import signal

import pytest

from engine.context import SPAWN
from engine.queues import CountingQueue
from tests import targets


@pytest.mark.timeout(60)
def test_locks_held_by_a_killed_process_are_released(no_leftover_children):
    q = CountingQueue(4)
    ready = SPAWN.Event()
    holder = SPAWN.Process(target=targets.take_queue_locks_and_wait, args=(q, ready))
    holder.start()
    assert ready.wait(30)
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(10)
    assert not q._puts.get_lock().acquire(timeout=0.2)  # orphaned: every put would block on it
    freed = q.release_orphaned_locks(reader=True, writer=True, wait_s=0.1)
    assert sorted(freed) == ["get counter lock", "put counter lock", "reader lock", "writer lock"]
    q.put("x", timeout=2)
    assert q.get(timeout=2) == "x"
    assert q.depth() == 0
    assert q.release_orphaned_locks(reader=True, writer=True, wait_s=0.05) == []


@pytest.mark.timeout(30)
def test_depth_counts_puts_and_gets_and_stays_in_bounds():
    q = CountingQueue(4)
    for i in range(3):
        q.put(i)
    assert q.depth() == 3
    assert q.get(timeout=5) == 0
    assert q.depth() == 2
    q.put(3)
    q.put(4)
    with pytest.raises(queue.Full):
        q.put(5, timeout=0.1)
    assert q.depth() == 4
    with pytest.raises(ValueError):
        CountingQueue(0)
