"""Segment writers: stream cleaned rows into one output file per segment, in .xlsx, .csv or .parquet.

Data flow::

    part tables (one per input file, in file order) ──write(table)──► SegmentWriter
        ──► hidden temporary file (.NAME.part-PID) ──close()──► os.replace → final NAME
                                                    abort() ──► temporary removed

A writer holds one part at a time, never the segment. Its guarantees:

* .xlsx (xlsxwriter, constant memory): every cell is written as a string, so text that starts with
  ``= + - @`` stays text (``strings_to_formulas`` and friends off). A sheet holds at most
  ``EXCEL_MAX_ROWS`` rows including its header; more rows continue on ``Sheet2``, ``Sheet3``… of
  the same file, never truncated.
* .csv: UTF-8 with a BOM (Excel then opens Chinese correctly), fields quoted as needed. With the
  formula guard on (default, engine/tables/formula_guard.py), a cell starting with ``= + - @`` (or tab / carriage return) gets a
  leading ``'`` so Excel shows it as text instead of evaluating it (OWASP "CSV injection"); the
  report records that the guard was on.
* .parquet: pyarrow, string columns, one row group per part.

Parts encoded where they were cleaned: ``write_csv_part`` / ``write_parquet_part`` turn one table
into exactly the bytes the segment writer would produce for it, in a part file; the writer's
``append_part`` then copies those bytes instead of encoding (csv: a byte copy; parquet: the row
groups are copied and only the footer is rebuilt, engine/tables/parquet_concat.py). A segment made
of appended parts is byte for byte the segment made by ``write`` of the same tables (tested).
"""

from __future__ import annotations

import io
import os
import shutil
import struct
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

from engine.atomic import atomic_path, temp_path_for
from engine.disk_fault import fsync_path
from engine.tables.formula_guard import guard_formulas
from engine.tables.parquet_concat import ParquetConcatenator
from engine.tables.parquet_encode import encode_parquet, string_schema

#: Rows in one Excel worksheet, header included (Excel's hard limit).
EXCEL_MAX_ROWS = 1_048_576

#: Workbook options: chat text is untrusted, so nothing becomes a formula, URL or number.
XLSX_TEXT_ONLY = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}

_ROWS_PER_PROGRESS = 2000

#: A csv part file: this mark, the number of rows (uint64 LE), then the rows as the writer writes them.
CSV_PART_MAGIC = b"MPWCSVR1"
_CSV_PART_HEAD = struct.Struct("<8sQ")


class SegmentWriter(ABC):
    """Base: a temporary file that becomes ``final_path`` on ``close`` and vanishes on ``abort``.

    ``progress(rows)`` is called as rows are written (the worker forwards it to its status
    reporter and may raise ``Cancelled`` from it to stop mid-segment).
    """

    suffix = ""

    def __init__(
        self, final_path: Path, columns: tuple[str, ...], progress: Callable[[int], None] | None = None
    ) -> None:
        self.final_path = Path(final_path)
        self.columns = tuple(columns)
        self.temp_path = temp_path_for(self.final_path)
        self.rows_written = 0
        self.progress = progress or (lambda rows: None)
        self.final_path.parent.mkdir(parents=True, exist_ok=True)
        self._closed = False

    @abstractmethod
    def write(self, table: pa.Table) -> None:
        """Append rows (a table with ``columns``)."""

    @abstractmethod
    def _finish(self) -> None:
        """Complete the temporary file so it can be renamed."""

    def _discard(self) -> None:  # noqa: B027 - an optional hook: most writers hold nothing to release
        """Release the open file without completing it (before the temporary is removed)."""

    def close(self) -> Path:
        """Complete the file and give it its final name; returns that name."""
        if self._closed:
            return self.final_path
        self._finish()
        fsync_path(self.temp_path)  # the report may claim this file the moment it has its name
        os.replace(self.temp_path, self.final_path)
        self._closed = True
        return self.final_path

    def abort(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._discard()
        finally:
            self.temp_path.unlink(missing_ok=True)

    def __enter__(self) -> SegmentWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _check_columns(self, table: pa.Table) -> pa.Table:
        return table.select(list(self.columns))


class XlsxSegmentWriter(SegmentWriter):
    suffix = ".xlsx"

    def __init__(
        self,
        final_path: Path,
        columns: tuple[str, ...],
        progress: Callable[[int], None] | None = None,
        max_rows_per_sheet: int = EXCEL_MAX_ROWS,
        tmpdir: Path | None = None,
    ) -> None:
        super().__init__(final_path, columns, progress)
        if max_rows_per_sheet < 2:
            raise ValueError("a sheet needs room for the header and one row")
        self.max_rows_per_sheet = max_rows_per_sheet
        import xlsxwriter  # only where .xlsx is written through it: a csv or parquet worker starts without it

        options = dict(XLSX_TEXT_ONLY)
        if tmpdir is not None:
            # constant_memory spills rows to temporary files: keep them in the run's working folder,
            # which the coordinator removes even when this worker is killed.
            options["tmpdir"] = str(tmpdir)
        self._workbook = xlsxwriter.Workbook(str(self.temp_path), options)
        self.sheet_rows: list[int] = []  # data rows on each sheet
        self._sheet = None
        self._next_row = 0

    def _new_sheet(self) -> None:
        self._sheet = self._workbook.add_worksheet(f"Sheet{len(self.sheet_rows) + 1}")
        for c, name in enumerate(self.columns):
            self._sheet.write_string(0, c, name)
        self._sheet.set_column(0, len(self.columns) - 1, 18)
        self.sheet_rows.append(0)
        self._next_row = 1

    def write(self, table: pa.Table) -> None:
        table = self._check_columns(table)
        if self._sheet is None:
            self._new_sheet()
        columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
        unreported = 0
        for values in zip(*columns):
            if self._next_row >= self.max_rows_per_sheet:
                self._new_sheet()
            sheet, r = self._sheet, self._next_row
            for c, value in enumerate(values):
                if value is not None:
                    sheet.write_string(r, c, value)
            self._next_row += 1
            self.sheet_rows[-1] += 1
            unreported += 1
            if unreported == _ROWS_PER_PROGRESS:
                self.rows_written += unreported
                self.progress(unreported)
                unreported = 0
        self.rows_written += unreported
        self.progress(unreported)

    def _finish(self) -> None:
        if self._sheet is None:
            self._new_sheet()  # an empty segment is still a valid workbook with its header
        self._workbook.close()

    def _discard(self) -> None:
        try:
            self._workbook.close()
        except Exception:
            pass


_CSV_ROWS = pacsv.WriteOptions(include_header=False, quoting_style="needed")


def _csv_bytes(table: pa.Table, include_header: bool) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=include_header, quoting_style="needed"))
    return sink.getvalue()


