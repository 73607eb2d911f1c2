"""The two kinds of pool task of a clean run, executed in the pool's worker processes.

Data flow::

    CleanFileTask  ─► read_input ─► apply_rules ─► part file  .parts/part_000123.parquet
                      (the file's cleaned rows, + row hashes when deduplicating across the run)
                      returns counts only: rows in/out, drops by reason — never the rows
    WriteSegmentTask ─► read each part in file order (minus run-wide duplicates the coordinator
                        named) ─► SegmentWriter ─► clean_00000-00024.xlsx (temporary, then renamed)

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
import pyarrow.parquet as pq

from engine.atomic import atomic_path
from engine.clean.config import ColumnMap, CleanRules
from engine.tables.readers import read_input
from engine.clean.rules import apply_rules, row_hashes
from engine.tables.writers import open_segment_writer
from engine.context import Cancelled
from engine.pool_worker import current_reporter, stop_requested
from engine.xlsxfast import render_part, rendered_path_for, save_rendered_part, write_xlsx_segment

HASH_COLUMN = "__row_hash"


@dataclass(frozen=True)
class CleanFileTask:
    index: int
    path: Path
    part_path: Path
    columns: ColumnMap
    rules: CleanRules
    all_sheets: bool
    #: Also render the part as deflated worksheet rows (.xlsx output): the slow part of writing
    #: .xlsx then runs here, in parallel over the workers, and the segment task only joins blocks.
    render_xlsx: bool = False


@dataclass(frozen=True)
class WriteSegmentTask:
    segment: int
    parts: tuple[Path, ...]
    out_path: Path
    out_format: str
    columns: tuple[str, ...]
    csv_formula_guard: bool
    #: Per part: row positions to leave out (run-wide duplicates), or None.
    skip_rows: tuple[Any, ...] = ()


def _check_stop() -> None:
    if stop_requested():
        raise Cancelled()


def clean_file(task: CleanFileTask) -> dict[str, Any]:
    """Clean one input file into its part file; returns its counts (raises with the reason)."""
    reporter = current_reporter()
    started = time.perf_counter()
    try:
        size = task.path.stat().st_size
    except OSError:
        size = 0
    try:
        _check_stop()
        frame = read_input(task.path, task.columns, task.all_sheets)
        reporter.tick()
        _check_stop()
        outcome = apply_rules(frame, task.columns, task.rules)
        if not outcome.reconciles():  # a bug, never bad input: fail loudly rather than lose rows
            raise AssertionError(f"rows do not reconcile: {outcome.rows_in} in, {outcome.rows_out} out, "
                                 f"dropped {outcome.dropped}")
        _check_stop()
        table = pa.Table.from_pandas(outcome.kept, preserve_index=False)
        table = table.cast(pa.schema([(c, pa.string()) for c in table.column_names]))
        if task.rules.dedupe_run:
            table = table.append_column(HASH_COLUMN, pa.array(row_hashes(outcome.kept), pa.uint64()))
        with atomic_path(task.part_path) as tmp:
            pq.write_table(table, tmp, compression="lz4")
        if task.render_xlsx:
            _check_stop()
            rows = render_part(table.select(list(task.columns.output)))
            save_rendered_part(rows, rendered_path_for(task.part_path))
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


def write_segment(task: WriteSegmentTask) -> dict[str, Any]:
    """Write one segment's output from its parts; returns the rows written and the sheet layout."""
    reporter = current_reporter()
    started = time.perf_counter()

    def progress(rows: int) -> None:
        reporter.add(rows_written=rows)
        reporter.tick()
        _check_stop()

    if task.out_format == "xlsx":
        layout = write_xlsx_segment(task.out_path, task.columns, [rendered_path_for(p) for p in task.parts],
                                    task.skip_rows, progress)
        return _segment_written(task, layout.rows, list(layout.sheet_rows), started)
    writer = open_segment_writer(task.out_format, task.out_path, task.columns, progress, task.csv_formula_guard,
                                 tmpdir=task.parts[0].parent if task.parts else None)
    try:
        for position, part in enumerate(task.parts):
            table = pq.read_table(part, columns=list(task.columns))
            skip = task.skip_rows[position] if position < len(task.skip_rows) else None
            if skip is not None and len(skip):
                keep = np.ones(table.num_rows, dtype=bool)
                keep[np.asarray(skip, dtype=np.int64)] = False
                table = table.filter(pa.array(keep))
            writer.write(table)
            _check_stop()
        rows = writer.rows_written
        sheet_rows = list(getattr(writer, "sheet_rows", []))
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return _segment_written(task, rows, sheet_rows, started)


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
    if isinstance(task, CleanFileTask):
        return clean_file(task)
    if isinstance(task, WriteSegmentTask):
        return write_segment(task)
    raise TypeError(f"not a clean task: {type(task).__name__}")
