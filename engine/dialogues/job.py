"""The Dialogues job: chat exports → GPT2-chitchat training text, ordered (std) and reversed (mmi).

Data flow::

    inputs ──(1) partition──► OUT/.mpwatch-dialogues-PID-*/shards/src-NNNNN.parquet (row group/partition)
     (.xlsx .csv .parquet,      ProcessPool of readers (engine.dialogues.ingest), one file per task:
      raw or cleaned)           read, textnorm, drop by reason, hash-partition by dialogue
           ──(2) keys──────► per build group: key columns only → dialogues kept (dedup, min-turns)
                             → N dialogues → seeded choice of the validation positions
           ──(3) build─────► per build group: sort + boundaries → std text batches
                                 ├─► std/train|val (this process, DialogueTextFile)
                                 └─► MmiWriter: bounded CountingQueue ──► mmi-writer process
           ──(4) finish────► END sentinel, WriterDone; rename the four files into OUT/std, OUT/mmi;
                             dialogues-report.json; remove the work folder

Memory: each reader holds one input file (an .xlsx sheet's cells) at a time, whatever the number
of files. Phases 2–3 hold one build group in the coordinator: adjacent partitions merged by the rows
actually written, sized so that the coordinator's peak stays within ``--memory-budget``. What grows
with the input is only the val positions (8 bytes per val dialogue) and per-partition counters.
Processes: the coordinator, ``workers`` readers (phase 1), and the mmi writer (started at once so
its start-up overlaps phase 1; it works in phase 3).

Atomicity: everything is written inside the work folder; the final names appear by rename only
after the writer reported success. Stop, a failure, a dead writer or SIGTERM removes the work folder;
a work folder whose owner was SIGKILLed is removed by the next run into the same OUT.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import psutil

from engine.atomic import atomic_path, check_writable_dir
from engine.tables.inputs import expand_inputs
from engine.tables.readers import InputError
from engine.context import Cancelled, JobContext
from engine.dialogues.build import LAYOUT_COLUMNS, batch_offsets, iter_batches, layout_dialogues, render_pieces
from engine.dialogues.config import DialoguesConfig
from engine.dialogues.memory import peak_rss_bytes, rss_bytes
from engine.dialogues.ingest import IngestResult, IngestTask, discard_source, ingest_file
from engine.dialogues.rows import ROW_DROP_REASONS
from engine.dialogues.shards import build_bytes, group_limit_bytes, partition_count, plan_build_groups, \
    read_partition
from engine.dialogues.split import choose_val_ordinals, is_val, val_count
from engine.dialogues.textfile import BATCH_END, DialogueTextFile, reverse_dialogues
from engine.dialogues.writer import MmiBatch, MmiWriter, WriterDone
from engine.pool import ProcessPool
from engine.status import TaskFailed, TaskFinished
from engine.supervisor import Supervisor

SPLITS = ("train", "val")
OUTPUT_FILES = {("std", "train"): "std/train.txt", ("std", "val"): "std/val.txt",
                ("mmi", "train"): "mmi/train.txt", ("mmi", "val"): "mmi/val.txt"}
REPORT_NAME = "dialogues-report.json"
WORK_PREFIX = ".mpwatch-dialogues-"
PREVIEW_DIALOGUES = 3
STAGES = ("partition", "keys", "build")
#: Stage (and role prefix: "reader 1", "reader 2", …) of the phase-1 pool workers.
READER_STAGE = "reader"


@dataclass
class PartitionResult:
    rows_read: int = 0
    rows_kept: int = 0
    drops: dict[str, int] = field(default_factory=lambda: {r: 0 for r in ROW_DROP_REASONS})
    files_ok: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    rows_without_time: int = 0
    reader_peak_rss: dict[str, int] = field(default_factory=dict)
    partition_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    partition_text_bytes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


# -- helpers ---------------------------------------------------------------------------------------
def remove_stale_work_dirs(out_dir: Path) -> int:
    """Remove work folders left by runs whose process no longer exists (SIGKILL, power loss)."""
    removed = 0
    for path in out_dir.glob(f"{WORK_PREFIX}*"):
        match = re.match(rf"{re.escape(WORK_PREFIX)}(\d+)-", path.name)
        if match and path.is_dir() and not psutil.pid_exists(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


@contextmanager
def sigterm_cancels() -> Iterator[None]:
    """While the job runs, SIGTERM (Stop's second stage) raises Cancelled so cleanup still runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Cancelled()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- phase 1: partition ------------------------------------------------------------------------------
def task_label(task: IngestTask) -> str:
    """'#3 chat_0003.xlsx': the file index keeps two files with one name apart."""
    return f"#{task.src} {task.path.name}"


def partition_inputs(config: DialoguesConfig, ctx: JobContext, files: list[Path], shard_root: Path,
                     partitions: int, total_bytes: int, writer: MmiWriter) -> PartitionResult:
    """Ingest every file in a pool of readers (``ingest_file``); per-file events; failures go on."""
    result = PartitionResult(partition_rows=np.zeros(partitions, dtype=np.int64),
                             partition_text_bytes=np.zeros(partitions, dtype=np.int64))
    rep = ctx.reporter("partition", "coordinator")
    rep.set_counter("files_total", len(files))
    rep.set_counter("bytes_total", total_bytes)
    rep.set_counter("partitions", partitions)
    rep.begin(f"{len(files)} file(s)")
    rep.set_counter("rss_bytes", rss_bytes())
    rep.flush()
    sizes = {src: (p.stat().st_size if p.exists() else 0) for src, p in enumerate(files)}
    tasks = [IngestTask(src, path, shard_root, partitions, config.columns,
                        tuple(config.system_messages), config.read_chunk_rows) for src, path in enumerate(files)]
    bytes_done = 0
    workers = max(1, min(config.workers, len(files)))
    with ProcessPool(ingest_file, workers, ctx, stage=READER_STAGE) as pool:
        for outcome in pool.map_unordered(tasks, label=task_label):
            writer.check_alive()  # forwards its snapshots; a writer dead already fails the job now
            src = int(outcome.label.split(" ", 1)[0].lstrip("#"))
            path = files[src]
            if outcome.ok:
                done: IngestResult = outcome.value
                result.files_ok += 1
                result.rows_read += done.rows
                result.rows_kept += done.kept
                result.rows_without_time += done.without_time
                result.partition_rows += np.asarray(done.partition_rows, dtype=np.int64)
                result.partition_text_bytes += np.asarray(done.partition_text_bytes, dtype=np.int64)
                result.reader_peak_rss[outcome.worker] = max(result.reader_peak_rss.get(outcome.worker, 0),
                                                             done.peak_rss_bytes)
                for reason, n in done.drops.items():
                    result.drops[reason] += n
                    if n:
                        rep.add(**{f"drops_{reason}": n})
                rep.add(items_in=done.rows, items_out=done.kept)
                ctx.sink.send_event(TaskFinished(
                    job=ctx.job, task=path.name, worker=outcome.worker, t=time.time(), seconds=outcome.seconds,
                    attempts=outcome.attempts,
                    summary={"rows": done.rows, "kept": done.kept, **{f"drops_{r}": n for r, n in done.drops.items()}}))
            else:
                discard_source(shard_root, src)
                reason = outcome.reason.removeprefix(f"{InputError.__name__}: ")
                result.failed.append({"file": str(path), "reason": reason})
                rep.add(errors=1)
                ctx.sink.send_event(TaskFailed(job=ctx.job, task=path.name, worker=outcome.worker, t=time.time(),
                                               reason=reason, traceback=outcome.traceback, attempts=outcome.attempts))
            bytes_done += sizes[src]
            rep.add(files_done=1)
            rep.set_counter("bytes_done", bytes_done)
            rep.set_counter("rss_bytes", rss_bytes())
            if result.rows_read and bytes_done:
                estimate_read = result.rows_read * total_bytes / bytes_done
                rep.set_counter("rows_estimate", int(estimate_read))
                rep.set_counter("work_total", int(estimate_read + 2 * estimate_read * result.rows_kept / result.rows_read))
            rep.tick()
    rep.end()
    rep.set_counter("rows_estimate", result.rows_read)
    rep.set_counter("work_total", result.rows_read + 2 * result.rows_kept)
    rep.flush()
    return result


# -- phase 2: keys -----------------------------------------------------------------------------------
def group_label(group: tuple[int, int]) -> str:
    start, stop = group
    return f"partition {start}" if stop == start + 1 else f"partitions {start}–{stop - 1}"


def count_dialogues(config: DialoguesConfig, ctx: JobContext, shard_dir: Path, groups: list[tuple[int, int]],
                    rows_total: int, writer: MmiWriter) -> list[int]:
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
        rep.add(items_in=table.num_rows, items_out=layout.dialogues, work_done=table.num_rows,
                dialogues=layout.dialogues)
        rep.set_counter("rss_bytes", rss_bytes())
        rep.end()
        rep.tick()
        del table, layout
    rep.flush()
    return per_partition


# -- phase 3: build and write ---------------------------------------------------------------------------
@dataclass
class BuildTotals:
    rows_in: int = 0
    rows_used: int = 0
    duplicates: int = 0
    short_dialogues: int = 0
    short_dialogue_rows: int = 0
    dialogues: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SPLITS})
    utterances: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SPLITS})
    preview_sent: bool = False


