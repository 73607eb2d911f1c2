"""Segment writers: formula-looking text stays text, sheets split at Excel's row limit, temp then rename."""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from engine.tables.writers import (
    EXCEL_MAX_ROWS,
    CsvSegmentWriter,
    ParquetSegmentWriter,
    XlsxSegmentWriter,
    open_segment_writer,
)

COLUMNS = ("坐席id", "消息内容")
RISKY = ["=SUM(A1:A9)", "+86 138 0000 0000", "-1 那个不要了", "@小美 在吗", '=HYPERLINK("http://x")', "普通"]


def table(texts: list[str | None], agent: str = "kf1") -> pa.Table:
    return pa.table({"坐席id": pa.array([agent] * len(texts), pa.string()), "消息内容": pa.array(texts, pa.string())})


def test_excel_limit_constant():
    assert EXCEL_MAX_ROWS == 1_048_576


def test_xlsx_formula_looking_text_is_a_string_cell(tmp_path):
    path = tmp_path / "seg.xlsx"
    with XlsxSegmentWriter(path, COLUMNS) as writer:
        writer.write(table(RISKY))
    sheet = openpyxl.load_workbook(path).active
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == RISKY
    assert all(c.data_type == "s" for c in cells)  # "f" would be a formula


def test_xlsx_segment_larger_than_a_sheet_continues_on_new_sheets(tmp_path):
    """The splitting unit with a 5-row sheet (header + 4): 11 rows in 3 parts → sheets of 4, 4, 3."""
    path = tmp_path / "seg.xlsx"
    seen: list[int] = []
    with XlsxSegmentWriter(path, COLUMNS, progress=seen.append, max_rows_per_sheet=5) as writer:
        writer.write(table([f"m{i}" for i in range(0, 3)]))
        writer.write(table([f"m{i}" for i in range(3, 9)]))
        writer.write(table([f"m{i}" for i in range(9, 11)]))
    assert writer.sheet_rows == [4, 4, 3]
    assert sum(seen) == writer.rows_written == 11
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Sheet1", "Sheet2", "Sheet3"]
    texts = []
    for sheet in book.worksheets:
        rows = list(sheet.values)
        assert rows[0] == COLUMNS and len(rows) <= 5
        texts += [r[1] for r in rows[1:]]
    assert texts == [f"m{i}" for i in range(11)]  # nothing truncated, order kept


def test_xlsx_missing_value_is_an_empty_cell(tmp_path):
    path = tmp_path / "seg.xlsx"
    with XlsxSegmentWriter(path, COLUMNS) as writer:
        writer.write(table(["a", None, "c"]))
    assert [r[1] for r in openpyxl.load_workbook(path).active.values][1:] == ["a", None, "c"]


def test_csv_is_utf8_with_bom_and_formula_text_cannot_evaluate(tmp_path):
    path = tmp_path / "seg.csv"
    with CsvSegmentWriter(path, COLUMNS) as writer:
        writer.write(table(RISKY[:3]))
        writer.write(table(RISKY[3:] + ["含,逗号\n和换行"]))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    assert rows[0] == list(COLUMNS)  # one header, even with two writes
    texts = [r[1] for r in rows[1:]]
    assert texts == ["'" + t if t[0] in "=+-@" else t for t in RISKY] + ["含,逗号\n和换行"]
    assert not any(t[0] in "=+-@" for t in texts)


def test_csv_formula_guard_can_be_turned_off(tmp_path):
    path = tmp_path / "seg.csv"
    with open_segment_writer("csv", path, COLUMNS, csv_formula_guard=False) as writer:
        writer.write(table(RISKY))
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    assert back["消息内容"].tolist() == RISKY


