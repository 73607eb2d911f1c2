"""The csv formula guard: a cell that starts with ``= + - @`` (or tab / carriage return) gets a
leading ``'``, so Excel shows it as text instead of evaluating it (OWASP "CSV injection").

Only the few risky cells are rewritten; which ones is read from each value's first byte in the
Arrow buffers (engine/tables/arrow_arrays.edge_bytes), since a chain of compute kernels cost more
than encoding the csv itself.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.tables.arrow_arrays import arrow_mask, edge_bytes

#: A cell starting with one of these is guarded in .csv (all ASCII: the check reads the first byte).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

CSV_FORMULA_GUARD = "'"

#: Indexed by a byte: does a cell starting with it need the guard.
_GUARDED_FIRST_BYTE = np.zeros(256, dtype=bool)
_GUARDED_FIRST_BYTE[[ord(p) for p in FORMULA_PREFIXES]] = True


def _starts_with_formula(text: pa.Array) -> np.ndarray:
    """Per value of a string array: does it start with one of ``FORMULA_PREFIXES`` (null: no)?

    Reads each value's first byte from the array's buffers (``edge_bytes``): a chain of compute
    kernels (slice, is_in) cost more than encoding the csv itself.
    """
    first, _, filled = edge_bytes(text)
    risky = _GUARDED_FIRST_BYTE[first] & filled
    if text.null_count:
        risky &= text.is_valid().to_numpy(zero_copy_only=False)  # a null slot may still hold bytes
    return risky


def guard_formulas(table: pa.Table) -> pa.Table:
    """``table`` as strings, with ``CSV_FORMULA_GUARD`` prefixed to every cell that needs it."""
    arrays = []
    for column in table.columns:
        column = column.cast(pa.string()).combine_chunks()
        risky = _starts_with_formula(column)
        if risky.any():  # the guard is prefixed to the few risky cells only
            mask = arrow_mask(risky)
            guarded = pc.binary_join_element_wise(pa.scalar(CSV_FORMULA_GUARD), column.filter(mask), "")
            column = pc.replace_with_mask(column, mask, guarded)
        arrays.append(column)
    return pa.table(arrays, names=table.column_names)
