"""Phases 2 and 3 of the Dialogues job, in the coordinator: count the dialogues, then build the text.

Data flow::

    shards (phase 1) ──(2) key columns of one build group──► dialogues kept per group
                     ──(3) one build group: sort + boundaries──► std text batches
                                                                  ├─► std/train|val (DialogueTextFile)
                                                                  └─► MmiWriter.put (bounded queue)
    per build group: a TaskFinished with key ("partition", first partition of the group); the
    first carries a preview of std and mmi text.

One build group is in memory at a time (``plan_build_groups`` sized it to the memory budget).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from engine.coded_errors import english
from engine.context import JobContext
from engine.dialogues.build import (
    LAYOUT_COLUMNS,
    DialogueLayout,
    batch_offsets,
    iter_batches,
    layout_dialogues,
    render_pieces,
)
from engine.dialogues.config import DialoguesConfig
from engine.dialogues.layout import SPLITS
from engine.dialogues.memory import rss_bytes
from engine.dialogues.shards import read_partition
from engine.dialogues.split import is_val
from engine.dialogues.textfile import BATCH_END, DialogueTextFile, reverse_dialogues
from engine.dialogues.writer import MmiBatch, MmiWriter
from engine.status import TaskFinished

#: Dialogues of std (and mmi) text sent once, with the first build group, for the GUI's preview.
PREVIEW_DIALOGUES = 3


def group_label(group: tuple[int, int]) -> str:
    start, stop = group
    if stop == start + 1:
        return english("label_group_one", {"first": start})
    return english("label_group_range", {"first": start, "last": stop - 1})


def count_dialogues(
    config: DialoguesConfig,
    ctx: JobContext,
    shard_dir: Path,
    groups: list[tuple[int, int]],
    rows_total: int,
    writer: MmiWriter,
) -> list[int]:
    """Dialogues kept per build group (after de-duplication and min-turns), reading key columns only."""
    rep = ctx.reporter("keys", "coordinator")
    rep.set_counter("rows_total", rows_total)
    per_partition = []
    for group in groups:
        ctx.check_stop()
        writer.check_alive()
        rep.begin(group_label(group))
        table = read_partition(shard_dir, group, LAYOUT_COLUMNS)
        layout = layout_dialogues(table, config.min_turns)
        per_partition.append(layout.dialogues)
        rep.add(
            items_in=table.num_rows, items_out=layout.dialogues, work_done=table.num_rows, dialogues=layout.dialogues
        )
        rep.set_counter("rss_bytes", rss_bytes())
        rep.end()
        rep.tick()
        del table, layout
    rep.flush()
    return per_partition


def split_batches(
    table: pa.Table, layout: DialogueLayout, val_mask: np.ndarray, config: DialoguesConfig
) -> Iterator[tuple[str, str, int, int]]:
    """(split, std text, dialogues, lines) batches of one build group: train first, then val, each
    in output order and cut at dialogue boundaries (the coordinator and a cluster's build task
    write exactly these batches)."""
    pieces = render_pieces(table, layout, config.role_prefix, config.punctuation)
    row_is_val = np.repeat(val_mask, np.diff(layout.dialogue_starts))
    utt_last = layout.utterance_last
    dialogue_first = np.zeros(layout.rows, dtype=bool)
    dialogue_first[layout.dialogue_starts[:-1]] = True
    for split, mask in (("train", ~row_is_val), ("val", row_is_val)):
        if not mask.any():
            continue
        split_pieces = pieces.filter(mask)
        split_starts = np.append(np.flatnonzero(dialogue_first[mask]), int(mask.sum()))
        split_utt_last = utt_last[mask]
        offsets = batch_offsets(split_starts, config.writer_batch_rows)
        for i, text in enumerate(iter_batches(split_pieces, offsets)):
            a, b = int(offsets[i]), int(offsets[i + 1])
            n_dialogues = int(np.searchsorted(split_starts, b) - np.searchsorted(split_starts, a))
            yield split, text, n_dialogues, int(split_utt_last[a:b].sum())


def preview_of(text: str) -> list[str]:
    """The first dialogues of a std batch, for the GUI's preview."""
    return text[: -len(BATCH_END)].split(BATCH_END)[:PREVIEW_DIALOGUES]


@dataclass
class BuildTotals:
    """What phase 3 wrote: rows used and dropped, dialogues and utterances per split."""

    rows_in: int = 0
    rows_used: int = 0
    duplicates: int = 0
    short_dialogues: int = 0
    short_dialogue_rows: int = 0
    dialogues: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SPLITS})
    utterances: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SPLITS})
    preview_sent: bool = False


