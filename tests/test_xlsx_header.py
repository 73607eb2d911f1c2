"""The streamed .xlsx header (what preflight reads on Start) names the columns the full reader finds."""

from __future__ import annotations

from pathlib import Path

import fastexcel
import openpyxl
import pytest

from engine.demo.data import make_chat_frame
from engine.tables.readers import _header
from engine.tables.xlsx_header import read_xlsx_header


def full_reader_header(path: Path) -> list[str]:
    batch = fastexcel.read_excel(str(path)).load_sheet(0, header_row=None, n_rows=1, dtypes="string", eager=True)
    return [name for name in _header(batch.slice(0, 1).to_pylist()[0].values())]


def openpyxl_book(path: Path, build) -> Path:
    book = openpyxl.Workbook()
    build(book)
    book.save(path)
    return path


def test_a_pandas_export_has_the_full_readers_header(tmp_path):
    path = tmp_path / "export.xlsx"
    make_chat_frame(200, 3, 1).to_excel(path, index=False)
    assert read_xlsx_header(path) == full_reader_header(path) == list(make_chat_frame(5, 1, 1).columns)


def test_a_table_lower_and_further_right_with_padded_and_repeated_names(tmp_path):
    def build(book):
        sheet = book.active
        for col, name in enumerate([" 坐席id ", "消息内容", "消息内容", "是否客服"], start=2):
            sheet.cell(row=3, column=col, value=name)
        sheet.cell(row=4, column=2, value=1)
        sheet.cell(row=4, column=3, value="你好")

    path = openpyxl_book(tmp_path / "b3.xlsx", build)
    assert read_xlsx_header(path) == ["坐席id", "消息内容", "消息内容", "是否客服"] == full_reader_header(path)


def test_the_first_sheet_is_the_first_in_the_workbook_not_sheet1_xml(tmp_path):
    def build(book):
        book.active.title = "later"
        book.active.append(["wrong", "sheet"])
        first = book.create_sheet("first", 0)
        first.append(["坐席id", "消息时间"])
        first.append([1, "2024-01-01"])

    path = openpyxl_book(tmp_path / "order.xlsx", build)
    assert read_xlsx_header(path) == ["坐席id", "消息时间"] == full_reader_header(path)


def test_inline_strings_as_our_segments_write_them(tmp_path):
    import xlsxwriter

    path = tmp_path / "inline.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})  # strings inline, no shared table
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["坐席id", "消息内容"])
    sheet.write_row(1, 0, ["a", "b"])
    book.close()
    assert read_xlsx_header(path) == ["坐席id", "消息内容"] == full_reader_header(path)


def test_a_file_it_cannot_stream_raises_for_the_fallback(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(Exception):  # noqa: B017, PT011 - read_header falls back to the full reader on any error
        read_xlsx_header(path)