def test_parquet_round_trip(tmp_path):
    path = tmp_path / "seg.parquet"
    with ParquetSegmentWriter(path, COLUMNS) as writer:
        writer.write(table(RISKY))
        writer.write(table(["x", None], agent="kf2"))
    back = pd.read_parquet(path)
    assert back["消息内容"].tolist()[:6] == RISKY and back["消息内容"].isna().sum() == 1
    assert len(back) == 8


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "parquet"])
def test_nothing_under_the_final_name_until_closed_and_abort_leaves_nothing(tmp_path, fmt):
    path = tmp_path / f"seg.{fmt}"
    writer = open_segment_writer(fmt, path, COLUMNS)
    writer.write(table(RISKY))
    assert not path.exists()
    assert writer.temp_path.exists() or fmt == "xlsx"  # xlsxwriter creates its file at close
    writer.abort()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError):
        with open_segment_writer(fmt, path, COLUMNS) as writer:
            writer.write(table(RISKY))
            raise RuntimeError("the worker was stopped mid-segment")
    assert list(tmp_path.iterdir()) == []


def test_csv_formula_guard_is_undone_when_read_back(tmp_path):
    """clean → csv → (clean or dialogues) keeps the text exactly: the reader strips the guard it added."""
    from engine.clean.config import ColumnMap
    from engine.tables.readers import read_input

    path = tmp_path / "guarded.csv"
    path.write_text(
        "\ufeff坐席id,客户微信id,是否客服,消息内容,消息时间\n"
        "a,b,是,'=SUM(A1),2022-01-01 00:00:00\n"
        "a,b,否,'plain quote,2022-01-01 00:00:01\n",
        encoding="utf-8",
    )
    frame = read_input(path, ColumnMap())
    assert frame["消息内容"].tolist() == ["=SUM(A1)", "'plain quote"]


def _parts_tables() -> list[pa.Table]:
    """Parts as a segment sees them: ordinary, empty, formula-looking, missing values, CJK."""
    return [table(RISKY), table([]), table(["含,逗号\n和换行", None, "普通"] * 700, agent="kf2"), table(["x"])]


def test_parquet_segment_from_encoded_parts_is_byte_identical_to_pyarrow_writing_the_tables(tmp_path):
    """append_part copies row groups and rebuilds only the footer: the file is the one pyarrow's own
    ParquetWriter makes with one write_table per part (what the segment writer did before)."""
    import pyarrow.parquet as pq

    from engine.tables.writers import write_parquet_part

    tables = _parts_tables()
    schema = pa.schema([(c, pa.string()) for c in COLUMNS])
    reference = tmp_path / "reference.parquet"
    with pq.ParquetWriter(str(reference), schema) as writer:
        for t in tables:
            writer.write_table(t.cast(schema))
    parts = [tmp_path / f"part_{i}.parquet" for i in range(len(tables))]
    for t, part in zip(tables, parts):
        assert write_parquet_part(t, COLUMNS, part) == t.num_rows
    joined, written = tmp_path / "joined.parquet", tmp_path / "written.parquet"
    with ParquetSegmentWriter(joined, COLUMNS) as writer:
        rows = [writer.append_part(part) for part in parts]
    assert rows == [t.num_rows for t in tables] and writer.rows_written == sum(rows)
    with ParquetSegmentWriter(written, COLUMNS) as writer:
        for t in tables[:2]:
            writer.write(t)
        for part in parts[2:]:
            writer.append_part(part)
    assert joined.read_bytes() == written.read_bytes() == reference.read_bytes()
    back = pq.read_table(joined)
    assert back.num_rows == sum(t.num_rows for t in tables) and pq.ParquetFile(joined).metadata.num_row_groups == 4
    assert back.column("消息内容").to_pylist() == sum((t.column("消息内容").to_pylist() for t in tables), [])


