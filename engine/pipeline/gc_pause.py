"""Keep Python's full garbage collections out of a measurement: ``frozen_heap``.

Why: a full (generation 2) collection walks every tracked object of the process and stops its
event loop meanwhile. The load generator's process holds ~100,000 of them (the demo texts' pandas
and numpy, the service's owner in a benchmark, 2,048 open connections), and one such collection
stalled its loop for 100-220 ms: every answer that reached the socket in that time was read that
much later, and the slowest 1 % of a target-mode step was exactly those answers (issue 11: the
"way back" of 62-207 ms at the client's p99 while the ingress had written them within 1 ms).
Frozen, what exists before the clock starts is skipped by every collection; what the run itself
allocates is still collected.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Collect once, freeze what is left (``gc.freeze``) for the block, unfreeze after it, so a
    later collection may free what the block's end let go of."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