def _csv_rows_table(table: pa.Table, columns: tuple[str, ...], formula_guard: bool) -> pa.Table:
    table = table.select(list(columns))
    return guard_formulas(table) if formula_guard else table


def csv_rows_bytes(table: pa.Table, columns: tuple[str, ...], formula_guard: bool = True) -> bytes:
    """The csv lines of ``table``'s ``columns`` (no header), as ``CsvSegmentWriter.write`` writes them."""
    return _csv_bytes(_csv_rows_table(table, columns, formula_guard), include_header=False)


def write_csv_part(table: pa.Table, columns: tuple[str, ...], path: Path, formula_guard: bool = True) -> int:
    """Encode ``table`` as a csv part file at ``path`` (write-then-rename); returns its rows.

    The lines go straight from the csv writer into the file (an Arrow file, not a Python one: no
    copy of the part in memory and no Python call per block), the same bytes ``csv_rows_bytes`` gives."""
    rows = _csv_rows_table(table, columns, formula_guard)
    with atomic_path(path) as tmp:
        with pa.OSFile(str(tmp), "wb") as handle:
            handle.write(_CSV_PART_HEAD.pack(CSV_PART_MAGIC, table.num_rows))
            pacsv.write_csv(rows, handle, _CSV_ROWS)
    return table.num_rows


def _copy_rest(source: BinaryIO, target: BinaryIO) -> None:
    """Copy what is left of ``source`` to the end of ``target`` (in the kernel where it can)."""
    target.flush()
    offset, out_fd = source.tell(), target.fileno()
    try:
        while True:
            sent = os.sendfile(out_fd, source.fileno(), offset, 1 << 24)
            if sent == 0:
                return
            offset += sent
    except (AttributeError, OSError):  # no sendfile here (or not for these files): copy in user space
        source.seek(offset)
        shutil.copyfileobj(source, target, 1 << 20)


#: Bytes appended to a segment before the kernel is asked to start writing them (``_start_writeback``).
_WRITEBACK_BYTES = 4 << 20


def _start_writeback(handle: BinaryIO, since: int) -> int:
    """Have the kernel start writing ``handle``'s bytes from ``since`` to the disk now rather than
    in the fsync of ``close``, so the disk works while the next parts are copied (a 24-part csv
    segment of 44 MB: fsync ~30 ms -> ~2 ms). A hint only: where it is not known, nothing changes.
    Less than ``_WRITEBACK_BYTES`` waits for the next call (a call per small part cost more than it
    saved). Returns where the next call starts."""
    handle.flush()
    end = handle.tell()
    if end - since < _WRITEBACK_BYTES:
        return since
    if hasattr(os, "posix_fadvise"):
        try:  # Linux starts writing the dirty pages of the range, without waiting for them
            os.posix_fadvise(handle.fileno(), since, end - since, os.POSIX_FADV_DONTNEED)
        except OSError:
            pass
    return end