def test_a_parquet_column_of_distinct_values_is_written_without_a_dictionary(tmp_path):
    """A timestamp column (every value distinct) gains nothing from a dictionary: written plain, the
    part is smaller; the repeated columns keep theirs, and parts still join byte for byte."""
    import pyarrow.parquet as pq

    from engine.tables.writers import write_parquet_part

    columns = ("坐席id", "消息时间")
    tables = [
        pa.table(
            {
                "坐席id": ["kf1", "kf2"] * 600,
                "消息时间": [f"2024-01-01 00:{i // 60:02}:{i % 60:02}.{k}" for i in range(1200)],
            }
        )
        for k in range(2)
    ]
    parts = [tmp_path / f"part_{k}.parquet" for k in range(2)]
    for t, part in zip(tables, parts):
        write_parquet_part(t, columns, part)
    chunks = pq.ParquetFile(parts[0]).metadata.row_group(0)
    assert chunks.column(0).has_dictionary_page and not chunks.column(1).has_dictionary_page
    everything_in_a_dictionary = tmp_path / "default.parquet"
    pq.write_table(tables[0], everything_in_a_dictionary)
    assert parts[0].stat().st_size < everything_in_a_dictionary.stat().st_size
    joined, written = tmp_path / "joined.parquet", tmp_path / "written.parquet"
    with ParquetSegmentWriter(joined, columns) as writer:
        for part in parts:
            writer.append_part(part)
    with ParquetSegmentWriter(written, columns) as writer:
        for t in tables:
            writer.write(t)
    assert joined.read_bytes() == written.read_bytes()
    assert pq.read_table(joined).column("消息时间").to_pylist() == sum(
        (t.column("消息时间").to_pylist() for t in tables), []
    )


def test_parquet_part_with_another_schema_is_refused(tmp_path):
    from engine.tables.parquet_concat import ParquetConcatError
    from engine.tables.writers import write_parquet_part

    write_parquet_part(table(["a"]), COLUMNS, tmp_path / "a.parquet")
    write_parquet_part(pa.table({"other": pa.array(["b"])}), ("other",), tmp_path / "b.parquet")
    writer = ParquetSegmentWriter(tmp_path / "seg.parquet", COLUMNS)
    writer.append_part(tmp_path / "a.parquet")
    with pytest.raises(ParquetConcatError, match="schema differs"):
        writer.append_part(tmp_path / "b.parquet")
    writer.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet", "b.parquet"]


@pytest.mark.parametrize("guard", [True, False])
def test_csv_segment_from_encoded_parts_is_byte_identical_to_writing_the_tables(tmp_path, guard):
    from engine.tables.writers import write_csv_part

    tables = _parts_tables()
    parts = [tmp_path / f"part_{i}.csvrows" for i in range(len(tables))]
    for t, part in zip(tables, parts):
        write_csv_part(t, COLUMNS, part, formula_guard=guard)
    joined, written = tmp_path / "joined.csv", tmp_path / "written.csv"
    with CsvSegmentWriter(joined, COLUMNS, formula_guard=guard) as writer:
        rows = [writer.append_part(part) for part in parts]
    assert rows == [t.num_rows for t in tables]
    with CsvSegmentWriter(written, COLUMNS, formula_guard=guard) as writer:
        for t in tables:
            writer.write(t)
    assert joined.read_bytes() == written.read_bytes()
    # and the way the writer wrote a segment before parts existed: the header with the first rows
    import io

    import pyarrow.csv as pacsv

    from engine.tables.formula_guard import guard_formulas

    before = io.BytesIO()
    before.write("\ufeff".encode("utf-8"))
    for i, t in enumerate(tables):
        t = guard_formulas(t) if guard else t
        pacsv.write_csv(t, before, pacsv.WriteOptions(include_header=i == 0, quoting_style="needed"))
    assert joined.read_bytes() == before.getvalue()


def test_csv_part_file_is_checked(tmp_path):
    bad = tmp_path / "bad.csvrows"
    bad.write_bytes(b"kf1,hello\n")
    writer = CsvSegmentWriter(tmp_path / "seg.csv", COLUMNS)
    with pytest.raises(ValueError, match="not a csv part file"):
        writer.append_part(bad)
    writer.abort()


def test_formula_guard_by_first_byte_equals_the_regex_it_replaced():
    """The guard used to test ``^[=+\\-@\\t\\r]`` with RE2; it now reads the first byte: same cells."""
    import random

    import pyarrow.compute as pc

    from engine.tables.formula_guard import CSV_FORMULA_GUARD, guard_formulas

    rng = random.Random(2)
    pieces = ["=", "+", "-", "@", "\t", "\r", " ", "＝", "é", "文", "a", "1", "'", "\n", ""]
    columns = {
        name: pa.array(
            [
                None if rng.random() < 0.05 else "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
                for _ in range(3000)
            ],
            pa.string(),
        )
        for name in ("a", "b")
    }
    columns["safe"] = pa.array(["文字", None, "x"] * 1000, pa.string())  # nothing to guard: left as it is
    table = pa.table(columns)
    got = guard_formulas(table)
    for name in table.column_names:
        column = table.column(name)
        risky = pc.fill_null(pc.match_substring_regex(column, r"^[=+\-@\t\r]"), False)
        guarded = pc.binary_join_element_wise(pa.scalar(CSV_FORMULA_GUARD), column, "")
        assert got.column(name).to_pylist() == pc.if_else(risky, guarded, column).to_pylist()


