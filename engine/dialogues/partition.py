"""Phase 1 of the Dialogues job: every input file read by a pool of readers into hash partitions.

Data flow::

    coordinator ── TaskSpec(("file", src), IngestTask) ──► Executor (local pool of ingest_file, or a
                                                              Dask cluster: engine/dialogues/on_cluster.py)
                                                              read → textnorm → drops → shards/src-NNNNN
         ◄── TaskResult(key, IngestResult: counts per partition) ──┘
    per file: TaskFinished / TaskFailed (key ("file", src)); a "partition" snapshot with the
    estimates of the rows to come; a WorkersReport a second. A failed file is discarded, the others go on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.coded_errors import english
from engine.context import JobContext
from engine.dialogues.config import DialoguesConfig
from engine.dialogues.ingest import IngestResult, IngestTask, discard_source
from engine.dialogues.memory import rss_bytes
from engine.dialogues.rows import ROW_DROP_REASONS
from engine.executor import Executor, TaskSpec, WorkersPublisher
from engine.tables.readers import InputError


@dataclass
class PartitionResult:
    """What phase 1 found: row counts and drops, failed files, rows and text bytes per partition."""

    rows_read: int = 0
    rows_kept: int = 0
    drops: dict[str, int] = field(default_factory=lambda: {r: 0 for r in ROW_DROP_REASONS})
    files_ok: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    rows_without_time: int = 0
    reader_peak_rss: dict[str, int] = field(default_factory=dict)
    partition_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    partition_text_bytes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def task_label(task: IngestTask) -> str:
    """'#3 chat_0003.xlsx': the file index keeps two files with one name apart (display only)."""
    return f"#{task.src} {task.path.name}"


def partition_inputs(
    config: DialoguesConfig,
    ctx: JobContext,
    pool: Executor,
    files: list[Path],
    shard_root: Path,
    partitions: int,
    total_bytes: int,
    stage: str,
    check_alive: Callable[[], None] = lambda: None,
) -> PartitionResult:
    """Ingest every file on ``pool`` (its task function runs ``ingest_file`` for an ``IngestTask``);
    per-file events; failures go on. ``check_alive`` is called after each file (the mmi writer's
    watch: a writer dead already fails the job now)."""
    result = PartitionResult(
        partition_rows=np.zeros(partitions, dtype=np.int64), partition_text_bytes=np.zeros(partitions, dtype=np.int64)
    )
    rep = ctx.reporter("partition", "coordinator")
    rep.set_counter("files_total", len(files))
    rep.set_counter("bytes_total", total_bytes)
    rep.set_counter("partitions", partitions)
    rep.begin(english("label_files", {"n": len(files)}))
    rep.set_counter("rss_bytes", rss_bytes())
    rep.flush()
    sizes = {src: (p.stat().st_size if p.exists() else 0) for src, p in enumerate(files)}
    tasks = [
        IngestTask(
            src, path, shard_root, partitions, config.columns, tuple(config.system_messages), config.read_chunk_rows
        )
        for src, path in enumerate(files)
    ]
    specs = [TaskSpec(("file", t.src), t, task_label(t)) for t in tasks]
    bytes_done = 0
    publisher = WorkersPublisher(pool, ctx.sink, ctx.job)
    for outcome in pool.map_unordered(specs, on_wait=publisher.publish):
        check_alive()
        _, src = outcome.key
        path = files[src]
        if outcome.ok:
            done: IngestResult = outcome.value
            result.files_ok += 1
            result.rows_read += done.rows
            result.rows_kept += done.kept
            result.rows_without_time += done.without_time
            result.partition_rows += np.asarray(done.partition_rows, dtype=np.int64)
            result.partition_text_bytes += np.asarray(done.partition_text_bytes, dtype=np.int64)
            reader = outcome.worker if outcome.worker.startswith(stage) else f"{stage} {outcome.worker}"
            result.reader_peak_rss[reader] = max(result.reader_peak_rss.get(reader, 0), done.peak_rss_bytes)
            for reason, n in done.drops.items():
                result.drops[reason] += n
                if n:
                    rep.add(**{f"drops_{reason}": n})
            rep.add(items_in=done.rows, items_out=done.kept)
            summary = {"rows": done.rows, "kept": done.kept, **{f"drops_{r}": n for r, n in done.drops.items()}}
            ctx.sink.send_event(outcome.finished_event(ctx.job, summary, task=path.name))
        else:
            discard_source(shard_root, src)
            reason = outcome.reason if outcome.error_type == InputError.__name__ else outcome.error
            result.failed.append({"file": str(path), "reason": reason})
            rep.add(errors=1)
            ctx.sink.send_event(outcome.failed_event(ctx.job, reason, task=path.name))
        bytes_done += sizes[src]
        rep.add(files_done=1)
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
