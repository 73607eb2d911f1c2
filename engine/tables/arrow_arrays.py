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


def one_array(column: pa.ChunkedArray) -> pa.Array:
    """A table's column as one array: its only chunk as it is (``combine_chunks`` would copy it)."""
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _offsets_and_data(text: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """The value offsets (``len + 1`` of them, the array's own slice) and the data bytes of a string
    or binary array (large or not), or None when it holds no byte at all (every value empty or null)."""
    n = len(text)
    _, offsets_buffer, data_buffer = text.buffers()
    if n == 0 or data_buffer is None or data_buffer.size == 0:
        return None
    large = pa.types.is_large_string(text.type) or pa.types.is_large_binary(text.type)
    offset_type = np.dtype(np.int64 if large else np.int32)
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type, count=n + 1, offset=text.offset * offset_type.itemsize)
    return offsets, np.frombuffer(data_buffer, dtype=np.uint8)


def first_bytes(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Each value's first byte and whether it has any (``edge_bytes`` without the last bytes)."""
    found = _offsets_and_data(text)
    if found is None:
        return np.zeros(len(text), dtype=np.uint8), np.zeros(len(text), dtype=bool)
    offsets, data = found
    starts = offsets[:-1]
    return data[np.minimum(starts, len(data) - 1)], offsets[1:] > starts


def edge_bytes(text: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each value's first byte, last byte and whether it has any, read straight from a string (or
    binary, large or not: types with an offsets buffer) array's offsets and data buffers (one numpy gather each instead of a chain of compute kernels).

    An empty value's first and last bytes are meaningless (masked by the third array); a null
    slot's are whatever bytes it holds, so a caller that cares checks ``text.is_valid()``.
    """
    found = _offsets_and_data(text)
    if found is None:  # every value empty or null
        none = np.zeros(len(text), dtype=np.uint8)
        return none, none, np.zeros(len(text), dtype=bool)
    offsets, data = found
    starts, ends = offsets[:-1], offsets[1:]
    last_byte = len(data) - 1
    first = data[np.minimum(starts, last_byte)]
    last = data[np.clip(ends - 1, 0, last_byte)]
    return first, last, ends > starts
