"""Read one input file into a frame of the job's columns, or say precisely why it cannot be read.

Data flow::

    path ──sniff first bytes──► fastexcel (.xlsx/.xls by content, cells straight to Arrow)
                                │   └─ on any error: python-calamine, which names the precise reason
                                │ pandas read_csv │ pyarrow parquet
                                │ header row → column check ("missing column 消息内容; found: …")
                                        ▼
    pa.Table[agent, customer, role, content, time] of Arrow strings, rows in file order
        (``read_input_table``: the clean job; ``read_input`` gives the same as a pandas frame)

Every failure is an ``InputError`` whose message a person can act on: "password-protected workbook",
"not an Excel file (looks like text: 'hello…')", "empty file (0 bytes)", "corrupt .xlsx (…)",
"missing column 消息内容; found: …", "no data: …". The worker turns it into the file's report entry.

pandas is imported only where it is needed (reading .csv and .parquet inputs, ``read_input``): a
clean worker reading .xlsx never loads it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import fastexcel
import pyarrow as pa
import pyarrow.compute as pc
import python_calamine

from engine.coded_errors import CodedError
from engine.textnorm import cell_text

if TYPE_CHECKING:  # types only: engine.clean imports this module, a runtime import would be a cycle
    import pandas as pd

    from engine.clean.config import ColumnMap

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CSV_ENCODINGS = ("utf-8-sig", "gb18030")


class InputError(CodedError):
    """A file that cannot be cleaned; ``str(error)`` is the one-line reason for the report (the
    common ones also as a code and params, engine/coded_errors.py, for a translated view)."""


def _describe_foreign(head: bytes) -> InputError:
    """What a file that is not a workbook seems to be, as its error."""
    if not head:
        return InputError.coded("empty_file")
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<")):
        return InputError.coded("not_excel_html")
    if head.startswith(b"%PDF"):
        return InputError.coded("not_excel_pdf")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return InputError.coded("not_excel_binary", start=repr(head[:8]))
    preview = " ".join(text.split())[:40]
    return InputError.coded("not_excel_text", preview=repr(preview))


def _column_error(header: list[str], columns: ColumnMap, sheet: str | None = None) -> InputError | None:
    """The error of a header without every required column; ``sheet`` names the sheet in it."""
    missing = [c for c in columns.required if c not in header]
    if not missing:
        return None
    found = ", ".join(h for h in header if h) or "no column names"
    code = "missing_column" if len(missing) == 1 else "missing_columns"
    where = {"where": f" in sheet {sheet!r}", "sheet": repr(sheet)} if sheet is not None else {"where": ""}
    return InputError.coded(code, names=", ".join(missing), found=found, **where)


def _text_column(values: Sequence[object] | pa.Array) -> pa.Array:
    """An Arrow string array of cell values: all-text columns go straight to Arrow (the common case,
    no per-cell Python check); numbers, dates and booleans are formatted by ``cell_text``."""
    if isinstance(values, pa.Array):
        return values.cast(pa.string())
    try:
        return pa.array(values, type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([cell_text(v) for v in values], type=pa.string())


def _table_from_columns(data: dict[str, Sequence[object] | pa.Array], columns: ColumnMap, n_rows: int) -> pa.Table:
    out: dict[str, pa.Array] = {}
    for name in columns.output:
        values = data.get(name)
        # the optional time column may be absent from this file: all null then
        out[name] = pa.nulls(n_rows, pa.string()) if values is None else _text_column(values)
    return pa.table(out)


def _read_workbook(path: Path, head: bytes, columns: ColumnMap, all_sheets: bool) -> pa.Table:
    kind = ".xlsx" if head.startswith(_ZIP_MAGIC) else ".xls"
    if kind == ".xlsx":
        try:
            with zipfile.ZipFile(path) as archive:
                if "xl/workbook.xml" not in archive.namelist():
                    raise InputError("not an Excel file (a zip archive without a workbook inside)")
        except zipfile.BadZipFile as exc:
            raise InputError(f"corrupt .xlsx (truncated or damaged zip archive: {exc})") from None
    try:
        return _read_workbook_arrow(path, columns, all_sheets)
    except (InputError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - fastexcel could not read it (a Rust panic is a BaseException):
        return _read_workbook_python(path, head, columns, all_sheets)  # calamine's path names the reason


#: One sheet as (header cells, cells by column, data rows), or None when the sheet has no cells.
SheetCells = tuple[list[str], Sequence[Sequence[object] | pa.Array], int]


def _workbook_frame(
    sheet_names: list[str], all_sheets: bool, columns: ColumnMap, load_sheet: Callable[[str], SheetCells | None]
) -> pa.Table:
    """The job's columns of the first sheet (or of every sheet), whichever reader loads the cells.

    Raises when the workbook has no sheet, when every sheet is empty, or when a sheet lacks a
    required column (named with the sheet when there are several).
    """
    names = sheet_names if all_sheets else sheet_names[:1]
    if not names:
        raise InputError.coded("empty_workbook")
    frames: list[pa.Table] = []
    empty_sheets: list[str] = []
    for name in names:
        sheet = load_sheet(name)
        if sheet is None:
            empty_sheets.append(name)
            continue
        header, by_column, n_rows = sheet
        error = _column_error(header, columns, name if all_sheets and len(names) > 1 else None)
        if error is not None:
            raise error
        position = {h: i for i, h in reversed(list(enumerate(header)))}  # first of repeated names wins
        data = {col: by_column[position[col]] for col in columns.output if col in position}
        frames.append(_table_from_columns(data, columns, n_rows))
    if not frames:
        which = "sheet " + ", ".join(repr(n) for n in empty_sheets)
        raise InputError(f"empty workbook ({which} has no cells)")
    return frames[0] if len(frames) == 1 else pa.concat_tables(frames)


def _header(cells: Sequence[object]) -> list[str]:
    return [str(h).strip() if h is not None else "" for h in cells]


def _read_workbook_arrow(path: Path, columns: ColumnMap, all_sheets: bool) -> pa.Table:
    """The fast path: fastexcel (calamine underneath) renders every cell as text straight into
    Arrow, with no Python object per cell — about twice as fast as ``to_python`` plus conversion.

    Its text for non-text cells is Arrow's: 123.0 → "123", True → "true", a date-time → "2024-01-02
    03:04:05", as the calamine path writes them (tested); empty cells become "" on both. They differ
    only for date-only and time-only cells ("2024-01-02 00:00:00" here, "2024-01-02" there), and
    the calamine path only reads files this one rejects.
    """
    reader = fastexcel.read_excel(str(path))

    def load_sheet(name: str) -> SheetCells | None:
        batch = reader.load_sheet(name, header_row=None, dtypes="string", eager=True)
        if batch.num_rows == 0:
            return None
        header = _header(batch.slice(0, 1).to_pylist()[0].values())
        return header, [column.slice(1).fill_null("") for column in batch.columns], batch.num_rows - 1

    return _workbook_frame(reader.sheet_names, all_sheets, columns, load_sheet)


def _read_workbook_python(path: Path, head: bytes, columns: ColumnMap, all_sheets: bool) -> pa.Table:
    """The diagnosing path: python-calamine's typed errors say what is wrong with the file."""
    kind = ".xlsx" if head.startswith(_ZIP_MAGIC) else ".xls"
    try:
        with open(path, "rb") as handle:
            workbook = python_calamine.CalamineWorkbook.from_filelike(handle)
    except python_calamine.PasswordError:
        raise InputError.coded("password_workbook") from None
    except python_calamine.ZipError as exc:
        raise InputError(f"corrupt {kind} (broken zip archive: {exc})") from None
    except python_calamine.XmlError as exc:
        raise InputError(f"corrupt {kind} (broken XML: {exc})") from None
    except python_calamine.CalamineError as exc:
        if head.startswith(_OLE_MAGIC) and b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00" in path.read_bytes()[:65536]:
            raise InputError.coded("encrypted_workbook") from None
        raise InputError(f"unreadable {kind} workbook: {exc}") from None

    def load_sheet(name: str) -> SheetCells | None:
        try:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=True)
        except python_calamine.PasswordError:
            raise InputError(f"password-protected sheet {name!r}") from None
        except (python_calamine.CalamineError, python_calamine.XmlError, python_calamine.ZipError) as exc:
            raise InputError(f"corrupt sheet {name!r}: {exc}") from None
        if not rows:
            return None
        header = _header(rows[0])
        n_rows = len(rows) - 1
        # calamine pads every row to the sheet's width, so one zip transposes the sheet at C speed.
        return header, (list(zip(*rows[1:])) if n_rows else [()] * len(header)), n_rows

    return _workbook_frame(workbook.sheet_names, all_sheets, columns, load_sheet)


