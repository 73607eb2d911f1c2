"""Phases 2 and 3 of the Dialogues job on a Dask cluster: the workers build, the coordinator joins.

Data flow (``--cluster``; phase 1 runs the same ``IngestTask``s on the same executor)::

    coordinator                                   workers (run_cluster_task)
    ───────────                                   ──────────────────────────
    (2) CountTask(group) per build group ───────► key columns of the group → dialogues kept
        ◄── count per group (any order, placed by group) ──┘
        val ordinals chosen for the whole run (same seed, same positions as a local run)
    (3) BuildTask(group, first ordinal, its val positions) ─► sort, render, split; writes
                                                                built/g00003-std-train.txt …
        ◄── GroupBuilt (counts, preview) ──┘                    (std and mmi, train and val)
    join in group order, as soon as the groups before are in: a shard's text after the others,
    one blank line between two shards (a shard holds whole dialogues, nothing trails the last),
    so the four files are byte for byte those a local run writes.

Locally phase 3 runs in the coordinator and the mmi writer process (engine/dialogues/assemble.py,
writer.py); here the reversal happens in the build task, so no writer process is started. Progress
is reported by the coordinator per group that comes back, under the stages ("keys", "build",
"write-mmi") and counters a local run uses, so the panel and the CLI bar read it unchanged.
A shard appears under its name only when complete (write, then rename), and a retried task
rewrites it whole: a worker killed mid-build changes nothing in the outputs.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from engine.coded_errors import english
from engine.context import JobContext
from engine.dialogues.assemble import (
    BuildTotals,
    GroupCounts,
    add_group,
    group_label,
    preview_of,
    send_group_finished,
    split_batches,
)
from engine.dialogues.build import LAYOUT_COLUMNS, layout_dialogues
from engine.dialogues.config import DialoguesConfig
from engine.dialogues.ingest import IngestTask, ingest_file
from engine.dialogues.layout import SPLITS
from engine.dialogues.memory import peak_rss_bytes, rss_bytes
from engine.dialogues.shards import read_partition
from engine.dialogues.split import is_val
from engine.dialogues.textfile import BATCH_END, DialogueTextFile, reverse_dialogues
from engine.dialogues.writer import WRITER_STAGE, WriterDone
from engine.executor import Executor, TaskResult, TaskSpec, WorkersPublisher
from engine.pool_worker import check_stop

KINDS = ("std", "mmi")

#: On a cluster, at least this many build groups per worker thread (when the partitions allow):
#: the build is spread over the workers instead of one group holding it all.
GROUPS_PER_THREAD = 2


@dataclass(frozen=True)
class CountTask:
    shard_dir: Path
    group: tuple[int, int]
    min_turns: int


@dataclass(frozen=True)
class BuildTask:
    shard_dir: Path
    group: tuple[int, int]
    #: Positions (0-based, within this group's dialogues) of the validation dialogues.
    val_positions: np.ndarray
    config: DialoguesConfig
    #: (kind, split) → the shard file this group's text goes to.
    out_paths: dict[tuple[str, str], Path]


@dataclass(frozen=True)
class GroupBuilt:
    """What one build task wrote: the group's counts and, per split, dialogues and lines."""

    counts: GroupCounts
    dialogues: dict[str, int]
    utterances: dict[str, int]
    preview: list[str]
    peak_rss_bytes: int


def shard_paths(built_dir: Path, index: int) -> dict[tuple[str, str], Path]:
    return {(kind, split): built_dir / f"g{index:05d}-{kind}-{split}.txt" for kind in KINDS for split in SPLITS}


def count_group(task: CountTask) -> int:
    """Dialogues kept in one build group (key columns only)."""
    table = read_partition(task.shard_dir, task.group, LAYOUT_COLUMNS)
    return layout_dialogues(table, task.min_turns).dialogues


