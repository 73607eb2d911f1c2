"""The csv formula guard: a cell that starts with ``= + - @`` (or tab / carriage return) gets a
leading ``'``, so Excel shows it as text instead of evaluating it (OWASP "CSV injection").

Only the few risky cells are rewritten; which ones is read from each value's first byte in the
Arrow buffers (engine/tables/arrow_arrays.first_bytes), since a chain of compute kernels cost more
than encoding the csv itself, and the guards are inserted into one copy of the column's bytes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.tables.arrow_arrays import arrow_mask, first_bytes, one_array

#: A cell starting with one of these is guarded in .csv (all ASCII: the check reads the first byte).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

CSV_FORMULA_GUARD = "'"
_GUARD_BYTE = ord(CSV_FORMULA_GUARD)

#: Indexed by a byte: does a cell starting with it need the guard.
_GUARDED_FIRST_BYTE = np.zeros(256, dtype=bool)
_GUARDED_FIRST_BYTE[[ord(p) for p in FORMULA_PREFIXES]] = True


def _starts_with_formula(text: pa.Array) -> np.ndarray:
    """Per value of a string array: does it start with one of ``FORMULA_PREFIXES`` (null: no)?

    Reads each value's first byte from the array's buffers (``first_bytes``): a chain of compute
    kernels (slice, is_in) cost more than encoding the csv itself.
    """
    first, filled = first_bytes(text)
    risky = _GUARDED_FIRST_BYTE[first] & filled
    if text.null_count:
        risky &= text.is_valid().to_numpy(zero_copy_only=False)  # a null slot may still hold bytes
    return risky


def _prefixed(column: pa.Array, risky: np.ndarray) -> pa.Array:
    """``column`` (a string array) with ``CSV_FORMULA_GUARD`` before each ``risky`` value.

    The guards are inserted into one copy of the column's bytes and the offsets moved along (a
    filter, a join and a masked replace of the whole column cost five times as much). A slice with
    nulls, whose validity bits do not start at a byte of their own, takes the kernels' way.
    """
    n = len(column)
    validity, offsets_buffer, data_buffer = column.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32, count=n + 1, offset=column.offset * 4)
    if (column.null_count and column.offset) or int(offsets[-1] - offsets[0]) + n >= 2**31:
        mask = arrow_mask(risky)
        guarded = pc.binary_join_element_wise(pa.scalar(CSV_FORMULA_GUARD), column.filter(mask), "")
        return pc.replace_with_mask(column, mask, guarded)
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    starts = offsets[:-1] - offsets[0]
    moved = np.empty(n + 1, dtype=np.int32)
    moved[0] = 0
    np.cumsum(risky, out=moved[1:])
    new_offsets = (offsets - offsets[0]) + moved
    new_data = np.insert(data, starts[risky], _GUARD_BYTE)
    buffers = [validity if column.null_count else None, pa.py_buffer(new_offsets), pa.py_buffer(new_data)]
    return pa.Array.from_buffers(pa.string(), n, buffers, column.null_count)


def guard_formulas(table: pa.Table) -> pa.Table:
    """``table`` as strings, with ``CSV_FORMULA_GUARD`` prefixed to every cell that needs it."""
    arrays = []
    for column in table.columns:
        column = one_array(column.cast(pa.string()))
        risky = _starts_with_formula(column)
        if risky.any():  # the guard is prefixed to the few risky cells only
            column = _prefixed(column, risky)
        arrays.append(column)
    return pa.table(arrays, names=table.column_names)