_GUARDED_FORMULA = r"^'(?=[=+\-@\t\r])"


def _read_csv(path: Path, columns: ColumnMap) -> pa.Table:
    import pandas as pd

    if path.stat().st_size == 0:
        raise InputError.coded("empty_file")
    last_error: Exception | None = None
    for encoding in _CSV_ENCODINGS:
        try:
            header = [str(h).strip() for h in pd.read_csv(path, nrows=0, encoding=encoding).columns]
            error = _column_error(header, columns)
            if error is not None:
                raise error
            # By position: a padded name (" 坐席id") is the column; of repeated names the first wins.
            position = {h: i for i, h in reversed(list(enumerate(header)))}
            wanted = [c for c in columns.output if c in position]
            frame = pd.read_csv(
                path, usecols=[position[c] for c in wanted], dtype=str, keep_default_na=False, encoding=encoding
            )
            frame.columns = [header[i] for i in sorted(position[c] for c in wanted)]
            # Undo the formula guard our own csv writer adds ('=…), so clean → csv → dialogues is exact.
            data = {c: frame[c].str.replace(_GUARDED_FORMULA, "", regex=True).tolist() for c in wanted}
            return _table_from_columns(data, columns, len(frame))
        except UnicodeDecodeError as exc:
            last_error = exc
        except pd.errors.EmptyDataError:
            raise InputError.coded("no_header_row") from None
        except pd.errors.ParserError as exc:
            raise InputError(f"malformed CSV: {str(exc).strip()}") from None
    raise InputError(f"CSV in an unknown text encoding (tried {', '.join(_CSV_ENCODINGS)}): {last_error}")


