"""From a chunk of raw rows to the normalised rows a dialogue is built from (one pass, vectorised).

Data flow::

    raw chunk (engine.tables.readers) ──textnorm──► ids trimmed, role 是/否, text normalised, time → int64 ns
        │                                  │
        └─► drops by reason                └─► Arrow table in SHARD_SCHEMA (+ dialogue hash, row hash)

The normalisation is ``engine.textnorm``'s (the clean job's): running it on the clean job's output
changes nothing, running it on a raw export gives what the clean job would keep.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from engine.clean.config import ColumnMap, DropReason
from engine.textnorm import AGENT_ROLE, as_text, is_system_message, normalise_role, normalise_text

SHARD_SCHEMA = pa.schema(
    [
        ("h", pa.uint64()),  # hash of (agent id, customer id): dialogue order and partition
        ("agent", pa.string()),
        ("customer", pa.string()),
        ("role", pa.int8()),  # 1 agent (是), 0 customer (否)
        ("text", pa.string()),
        ("t", pa.int64()),  # message time in ns; MISSING_TIME when absent or unparseable
        ("src", pa.int32()),  # input file index
        ("row", pa.int64()),  # row index in that file (input order)
        ("row_hash", pa.uint64()),  # hash of (role, text, time): duplicate detection
    ]
)

#: Rows without a usable time sort after the timed rows of their dialogue, in input order.
MISSING_TIME = np.iinfo(np.int64).max

#: Why a row read from an input is not part of any dialogue, in the order they are checked: the
#: clean job's names for the same rules (a key column blank is its ``missing_value``), so reports
#: of both jobs read alike.
ROW_DROP_REASONS = (
    DropReason.MISSING_VALUE,
    DropReason.UNKNOWN_ROLE,
    DropReason.EMPTY_AFTER_CLEAN,
    DropReason.SYSTEM_MESSAGE,
)


def parse_times(values: pd.Series) -> np.ndarray:
    """Times (datetimes or text in any common layout) as int64 ns; missing/unparseable → MISSING_TIME."""
    if values.dtype.kind == "M":
        parsed = values
    else:
        parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    ns = parsed.to_numpy(dtype="datetime64[ns]").view(np.int64).copy()
    ns[pd.isna(parsed).to_numpy()] = MISSING_TIME
    return ns


def dialogue_hash(agent: pd.Series, customer: pd.Series) -> np.ndarray:
    """Stable 64-bit hash of the (agent id, customer id) pair (pandas' fixed-key SipHash)."""
    frame = pd.DataFrame({"a": agent.to_numpy(dtype=object), "c": customer.to_numpy(dtype=object)})
    return pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)


def normalise_chunk(
    frame: pd.DataFrame, columns: ColumnMap, system_messages: Sequence[str], src: int, row_offset: int
) -> tuple[pa.Table, dict[str, int]]:
    """Normalise one chunk; returns the kept rows (SHARD_SCHEMA) and the dropped counts by reason."""
    n = len(frame)
    agent = as_text(frame[columns.agent]).str.strip()
    customer = as_text(frame[columns.customer]).str.strip()
    role = normalise_role(frame[columns.role])
    text = normalise_text(frame[columns.content])

    missing_key = (agent.isna() | (agent == "") | customer.isna() | (customer == "")).fillna(True)
    missing_key = missing_key.to_numpy(dtype=bool)
    bad_role = role.isna().to_numpy(dtype=bool) & ~missing_key
    empty = (text.isna() | (text == "")).fillna(True).to_numpy(dtype=bool) & ~missing_key & ~bad_role
    system = (
        is_system_message(text, exact=tuple(system_messages)).to_numpy(dtype=bool) & ~missing_key & ~bad_role & ~empty
    )
    keep = ~(missing_key | bad_role | empty | system)
    drops = {
        DropReason.MISSING_VALUE: int(missing_key.sum()),
        DropReason.UNKNOWN_ROLE: int(bad_role.sum()),
        DropReason.EMPTY_AFTER_CLEAN: int(empty.sum()),
        DropReason.SYSTEM_MESSAGE: int(system.sum()),
    }

    if columns.time and columns.time in frame.columns:
        times = parse_times(frame[columns.time])
    else:
        times = np.full(n, MISSING_TIME, dtype=np.int64)
    rows = np.arange(row_offset, row_offset + n, dtype=np.int64)

    agent_k = agent[keep].astype("string")
    customer_k = customer[keep].astype("string")
    text_k = text[keep].astype("string")
    role_k = (role[keep] == AGENT_ROLE).to_numpy(dtype=np.int8)
    times_k = times[keep]
    content = pd.DataFrame({"r": role_k, "x": text_k.to_numpy(dtype=object), "t": times_k})
    row_hash = pd.util.hash_pandas_object(content, index=False).to_numpy(dtype=np.uint64)
    table = pa.table(
        {
            "h": pa.array(dialogue_hash(agent_k, customer_k), pa.uint64()),
            "agent": pa.array(agent_k.to_numpy(dtype=object), pa.string()),
            "customer": pa.array(customer_k.to_numpy(dtype=object), pa.string()),
            "role": pa.array(role_k, pa.int8()),
            "text": pa.array(text_k.to_numpy(dtype=object), pa.string()),
            "t": pa.array(times_k, pa.int64()),
            "src": pa.array(np.full(int(keep.sum()), src, dtype=np.int32), pa.int32()),
            "row": pa.array(rows[keep], pa.int64()),
            "row_hash": pa.array(row_hash, pa.uint64()),
        },
        schema=SHARD_SCHEMA,
    )
    return table, drops
