"""Reading inputs: every kind of bad file gets its specific reason; good files of every format read."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.clean.config import ColumnMap
from engine.demo.data import make_chat_frame
from engine.tables.inputs import expand_inputs, segments_of
from engine.tables.readers import InputError, read_input
from tests.clean_fixtures import write_hostile_inputs, write_xlsx

COLS = ColumnMap()


def test_each_hostile_file_has_its_specific_reason(tmp_path):
    expected = write_hostile_inputs(tmp_path)
    assert "password.xlsx" in expected, "msoffcrypto-tool (test extra) is needed to build an encrypted workbook"
    for name, words in expected.items():
        with pytest.raises(InputError) as err:
            read_input(tmp_path / name, COLS)
        assert words in str(err.value), f"{name}: {err.value}"


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_input(tmp_path / "gone.xlsx", COLS)


def test_xlsx_csv_parquet_read_the_same_rows(tmp_path):
    frame = make_chat_frame(200, 4)
    write_xlsx(tmp_path / "a.xlsx", frame)
    frame.to_csv(tmp_path / "a.csv", index=False)
    frame.to_parquet(tmp_path / "a.parquet", index=False)
    got = {k: read_input(tmp_path / f"a.{k}", COLS) for k in ("xlsx", "csv", "parquet")}
    for k, f in got.items():
        assert list(f.columns) == list(COLS.output), k
        assert len(f) == 200, k
        assert all(str(f[c].dtype) in ("string", "str") for c in f.columns), (k, f.dtypes)
    # Content is identical where present (empty cells come back as missing or "" depending on format).
    norm = {k: f.fillna("") for k, f in got.items()}
    pd.testing.assert_frame_equal(norm["xlsx"], norm["csv"], check_dtype=False)
    pd.testing.assert_frame_equal(norm["xlsx"], norm["parquet"], check_dtype=False)


def test_xls_and_a_workbook_with_the_wrong_suffix(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("导出")
    for c, name in enumerate(COLS.output):
        sheet.write(0, c, name)
    sheet.write(1, 0, 12345)  # a numeric agent id comes back as "12345", not "12345.0"
    for c, value in enumerate(["wxid_a", "客服", "你好", "2022-01-01 10:00:00"], start=1):
        sheet.write(1, c, value)
    book.save(str(tmp_path / "old.xls"))
    frame = read_input(tmp_path / "old.xls", COLS)
    assert frame.iloc[0].tolist() == ["12345", "wxid_a", "客服", "你好", "2022-01-01 10:00:00"]
    # An .xlsx saved with an .xls name is read by content.
    write_xlsx(tmp_path / "really_xlsx.xls", make_chat_frame(10, 1))
    assert len(read_input(tmp_path / "really_xlsx.xls", COLS)) == 10


def test_gbk_csv_and_missing_optional_time_column(tmp_path):
    frame = make_chat_frame(30, 2).drop(columns=["消息时间"])
    frame.to_csv(tmp_path / "gbk.csv", index=False, encoding="gb18030")
    got = read_input(tmp_path / "gbk.csv", COLS)
    assert got["消息时间"].isna().all()
    assert got["消息内容"].dropna().str.contains("[\u4e00-\u9fff]").any()


def test_first_sheet_by_default_every_sheet_on_request(tmp_path):
    one, two = make_chat_frame(20, 1, 0), make_chat_frame(30, 1, 1)
    write_xlsx(tmp_path / "two.xlsx", one, extra_sheets={"第二页": two})
    assert len(read_input(tmp_path / "two.xlsx", COLS)) == 20
    assert len(read_input(tmp_path / "two.xlsx", COLS, all_sheets=True)) == 50
    write_xlsx(tmp_path / "bad_second.xlsx", one, extra_sheets={"汇总": two.drop(columns=["是否客服"])})
    with pytest.raises(InputError, match="missing column 是否客服 in sheet '汇总'"):
        read_input(tmp_path / "bad_second.xlsx", COLS, all_sheets=True)


def test_expand_inputs_folders_patterns_and_exclusions(tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    for name in ("b.xlsx", "a.csv", "sub/c.parquet", "sub/notes.txt", "~$b.xlsx", ".hidden.xlsx"):
        (tmp_path / "in" / name).write_bytes(b"x")
    (tmp_path / "in" / "out").mkdir()
    (tmp_path / "in" / "out" / "clean_00000-00001.xlsx").write_bytes(b"x")
    found = expand_inputs([tmp_path / "in"], exclude_dir=tmp_path / "in" / "out")
    assert [p.relative_to(tmp_path / "in").as_posix() for p in found] == ["a.csv", "b.xlsx", "sub/c.parquet"]
    assert expand_inputs([str(tmp_path / "in" / "**" / "*.parquet")]) == [(tmp_path / "in/sub/c.parquet").absolute()]
    # A file named directly is taken whatever its suffix (so it is reported, not silently skipped).
    named = expand_inputs([tmp_path / "in" / "sub" / "notes.txt", tmp_path / "in"], exclude_dir=tmp_path / "in" / "out")
    assert [p.name for p in named] == ["a.csv", "b.xlsx", "c.parquet", "notes.txt"]
    with pytest.raises(ValueError, match="input not found"):
        expand_inputs([tmp_path / "nothing"])
    assert segments_of(found, 2) == [[0, 1], [2]]


def test_fast_arrow_reader_and_calamine_reader_agree_cell_for_cell(tmp_path):
    """The .xlsx fast path (fastexcel → Arrow) and the diagnosing path (python-calamine) must give the
    same frame, or a file's rows would depend on which path read it."""
    import datetime

    import xlsxwriter

    from engine.tables.readers import _read_workbook_arrow, _read_workbook_python, frame_of

    path = tmp_path / "mixed.xlsx"
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    sheet = book.add_worksheet("导出")
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    # The table starts at B3, a header has stray spaces, 消息内容 appears twice (the first one counts).
    sheet.write_row(2, 1, [" 坐席id ", "客户微信id", "是否客服", "消息内容", "消息时间", "消息内容"])
    sheet.write_row(3, 1, [12345, "wxid_a", True, "=1+1 stays text", None, "second"])
    sheet.write_row(4, 1, [12.5, None, False, "你好 😀", None, "x"])
    sheet.write_row(5, 1, ["a7", "wxid_b", 1, 1e20, None, None])
    sheet.write_datetime(5, 5, datetime.datetime(2024, 1, 2, 3, 4, 5), stamp)
    sheet.write_string(7, 4, "after a blank row")
    book.close()
    head = path.read_bytes()[:512]
    fast = frame_of(_read_workbook_arrow(path, COLS, all_sheets=False))
    diagnosing = frame_of(_read_workbook_python(path, head, COLS, all_sheets=False))
    pd.testing.assert_frame_equal(fast, diagnosing)
    assert fast.iloc[0].tolist() == ["12345", "wxid_a", "true", "=1+1 stays text", ""]
    assert fast.iloc[2].tolist() == ["a7", "wxid_b", "1", "100000000000000000000", "2024-01-02 03:04:05"]
    assert len(fast) == 5 and fast.iloc[4, 3] == "after a blank row"

    demo = write_xlsx(tmp_path / "demo.xlsx", make_chat_frame(300, 5))
    pd.testing.assert_frame_equal(
        frame_of(_read_workbook_arrow(demo, COLS, False)),
        frame_of(_read_workbook_python(demo, demo.read_bytes()[:512], COLS, False)),
    )
