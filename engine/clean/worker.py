"""The two kinds of pool task of a clean run, executed in the pool's worker processes.

Data flow::

    CleanFileTask  ─► read_input_table ─► apply_rules ─► the file's cleaned rows, already encoded in the
                      output format, in its part file (.parts/part_000123.parquet | .csvrows | .xlsxrows)
                      (+ row hashes when deduplicating across the run; csv then also keeps the rows)
                      returns counts only: rows in/out, drops by reason — never the rows
    WriteSegmentTask ─► the part files in file order ─► the segment writer copies their bytes
                        (a part some of whose rows are run-wide duplicates is encoded again without
                        them) ─► clean_00000-00024.csv (temporary, then renamed)

Encoding happens in the file tasks, on every worker at once; the segment task, which runs once per
segment on one worker while the others may have nothing left to do, only copies bytes.

The rows stay Arrow from reader to part file (no pandas), and the .xlsx and parquet machinery is
imported by the first task that needs it, so a worker starts fast and a csv run never loads them.

Both are idempotent, which is what makes a SIGKILLed worker harmless: a part or a segment appears
under its final name only when complete (write-then-rename), and a retried task rewrites the same
name, so rows are neither lost nor written twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from engine.atomic import atomic_path
from engine.clean.config import CleanRules, ColumnMap
from engine.clean.rules import apply_rules, row_hashes
from engine.cluster import task_scope
from engine.disk_fault import writing_into
from engine.pandas_free import keep_pyarrow_from_importing_pandas
from engine.pool_worker import check_stop, current_reporter
from engine.tables.arrow_arrays import arrow_mask
from engine.tables.readers import read_input_table
from engine.tables.writers import open_segment_writer, write_csv_part, write_parquet_part

HASH_COLUMN = "__row_hash"

#: Suffix of a part file by output format (.xlsx: the rendered rows of engine/xlsxfast).
_CHUNK_SUFFIX = {"parquet": ".parquet", "csv": ".csvrows"}


@dataclass(frozen=True)
class PartFiles:
    """Where one input file's cleaned rows wait for their segment, in the run's parts folder."""

    #: The rows encoded in the output format: what the segment writer copies.
    chunk: Path
    #: Run-wide dedupe only: each row's hash (a one-column parquet, ``HASH_COLUMN``), read by the coordinator.
    hashes: Path
    #: csv with run-wide dedupe only: the rows as a table, to encode the part again without its duplicates
    #: (.parquet and .xlsxrows parts can drop rows themselves).
    rows: Path

    @classmethod
    def in_folder(cls, folder: Path, index: int, out_format: str) -> PartFiles:
        stem = Path(folder) / f"part_{index:06d}"
        if out_format == "xlsx":
            from engine.xlsxfast import rendered_path_for

            chunk = rendered_path_for(stem.with_suffix(".parquet"))
        else:
            chunk = stem.with_suffix(_CHUNK_SUFFIX[out_format])
        return cls(chunk, stem.with_suffix(".hashes.parquet"), stem.with_suffix(".rows.parquet"))

    def paths(self) -> tuple[Path, ...]:
        return (self.chunk, self.hashes, self.rows)


@dataclass(frozen=True)
class CleanFileTask:
    index: int
    path: Path
    part: PartFiles
    columns: ColumnMap
    rules: CleanRules
    all_sheets: bool
    out_format: str
    csv_formula_guard: bool = True


@dataclass(frozen=True)
class WriteSegmentTask:
    segment: int
    parts: tuple[PartFiles, ...]
    out_path: Path
    out_format: str
    columns: tuple[str, ...]
    csv_formula_guard: bool
    #: Per part: row positions to leave out (run-wide duplicates), or None.
    skip_rows: tuple[Any, ...] = ()


def clean_file(task: CleanFileTask) -> dict[str, Any]:
    """Clean one input file into its part file; returns its counts (raises with the reason)."""
    reporter = current_reporter()
    started = time.perf_counter()
    try:
        size = task.path.stat().st_size
    except OSError:
        size = 0
    try:
        check_stop()
        table = read_input_table(task.path, task.columns, task.all_sheets)
        reporter.tick()
        check_stop()
        outcome = apply_rules(table, task.columns, task.rules)
        if not outcome.reconciles():  # a bug, never bad input: fail loudly rather than lose rows
            raise AssertionError(
                f"rows do not reconcile: {outcome.rows_in} in, {outcome.rows_out} out, dropped {outcome.dropped}"
            )
        check_stop()
        with writing_into(task.part.chunk):
            _save_part(task, outcome.kept)
    finally:
        reporter.add(input_bytes_done=size)
    drops = {f"drops_{reason}": n for reason, n in outcome.dropped.items()}
    reporter.add(rows_in=outcome.rows_in, rows_out=outcome.rows_out, **drops)
    reporter.tick()
    return {
        "kind": "file",
        "index": task.index,
        "rows_in": outcome.rows_in,
        "rows_out": outcome.rows_out,
        "dropped": dict(outcome.dropped),
        "seconds": round(time.perf_counter() - started, 3),
        "bytes": size,
    }


def _save_part(task: CleanFileTask, table: pa.Table) -> None:
    """Leave the file's cleaned rows in its part files: encoded for the output, plus what run-wide
    dedupe needs. Each file is written then renamed, so a retried task just rewrites them."""
    part, output = task.part, task.columns.output
    if task.rules.dedupe_run:
        import pyarrow.parquet as pq

        with atomic_path(part.hashes) as tmp:
            pq.write_table(pa.table({HASH_COLUMN: pa.array(row_hashes(table), pa.uint64())}), tmp)
        if task.out_format == "csv":
            with atomic_path(part.rows) as tmp:
                pq.write_table(table, tmp, compression="lz4")
    check_stop()
    if task.out_format == "parquet":
        write_parquet_part(table, output, part.chunk)
    elif task.out_format == "csv":
        write_csv_part(table, output, part.chunk, task.csv_formula_guard)
    else:
        from engine.xlsxfast import render_part, save_rendered_part

        save_rendered_part(render_part(table.select(list(output))), part.chunk)


def write_segment(task: WriteSegmentTask) -> dict[str, Any]:
    """Write one segment's output from its parts; returns the rows written and the sheet layout.
    Raises ``DiskFault`` when the output folder refuses the write (nothing under the final name)."""
    with writing_into(task.out_path):
        return _write_segment(task)


def _write_segment(task: WriteSegmentTask) -> dict[str, Any]:
    reporter = current_reporter()
    started = time.perf_counter()

    def progress(rows: int) -> None:
        reporter.add(rows_written=rows)
        reporter.tick()
        check_stop()

    if task.out_format == "xlsx":
        from engine.xlsxfast import write_xlsx_segment

        layout = write_xlsx_segment(
            task.out_path, task.columns, [p.chunk for p in task.parts], task.skip_rows, progress
        )
        return _segment_written(task, layout.rows, list(layout.sheet_rows), started)
    writer = open_segment_writer(task.out_format, task.out_path, task.columns, progress, task.csv_formula_guard)
    try:
        for position, part in enumerate(task.parts):
            skip = task.skip_rows[position] if position < len(task.skip_rows) else None
            if skip is not None and len(skip):
                import pyarrow.parquet as pq

                source = part.chunk if task.out_format == "parquet" else part.rows
                table = pq.read_table(source, columns=list(task.columns))
                keep = np.ones(table.num_rows, dtype=bool)
                keep[np.asarray(skip, dtype=np.int64)] = False
                writer.write(table.filter(arrow_mask(keep)))
            else:
                writer.append_part(part.chunk)
            check_stop()
        rows = writer.rows_written
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return _segment_written(task, rows, [], started)


def _segment_written(task: WriteSegmentTask, rows: int, sheet_rows: list[int], started: float) -> dict[str, Any]:
    reporter = current_reporter()
    reporter.add(segments_written=1)
    reporter.tick()
    return {
        "kind": "segment",
        "segment": task.segment,
        "path": str(task.out_path),
        "rows": rows,
        "sheet_rows": sheet_rows,
        "seconds": round(time.perf_counter() - started, 3),
    }


def run_clean_task(task: CleanFileTask | WriteSegmentTask) -> dict[str, Any]:
    """The pool's task function: one file to clean or one segment to write."""
    if (
        task_scope.current() is None
    ):  # our own pool's worker, which runs clean tasks only (a Dask worker runs any job's)
        keep_pyarrow_from_importing_pandas()
    if isinstance(task, CleanFileTask):
        return clean_file(task)
    if isinstance(task, WriteSegmentTask):
        return write_segment(task)
    raise TypeError(f"not a clean task: {type(task).__name__}")