def _read_parquet(path: Path, columns: ColumnMap) -> pa.Table:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for anything not parquet
        raise InputError(f"corrupt or non-parquet file: {exc}") from None
    header = list(schema.names)
    error = _column_error(header, columns)
    if error is not None:
        raise error
    wanted = [c for c in columns.output if c in header]
    table = pq.read_table(path, columns=wanted)
    frame = table.to_pandas()  # imports pandas: its conversions decide how a typed cell reads as text
    data = {c: frame[c].tolist() for c in wanted}
    return _table_from_columns(data, columns, len(frame))


def read_input_table(path: Path, columns: ColumnMap, all_sheets: bool = False) -> pa.Table:
    """The job's columns of ``path`` as Arrow string columns (raises ``InputError`` with the reason).

    The kind is decided by content for workbooks (a .xls that is really .xlsx reads fine; a .txt
    renamed .xlsx is named as text) and by suffix for .csv and .parquet. A file with a header and
    no data rows, or whose rows are all empty in the required columns, is an error: it is almost
    always a broken export, and "0 rows" would hide that.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except FileNotFoundError:
        raise InputError.coded("file_not_found") from None
    except IsADirectoryError:
        raise InputError.coded("is_a_folder") from None
    except OSError as exc:
        raise InputError.coded("cannot_open", cause=exc.strerror or str(exc)) from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = _read_csv(path, columns)
    elif suffix == ".parquet":
        table = _read_parquet(path, columns)
    elif head.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        table = _read_workbook(path, head, columns, all_sheets)
    else:
        raise _describe_foreign(head)
    if table.num_rows == 0:
        raise InputError.coded("no_data_rows")
    # A sheet of blanks: cheap test first (one non-blank content cell proves data), full test only if needed.
    if not pc.any(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(table.column(columns.content))), 0)).as_py():
        blank_rows = None
        for name in columns.required:
            blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(table.column(name)), ""), True)
            blank_rows = blank if blank_rows is None else pc.and_(blank_rows, blank)
        if pc.all(blank_rows).as_py():
            raise InputError.coded("all_rows_empty", rows=f"{table.num_rows:,}", columns=", ".join(columns.required))
    return table


def frame_of(table: pa.Table) -> pd.DataFrame:
    """A table of Arrow strings as the pandas frame the pandas jobs take ("string" columns)."""
    import pandas as pd

    return pd.DataFrame(
        {
            name: pd.Series(pd.arrays.ArrowStringArray(column), dtype="string")
            for name, column in zip(table.column_names, table.columns)
        }
    )


def read_input(path: Path, columns: ColumnMap, all_sheets: bool = False) -> pd.DataFrame:
    """``read_input_table`` as a pandas frame of "string" columns (the dialogues job's input)."""
    return frame_of(read_input_table(path, columns, all_sheets))


def read_header(path: Path) -> list[str]:
    """The column names of ``path`` (of its first sheet), reading as little as the format allows;
    raises ``InputError`` when there is none to read. For the run-wide check of ``--columns``
    before any worker starts (engine.preflight)."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError as exc:
        raise InputError.coded("cannot_open", cause=exc.strerror or str(exc)) from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            import pandas as pd  # only for a .csv header: the reader's workers stay pandas-free

            for encoding in _CSV_ENCODINGS:
                try:
                    return [str(h).strip() for h in pd.read_csv(path, nrows=0, encoding=encoding).columns]
                except UnicodeDecodeError:
                    continue
            raise InputError("CSV in an unknown text encoding")
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        if head.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
            if head.startswith(_ZIP_MAGIC):
                from engine.tables.xlsx_header import read_xlsx_header

                try:
                    return read_xlsx_header(path)  # streams the first row: the window asks this on Start
                except Exception:  # noqa: BLE001 - anything unusual: the full reader below decides
                    pass
            reader = fastexcel.read_excel(str(path))
            if not reader.sheet_names:
                raise InputError.coded("empty_workbook")
            batch = reader.load_sheet(0, header_row=None, n_rows=1, dtypes="string", eager=True)
            if batch.num_rows == 0:
                raise InputError("empty first sheet")
            return _header(batch.slice(0, 1).to_pylist()[0].values())
    except InputError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - any reader's fault (a Rust panic too): the file's own task names it
        raise InputError(f"unreadable: {exc}") from None
    raise _describe_foreign(head)