@dataclass(frozen=True)
class GroupCounts:
    """One built group's rows and dialogues: what phase 3 adds to its totals and its progress, and
    what the group's TaskFinished says (the same for a group built here and on a cluster worker)."""

    rows_in: int
    rows_used: int
    dialogues: int
    utterances: int
    duplicates: int
    short_dialogues: int
    short_dialogue_rows: int

    @classmethod
    def of(cls, layout: DialogueLayout, dialogues: int, utterances: int) -> GroupCounts:
        """The layout's row counts, with the dialogues and utterances the group gave."""
        return cls(
            layout.rows_in,
            layout.rows,
            dialogues,
            utterances,
            layout.duplicates,
            layout.short_dialogues,
            layout.short_dialogue_rows,
        )


def add_group(totals: BuildTotals, rep: Any, counts: GroupCounts) -> None:
    """Add one built group's counts to phase 3's totals and to its progress reporter."""
    totals.rows_in += counts.rows_in
    totals.rows_used += counts.rows_used
    totals.duplicates += counts.duplicates
    totals.short_dialogues += counts.short_dialogues
    totals.short_dialogue_rows += counts.short_dialogue_rows
    rep.add(
        items_in=counts.rows_in,
        work_done=counts.rows_in,
        dialogues=counts.dialogues,
        drops_duplicate=counts.duplicates,
        drops_short_dialogue=counts.short_dialogue_rows,
    )


def send_group_finished(
    ctx: JobContext,
    totals: BuildTotals,
    group: tuple[int, int],
    counts: GroupCounts,
    preview: list[str],
    worker: str,
    seconds: float,
    attempts: int = 1,
) -> None:
    """The group's TaskFinished (key ``("partition", first partition)``); the first group with a
    preview carries it, std and reversed for mmi."""
    summary: dict[str, Any] = {
        "rows": counts.rows_in,
        "dialogues": counts.dialogues,
        "utterances": counts.utterances,
        "duplicates": counts.duplicates,
        "short_dialogues": counts.short_dialogues,
    }
    if preview and not totals.preview_sent:
        summary["preview_std"] = preview
        summary["preview_mmi"] = [reverse_dialogues(d) for d in preview]
        totals.preview_sent = True
    summary["partitions"] = list(group)
    ctx.sink.send_event(
        TaskFinished(
            job=ctx.job,
            task=group_label(group),
            worker=worker,
            t=time.time(),
            seconds=seconds,
            summary=summary,
            attempts=attempts,
            key=("partition", group[0]),
        )
    )


def build_and_write(
    config: DialoguesConfig,
    ctx: JobContext,
    shard_dir: Path,
    groups: list[tuple[int, int]],
    val_ordinals: np.ndarray,
    std_files: dict[str, DialogueTextFile],
    writer: MmiWriter,
    rows_total: int,
) -> BuildTotals:
    rep = ctx.reporter("build", "coordinator")
    rep.set_counter("rows_total", rows_total)
    totals = BuildTotals()
    ordinal = 0
    for group in groups:
        ctx.check_stop()
        started = time.perf_counter()
        rep.begin(group_label(group))
        table = read_partition(shard_dir, group)
        layout = layout_dialogues(table, config.min_turns)
        val_mask = is_val(ordinal, layout.dialogues, val_ordinals)
        ordinal += layout.dialogues
        preview: list[str] = []
        for split, text, n_dialogues, n_lines in split_batches(table, layout, val_mask, config):
            std_files[split].write_batch(text, n_dialogues, n_lines)
            writer.put(MmiBatch(split, text, n_dialogues, n_lines))
            totals.dialogues[split] += n_dialogues
            totals.utterances[split] += n_lines
            rep.add(
                items_out=n_lines,
                **{"lines_std": n_lines, f"lines_std_{split}": n_lines, f"dialogues_{split}": n_dialogues},
            )
            rep.set_queue(writer.depth(), writer.bound)
            rep.set_counter("writer_queue_max", writer.max_depth)
            rep.set_counter("writer_blocked_s", writer.blocked_s)
            rep.tick()
            if split == "train" and not preview:
                preview = preview_of(text)
        counts = GroupCounts.of(layout, layout.dialogues, layout.utterances)
        add_group(totals, rep, counts)
        rep.set_counter("rss_bytes", rss_bytes())
        rep.end()
        rep.tick()
        send_group_finished(ctx, totals, group, counts, preview, "coordinator", time.perf_counter() - started)
        del table, layout
    rep.set_queue(writer.depth(), writer.bound)
    rep.flush()
    return totals
