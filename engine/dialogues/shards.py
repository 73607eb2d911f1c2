"""Hash partitions on disk: every row of a dialogue lands in the same Parquet shard.

Data flow::

    one input file's normalised rows ──partition_of(h)──► shards/src-NNNNN.parquet
                                                           (a row group per partition, column "part")
    build: read_partition([a, b)) ◄── the row groups of partitions a…b-1 of every input's shard

Partitions are *ranges* of the 64-bit dialogue hash (the top 32 bits scaled to the partition count),
so reading partitions 0, 1, … and sorting each by hash gives the same global dialogue order whatever
the partition count: a run with a small memory budget writes byte-identical files to one with a
large budget. For the same reason adjacent partitions can be built together: rows are written into
more, finer partitions than the estimate asks for, and ``plan_build_groups`` then merges neighbours
by the rows and bytes actually written, so every build holds about the same amount of data (memory
flat) however good or bad the estimate from file sizes was.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from engine.dialogues.rows import SHARD_SCHEMA

#: Input bytes per kept row's build memory, by suffix: only used to choose the fine partition count
#: before anything is read (measured on demo data; an error here costs only build-group granularity).
BUILD_BYTES_PER_FILE_BYTE = {".xlsx": 14.0, ".xlsm": 14.0, ".xls": 8.0, ".csv": 5.0, ".parquet": 16.0}
#: Build memory of one row: fixed cost (sort keys, indices, Arrow offsets, layout arrays) plus a
#: multiple of its text and id bytes (the table, the rendered pieces, the batch strings). Measured.
BUILD_BYTES_PER_ROW = 300
BUILD_BYTES_PER_TEXT_BYTE = 4.0
#: Share of the memory budget one build group's estimate may take before anything is read (only
#: for the fine partition count) …
PARTITION_SHARE_OF_BUDGET = 0.3
#: … and, once the coordinator's resting RSS is known, share of (budget − resting RSS) a build
#: group's estimate may take: measured peaks are ~1.75× the estimate (sort copies, allocator slack).
GROUP_SHARE_OF_FREE_BUDGET = 0.45
#: Rows are written into this many times the estimated partition count (at least MIN_PARTITIONS).
FINE_PARTITIONS_PER_GROUP = 8
MIN_PARTITIONS = 16
MAX_PARTITIONS = 4096


def partition_count(input_sizes: Sequence[tuple[str, int]], memory_budget_bytes: int) -> int:
    """Fine partitions to write: several per build group the file sizes suggest."""
    estimate = sum(size * BUILD_BYTES_PER_FILE_BYTE.get(suffix.lower(), 10.0) for suffix, size in input_sizes)
    groups = math.ceil(estimate / (memory_budget_bytes * PARTITION_SHARE_OF_BUDGET))
    return int(min(MAX_PARTITIONS, max(MIN_PARTITIONS, groups * FINE_PARTITIONS_PER_GROUP)))


def partition_of(h: np.ndarray, partitions: int) -> np.ndarray:
    """Partition index of each dialogue hash: a monotone function of the hash (range partitioning)."""
    top = (np.asarray(h, dtype=np.uint64) >> np.uint64(32)).astype(np.uint64)
    return ((top * np.uint64(partitions)) >> np.uint64(32)).astype(np.int64)


def build_bytes(rows: np.ndarray, text_bytes: np.ndarray) -> np.ndarray:
    """Estimated build memory of partitions with these rows and text+id bytes."""
    return np.asarray(rows, dtype=np.float64) * BUILD_BYTES_PER_ROW + np.asarray(text_bytes) * BUILD_BYTES_PER_TEXT_BYTE


def group_limit_bytes(memory_budget_bytes: int, resting_rss_bytes: int) -> float:
    """Estimated build bytes one group may hold, given what the coordinator uses at rest."""
    return max(0.0, memory_budget_bytes - resting_rss_bytes) * GROUP_SHARE_OF_FREE_BUDGET


def plan_build_groups(rows: np.ndarray, text_bytes: np.ndarray, limit_bytes: float) -> list[tuple[int, int]]:
    """Consecutive fine partitions [start, stop) merged while their estimated build memory fits.

    A single partition larger than the limit is a group of its own (it cannot be split any more;
    the report shows the largest group so that a too-small budget is visible).
    """
    cost = build_bytes(rows, text_bytes)
    groups: list[tuple[int, int]] = []
    start, used = 0, 0.0
    for p, c in enumerate(cost):
        if p > start and used + c > limit_bytes:
            groups.append((start, p))
            start, used = p, 0.0
        used += c
    if len(cost):
        groups.append((start, len(cost)))
    return groups


def shard_path(shard_root: Path, src: int) -> Path:
    """The one shard file of input file ``src``: a row group per partition, in partition order."""
    return Path(shard_root) / f"src-{src:05d}.parquet"


class SourceShardWriter:
    """Collects one input file's normalised rows, then writes them as one Parquet file with a row
    group per partition (the ``part`` column, constant within a row group, says which).

    One file per input instead of one per (input, partition): partitions can be fine (many per
    build group) without multiplying small files. An input file is held whole by its reader anyway,
    so keeping its normalised rows until ``close`` adds a compact Arrow copy, not a new order of memory.
    """

    def __init__(self, path: Path, partitions: int) -> None:
        self.path = Path(path)
        self.partitions = partitions
        self.rows_written = np.zeros(partitions, dtype=np.int64)
        self.text_bytes_written = np.zeros(partitions, dtype=np.int64)
        self._tables: list[pa.Table] = []

    def add(self, table: pa.Table) -> None:
        if table.num_rows:
            self._tables.append(table)

    def close(self) -> None:
        """Write the file (atomically: a killed reader leaves no file the build could read)."""
        tables, self._tables = self._tables, []
        if not tables:
            return
        table = pa.concat_tables(tables)
        del tables
        parts = partition_of(table.column("h").to_numpy(), self.partitions)
        order = np.argsort(parts, kind="stable")
        sorted_parts = parts[order]
        table = table.take(pa.array(order)).append_column("part", pa.array(sorted_parts.astype(np.int32)))
        bounds = np.searchsorted(sorted_parts, np.arange(self.partitions + 1))
        self.rows_written += np.diff(bounds)
        sizes = sum(
            pc.binary_length(table.column(c)).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
            for c in ("text", "agent", "customer")
        )
        self.text_bytes_written += np.add.reduceat(np.append(sizes, 0), bounds[:-1])[: self.partitions] * (
            np.diff(bounds) > 0
        )
        tmp = self.path.with_name(self.path.name + ".tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with pq.ParquetWriter(tmp, table.schema, compression="lz4") as writer:
            for p in np.flatnonzero(np.diff(bounds)):
                start, stop = int(bounds[p]), int(bounds[p + 1])
                writer.write_table(table.slice(start, stop - start), row_group_size=stop - start)
        os.replace(tmp, self.path)


def read_partition(
    shard_root: Path, partitions: int | tuple[int, int], columns: Sequence[str] | None = None
) -> pa.Table:
    """The rows of one partition, or of partitions [start, stop), from every input's shard file.

    Only the row groups of those partitions are read (their ``part`` statistics say which).
    """
    start, stop = (partitions, partitions + 1) if isinstance(partitions, int) else partitions
    wanted = list(columns) if columns is not None else SHARD_SCHEMA.names
    tables = []
    for path in sorted(Path(shard_root).glob("src-*.parquet")):
        shard = pq.ParquetFile(path)
        part_index = shard.schema_arrow.get_field_index("part")
        groups = [
            i
            for i in range(shard.num_row_groups)
            if start <= shard.metadata.row_group(i).column(part_index).statistics.min < stop
        ]
        if groups:
            tables.append(shard.read_row_groups(groups, columns=wanted))
    if not tables:
        return SHARD_SCHEMA.empty_table().select(wanted)
    return pa.concat_tables(tables)
