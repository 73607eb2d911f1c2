"""Hash partitions on disk: every row of a dialogue lands in the same Parquet shard.

Data flow::

    normalised chunk ──partition_of(h)──► per-partition buffers ──(≥ flush_rows)──► SRC/part-PPPP.parquet
                                            (bounded: flushed by size)              (one writer each,
                                                                                     row group per flush)
    build phase: read_partition(p) ◄── */part-p.parquet of every input file (one partition in memory)

Partitions are *ranges* of the 64-bit dialogue hash (the top 32 bits scaled to the partition count),
so reading partitions 0, 1, … and sorting each by hash gives the same global dialogue order whatever
the partition count: a run with a small memory budget writes byte-identical files to one with a
large budget.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from engine.dialogues.rows import SHARD_SCHEMA

#: In-memory size of a kept row while a partition is built, per byte of input file, by suffix
#: (measured on demo data: arrow columns + sort indices + the output text). Errs high.
BUILD_BYTES_PER_FILE_BYTE = {".xlsx": 6.0, ".xlsm": 6.0, ".csv": 3.0, ".parquet": 8.0}
#: Share of the memory budget one partition may take while it is built (the rest: interpreter,
#: pandas, buffers, the output batch in flight).
PARTITION_SHARE_OF_BUDGET = 0.35
MAX_PARTITIONS = 4096


def partition_count(input_sizes: Sequence[tuple[str, int]], memory_budget_bytes: int) -> int:
    """Partitions needed so that building one stays within ``memory_budget_bytes``."""
    estimate = sum(size * BUILD_BYTES_PER_FILE_BYTE.get(suffix.lower(), 6.0) for suffix, size in input_sizes)
    per_partition = memory_budget_bytes * PARTITION_SHARE_OF_BUDGET
    return int(min(MAX_PARTITIONS, max(1, math.ceil(estimate / per_partition))))


def partition_of(h: np.ndarray, partitions: int) -> np.ndarray:
    """Partition index of each dialogue hash: a monotone function of the hash (range partitioning)."""
    top = (np.asarray(h, dtype=np.uint64) >> np.uint64(32)).astype(np.uint64)
    return ((top * np.uint64(partitions)) >> np.uint64(32)).astype(np.int64)


def shard_path(folder: Path, partition: int) -> Path:
    return Path(folder) / f"part-{partition:04d}.parquet"


class ShardWriter:
    """Appends normalised rows to their partitions' Parquet files, with bounded buffering."""

    def __init__(self, folder: Path, partitions: int, flush_rows: int = 50_000) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.partitions = partitions
        self.flush_rows = flush_rows
        self.rows_written = np.zeros(partitions, dtype=np.int64)
        self._buffers: list[list[pa.Table]] = [[] for _ in range(partitions)]
        self._buffered = np.zeros(partitions, dtype=np.int64)
        self._writers: dict[int, pq.ParquetWriter] = {}

    def add(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        parts = partition_of(table.column("h").to_numpy(), self.partitions)
        order = np.argsort(parts, kind="stable")
        sorted_parts = parts[order]
        table = table.take(pa.array(order))
        bounds = np.searchsorted(sorted_parts, np.arange(self.partitions + 1))
        for p in np.unique(sorted_parts):
            start, stop = int(bounds[p]), int(bounds[p + 1])
            self._buffers[p].append(table.slice(start, stop - start))
            self._buffered[p] += stop - start
        # Flush every partition that has a full row group, and everything when the total is large.
        full = np.flatnonzero(self._buffered >= self.flush_rows)
        for p in full:
            self._flush(int(p))
        if self._buffered.sum() >= self.flush_rows * 4:
            for p in np.flatnonzero(self._buffered):
                self._flush(int(p))

    def _flush(self, p: int) -> None:
        if not self._buffers[p]:
            return
        table = pa.concat_tables(self._buffers[p])
        writer = self._writers.get(p)
        if writer is None:
            writer = pq.ParquetWriter(shard_path(self.folder, p), SHARD_SCHEMA, compression="lz4")
            self._writers[p] = writer
        writer.write_table(table)
        self.rows_written[p] += table.num_rows
        self._buffers[p] = []
        self._buffered[p] = 0

    def close(self) -> None:
        """Flush everything and close the files (every partition with rows has a complete file)."""
        try:
            for p in range(self.partitions):
                self._flush(p)
        finally:
            for writer in self._writers.values():
                writer.close()
            self._writers.clear()


def read_partition(shard_root: Path, partition: int, columns: Sequence[str] | None = None) -> pa.Table:
    """The rows of one partition from every input's shard folder (optionally some columns only)."""
    wanted = list(columns) if columns is not None else SHARD_SCHEMA.names
    paths = sorted(Path(shard_root).glob(f"*/{shard_path(Path('.'), partition).name}"))
    if not paths:
        return SHARD_SCHEMA.empty_table().select(wanted)
    return pa.concat_tables([pq.read_table(path, columns=wanted) for path in paths])
