"""The cleaning rules, applied to one file's table: which rows stay, and why each other row went.

Data flow::

    table (Arrow string columns) ──► missing value ─► unknown role ─► normalise text (engine.textnorm)
        ─► system message ─► empty after clean ─► too short ─► too long for .xlsx ─► duplicate
        ──► RuleOutcome(kept rows in input order, dropped {reason: n})

A row is dropped by the first rule that matches it and counted once under that rule's reason, so
``rows_in == len(kept) + sum(dropped.values())`` always holds. Text normalisation is
``engine.textnorm`` (one implementation for every job); this module only decides and counts.

Everything runs on Arrow arrays (pyarrow.compute), never pandas: a clean worker does not load it
(start-up) and no column is converted on the way in or out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.clean.config import CleanRules, ColumnMap, DropReason
from engine.tables.arrow_arrays import arrow_int64, arrow_mask, edge_bytes, one_array
from engine.textnorm import normalise_role_arrow, normalise_text_arrow, system_message_mask_arrow


@dataclass
class RuleOutcome:
    """Kept rows (cleaned, input order, string columns) and the count of drops by reason."""

    rows_in: int
    kept: pa.Table
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def rows_out(self) -> int:
        return self.kept.num_rows

    def reconciles(self) -> bool:
        return self.rows_in == self.rows_out + sum(self.dropped.values())


class _Ledger:
    """Tracks which rows are still alive and charges each newly dropped row to one reason."""

    def __init__(self, n: int) -> None:
        self.alive = np.ones(n, dtype=bool)
        self.dropped: dict[str, int] = {}

    def drop(self, mask: np.ndarray, reason: str) -> None:
        hit = np.asarray(mask, dtype=bool) & self.alive
        count = int(hit.sum())
        if count:
            self.dropped[reason] = self.dropped.get(reason, 0) + count
            self.alive &= ~hit


class _Distinct:
    """A column as its distinct values and, for each row, which of them it holds.

    A rule that looks at one value at a time is run on the distinct values only, then spread back
    over the rows: chat repeats itself ("好的", "谢谢", greetings, auto-replies: the demo exports have
    one distinct message per ten rows), so the text normalisation does a tenth of the work.
    """

    def __init__(self, column: pa.Array) -> None:
        encoded = pc.dictionary_encode(column)
        self.values: pa.Array = encoded.dictionary
        self._indices = encoded.indices  # null where the row is null
        self._rows: np.ndarray | None = None  # the indices with null as len(values), made when first needed

    def spread_kept(self, per_value: pa.Array, kept: pa.Array) -> pa.Array:
        """One result per distinct value → one per kept row (``kept``: a boolean mask over the
        rows; null rows stay null): one take of the rows that stay instead of every row's value
        then a filter, which for the message text was a tenth of the rules' time."""
        return per_value.take(self._indices.filter(kept))

    def codes(self, per_value: pa.Array) -> np.ndarray:
        """Per row, the number of its value of ``per_value`` (equal values, null included, share one)."""
        encoded = pc.dictionary_encode(per_value)
        null_code = len(encoded.dictionary)
        numbered = encoded.indices.fill_null(null_code).to_numpy(zero_copy_only=False).astype(np.int64)
        return self.spread_numpy(numbered, null_code)

    def spread_numpy(self, per_value: np.ndarray, for_null: object) -> np.ndarray:
        """The same for a numpy result; null rows get ``for_null``."""
        if self._rows is None:
            self._rows = self._indices.fill_null(len(self.values)).to_numpy(zero_copy_only=False)
        return np.append(per_value, np.asarray(for_null, dtype=per_value.dtype))[self._rows]

    def blank(self) -> np.ndarray:
        """Per row: missing, or only whitespace (decided once per distinct value)."""
        return self.spread_numpy(_blank(pc.utf8_trim_whitespace(self.values)), True)


def _numpy(mask: pa.Array) -> np.ndarray:
    return mask.to_numpy(zero_copy_only=False)


def _blank(trimmed: pa.Array) -> np.ndarray:
    """Missing or only whitespace (``trimmed``: the values with whitespace trimmed)."""
    return _numpy(pc.fill_null(pc.equal(trimmed, ""), True))