def build_group(task: BuildTask) -> GroupBuilt:
    """Build one group's std and mmi text into its four shard files (write, then rename)."""
    table = read_partition(task.shard_dir, task.group)
    layout = layout_dialogues(table, task.config.min_turns)
    val_mask = is_val(0, layout.dialogues, task.val_positions)
    temps = {key: path.with_name(f"{path.name}.{os.getpid()}.tmp") for key, path in task.out_paths.items()}
    files = {key: DialogueTextFile(path) for key, path in temps.items()}
    preview: list[str] = []
    try:
        for split, text, n_dialogues, n_lines in split_batches(table, layout, val_mask, task.config):
            check_stop()
            files[("std", split)].write_batch(text, n_dialogues, n_lines)
            mmi = reverse_dialogues(text[: -len(BATCH_END)]) + BATCH_END
            files[("mmi", split)].write_batch(mmi, n_dialogues, n_lines)
            if split == "train" and not preview:
                preview = preview_of(text)
    finally:
        for f in files.values():
            f.close()
    for key, temp in temps.items():
        os.replace(temp, task.out_paths[key])
    dialogues = {s: files[("std", s)].dialogues for s in SPLITS}
    utterances = {s: files[("std", s)].lines for s in SPLITS}
    return GroupBuilt(
        counts=GroupCounts.of(layout, sum(dialogues.values()), sum(utterances.values())),
        dialogues=dialogues,
        utterances=utterances,
        preview=preview,
        peak_rss_bytes=peak_rss_bytes(),
    )


def run_cluster_task(task: IngestTask | CountTask | BuildTask) -> Any:
    """The task function of a Dialogues run on a cluster: read a file, count or build a group."""
    if isinstance(task, IngestTask):
        return ingest_file(task)
    if isinstance(task, CountTask):
        return count_group(task)
    if isinstance(task, BuildTask):
        return build_group(task)
    raise TypeError(f"not a dialogues task: {type(task).__name__}")


def spread_limit(limit_bytes: float, estimated_bytes: float, threads: int) -> float:
    """The build-group size limit on a cluster: the memory limit, and small enough that there are
    ``GROUPS_PER_THREAD`` groups per worker thread to spread."""
    return min(limit_bytes, estimated_bytes / max(1, threads * GROUPS_PER_THREAD))


def _raise_failed(result: TaskResult) -> None:
    if not result.ok:  # a group cannot be skipped: the outputs would miss its dialogues
        raise RuntimeError(f"{result.label} failed on {result.worker or 'the cluster'}: {result.error}")


def count_on_cluster(
    config: DialoguesConfig,
    ctx: JobContext,
    pool: Executor,
    shard_dir: Path,
    groups: list[tuple[int, int]],
    group_rows: list[int],
) -> list[int]:
    """Dialogues kept per build group, counted on the workers (phase 2); ``group_rows``: the rows
    phase 1 wrote into each group (its progress)."""
    rep = ctx.reporter("keys", "coordinator")
    rep.set_counter("rows_total", sum(group_rows))
    rep.begin(english("label_groups_on_cluster", {"n": len(groups)}))
    rep.flush()
    counts = [0] * len(groups)
    specs = [
        TaskSpec(
            ("count", n), CountTask(shard_dir, g, config.min_turns), english("label_count", {"group": group_label(g)})
        )
        for n, g in enumerate(groups)
    ]
    publisher = WorkersPublisher(pool, ctx.sink, ctx.job)
    for result in pool.map_unordered(specs, on_wait=publisher.publish):
        _raise_failed(result)
        n = result.key[1]
        counts[n] = result.value
        rep.add(items_in=group_rows[n], items_out=result.value, work_done=group_rows[n], dialogues=result.value)
        rep.set_counter("rss_bytes", rss_bytes())
        rep.tick()
    rep.end()
    rep.flush()
    return counts


class ShardJoiner:
    """Appends the groups' shards to the four output files in group order, as they become ready."""

    def __init__(self, outputs: dict[tuple[str, str], Path], built: list[dict[tuple[str, str], Path]]) -> None:
        self.built = built
        self.files = {key: open(path, "wb") for key, path in outputs.items()}
        self.bytes = {key: 0 for key in outputs}
        self.next = 0

    def join_ready(self, ready: set[int]) -> list[int]:
        """Append every ready group that is next in order; returns the groups joined now."""
        joined = []
        while self.next in ready:
            for key, out in self.files.items():
                shard = self.built[self.next][key]
                if shard.stat().st_size:
                    if self.bytes[key]:
                        out.write(BATCH_END.encode("utf-8"))
                        self.bytes[key] += len(BATCH_END)
                    with open(shard, "rb") as source:
                        shutil.copyfileobj(source, out)
                    self.bytes[key] += shard.stat().st_size
                shard.unlink()
            joined.append(self.next)
            self.next += 1
        return joined

    def close(self) -> None:
        for out in self.files.values():
            out.close()


