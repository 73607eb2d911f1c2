"""The clean rules as they were before they moved to Arrow: engine/clean/rules.py and the pandas
text functions of engine/textnorm.py at commit 1a8b0dc, verbatim (only imports adjusted). The Arrow
path must reproduce them row for row, drop for drop (tests/test_clean_rules_reference.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.clean.config import CleanRules, ColumnMap, DropReason
from engine.textnorm import (
    _AGENT_VALUES,
    _CUSTOMER_VALUES,
    _EMOJI_DEBRIS,
    _WHITESPACE_RUN,
    AGENT_ROLE,
    CUSTOMER_ROLE,
    SYSTEM_MESSAGES,
    emoji_candidate_pattern,
    strip_emoji_sequences,
)


def remove_emoji(texts: pd.Series) -> pd.Series:
    """Remove emoji from a Series of strings; NaN stays NaN, other rows are untouched."""
    mask = texts.str.contains(emoji_candidate_pattern(), regex=True, na=False)
    if not mask.any():
        return texts
    out = texts.copy()
    debris = _EMOJI_DEBRIS.sub
    out.loc[mask] = [debris("", strip_emoji_sequences(text)) for text in texts.loc[mask]]
    return out


def collapse_whitespace(texts: pd.Series) -> pd.Series:
    """Newlines, tabs and runs of spaces become one space; leading/trailing whitespace goes."""
    return texts.str.replace(_WHITESPACE_RUN.pattern, " ", regex=True).str.strip()


def normalise_text(texts: pd.Series, *, strip_emoji: bool = True, collapse: bool = True) -> pd.Series:
    """The message normalisation of every job: emoji removed, whitespace collapsed, trimmed.

    Non-string cells (numbers typed into the sheet) become their text; NaN stays NaN. An empty
    result is returned as "" (the caller decides whether that is a drop).
    """
    texts = as_text(texts)
    if strip_emoji:
        texts = remove_emoji(texts)
    if collapse:
        texts = collapse_whitespace(texts)
    else:
        texts = texts.str.strip()
    return texts


def as_text(values: pd.Series) -> pd.Series:
    """A string Series: strings kept, numbers formatted (1.0 → "1"), booleans as "true"/"false"
    (as Arrow and the .xlsx reader write them), missing values stay NaN."""
    if pd.api.types.is_string_dtype(values.dtype) and not values.dtype == object:
        return values

    def to_text(v: object) -> object:
        if v is None or (isinstance(v, float) and v != v):
            return pd.NA
        if isinstance(v, (bool, np.bool_)):
            return "true" if v else "false"
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return v if isinstance(v, str) else str(v)

    return values.map(to_text).astype("string")


def normalise_role(values: pd.Series) -> pd.Series:
    """Map the role column to ``AGENT_ROLE`` ("是") / ``CUSTOMER_ROLE`` ("否"); unknown → NaN.

    Accepts 是/否, 客服/客户, True/False, 1/0 (as text or numbers), case- and space-insensitive.
    """
    text = as_text(values).str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    out[text.isin(_AGENT_VALUES).fillna(False).astype(bool)] = AGENT_ROLE
    out[text.isin(_CUSTOMER_VALUES).fillna(False).astype(bool)] = CUSTOMER_ROLE
    return out


def is_system_message(
    texts: pd.Series,
    exact: tuple[str, ...] | list[str] = SYSTEM_MESSAGES,
    contains: tuple[str, ...] | list[str] = (),
) -> pd.Series:
    """Boolean mask: the trimmed text equals a system message, or contains a "contains" marker."""
    trimmed = as_text(texts).str.strip()
    mask = trimmed.isin([s.strip() for s in exact]).fillna(False).astype(bool)
    for marker in contains:
        if marker:
            mask |= trimmed.str.contains(marker, regex=False, na=False).astype(bool)
    return mask


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