def build_and_write(config: DialoguesConfig, ctx: JobContext, shard_dir: Path, groups: list[tuple[int, int]],
                    val_ordinals: np.ndarray, std_files: dict[str, DialogueTextFile],
                    writer: MmiWriter, rows_total: int) -> BuildTotals:
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
        pieces = render_pieces(table, layout, config.role_prefix, config.punctuation)
        val_mask = is_val(ordinal, layout.dialogues, val_ordinals)
        ordinal += layout.dialogues
        sizes = np.diff(layout.dialogue_starts)
        row_is_val = np.repeat(val_mask, sizes)
        utt_last = layout.utterance_last
        dialogue_first = np.zeros(layout.rows, dtype=bool)
        dialogue_first[layout.dialogue_starts[:-1]] = True
        preview: list[str] = []
        for split, mask in (("train", ~row_is_val), ("val", row_is_val)):
            if not mask.any():
                continue
            split_pieces = pieces.filter(mask)
            split_starts = np.flatnonzero(dialogue_first[mask])
            split_starts = np.append(split_starts, int(mask.sum()))
            split_utt_last = utt_last[mask]
            offsets = batch_offsets(split_starts, config.writer_batch_rows)
            for i, text in enumerate(iter_batches(split_pieces, offsets)):
                a, b = int(offsets[i]), int(offsets[i + 1])
                n_dialogues = int(np.searchsorted(split_starts, b) - np.searchsorted(split_starts, a))
                n_lines = int(split_utt_last[a:b].sum())
                std_files[split].write_batch(text, n_dialogues, n_lines)
                writer.put(MmiBatch(split, text, n_dialogues, n_lines))
                totals.dialogues[split] += n_dialogues
                totals.utterances[split] += n_lines
                rep.add(items_out=n_lines, **{"lines_std": n_lines, f"lines_std_{split}": n_lines,
                                              f"dialogues_{split}": n_dialogues})
                rep.set_queue(writer.depth(), writer.bound)
                rep.set_counter("writer_queue_max", writer.max_depth)
                rep.set_counter("writer_blocked_s", writer.blocked_s)
                rep.tick()
                if split == "train" and not preview:
                    preview = text[: -len(BATCH_END)].split(BATCH_END)[:PREVIEW_DIALOGUES]
        totals.rows_in += layout.rows_in
        totals.rows_used += layout.rows
        totals.duplicates += layout.duplicates
        totals.short_dialogues += layout.short_dialogues
        totals.short_dialogue_rows += layout.short_dialogue_rows
        rep.add(items_in=layout.rows_in, work_done=layout.rows_in, dialogues=layout.dialogues,
                drops_duplicate=layout.duplicates, drops_short_dialogue=layout.short_dialogue_rows)
        rep.set_counter("rss_bytes", rss_bytes())
        rep.end()
        rep.tick()
        summary: dict[str, Any] = {"rows": layout.rows_in, "dialogues": layout.dialogues,
                                   "utterances": layout.utterances, "duplicates": layout.duplicates,
                                   "short_dialogues": layout.short_dialogues}
        if preview and not totals.preview_sent:
            summary["preview_std"] = preview
            summary["preview_mmi"] = [reverse_dialogues(d) for d in preview]
            totals.preview_sent = True
        ctx.sink.send_event(TaskFinished(job=ctx.job, task=group_label(group), worker="coordinator", t=time.time(),
                                         seconds=time.perf_counter() - started, summary=summary))
        del table, layout, pieces
    rep.set_queue(writer.depth(), writer.bound)
    rep.flush()
    return totals


