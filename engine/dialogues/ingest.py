"""Phase 1 task: one input file → normalised rows in hash-partition shards (runs in a pool worker).

Data flow::

    coordinator ──IngestTask(src, path)──► ProcessPool worker ──read_input (engine.tables.readers)──►
        chunks ──normalise_chunk (engine.textnorm)──► SourceShardWriter ──► shards/src-NNNNN.parquet
    coordinator ◄── IngestResult(rows, kept, drops, peak RSS) ◄──┘ (a failure: the pool's reason)

Reading .xlsx is most of the job's work and every file is independent, so the files are ingested in
parallel. Each file writes its own shard file (renamed into place when complete): a retried task
(its worker was killed) starts afresh, a failed file's shard is deleted, and the result is the same whichever worker ran
which file and in which order (rows carry their file index and row number; the build sorts on them).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.clean.config import ColumnMap
from engine.dialogues.memory import peak_rss_bytes, rss_bytes
from engine.dialogues.rows import MISSING_TIME, ROW_DROP_REASONS, normalise_chunk
from engine.dialogues.shards import SourceShardWriter, shard_path
from engine.pool_worker import check_stop, current_reporter
from engine.tables.readers import read_input


@dataclass(frozen=True)
class IngestTask:
    src: int
    path: Path
    shard_root: Path
    partitions: int
    columns: ColumnMap
    system_messages: tuple[str, ...]
    chunk_rows: int


@dataclass(frozen=True)
class IngestResult:
    src: int
    rows: int
    kept: int
    without_time: int
    drops: Mapping[str, int] = field(default_factory=dict)
    partition_rows: tuple[int, ...] = ()
    partition_text_bytes: tuple[int, ...] = ()
    seconds: float = 0.0
    pid: int = 0
    peak_rss_bytes: int = 0


def ingest_file(task: IngestTask) -> IngestResult:
    """Pool task: read, normalise and partition one file; raises with the reason when it cannot."""
    started = time.perf_counter()
    rep = current_reporter()
    path = shard_path(task.shard_root, task.src)
    path.unlink(missing_ok=True)  # a retry after a killed worker starts clean
    rows = kept = without_time = 0
    drops = {r: 0 for r in ROW_DROP_REASONS}
    rep.set_counter("rss_bytes", rss_bytes())
    rep.tick()
    frame = read_input(task.path, task.columns)
    rep.set_counter("rss_bytes", rss_bytes())
    shards = SourceShardWriter(path, task.partitions)
    for start in range(0, len(frame), task.chunk_rows):
        check_stop()
        chunk = frame.iloc[start : start + task.chunk_rows]
        table, chunk_drops = normalise_chunk(chunk, task.columns, task.system_messages, task.src, start)
        shards.add(table)
        rows += len(chunk)
        kept += table.num_rows
        without_time += int((table.column("t").to_numpy() == MISSING_TIME).sum())
        for reason, n in chunk_drops.items():
            drops[reason] += n
        rep.add(work_done=len(chunk), rows=len(chunk), rows_kept=table.num_rows)
        rep.set_counter("rss_bytes", rss_bytes())
        rep.tick()
    del frame, chunk, table  # the raw cells go before the shard is sorted and written
    shards.close()
    rep.set_counter("rss_bytes", rss_bytes())
    return IngestResult(
        src=task.src,
        rows=rows,
        kept=kept,
        without_time=without_time,
        drops=drops,
        partition_rows=tuple(int(n) for n in shards.rows_written),
        partition_text_bytes=tuple(int(n) for n in shards.text_bytes_written),
        seconds=time.perf_counter() - started,
        pid=os.getpid(),
        peak_rss_bytes=peak_rss_bytes(),
    )


def discard_source(shard_root: Path, src: int) -> None:
    """Remove what a failed file wrote, so none of its rows reach a dialogue."""
    path = shard_path(shard_root, src)
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".tmp").unlink(missing_ok=True)