def test_formula_guard_reads_first_bytes_of_sliced_chunked_and_null_slots():
    """The first byte is read through the offsets buffer, and the guards are inserted into a copy of
    the bytes: a slice (non-zero offset, with nulls or without), several chunks, empty strings and a
    null slot that still holds bytes must give the kernels' answer."""
    import pyarrow.compute as pc

    from engine.tables.formula_guard import CSV_FORMULA_GUARD, guard_formulas

    values = ["=a", "", "b", "-1", None, "@x", "\tz", "文", "+", "'"] * 50
    whole = pa.array(values, pa.string())
    # a null over bytes: take the buffers of "=x" but mark the slot invalid
    validity = pa.py_buffer(bytes([0b10]))
    dirty_null = pa.Array.from_buffers(pa.string(), 2, [validity, *pa.array(["=x", "=y"]).buffers()[1:]])
    table = pa.table(
        {
            "sliced": whole.slice(3, 400),
            "sliced, no nulls": pa.array([v for v in values if v is not None], pa.string()).slice(5, 400),
            "chunked": pa.chunked_array([whole.slice(0, 7), whole.slice(7, 393)]),
            "dirty_null": pa.chunked_array([dirty_null, pa.nulls(398, pa.string())]),
        }
    )
    got = guard_formulas(table)
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        risky = pc.fill_null(pc.match_substring_regex(column, r"^[=+\-@\t\r]"), False)
        guarded = pc.binary_join_element_wise(pa.scalar(CSV_FORMULA_GUARD), column, "")
        assert got.column(name).to_pylist() == pc.if_else(risky, guarded, column).to_pylist(), name
    assert got.column("dirty_null").to_pylist()[:2] == [None, "'=y"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_segment_written_back_part_by_part_has_the_same_bytes(tmp_path, monkeypatch, fmt):
    """Asking the kernel to start writing each part as it is appended (``_start_writeback``, every
    4 MB in a run; every part here) only moves when the bytes reach the disk: the ranges asked for
    tile the file's body and the file is the one written without asking."""
    import os

    from engine.tables import writers

    tables = _parts_tables()
    parts = [tmp_path / f"part_{i}.{fmt}rows" for i in range(len(tables))]
    for t, part in zip(tables, parts):
        if fmt == "csv":
            writers.write_csv_part(t, COLUMNS, part)
        else:
            writers.write_parquet_part(t, COLUMNS, part)
    writer_class = CsvSegmentWriter if fmt == "csv" else ParquetSegmentWriter

    def segment(name: str) -> bytes:
        with writer_class(tmp_path / name, COLUMNS) as writer:
            for part in parts:
                writer.append_part(part)
        return (tmp_path / name).read_bytes()

    plain = segment(f"plain.{fmt}")
    asked: list[tuple[int, int]] = []
    real_fadvise = os.posix_fadvise
    monkeypatch.setattr(writers, "_WRITEBACK_BYTES", 1)
    monkeypatch.setattr(
        os, "posix_fadvise", lambda fd, at, n, advice: (asked.append((at, n)), real_fadvise(fd, at, n, advice))
    )
    assert segment(f"written_back.{fmt}") == plain
    assert len(asked) >= 3 and asked[0][0] == 0  # one range per part that added bytes
    assert all(at == previous_at + previous_n for (previous_at, previous_n), (at, _) in zip(asked, asked[1:]))
    body_end = asked[-1][0] + asked[-1][1]  # after the last part: nothing (csv) or the footer (parquet)
    assert body_end == len(plain) if fmt == "csv" else body_end < len(plain)
