"""Fast .xlsx output (engine.xlsxfast): the same cells as XlsxSegmentWriter, read by openpyxl,
calamine, fastexcel and LibreOffice; the sheet split; write-then-rename; ZIP64; parallel rendering."""

from __future__ import annotations

import csv
import shutil
import subprocess
import zipfile
import zlib
from pathlib import Path

import fastexcel
import numpy as np
import openpyxl
import pyarrow as pa
import pytest
import python_calamine

from engine.context import SPAWN, Cancelled
from engine.tables.writers import XlsxSegmentWriter
from engine.xlsxfast import (
    EXCEL_MAX_ROWS,
    escape_cell_text,
    load_rendered_part,
    read_part_summary,
    render_part,
    save_rendered_part,
    write_xlsx_segment,
)
from engine.xlsxfast.partfile import RenderedPartError
from engine.xlsxfast.render import render_rows_xml
from engine.xlsxfast.workbook import column_letters, plan_sheets
from engine.xlsxfast.zipstream import crc32_combine

COLUMNS = ("坐席id", "客户微信id", "消息内容")
#: Text a chat export holds that a careless writer turns into something else.
TRICKY = [
    "=SUM(A1:A9)",
    "+86 138 0000 0000",
    "-1 那个不要了",
    "@小美 在吗",
    '=HYPERLINK("http://x")',
    "http://example.com/a?b=1&c=2",
    "www.example.com",
    "mailto:a@b.cn",
    "0012",
    "1e5",
    "3.14",
    "TRUE",
    "2024-01-02",
    "  两端空格  ",
    "\t制表",
    "行一\n行二",
    "a & b < c > d \"q\" 'a'",
    "中文客服消息",
    "😀👍🏻 emoji",
    "繁體字 ㊗️",
    "\u3000全角空格",
    "_x0041_ literal",
    "ctrl \x01\x02 \x0b\x0c \x1f end",
    "cr\r\nlf",
    "a\ufffeb\uffff",
    "",
    "x" * 40000,
    "中" * 20000,
    "😀" * 20000,
    "a" + "😀" * 16383,
]


def table_of(texts: list[str | None], agent: str = "kf1") -> pa.Table:
    n = len(texts)
    return pa.table(
        {
            "坐席id": pa.array([agent] * n, pa.string()),
            "客户微信id": pa.array([f"wx{i}" for i in range(n)], pa.string()),
            "消息内容": pa.array(texts, pa.string()),
        }
    )


def reference_xlsx(path: Path, tables: list[pa.Table], max_rows_per_sheet: int = EXCEL_MAX_ROWS) -> list[int]:
    with XlsxSegmentWriter(path, COLUMNS, max_rows_per_sheet=max_rows_per_sheet) as writer:
        for t in tables:
            writer.write(t)
    return writer.sheet_rows