# -- the job ---------------------------------------------------------------------------------------------
def run_dialogues(config: DialoguesConfig, ctx: JobContext) -> dict[str, Any]:
    """Job function (``engine.runner`` contract): build the four files and the report; returns the summary."""
    started = time.perf_counter()
    out_dir = check_writable_dir(config.out_dir)
    remove_stale_work_dirs(out_dir)
    files = expand_inputs(config.inputs, exclude_dir=out_dir)
    if not files:
        raise ValueError("no input files (give .xlsx, .csv or .parquet files, or folders holding them)")
    work = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=out_dir))
    supervisor = Supervisor(ctx)
    writer: MmiWriter | None = None
    try:
        with sigterm_cancels():
            ctx.log(f"dialogues: {len(files)} input file(s) → {out_dir}")
            sizes = [(p.suffix, p.stat().st_size if p.exists() else 0) for p in files]
            total_bytes = sum(s for _, s in sizes)
            partitions = config.partitions or partition_count(sizes, config.memory_budget_bytes)
            shard_dir = work / "shards"
            temp = {key: work / f"{key[0]}-{key[1]}.txt" for key in OUTPUT_FILES}
            # Started now so that its start-up overlaps phase 1; it waits on its queue until phase 3.
            writer = MmiWriter(ctx, supervisor, {s: temp[("mmi", s)] for s in SPLITS}, config.writer_queue_bound)
            t0 = time.perf_counter()
            parted = partition_inputs(config, ctx, files, shard_dir, partitions, total_bytes, writer)
            seconds = {"partition": time.perf_counter() - t0}
            if parted.files_ok == 0:
                raise ValueError("no input file could be read: "
                                 + "; ".join(f"{Path(f['file']).name}: {f['reason']}" for f in parted.failed[:5]))
            rss_after = {"partition": rss_bytes()}

            t0 = time.perf_counter()
            if config.partitions is None:
                resting = rss_bytes()
                limit = group_limit_bytes(config.memory_budget_bytes, resting)
                groups = plan_build_groups(parted.partition_rows, parted.partition_text_bytes, limit)
                largest = max(build_bytes(parted.partition_rows[a:b], parted.partition_text_bytes[a:b]).sum()
                              for a, b in groups)
                if largest > limit:
                    ctx.log(f"memory budget {config.memory_budget_bytes / 2**20:.0f} MB is too small: the "
                            f"coordinator uses {resting / 2**20:.0f} MB at rest and the largest partition needs "
                            f"about {largest * 1.75 / 2**20:.0f} MB more; building one partition at a time",
                            "warning")
            else:
                groups = [(p, p + 1) for p in range(partitions)]
            per_partition = count_dialogues(config, ctx, shard_dir, groups, parted.rows_kept, writer)
            dialogues_total = sum(per_partition)
            n_val, capped = val_count(config.val_size, dialogues_total)
            val_ordinals = choose_val_ordinals(dialogues_total, n_val, config.seed)
            if capped:
                ctx.log(f"validation set capped at {n_val} dialogues (train keeps at least half of "
                        f"{dialogues_total})", "warning")
            seconds["keys"] = time.perf_counter() - t0
            rss_after["keys"] = rss_bytes()

            t0 = time.perf_counter()
            std_files = {s: DialogueTextFile(temp[("std", s)]) for s in SPLITS}
            try:
                totals = build_and_write(config, ctx, shard_dir, groups, val_ordinals, std_files, writer,
                                         parted.rows_kept)
            finally:
                for f in std_files.values():
                    f.close()
            done: WriterDone = writer.finish()
            seconds["build"] = time.perf_counter() - t0
            rss_after["build"] = rss_bytes()
            _check_writer_agrees(done, std_files)

            for key, rel in OUTPUT_FILES.items():
                final = out_dir / rel
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temp[key], final)
            seconds["total"] = time.perf_counter() - started
            report = _report(config, files, partitions, groups, parted, totals, dialogues_total, n_val, capped, done,
                             writer, seconds, rss_after, out_dir)
            with atomic_path(out_dir / REPORT_NAME) as tmp:
                tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
            ctx.log(f"dialogues: {totals.dialogues['train']} train + {totals.dialogues['val']} val dialogues, "
                    f"{report['utterances']['total']} utterances in {seconds['total']:.1f} s")
            return _summary(report)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if supervisor.alive():
            supervisor.stop(grace_s=1.0, terminate_s=1.0)


