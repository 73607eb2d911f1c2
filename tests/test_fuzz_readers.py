"""The clean job's readers under fuzz: random cells, types, blanks, headers and encodings.

Hypothesis builds a handful of .xlsx (xlsxwriter) and .csv files per example: text with CJK, emoji,
control characters and formula-looking strings, integers, floats with nan/inf, booleans, dates,
blank cells; headers padded, repeated, reordered, short of a column, or alone; csv in utf-8,
utf-8-sig, gbk and gb18030. The whole job then runs in this process (``run_job(run_clean)``, one
real spawn worker) and must hold what report.json promises:

- the job never crashes (``JobFinished.ok``, report status "done");
- every file is "ok" or "failed" with the specific reason its content calls for (a missing column,
  no data rows, only blank rows), never an exception type leaking out of a reader;
- an ok file read exactly the data rows written, and rows in = rows out + Σ drops for every file
  and in total; the outputs hold exactly ``rows_out`` rows.

A second property runs the readers and the rules alone, in this process, on eight times as many
files: every data row read, or the file's specific reason raised as ``InputError``.

Reproducible by default (the "ci" profile: derandomized, a few examples, ~30-60 s on two busy
cores for both tests). ``MPWATCH_FUZZ=deep`` runs many random examples for a bug hunt.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import python_calamine
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.clean.config import CleanConfig, CleanRules, ColumnMap
from engine.clean.job import run_clean
from engine.clean.rules import apply_rules
from engine.context import JobContext
from engine.runner import run_job
from engine.tables.readers import InputError, read_input_table
from engine.textnorm import SYSTEM_MESSAGES

settings.register_profile(
    "ci",
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("deep", settings.get_profile("ci"), max_examples=150, derandomize=False)
PROFILE_NAME = os.environ.get("MPWATCH_FUZZ", "ci")
PROFILE = settings.get_profile(PROFILE_NAME)
#: The in-process reader property is ~50x cheaper an example than a job run: many more of them.
READER_PROFILE = settings(PROFILE, max_examples=PROFILE.max_examples * 8)

AGENT, NICK, CUSTOMER, ROLE, KIND, CONTENT, TIME = (
    "坐席id",
    "坐席昵称",
    "客户微信id",
    "是否客服",
    "消息类型",
    "消息内容",
    "消息时间",
)
REQUIRED = (AGENT, CUSTOMER, ROLE, CONTENT)
ALL_COLUMNS = (AGENT, NICK, CUSTOMER, ROLE, KIND, CONTENT, TIME)

# -- cells ----------------------------------------------------------------------------------------

_chars = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),  # ASCII
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),  # emoji
    st.sampled_from("\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\x85\xa0\u200b\u200d\ufe0f\u2028\u3000\ufeff"),
    st.characters(codec="utf-8"),  # anything encodable
)
_special_text = st.sampled_from(
    [
        "=1+2",
        "=SUM(A1:A3)",
        "+8613800000000",
        "-",
        "-1",
        "@user",
        "'=quoted",
        "\t=tab",
        "\r=cr",
        " ",
        "\t\n",
        "",
        "是",
        "否",
        "客服",
        "客户",
        "TRUE",
        "false",
        "nan",
        "NaN",
        "NULL",
        "None",
        "N/A",
        "#N/A",
        "#DIV/0!",
        "1e999",
        "0x1F",
        "1,234",
        '"quoted"',
        "a,b",
        "line\nbreak",
        "👍🏽",
        "👨‍👩‍👧",
        "1️⃣",
        *SYSTEM_MESSAGES,
    ]
)
_text = st.one_of(st.text(_chars, max_size=24), _special_text)
_number = st.one_of(
    st.integers(-(2**63), 2**63 - 1), st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=True)
)
_moment = st.one_of(
    st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(9999, 12, 31)),
)
_cell = st.one_of(st.none(), _text, _number, st.booleans(), _moment)
_role = st.one_of(st.sampled_from(["是", "否", "客服", "客户", " 是 ", "YES", "no", 1, 0, 1.0, True, False]), _cell)
_content = st.one_of(_text, _text, _cell)


@st.composite
def _row(draw) -> dict[str, object]:
    return {
        AGENT: draw(st.one_of(st.sampled_from(["a1", "a2", "坐席7"]), _cell)),
        NICK: draw(_cell),
        CUSTOMER: draw(st.one_of(st.sampled_from(["wx_1", "wx_2", "客户9"]), _cell)),
        ROLE: draw(_role),
        KIND: draw(_cell),
        CONTENT: draw(_content),
        TIME: draw(_cell),
    }


# -- files ------------------------------------------------------------------------------------------

HEADER_ISSUES = ("none", "padded", "shuffled", "repeated", "no_time", "blank_name", "missing")


@dataclass(frozen=True)
class FuzzFile:
    name: str
    kind: str  # xlsx | csv
    encoding: str  # csv only
    header_issue: str
    header: tuple[str, ...]  # as written (names, possibly padded/repeated/blank)
    rows: tuple[tuple[object, ...], ...]  # cells under ``header``, in order
    missing: str  # the required column left out ("" when none)


@st.composite
def fuzz_file(draw, number: int) -> FuzzFile:
    kind = draw(st.sampled_from(["xlsx", "csv"]))
    issue = draw(st.sampled_from(HEADER_ISSUES))
    names = list(ALL_COLUMNS)
    missing = ""
    if issue == "shuffled":
        names = draw(st.permutations(names))
    elif issue == "no_time":
        names.remove(TIME)
    elif issue == "missing":
        missing = draw(st.sampled_from(REQUIRED))
        names.remove(missing)
    records = draw(st.lists(_row(), min_size=0, max_size=12))
    columns = list(names)
    if issue == "repeated":  # a second column of a required name: the first one wins
        columns.append(draw(st.sampled_from(REQUIRED)))
    if issue == "blank_name":
        columns.insert(draw(st.integers(0, len(columns))), "")
    header = [f"  {c}\t" if issue == "padded" else c for c in columns]
    rows = []
    for record in records:
        extra = draw(_cell)
        rows.append(tuple(record.get(c, extra) if c else extra for c in columns))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030"])) if kind == "csv" else ""
    return FuzzFile(f"fuzz_{number:02d}.{kind}", kind, encoding, issue, tuple(header), tuple(rows), missing)


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def write_fuzz_file(folder: Path, spec: FuzzFile) -> str:
    """Write ``spec``; returns the encoding used (gbk falls back to gb18030 for text it cannot hold)."""
    path = folder / spec.name
    if spec.kind == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(spec.header)
        for row in spec.rows:
            writer.writerow([_csv_text(v) for v in row])
        text = buffer.getvalue()
        encoding = spec.encoding
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            encoding = "gb18030"
            data = text.encode(encoding)
        path.write_bytes(data)
        return encoding
    book = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": True,
            "default_date_format": "yyyy-mm-dd hh:mm:ss",
        },
    )
    sheet = book.add_worksheet("聊天记录")
    for c, name in enumerate(spec.header):
        sheet.write_string(0, c, name)
    for r, row in enumerate(spec.rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, (dt.date, dt.datetime)):
                sheet.write_datetime(r, c, value)
            else:
                sheet.write_number(r, c, value)
    book.close()
    return ""


def data_rows_written(spec: FuzzFile) -> int:
    """Rows under the header a reader must see: every csv row; in .xlsx, up to the last row holding a cell."""
    if spec.kind == "csv":
        return len(spec.rows)
    filled = [i for i, row in enumerate(spec.rows) if any(v is not None for v in row)]
    return filled[-1] + 1 if filled else 0


def _maybe_blank(value: object) -> bool:
    """Could a reader render this cell as blank? (None, whitespace or control-only text, nan/inf
    error cells: the readers' trimming and error rendering are theirs to choose.)"""
    if value is None:
        return True
    if isinstance(value, float) and not math.isfinite(value):
        return True
    if isinstance(value, str):
        return all(ch.isspace() or not ch.isprintable() for ch in value)
    return False


def allowed_failures(spec: FuzzFile) -> tuple[str, ...]:
    """The reasons a file may legitimately fail with (empty: it must be cleaned)."""
    if spec.missing:
        return (f"missing column {spec.missing}",)
    n = data_rows_written(spec)
    if n == 0:
        return ("no data rows",)
    positions = [spec.header.index(h) for h in spec.header if h.strip() in REQUIRED]
    first = {}
    for p in positions:
        first.setdefault(spec.header[p].strip(), p)
    if all(_maybe_blank(row[p]) for row in spec.rows[:n] for p in first.values()):
        return (f"no data: all {n:,} rows are empty",)
    return ()


# -- outputs ------------------------------------------------------------------------------------------


def output_rows(path: str, fmt: str) -> int:
    if fmt == "parquet":
        return pq.read_metadata(path).num_rows
    if fmt == "csv":
        import pandas as pd

        return len(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"))
    book = python_calamine.CalamineWorkbook.from_path(path)
    return sum(max(len(book.get_sheet_by_name(n).to_python()) - 1, 0) for n in book.sheet_names)


# -- the property -----------------------------------------------------------------------------------


@st.composite
def fuzz_run(draw) -> tuple[list[FuzzFile], str, str, int]:
    count = draw(st.integers(1, 5))
    files = [draw(fuzz_file(i)) for i in range(count)]
    return (
        files,
        draw(st.sampled_from(["csv", "parquet", "xlsx"])),
        draw(st.sampled_from(["file", "run"])),
        draw(st.integers(1, 3)),
    )


@pytest.mark.timeout(120 if PROFILE_NAME == "ci" else 7200)
@READER_PROFILE
@given(fuzz_file(0))
def test_readers_read_every_row_or_name_the_reason(spec: FuzzFile) -> None:
    """The readers alone, in this process (no pool): many more files per second than the job."""
    with tempfile.TemporaryDirectory(prefix="mpwatch-fuzz-") as tmp:
        write_fuzz_file(Path(tmp), spec)
        allowed = allowed_failures(spec)
        try:
            table = read_input_table(Path(tmp) / spec.name, ColumnMap())
        except InputError as exc:
            assert allowed and any(reason in str(exc) for reason in allowed), (
                f"failed for an unexpected reason: {exc} (allowed: {allowed})"
            )
            return
        assert not spec.missing, f"read although column {spec.missing} is missing"
        assert table.num_rows == data_rows_written(spec)
        for rules in (CleanRules(), CleanRules(max_length=5, min_length=2)):
            assert apply_rules(table, ColumnMap(), rules).reconciles()


@pytest.mark.timeout(600 if PROFILE_NAME == "ci" else 7200)
@PROFILE
@given(fuzz_run())
def test_clean_job_survives_random_files_and_reconciles(run) -> None:
    files, out_format, dedupe_scope, segment_files = run
    with tempfile.TemporaryDirectory(prefix="mpwatch-fuzz-") as tmp:
        folder, out = Path(tmp) / "in", Path(tmp) / "out"
        folder.mkdir()
        encodings = {spec.name: write_fuzz_file(folder, spec) for spec in files}
        config = CleanConfig(
            (folder,),
            out,
            workers=1,
            out_format=out_format,
            segment_files=segment_files,
            rules=CleanRules(dedupe_scope=dedupe_scope),
        )
        finished = run_job(run_clean, config, JobContext("fuzz"))
        assert finished.ok, f"the job crashed: {finished.error}"
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        assert report["status"] == "done"

        entries = {Path(f["path"]).name: f for f in report["files"]}
        assert sorted(entries) == sorted(spec.name for spec in files)
        for spec in files:
            entry = entries[spec.name]
            where = f"{spec.name} ({spec.kind} {encodings[spec.name]}, header {spec.header_issue})"
            allowed = allowed_failures(spec)
            assert entry["status"] in ("ok", "failed"), (where, entry)
            if entry["status"] == "failed":
                assert allowed and any(reason in entry["error"] for reason in allowed), (
                    f"{where} failed for an unexpected reason: {entry['error']!r} (allowed: {allowed})"
                )
                continue
            assert not spec.missing, f"{where} was cleaned although column {spec.missing} is missing"
            assert entry["rows_in"] == data_rows_written(spec), (where, entry)
            assert entry["rows_in"] == entry["rows_out"] + sum(entry["dropped"].values()), (where, entry)

        totals = report["totals"]
        ok = [e for e in report["files"] if e["status"] == "ok"]
        assert totals["reconciles"]
        assert totals["rows_in"] == sum(e["rows_in"] for e in ok)
        assert totals["rows_in"] == totals["rows_out"] + sum(totals["dropped"].values())
        for segment in report["segments"]:
            assert segment["status"] in ("written", "empty") and not (
                segment["status"] == "written" and segment["error"]
            ), segment
        written = sum(output_rows(path, out_format) for path in report["outputs"])
        assert written == totals["rows_out"]
