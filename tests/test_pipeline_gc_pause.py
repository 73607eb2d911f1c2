"""``gc_pause.frozen_heap``: what exists before the block is frozen inside it and collectable after."""

from __future__ import annotations

import gc
import weakref

from engine.pipeline.gc_pause import frozen_heap


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_frozen_inside_unfrozen_after() -> None:
    before = gc.get_freeze_count()
    with frozen_heap():
        assert gc.get_freeze_count() > before
    assert gc.get_freeze_count() == 0


def test_a_cycle_from_before_the_block_is_skipped_inside_and_collected_after() -> None:
    kept = _Cycle()
    gone = weakref.ref(kept)
    with frozen_heap():
        del kept
        gc.collect()
        assert gone() is not None  # frozen: no collection walks it, its cycle stays
    gc.collect()
    assert gone() is None  # unfrozen at the block's end: collected as garbage again


def test_unfrozen_when_the_block_raises() -> None:
    try:
        with frozen_heap():
            raise ValueError("inside")
    except ValueError:
        pass
    assert gc.get_freeze_count() == 0