def _check_writer_agrees(done: WriterDone, std_files: dict[str, DialogueTextFile]) -> None:
    for split, f in std_files.items():
        if done.dialogues.get(split, 0) != f.dialogues or done.lines.get(split, 0) != f.lines:
            raise RuntimeError(f"mmi writer wrote {done.dialogues.get(split)} dialogues/{done.lines.get(split)} "
                               f"lines for {split}, std has {f.dialogues}/{f.lines}")


def _report(config: DialoguesConfig, files: list[Path], partitions: int, groups: list[tuple[int, int]],
            parted: PartitionResult,
            totals: BuildTotals, dialogues_total: int, n_val: int, capped: bool, done: WriterDone,
            writer: MmiWriter, seconds: dict[str, float], rss_after: dict[str, int], out_dir: Path) -> dict[str, Any]:
    drops = dict(parted.drops)
    drops["duplicate"] = totals.duplicates
    drops["short_dialogue"] = totals.short_dialogue_rows
    rows_accounted = totals.rows_used + sum(drops.values())
    return {
        "inputs": [str(p) for p in files],
        "out_dir": str(out_dir),
        "outputs": {f"{kind}_{split}": str(out_dir / rel) for (kind, split), rel in OUTPUT_FILES.items()},
        "settings": {"val_size": config.val_size, "seed": config.seed, "role_prefix": config.role_prefix,
                     "min_turns": config.min_turns, "memory_budget_bytes": config.memory_budget_bytes,
                     "partitions": partitions, "writer_queue_bound": config.writer_queue_bound},
        "build_groups": {"count": len(groups),
                         "largest_rows": max((int(parted.partition_rows[a:b].sum()) for a, b in groups), default=0),
                         "largest_estimated_bytes": int(max((build_bytes(parted.partition_rows[a:b],
                                                                         parted.partition_text_bytes[a:b]).sum()
                                                             for a, b in groups), default=0))},
        "files": {"ok": parted.files_ok, "failed": len(parted.failed), "failures": parted.failed},
        "rows": {"read": parted.rows_read, "in_dialogues": totals.rows_used, "dropped": drops,
                 "without_time": parted.rows_without_time, "reconciles": rows_accounted == parted.rows_read},
        "dialogues": {"built": dialogues_total, "dropped_short": totals.short_dialogues,
                      "train": totals.dialogues["train"], "val": totals.dialogues["val"],
                      "val_requested": config.val_size, "val_capped": capped},
        "utterances": {"train": totals.utterances["train"], "val": totals.utterances["val"],
                       "total": totals.utterances["train"] + totals.utterances["val"]},
        "bytes": {"std_train": out_dir.joinpath(OUTPUT_FILES[("std", "train")]).stat().st_size,
                  "std_val": out_dir.joinpath(OUTPUT_FILES[("std", "val")]).stat().st_size,
                  "mmi_train": done.bytes.get("train", 0), "mmi_val": done.bytes.get("val", 0)},
        "writer_queue": {"bound": writer.bound, "max_depth": writer.max_depth, "batches": writer.puts - 1,
                         "coordinator_blocked_s": round(writer.blocked_s, 3)},
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "rows_per_s": round(parted.rows_read / seconds["total"], 1) if seconds["total"] else 0.0,
        "peak_rss_bytes": {"coordinator": peak_rss_bytes(), "mmi_writer": done.peak_rss_bytes,
                           **dict(sorted(parted.reader_peak_rss.items()))},
        "rss_after_phase_bytes": rss_after,
    }


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    """The JobFinished summary: flat numbers a watcher shows, plus the report's path."""
    return {
        "report": str(Path(report["out_dir"]) / REPORT_NAME),
        "out_dir": report["out_dir"],
        "files_ok": report["files"]["ok"],
        "files_failed": report["files"]["failed"],
        "rows_read": report["rows"]["read"],
        "rows_in_dialogues": report["rows"]["in_dialogues"],
        **{f"drops_{k}": v for k, v in report["rows"]["dropped"].items()},
        "dialogues": report["dialogues"]["built"],
        "dialogues_dropped_short": report["dialogues"]["dropped_short"],
        "train_dialogues": report["dialogues"]["train"],
        "val_dialogues": report["dialogues"]["val"],
        "utterances": report["utterances"]["total"],
        "seconds": report["seconds"]["total"],
        "rows_per_s": report["rows_per_s"],
        "partitions": report["settings"]["partitions"],
        "build_groups": report["build_groups"]["count"],
        "writer_queue_max": report["writer_queue"]["max_depth"],
        "writer_queue_bound": report["writer_queue"]["bound"],
        "peak_rss_coordinator_bytes": report["peak_rss_bytes"]["coordinator"],
        "peak_rss_mmi_writer_bytes": report["peak_rss_bytes"]["mmi_writer"],
        "peak_rss_readers_bytes": max((v for k, v in report["peak_rss_bytes"].items() if k.startswith("reader")),
                                      default=0),
    }
