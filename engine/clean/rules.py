"""The cleaning rules, applied to one file's frame: which rows stay, and why each other row went.

Data flow::

    frame (string columns) ──► missing value ─► unknown role ─► normalise text (engine.textnorm)
        ─► system message ─► empty after clean ─► too short ─► too long for .xlsx ─► duplicate
        ──► RuleOutcome(kept rows in input order, dropped {reason: n})

A row is dropped by the first rule that matches it and counted once under that rule's reason, so
``rows_in == len(kept) + sum(dropped.values())`` always holds. Text normalisation is
``engine.textnorm`` (one implementation for every job); this module only decides and counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.clean.config import CleanRules, ColumnMap, DropReason
from engine.textnorm import is_system_message, normalise_role, normalise_text


@dataclass
class RuleOutcome:
    """Kept rows (cleaned, index 0..n-1, input order) and the count of drops by reason."""

    rows_in: int
    kept: pd.DataFrame
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def rows_out(self) -> int:
        return len(self.kept)

    def reconciles(self) -> bool:
        return self.rows_in == self.rows_out + sum(self.dropped.values())


class _Ledger:
    """Tracks which rows are still alive and charges each newly dropped row to one reason."""

    def __init__(self, n: int) -> None:
        self.alive = np.ones(n, dtype=bool)
        self.dropped: dict[str, int] = {}

    def drop(self, mask: pd.Series | np.ndarray, reason: str) -> None:
        hit = np.asarray(mask, dtype=bool) & self.alive
        count = int(hit.sum())
        if count:
            self.dropped[reason] = self.dropped.get(reason, 0) + count
            self.alive &= ~hit


def _blank(values: pd.Series) -> np.ndarray:
    return (values.isna() | (values.str.strip() == "")).fillna(True).to_numpy(dtype=bool)


def _utf16_lengths(text: pd.Series, lengths: np.ndarray, limit: int) -> np.ndarray:
    """Lengths in UTF-16 units (Excel's cell limit counts those: a character outside the BMP is two),
    computed only for the rare texts long enough for the difference to matter."""
    units = lengths.copy()
    near = np.flatnonzero(lengths > limit // 2)
    for i in near:
        units[i] = len(text.iat[i].encode("utf-16-le")) // 2
    return units


def apply_rules(frame: pd.DataFrame, columns: ColumnMap, rules: CleanRules) -> RuleOutcome:
    """Clean one file's rows (``frame`` holds ``columns.output`` as string columns)."""
    n = len(frame)
    ledger = _Ledger(n)
    out = frame.copy()
    for name in (columns.agent, columns.customer) + ((columns.time,) if columns.time else ()):
        out[name] = out[name].str.strip()

    if rules.drop_missing:
        for name in columns.required:
            ledger.drop(_blank(frame[name]), DropReason.MISSING_VALUE)

    if rules.check_role:
        role = normalise_role(frame[columns.role])
        ledger.drop(role.isna().to_numpy(dtype=bool), DropReason.UNKNOWN_ROLE)
        out[columns.role] = role

    text = normalise_text(frame[columns.content], strip_emoji=rules.remove_emoji, collapse=rules.collapse_whitespace)
    out[columns.content] = text

    if rules.drop_system:
        ledger.drop(
            is_system_message(text, rules.system_messages, rules.system_contains).to_numpy(dtype=bool),
            DropReason.SYSTEM_MESSAGE,
        )
    lengths = text.str.len().fillna(0).to_numpy(dtype=np.int64)
    if rules.drop_empty:
        ledger.drop(lengths == 0, DropReason.EMPTY_AFTER_CLEAN)
    if rules.min_length > 0:
        ledger.drop(lengths < rules.min_length, DropReason.TOO_SHORT)
    if rules.max_length is not None:
        ledger.drop(_utf16_lengths(text, lengths, rules.max_length) > rules.max_length, DropReason.TOO_LONG_FOR_XLSX)

    if rules.drop_duplicates:
        alive_rows = out.loc[ledger.alive]
        repeated = np.zeros(n, dtype=bool)
        repeated[np.flatnonzero(ledger.alive)] = alive_rows.duplicated(keep="first").to_numpy(dtype=bool)
        ledger.drop(repeated, DropReason.DUPLICATE)

    kept = out.loc[ledger.alive].reset_index(drop=True)
    return RuleOutcome(rows_in=n, kept=kept, dropped=ledger.dropped)


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """64-bit hash of each row's values (the run-wide duplicate check compares these)."""
    return pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)