class _AppendingSegmentWriter(SegmentWriter):
    """A writer that appends encoded bytes to one open temporary file (csv, parquet): after each
    addition the kernel is asked to start writing them (``_start_writeback``) and the rows are
    counted and reported."""

    def __init__(
        self, final_path: Path, columns: tuple[str, ...], progress: Callable[[int], None] | None = None
    ) -> None:
        super().__init__(final_path, columns, progress)
        self._handle = open(self.temp_path, "wb")
        self._written_back = 0

    def _appended(self, rows: int) -> int:
        """``rows`` more are in the file: start their writeback, count and report them; returns ``rows``."""
        self._written_back = _start_writeback(self._handle, self._written_back)
        self.rows_written += rows
        self.progress(rows)
        return rows

    def _finish(self) -> None:
        self._handle.close()

    def _discard(self) -> None:
        self._handle.close()


class CsvSegmentWriter(_AppendingSegmentWriter):
    suffix = ".csv"

    def __init__(
        self,
        final_path: Path,
        columns: tuple[str, ...],
        progress: Callable[[int], None] | None = None,
        formula_guard: bool = True,
    ) -> None:
        super().__init__(final_path, columns, progress)
        self.formula_guard = formula_guard
        self._handle.write("\ufeff".encode("utf-8"))
        header = pa.table({c: pa.array([], pa.string()) for c in self.columns})
        self._handle.write(_csv_bytes(header, include_header=True))

    def write(self, table: pa.Table) -> None:
        self._handle.write(csv_rows_bytes(table, self.columns, self.formula_guard))
        self._appended(table.num_rows)

    def append_part(self, path: Path) -> int:
        """Copy a part file made by ``write_csv_part`` (same columns and guard); returns its rows."""
        with open(path, "rb") as source:
            head = source.read(_CSV_PART_HEAD.size)
            if len(head) != _CSV_PART_HEAD.size or not head.startswith(CSV_PART_MAGIC):
                raise ValueError(f"{path}: not a csv part file")
            rows = _CSV_PART_HEAD.unpack(head)[1]
            _copy_rest(source, self._handle)
        return self._appended(rows)


def write_parquet_part(table: pa.Table, columns: tuple[str, ...], path: Path) -> int:
    """Encode ``table`` as a parquet part file at ``path`` (write-then-rename); returns its rows.
    Written into an Arrow file opened here: given a path, pyarrow first resolves a filesystem for it."""
    with atomic_path(path) as tmp:
        with pa.OSFile(str(tmp), "wb") as handle:
            encode_parquet(table, tuple(columns), handle)
    return table.num_rows


class ParquetSegmentWriter(_AppendingSegmentWriter):
    """Each ``write`` / ``append_part`` adds the part's row groups; the footer is written at close."""

    suffix = ".parquet"

    def __init__(
        self, final_path: Path, columns: tuple[str, ...], progress: Callable[[int], None] | None = None
    ) -> None:
        super().__init__(final_path, columns, progress)
        self._joined = ParquetConcatenator(self._handle)
        self._parts = 0

    def write(self, table: pa.Table) -> None:
        encoded = io.BytesIO()
        encode_parquet(table, self.columns, encoded)
        encoded.seek(0)
        self._add(encoded)

    def append_part(self, path: Path) -> int:
        """Copy the row groups of a part file made by ``write_parquet_part`` (same columns); returns its rows."""
        return self._add(path)

    def _add(self, source: Path | BinaryIO) -> int:
        rows = self._joined.add(source)
        self._parts += 1
        return self._appended(rows)

    def _finish(self) -> None:
        if self._parts == 0:  # an empty segment: the file pyarrow writes for a schema and no rows
            import pyarrow.parquet as pq

            self._handle.close()
            pq.ParquetWriter(str(self.temp_path), string_schema(self.columns)).close()
            return
        self._joined.close()
        self._handle.close()


WRITERS: dict[str, type[SegmentWriter]] = {
    "xlsx": XlsxSegmentWriter,
    "csv": CsvSegmentWriter,
    "parquet": ParquetSegmentWriter,
}


def open_segment_writer(
    out_format: str,
    final_path: Path,
    columns: tuple[str, ...],
    progress: Callable[[int], None] | None = None,
    csv_formula_guard: bool = True,
    tmpdir: Path | None = None,
) -> SegmentWriter:
    """A writer for ``out_format`` ("xlsx" | "csv" | "parquet") writing to ``final_path``.

    ``tmpdir``: where .xlsx spills rows while writing (default: the system's temporary folder).
    """
    if out_format == "csv":
        return CsvSegmentWriter(final_path, columns, progress, formula_guard=csv_formula_guard)
    if out_format == "xlsx":
        return XlsxSegmentWriter(final_path, columns, progress, tmpdir=tmpdir)
    try:
        return WRITERS[out_format](final_path, columns, progress)
    except KeyError:
        raise ValueError(f"unknown output format {out_format!r}") from None
