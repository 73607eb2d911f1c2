"""numpy arrays as Arrow arrays by wrapping their buffers, for the hot paths of the clean job.

``pa.array(ndarray)`` first checks for a masked array, which imports numpy.ma (~10 ms of a fresh
worker's first file, a module nothing else here uses), and copies; these wrap the memory instead.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def arrow_int64(values: np.ndarray) -> pa.Array:
    """An int64 Arrow array over ``values`` (no copy when they already are contiguous int64)."""
    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def arrow_mask(mask: np.ndarray) -> pa.Array:
    """A boolean Arrow array of ``mask`` (for ``Table.filter`` and ``pc.if_else``)."""
    bits = np.packbits(np.asarray(mask, dtype=bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, pa.py_buffer(bits)])
