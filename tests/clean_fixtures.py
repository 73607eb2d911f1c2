"""Input files for the clean job's tests: good exports (demo data) and every kind of hostile file."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from engine.clean.config import CleanRules, ColumnMap
from engine.clean.job import PARTS_DIR
from engine.clean.rules import apply_rules
from engine.clean.segment_hashes import HASHES_DIR
from engine.demo.data import make_chat_frame
from engine.tables.readers import frame_of, read_input_table


def write_xlsx(path: Path, frame: pd.DataFrame, sheet: str = "Sheet1", extra_sheets: dict | None = None) -> Path:
    """Write ``frame`` as an export would look: text cells, NaN as empty cells."""
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    for name, data in {sheet: frame, **(extra_sheets or {})}.items():
        ws = book.add_worksheet(name)
        if data is None:
            continue
        ws.write_row(0, 0, list(data.columns))
        for r, record in enumerate(data.itertuples(index=False, name=None), start=1):
            for c, value in enumerate(record):
                if isinstance(value, str):
                    ws.write_string(r, c, value)
                elif value is not None and value == value:
                    ws.write(r, c, value)
    book.close()
    return path


def write_good_inputs(folder: Path, files: int, rows: int, seed: int = 3) -> list[Path]:
    """Demo exports in .xlsx, .csv and .parquet in turn."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(files):
        frame = make_chat_frame(rows, seed, i)
        kind = ("xlsx", "csv", "parquet")[i % 3]
        path = folder / f"good_{i:03d}.{kind}"
        if kind == "xlsx":
            write_xlsx(path, frame)
        elif kind == "csv":
            frame.to_csv(path, index=False, encoding="utf-8-sig")
        else:
            frame.to_parquet(path, index=False)
        paths.append(path)
    return paths


def good_inputs_folder(tmp_path_factory: pytest.TempPathFactory, name: str, files: int, rows: int, seed: int) -> Path:
    """A module-scoped folder of ``write_good_inputs`` files, for the tests that run the CLI on one set of inputs."""
    folder = tmp_path_factory.mktemp(name) / "in"
    write_good_inputs(folder, files=files, rows=rows, seed=seed)
    return folder


def encrypted_xlsx(path: Path, source: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(source, "rb") as plain:
        buffer = io.BytesIO()
        OOXMLFile(plain).encrypt("secret", buffer)
    path.write_bytes(buffer.getvalue())
    return path


def write_hostile_inputs(folder: Path) -> dict[str, str]:
    """Every kind of bad file the issue names; returns {file name: words its reason must contain}."""
    folder.mkdir(parents=True, exist_ok=True)
    good = make_chat_frame(50, 9, 0)
    expected: dict[str, str] = {}

    (folder / "renamed_text.xlsx").write_text("这不是表格\nplain text saved as .xlsx\n", encoding="utf-8")
    expected["renamed_text.xlsx"] = "not an Excel file (looks like text"

    (folder / "zero_bytes.xlsx").write_bytes(b"")
    expected["zero_bytes.xlsx"] = "empty file (0 bytes)"

    whole = write_xlsx(folder / "whole.tmpxlsx", good)
    (folder / "truncated.xlsx").write_bytes(whole.read_bytes()[:3000])
    expected["truncated.xlsx"] = "corrupt .xlsx"

    try:
        encrypted_xlsx(folder / "password.xlsx", whole)
        expected["password.xlsx"] = "password-protected"
    except ImportError:  # msoffcrypto-tool is a test extra; without it this one kind is not built
        pass
    whole.unlink()

    write_xlsx(folder / "no_content_column.xlsx", good.drop(columns=["消息内容"]))
    expected["no_content_column.xlsx"] = "missing column 消息内容; found: 坐席id, 坐席昵称, 客户微信id, 是否客服"

    write_xlsx(folder / "header_only.xlsx", good.iloc[:0])
    expected["header_only.xlsx"] = "no data rows"

    nan_rows = good.copy()
    nan_rows.loc[:, ["坐席id", "客户微信id", "是否客服", "消息内容"]] = float("nan")
    write_xlsx(folder / "all_nan.xlsx", nan_rows)
    expected["all_nan.xlsx"] = "no data: all 50 rows are empty"

    _empty_workbook(folder / "empty_sheet.xlsx")
    expected["empty_sheet.xlsx"] = "empty workbook"

    (folder / "html_export.xls").write_text("<html><table><tr><td>x</td></tr></table></html>")
    expected["html_export.xls"] = "HTML"

    (folder / "empty.csv").write_bytes(b"")
    expected["empty.csv"] = "empty file (0 bytes)"

    (folder / "garbage.parquet").write_bytes(b"not parquet at all")
    expected["garbage.parquet"] = "corrupt or non-parquet file"
    return expected


def _empty_workbook(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Sheet1")
    book.close()


def expected_clean_rows(
    paths: list[Path], rules: CleanRules = CleanRules(), columns: ColumnMap = ColumnMap()
) -> pd.DataFrame:
    """What the job must output for good files, computed in this process file by file."""
    frames = [frame_of(apply_rules(read_input_table(p, columns), columns, rules).kept) for p in paths]
    return pd.concat(frames, ignore_index=True)


def read_output_file(path: Path | str, fmt: str) -> pd.DataFrame:
    """One segment's rows as strings (every sheet of an .xlsx, in order)."""
    if fmt == "parquet":
        frame = pd.read_parquet(path)
    elif fmt == "csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    else:
        with pd.ExcelFile(path, engine="calamine") as book:  # closed here, not whenever GC runs
            frame = pd.concat(pd.read_excel(book, sheet_name=None, dtype=str).values(), ignore_index=True)
    return frame.fillna("").astype(str)


def read_outputs(report: dict, fmt: str) -> pd.DataFrame:
    """Every row a run's report.json lists, in segment order."""
    frames = [read_output_file(path, fmt) for path in report["outputs"]]
    return pd.concat(frames, ignore_index=True).fillna("").astype(str)


def assert_no_temporaries(out: Path) -> None:
    assert not (out / PARTS_DIR).exists()
    hidden = [p.name for p in out.rglob(".*") if p.name != HASHES_DIR]  # run-wide dedupe state, kept for resume
    assert not hidden, f"temporary files left: {hidden}"