#: Indexed by a byte: can a value whose first or last byte it is start or end with whitespace (ASCII
#: space or control, or any byte of a multi-byte character).
_MAYBE_SPACE_BYTE = np.zeros(256, dtype=bool)
_MAYBE_SPACE_BYTE[: 0x20 + 1] = True
_MAYBE_SPACE_BYTE[0x80:] = True


def _trimmed(column: pa.Array) -> tuple[pa.Array, np.ndarray | None]:
    """``column`` with leading and trailing whitespace trimmed, and, when that was already read from
    the buffers, which of its values are missing or empty (else None: ask ``_blank``).

    Ids and times rarely have any: when no value starts or ends with a byte that can belong to
    whitespace (ASCII space or control, or any non-ASCII byte), the column is returned as it is
    instead of copied by the trim kernel, and its blank values are the empty or null ones (no
    comparison kernel either)."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return pc.utf8_trim_whitespace(column), None
    first, last, filled = edge_bytes(column)
    if (filled & (_MAYBE_SPACE_BYTE[first] | _MAYBE_SPACE_BYTE[last])).any():
        return pc.utf8_trim_whitespace(column), None
    blank = ~filled
    if column.null_count:
        blank |= ~_numpy(column.is_valid())
    return column, blank


def _utf16_lengths(text: pa.Array, lengths: np.ndarray, limit: int) -> np.ndarray:
    """Lengths in UTF-16 units (Excel's cell limit counts those: a character outside the BMP is two),
    computed only for the rare texts long enough for the difference to matter."""
    units = lengths.copy()
    near = np.flatnonzero(lengths > limit // 2)
    for i in near:
        units[i] = len(text[int(i)].as_py().encode("utf-16-le")) // 2
    return units


def _codes(column: pa.Array) -> np.ndarray:
    """Each value's number among the column's distinct values (null is one more number).

    A sorted column without nulls (the time column of a chat export) is numbered from its
    neighbours: equal values are next to each other, so a value gets a new number where it differs
    from the one before (two comparison kernels instead of hashing every value, a tenth of the time).
    """
    n = len(column)
    if n > 1 and column.null_count == 0 and pa.types.is_string(column.type):
        before, after = column.slice(0, n - 1), column.slice(1)
        if pc.all(pc.less_equal(before, after)).as_py():
            starts = np.empty(n, dtype=bool)
            starts[0] = True
            starts[1:] = _numpy(pc.not_equal(before, after))
            return np.cumsum(starts, dtype=np.int64) - 1
    encoded = pc.dictionary_encode(column)
    return encoded.indices.fill_null(len(encoded.dictionary)).to_numpy(zero_copy_only=False).astype(np.int64)


def _dense(key: np.ndarray) -> np.ndarray:
    """``key`` renumbered 0..k-1 in order of first appearance (hash-based, no sort)."""
    return pc.dictionary_encode(arrow_int64(key)).indices.to_numpy(zero_copy_only=False).astype(np.int64)


def repeated_rows(
    table: pa.Table,
    rows: np.ndarray | None = None,
    order: tuple[str, ...] = (),
    codes: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """True for every row (of ``rows``, default all) equal to an earlier one of ``rows`` in every
    column (null equals null); ``codes``: a column's values already numbered (equal ⟺ same number).

    Column by column, only the rows that still share their values with another row are carried
    on: after the first column or two (``order``: the ones with the most distinct values, e.g. the
    time) few rows are left, so the other columns are compared on those alone. A column given in
    ``codes`` need not be in ``table``.
    """
    n = table.num_rows
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    names = list(dict.fromkeys([*order, *table.column_names, *(codes or {})]))
    key = np.zeros(len(rows), dtype=np.int64)  # the values so far of each row still in ``rows``, as one number
    candidates = rows
    for name in names:
        if len(candidates) == 0:
            break
        if codes is not None and name in codes:
            column_codes = codes[name][candidates]
        elif len(candidates) * 4 > n:  # most rows: number the whole column, no copy of its strings
            column_codes = _codes(one_array(table.column(name)))[candidates]
        else:
            column_codes = _codes(one_array(table.column(name)).take(arrow_int64(candidates)))
        # The first column's numbers already are a key (0..k): renumbering them would be a second hash pass.
        key = column_codes if name == names[0] else _dense(key * (int(column_codes.max()) + 1) + column_codes)
        shared = np.bincount(key)[key] > 1
        if not shared.all():
            candidates, key = candidates[shared], _dense(key[shared])
    repeated = np.zeros(n, dtype=bool)
    if len(candidates):
        later = np.ones(len(candidates), dtype=bool)
        later[np.unique(key, return_index=True)[1]] = False  # each value's first row is not a repeat
        repeated[candidates[later]] = True
    return repeated[rows]


def apply_rules(table: pa.Table, columns: ColumnMap, rules: CleanRules) -> RuleOutcome:
    """Clean one file's rows (``table`` holds ``columns.output`` as string columns)."""
    n = table.num_rows
    ledger = _Ledger(n)
    raw = {name: one_array(table.column(name)) for name in columns.output}
    out = dict(raw)
    blanks: dict[str, np.ndarray | None] = {}
    for name in (columns.agent, columns.customer) + ((columns.time,) if columns.time else ()):
        out[name], blanks[name] = _trimmed(raw[name])
    # Role and message are looked at once per distinct value (they repeat): blank, role, text.
    roles = _Distinct(raw[columns.role])
    messages = _Distinct(raw[columns.content])

    if rules.drop_missing:
        ids = [blanks[c] if blanks[c] is not None else _blank(out[c]) for c in (columns.agent, columns.customer)]
        for blank in (*ids, roles.blank(), messages.blank()):
            ledger.drop(blank, DropReason.MISSING_VALUE)

    # The role and the text are decided per distinct value, and taken for the kept rows only at the end.
    distinct_role = normalise_role_arrow(roles.values) if rules.check_role else None
    if distinct_role is not None:
        ledger.drop(roles.spread_numpy(_numpy(distinct_role.is_null()), True), DropReason.UNKNOWN_ROLE)

    distinct_text = normalise_text_arrow(
        messages.values, strip_emoji=rules.remove_emoji, collapse=rules.collapse_whitespace
    )

    if rules.drop_system:
        system = system_message_mask_arrow(distinct_text, rules.system_messages, rules.system_contains)
        ledger.drop(messages.spread_numpy(system, False), DropReason.SYSTEM_MESSAGE)
    distinct_lengths = _numpy(pc.utf8_length(distinct_text)).astype(np.int64)  # no nulls among distinct values
    lengths = messages.spread_numpy(distinct_lengths, 0)
    if rules.drop_empty:
        ledger.drop(lengths == 0, DropReason.EMPTY_AFTER_CLEAN)
    if rules.min_length > 0:
        ledger.drop(lengths < rules.min_length, DropReason.TOO_SHORT)
    if rules.max_length is not None:
        units = messages.spread_numpy(_utf16_lengths(distinct_text, distinct_lengths, rules.max_length), 0)
        ledger.drop(units > rules.max_length, DropReason.TOO_LONG_FOR_XLSX)

    per_distinct = {columns.content: (messages, distinct_text)}
    if distinct_role is not None:
        per_distinct[columns.role] = (roles, distinct_role)
    if rules.drop_duplicates:
        alive = np.flatnonzero(ledger.alive)
        repeated = np.zeros(n, dtype=bool)
        distinct_first = tuple(c for c in (columns.time, columns.content) if c)
        known = {name: rows.codes(values) for name, (rows, values) in per_distinct.items()}
        others = [name for name in columns.output if name not in known]
        repeated[alive] = repeated_rows(pa.table([out[c] for c in others], names=others), alive, distinct_first, known)
        ledger.drop(repeated, DropReason.DUPLICATE)

    keep = arrow_mask(ledger.alive)
    kept = pa.table(
        [
            per_distinct[name][0].spread_kept(per_distinct[name][1], keep)
            if name in per_distinct
            else out[name].filter(keep)
            for name in columns.output
        ],
        names=list(columns.output),
    )
    return RuleOutcome(rows_in=n, kept=kept, dropped=ledger.dropped)


def row_hashes(kept: pa.Table) -> np.ndarray:
    """64-bit hash of each row's values (the run-wide duplicate check compares these).

    pandas' hash of the rows as a frame of "string" columns, as earlier versions computed it, so
    the hashes a resumed run reads from an earlier run still match (imported only for
    ``--dedupe-scope run``).
    """
    import pandas as pd

    from engine.tables.readers import frame_of

    return pd.util.hash_pandas_object(frame_of(kept), index=False).to_numpy(dtype=np.uint64)