def build_on_cluster(
    config: DialoguesConfig,
    ctx: JobContext,
    pool: Executor,
    shard_dir: Path,
    groups: list[tuple[int, int]],
    per_group: list[int],
    val_ordinals: np.ndarray,
    outputs: dict[tuple[str, str], Path],
    rows_total: int,
) -> tuple[BuildTotals, WriterDone, dict]:
    """Phase 3 on the workers; the four files joined into ``outputs``. Returns the totals, the mmi
    side's counts (as a local writer reports them) and the build workers' peak RSS."""
    rep = ctx.reporter("build", "coordinator")
    rep.set_counter("rows_total", rows_total)
    mmi = ctx.reporter(WRITER_STAGE, "coordinator")
    built_dir = shard_dir.parent / "built"
    built_dir.mkdir(exist_ok=True)
    firsts = np.concatenate([[0], np.cumsum(per_group)]).astype(np.int64)
    built = [shard_paths(built_dir, n) for n in range(len(groups))]
    settings = replace(config, inputs=())  # what a build needs, without the (maybe long) input list
    specs = []
    for n, group in enumerate(groups):
        lo, hi = np.searchsorted(val_ordinals, [firsts[n], firsts[n + 1]])
        task = BuildTask(shard_dir, group, val_ordinals[lo:hi] - firsts[n], settings, built[n])
        specs.append(TaskSpec(("partition", group[0]), task, english("label_build", {"group": group_label(group)})))
    totals = BuildTotals()
    results: dict[int, tuple[TaskResult, GroupBuilt]] = {}
    peaks: dict[str, int] = {}
    index_of = {group[0]: n for n, group in enumerate(groups)}
    joiner = ShardJoiner(outputs, built)
    publisher = WorkersPublisher(pool, ctx.sink, ctx.job)
    try:
        rep.begin(english("label_groups_on_cluster", {"n": len(groups)}))
        for result in pool.map_unordered(specs, on_wait=publisher.publish):
            _raise_failed(result)
            n = index_of[result.key[1]]
            results[n] = (result, result.value)
            name = f"builder {result.worker}"
            peaks[name] = max(peaks.get(name, 0), result.value.peak_rss_bytes)
            for joined in joiner.join_ready(set(results)):
                _account(ctx, rep, mmi, totals, groups[joined], *results.pop(joined))
            rep.set_counter("rss_bytes", rss_bytes())
            rep.tick()
            mmi.tick()
        rep.end()
    finally:
        joiner.close()
    rep.flush()
    mmi.flush()
    done = WriterDone(
        dialogues=dict(totals.dialogues),
        lines=dict(totals.utterances),
        bytes={split: joiner.bytes[("mmi", split)] for split in SPLITS},
    )
    return totals, done, peaks


def _account(
    ctx: JobContext,
    rep: Any,
    mmi: Any,
    totals: BuildTotals,
    group: tuple[int, int],
    result: TaskResult,
    built: GroupBuilt,
) -> None:
    """Count one joined group as the local build counts a group, and send its TaskFinished."""
    for split in SPLITS:
        lines, dialogues = built.utterances[split], built.dialogues[split]
        totals.dialogues[split] += dialogues
        totals.utterances[split] += lines
        rep.add(items_out=lines, **{"lines_std": lines, f"lines_std_{split}": lines, f"dialogues_{split}": dialogues})
        mmi.add(items_in=dialogues, items_out=lines, **{f"lines_mmi_{split}": lines, "lines_mmi": lines})
    add_group(totals, rep, built.counts)
    send_group_finished(ctx, totals, group, built.counts, built.preview, result.worker, result.seconds, result.attempts)