def openpyxl_cells(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    out = {}
    for sheet in book.worksheets:
        out[sheet.title] = [tuple(c.value for c in row) for row in sheet.iter_rows()]
        filled = [c for row in sheet.iter_rows() for c in row if c.value is not None]
        # strings stay strings: no formula ("f"), number, bool or date cell, no hyperlink
        assert all(c.data_type == "s" and isinstance(c.value, str) and c.hyperlink is None for c in filled)
    return out


def calamine_cells(path: Path) -> dict[str, list[list]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def fastexcel_cells(path: Path) -> list[list[dict]]:
    reader = fastexcel.read_excel(str(path))
    return [reader.load_sheet(name, header_row=None).to_arrow().to_pylist() for name in reader.sheet_names]


# --- rendering ------------------------------------------------------------------------------------
def test_vectorised_rendering_equals_the_reference_escaping():
    texts = TRICKY + [None, "<r>rich?</r>", "\ufffe\uffff", "_X00A0_ _x00zz_ _x004G_"]
    data, ends = render_rows_xml(pa.table({"t": pa.array(texts, pa.string())}))
    rows = [data[a:b].decode("utf-8") for a, b in zip(np.concatenate(([0], ends[:-1])), ends)]
    for text, row in zip(texts, rows):
        if text is None:
            assert row == "<row><c/></row>"
            continue
        escaped, preserve = escape_cell_text(text)
        opening = '<t xml:space="preserve">' if preserve else "<t>"
        assert row == f'<row><c t="inlineStr"><is>{opening}{escaped}</t></is></c></row>', text


def test_escaping_keeps_xml_valid_and_escapes_like_excel():
    assert escape_cell_text("a\x01b\rc")[0] == "a_x0001_b_x000D_c"
    assert escape_cell_text("_x0041_")[0] == "_x005F_x0041_"
    assert escape_cell_text("\ufffe")[0] == "_xFFFE_"  # illegal in XML 1.0
    assert escape_cell_text("<r>x</r>")[0] == "&lt;r&gt;x&lt;/r&gt;"  # xlsxwriter would write it as raw XML
    assert escape_cell_text(" x") == (" x", True) and escape_cell_text("x") == ("x", False)
    assert len(escape_cell_text("😀" * 20000)[0]) == 16383  # 32,767 UTF-16 units, no half pair


def test_crc32_combine_equals_crc_of_the_concatenation():
    rng = np.random.default_rng(1)
    for a_len, b_len in ((0, 5), (5, 0), (1, 1), (1000, 77777), (3, 1 << 20)):
        a, b = rng.bytes(a_len), rng.bytes(b_len)
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_sync_flushed_blocks_concatenate_into_one_deflate_stream():
    part = render_part(table_of([f"消息{i}" for i in range(50)]), block_rows=7)
    assert part.blocks == 8
    inflated = zlib.decompressobj(-15).decompress(part.data + b"\x03\x00")
    assert inflated == render_rows_xml(table_of([f"消息{i}" for i in range(50)]))[0]


def test_rendered_part_file_round_trip_and_corruption(tmp_path):
    part = render_part(table_of(TRICKY), block_rows=5)
    path = save_rendered_part(part, tmp_path / "p.xlsxrows")
    assert read_part_summary(path) == (len(TRICKY), int(part.block_raw.sum()))
    loaded = load_rendered_part(path)
    assert loaded.columns == COLUMNS and loaded.data == part.data
    for name in ("block_rows", "block_raw", "block_comp", "block_crc", "row_ends"):
        assert np.array_equal(getattr(loaded, name), getattr(part, name)), name
    (tmp_path / "cut.xlsxrows").write_bytes(path.read_bytes()[:-3])
    with pytest.raises(RenderedPartError):
        load_rendered_part(tmp_path / "cut.xlsxrows")


# --- the workbook, against the current writer --------------------------------------------------------
def test_same_cells_as_the_current_writer_in_every_reader(tmp_path):
    tables = [table_of(TRICKY), table_of(["第二个文件", None, "=1+1"], agent="kf2"), table_of([])]
    reference_xlsx(tmp_path / "ref.xlsx", tables)
    layout = write_xlsx_segment(tmp_path / "new.xlsx", COLUMNS, [render_part(t) for t in tables])
    assert layout.rows == len(TRICKY) + 3 and layout.sheet_rows == (layout.rows,)
    assert openpyxl_cells(tmp_path / "new.xlsx") == openpyxl_cells(tmp_path / "ref.xlsx")
    assert calamine_cells(tmp_path / "new.xlsx") == calamine_cells(tmp_path / "ref.xlsx")
    assert fastexcel_cells(tmp_path / "new.xlsx") == fastexcel_cells(tmp_path / "ref.xlsx")
    assert zipfile.ZipFile(tmp_path / "new.xlsx").testzip() is None


def test_rich_text_lookalike_stays_text(tmp_path):
    """xlsxwriter writes "<r>…</r>" unescaped as rich-text markup (here: "x"); this writer keeps the text."""
    texts = ["<r><t>x</t></r>", "<r>x</r>"]
    write_xlsx_segment(tmp_path / "new.xlsx", COLUMNS, [render_part(table_of(texts))])
    assert [r[2] for r in openpyxl_cells(tmp_path / "new.xlsx")["Sheet1"][1:]] == texts
    assert [r[2] for r in calamine_cells(tmp_path / "new.xlsx")["Sheet1"][1:]] == texts
    reference_xlsx(tmp_path / "ref.xlsx", [table_of(texts)])
    assert [r[2] for r in calamine_cells(tmp_path / "ref.xlsx")["Sheet1"][1:]] != texts


@pytest.mark.parametrize("block_rows", [2, 3, 4096])
def test_sheet_split_and_skipped_rows_match_the_current_writer(tmp_path, block_rows):
    """A 5-row sheet (header + 4): parts of 3, 6, 0, 5 rows, some rows skipped (run-wide duplicates),
    so the split and the skips cut blocks in every place."""
    texts = [[f"m{i}" for i in range(a, b)] for a, b in ((0, 3), (3, 9), (9, 9), (9, 14))]
    skips = [None, np.array([1, 4]), None, np.array([0])]
    tables = [table_of(t, agent=f"kf{n}") for n, t in enumerate(texts)]
    kept = [t if s is None else t.filter(pa.array(~np.isin(np.arange(t.num_rows), s))) for t, s in zip(tables, skips)]
    sheet_rows = reference_xlsx(tmp_path / "ref.xlsx", kept, max_rows_per_sheet=5)
    paths = [
        save_rendered_part(render_part(t, block_rows=block_rows), tmp_path / f"p{n}.xlsxrows")
        for n, t in enumerate(tables)
    ]
    seen: list[int] = []
    layout = write_xlsx_segment(
        tmp_path / "new.xlsx", COLUMNS, paths, skips, progress=seen.append, max_rows_per_sheet=5
    )
    assert list(layout.sheet_rows) == sheet_rows == [4, 4, 3]
    assert sum(seen) == layout.rows == 11
    assert openpyxl_cells(tmp_path / "new.xlsx") == openpyxl_cells(tmp_path / "ref.xlsx")
    assert calamine_cells(tmp_path / "new.xlsx") == calamine_cells(tmp_path / "ref.xlsx")


def test_exactly_full_sheets_and_empty_segment(tmp_path):
    assert plan_sheets(8, 5) == (4, 4) and plan_sheets(0, 5) == (0,) and plan_sheets(9, 5) == (4, 4, 1)
    assert column_letters(1) == "A" and column_letters(26) == "Z" and column_letters(28) == "AB"
    write_xlsx_segment(tmp_path / "empty.xlsx", COLUMNS, [])
    reference_xlsx(tmp_path / "ref.xlsx", [])
    assert openpyxl_cells(tmp_path / "empty.xlsx") == openpyxl_cells(tmp_path / "ref.xlsx") == {"Sheet1": [COLUMNS]}


def test_cancel_or_error_leaves_no_file_under_either_name(tmp_path):
    final = tmp_path / "out" / "seg.xlsx"
    final.parent.mkdir()

    def cancel(rows: int) -> None:
        raise Cancelled()

    part = render_part(table_of([f"m{i}" for i in range(10)]), block_rows=3)
    with pytest.raises(Cancelled):
        write_xlsx_segment(final, COLUMNS, [part], progress=cancel)
    other = render_part(pa.table({"x": ["1"]}))
    with pytest.raises(ValueError, match="columns"):
        write_xlsx_segment(final, COLUMNS, [part, other])
    assert list(final.parent.iterdir()) == []


def test_zip64_path_opens_everywhere(tmp_path):
    """Every entry and the directory past a lowered 4 GiB limit: the ZIP64 records are written and read."""
    tables = [table_of([f"第{i}行" for i in range(300)])]
    write_xlsx_segment(tmp_path / "z64.xlsx", COLUMNS, [render_part(tables[0], block_rows=64)], zip64_limit=200)
    reference_xlsx(tmp_path / "ref.xlsx", tables)
    with zipfile.ZipFile(tmp_path / "z64.xlsx") as archive:
        assert archive.testzip() is None
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.extract_version == 45 and sheet.extra[:2] == b"\x01\x00"  # ZIP64 fields in the directory
    assert openpyxl_cells(tmp_path / "z64.xlsx") == openpyxl_cells(tmp_path / "ref.xlsx")
    assert calamine_cells(tmp_path / "z64.xlsx") == calamine_cells(tmp_path / "ref.xlsx")


def _render_to_file(args: tuple[list[str], str]) -> str:
    texts, path = args
    save_rendered_part(render_part(table_of(texts), block_rows=16), Path(path))
    return path


@pytest.mark.timeout(60)
def test_parts_rendered_in_worker_processes_assemble_into_one_workbook(tmp_path, no_leftover_children):
    batches = [[f"文件{f} 消息{i}" for i in range(100)] for f in range(4)]
    with SPAWN.Pool(2) as pool:
        paths = pool.map(_render_to_file, [(b, str(tmp_path / f"p{n}.xlsxrows")) for n, b in enumerate(batches)])
        pool.close()
        pool.join()
    write_xlsx_segment(tmp_path / "new.xlsx", COLUMNS, [Path(p) for p in paths], max_rows_per_sheet=300)
    reference_xlsx(tmp_path / "ref.xlsx", [table_of(b) for b in batches], max_rows_per_sheet=300)
    assert openpyxl_cells(tmp_path / "new.xlsx") == openpyxl_cells(tmp_path / "ref.xlsx")


# --- LibreOffice -----------------------------------------------------------------------------------------
def _soffice_csv(xlsx: Path, out_dir: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``xlsx`` as LibreOffice reads it (its CSV export, UTF-8, one file per sheet)."""
    out_dir.mkdir()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{out_dir / 'profile'}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(out_dir),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sheets = {}
    for path in sorted(out_dir.glob(f"{xlsx.stem}-*.csv")):
        with open(path, encoding="utf-8", newline="") as handle:
            sheets[path.stem[len(xlsx.stem) + 1 :]] = list(csv.reader(handle))
    return sheets


@pytest.mark.timeout(300)
@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui",
)
def test_libreoffice_reads_the_same_cells_as_openpyxl_reads_the_current_writer(tmp_path):
    """A 3-sheet segment against the current writer's file. (Not the ZIP64 layout: LibreOffice 7.4
    refuses ZIP64 records that hold values below 4 GiB, which is all a lowered limit can make.)"""
    texts = [t for t in TRICKY if len(t) < 1000] + [None, "最后一行"]
    parts = [render_part(table_of(texts), block_rows=4)]
    reference_xlsx(tmp_path / "ref.xlsx", [table_of(texts)], max_rows_per_sheet=12)
    write_xlsx_segment(tmp_path / "new.xlsx", COLUMNS, parts, max_rows_per_sheet=12)
    from_libreoffice = _soffice_csv(tmp_path / "new.xlsx", tmp_path / "lo-new")
    assert list(from_libreoffice) == ["Sheet1", "Sheet2", "Sheet3"]
    assert from_libreoffice == _soffice_csv(tmp_path / "ref.xlsx", tmp_path / "lo-ref")
    expected = openpyxl_cells(tmp_path / "ref.xlsx")
    lo_rows = [row for sheet in from_libreoffice.values() for row in sheet[1:]]
    openpyxl_rows = [["" if v is None else v for v in row] for sheet in expected.values() for row in sheet[1:]]
    assert len(lo_rows) == len(openpyxl_rows) == len(texts)
    assert all(sheet[0] == list(COLUMNS) for sheet in from_libreoffice.values())
    # Excel's _xHHHH_ escapes (control characters, U+FFFE) LibreOffice decodes and openpyxl shows as
    # written; "cr\r\nlf" LibreOffice reads with the CR, openpyxl as "_x000D_": compare the rest.
    for lo_row, openpyxl_row, text in zip(lo_rows, openpyxl_rows, texts):
        if text is None or "_x" not in escape_cell_text(text)[0]:
            assert lo_row == openpyxl_row, text
