"""Dialogues from one partition's rows: sort once, find boundaries, render with vectorised string ops.

Data flow::

    partition table ──lexsort(h, pair, time, file, row)──► sorted rows ──drop duplicates──►
        group boundaries (pair changes) + utterance boundaries (role changes inside a dialogue)
        ──min-turns──► kept dialogues ──render──► per-row pieces  "坐席:" + text + (";"|"") + ("\n"|"\n\n")
        ──binary_join over batch offsets──► std text batches (each ends with "\n\n", cut at dialogues)

No per-group DataFrame is ever made (the reference's ``list(df.groupby(...))`` cost ~10 s for 135k
groups): a dialogue is a slice ``[start, stop)`` of the sorted arrays, and every string operation
runs in Arrow over the whole partition.

The turn rule: consecutive messages of the same role form one utterance; a message that does not
end in punctuation is followed by ``;`` unless it is the last of its utterance, so the synthetic
mark never ends an utterance and real punctuation always stays (the reference chopped the last
character of every utterance, real punctuation included).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.dialogues.config import AGENT_PREFIX, CUSTOMER_PREFIX, JOIN_MARK

#: Columns the layout needs (the keys pass reads only these; the build adds "text").
LAYOUT_COLUMNS = ("h", "agent", "customer", "role", "t", "src", "row", "row_hash")


@dataclass(frozen=True)
class DialogueLayout:
    """Where the dialogues of a partition are, in output order.

    ``order`` indexes the partition table's rows that make up kept dialogues, in output order;
    ``dialogue_starts`` (length dialogues + 1) and ``utterance_first`` / ``utterance_last`` are
    positions in ``order``.
    """

    order: np.ndarray
    dialogue_starts: np.ndarray
    utterance_first: np.ndarray
    utterance_last: np.ndarray
    utterances_per_dialogue: np.ndarray
    rows_in: int
    duplicates: int
    short_dialogues: int
    short_dialogue_rows: int

    @property
    def dialogues(self) -> int:
        return len(self.dialogue_starts) - 1

    @property
    def rows(self) -> int:
        return len(self.order)

    @property
    def utterances(self) -> int:
        return int(self.utterances_per_dialogue.sum())


def _pair_codes(agent: pa.ChunkedArray, customer: pa.ChunkedArray) -> np.ndarray:
    """One integer per distinct (agent id, customer id) in this partition (exact, no hashing)."""
    a, _ = pd.factorize(agent.to_pandas(types_mapper=pd.ArrowDtype), sort=False)
    c, c_uniques = pd.factorize(customer.to_pandas(types_mapper=pd.ArrowDtype), sort=False)
    return a.astype(np.int64) * np.int64(len(c_uniques) + 1) + c.astype(np.int64)


def layout_dialogues(table: pa.Table, min_turns: int) -> DialogueLayout:
    """Sort, de-duplicate and cut one partition into dialogues and utterances."""
    n = table.num_rows
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return DialogueLayout(
            empty, np.zeros(1, dtype=np.int64), np.zeros(0, bool), np.zeros(0, bool), empty, 0, 0, 0, 0
        )
    h = table.column("h").to_numpy()
    pair = _pair_codes(table.column("agent"), table.column("customer"))
    t = table.column("t").to_numpy()
    src = table.column("src").to_numpy()
    row = table.column("row").to_numpy()
    order = np.lexsort((row, src, t, pair, h))

    # A duplicate is the same message (role, text, time) in the same dialogue, wherever it came from.
    sorted_pair = pair[order]
    dup = pd.DataFrame({"p": sorted_pair, "r": table.column("row_hash").to_numpy()[order]}).duplicated().to_numpy()
    duplicates = int(dup.sum())
    if duplicates:
        order = order[~dup]
        sorted_pair = sorted_pair[~dup]
    role = table.column("role").to_numpy()[order]

    m = len(order)
    new_dialogue = np.empty(m, dtype=bool)
    new_dialogue[0] = True
    new_dialogue[1:] = sorted_pair[1:] != sorted_pair[:-1]
    new_utterance = new_dialogue.copy()
    new_utterance[1:] |= role[1:] != role[:-1]
    starts = np.flatnonzero(new_dialogue)
    utt_counts = np.add.reduceat(new_utterance.astype(np.int64), starts)
    sizes = np.diff(np.append(starts, m))

    keep_dialogue = utt_counts >= min_turns
    short = int((~keep_dialogue).sum())
    short_rows = int(sizes[~keep_dialogue].sum())
    if short:
        keep_rows = np.repeat(keep_dialogue, sizes)
        order = order[keep_rows]
        new_dialogue = new_dialogue[keep_rows]
        new_utterance = new_utterance[keep_rows]
        utt_counts = utt_counts[keep_dialogue]
        m = len(order)
        starts = np.flatnonzero(new_dialogue)
    utterance_last = np.empty(m, dtype=bool)
    if m:
        utterance_last[:-1] = new_utterance[1:]
        utterance_last[-1] = True
    return DialogueLayout(
        order=order,
        dialogue_starts=np.append(starts, m).astype(np.int64),
        utterance_first=new_utterance,
        utterance_last=utterance_last,
        utterances_per_dialogue=utt_counts.astype(np.int64),
        rows_in=n,
        duplicates=duplicates,
        short_dialogues=short,
        short_dialogue_rows=short_rows,
    )


def render_pieces(table: pa.Table, layout: DialogueLayout, role_prefix: bool, punctuation: str) -> pa.Array:
    """Per kept row, in output order: prefix + text + (";" | "") + ("\\n" end of utterance,
    "\\n\\n" end of dialogue). Concatenating a run of whole dialogues gives their std text."""
    if layout.rows == 0:
        return pa.array([], pa.string())
    idx = pa.array(layout.order)
    text = table.column("text").take(idx).combine_chunks()
    role = table.column("role").take(idx).to_numpy(zero_copy_only=False)
    first = layout.utterance_first
    last = layout.utterance_last
    dialogue_last = np.zeros(layout.rows, dtype=bool)
    dialogue_last[layout.dialogue_starts[1:] - 1] = True

    ends_in_punct = pc.is_in(pc.utf8_slice_codeunits(text, start=-1), value_set=pa.array(list(punctuation)))
    ends_in_punct = ends_in_punct.to_numpy(zero_copy_only=False)
    suffix = np.where(dialogue_last, "\n\n", np.where(last, "\n", np.where(ends_in_punct, "", JOIN_MARK)))
    parts = []
    if role_prefix:
        prefix = np.where(first, np.where(role == 1, AGENT_PREFIX, CUSTOMER_PREFIX), "")
        parts.append(pa.array(prefix.astype(object), pa.string()))
    parts.append(text)
    parts.append(pa.array(suffix.astype(object), pa.string()))
    return pc.binary_join_element_wise(*parts, "")


def batch_offsets(dialogue_starts: np.ndarray, batch_rows: int) -> np.ndarray:
    """Row offsets cutting dialogues into batches of about ``batch_rows`` rows (never inside one)."""
    starts = dialogue_starts[:-1]
    total = int(dialogue_starts[-1])
    if len(starts) == 0:
        return np.zeros(1, dtype=np.int64)
    bucket = starts // max(1, batch_rows)
    firsts = starts[np.flatnonzero(np.diff(bucket, prepend=-1))]
    return np.append(firsts, total).astype(np.int64)


def iter_batches(pieces: pa.Array, offsets: np.ndarray) -> Iterator[str]:
    """``"".join(pieces[offsets[i]:offsets[i+1]])`` for each i, joined in Arrow, one Python string
    at a time (only the batch in hand becomes a Python object)."""
    if len(offsets) < 2:
        return
    lists = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), pieces)
    joined = pc.binary_join(lists, "")
    for i in range(len(joined)):
        yield joined[i].as_py()
