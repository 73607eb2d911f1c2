"""``--report FILE.html`` on the headless commands: the window's report, drawn offscreen by the job's
panel from what the CLI run kept, through the real command line (``python main.py …``)."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.cli import EXIT_BAD_ARGS
from engine.cli import main as cli_main
from gui.main_menu import versions
from tests.cli_support import run_main

ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_cli(*args: str, timeout: float = 150) -> subprocess.CompletedProcess:
    """``python main.py ARGS`` as a person runs it (stderr a pipe: plain progress lines)."""
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)  # the report must set up its own offscreen Qt
    env.pop("DISPLAY", None)
    return run_main(*args, timeout_s=timeout, env=env)


def section(text: str, title: str) -> str:
    """The HTML between the ``<h2>`` named ``title`` and the next ``<h2>``."""
    start = text.index(f"<h2>{title}</h2>")
    end = text.find("<h2>", start + 4)
    return text[start : end if end >= 0 else len(text)]


def table_rows(part: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", part)
    return [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)] for row in rows[1:]]


def charts(text: str) -> dict[str, bytes]:
    """Every embedded chart: its title → PNG bytes."""
    found = re.findall(r"<h3>(.*?)</h3><img alt='[^']*' src='data:image/png;base64,([A-Za-z0-9+/=]+)'>", text)
    return {html.unescape(title): base64.b64decode(data) for title, data in found}


def coloured_pixels(png: bytes) -> tuple[int, int, int]:
    """(width, height, coloured pixels) of a PNG, read with Qt. A chart's background, grid, axes and
    text are greys; only its data (curves, bars) is drawn in colour, so an empty chart counts 0."""
    from PySide6.QtGui import QImage

    image = QImage.fromData(png, "PNG")
    assert not image.isNull()
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    raw = bytes(image.constBits())[: image.sizeInBytes()]
    count = sum(1 for i in range(0, len(raw), 4) if max(raw[i : i + 3]) - min(raw[i : i + 3]) >= 40)
    return image.width(), image.height(), count


def assert_settings_and_versions(text: str, settings: dict[str, str]) -> None:
    rows = dict((r[0], r[1]) for r in table_rows(section(text, "Settings")))
    for name, value in settings.items():
        assert rows.get(name) == value, (name, rows.get(name))
    shown = dict((r[0], r[1]) for r in table_rows(section(text, "Versions")))
    assert shown == versions()


@pytest.mark.timeout(300)
def test_demo_and_clean_reports_through_the_cli(tmp_path, no_leftover_children):
    demo_report = tmp_path / "demo.html"
    done = run_cli("demo", str(tmp_path / "demo"), "--files", "3", "--rows", "1500", "--workers", "2",
                   "--report", str(demo_report))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"report: {demo_report}" in done.stdout
    text = demo_report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "src='http" not in text and "href=" not in text
    assert "3 files, 4,500 rows" in section(text, "Summary")
    rows = table_rows(section(text, "Files and tasks"))
    assert sorted(r[0] for r in rows) == ["chat_0000.xlsx", "chat_0001.xlsx", "chat_0002.xlsx"]
    assert all(r[1] == "ok" and "rows: 1,500" in r[4] for r in rows)
    (png,) = charts(text).values()
    width, height, curve = coloured_pixels(png)
    assert width >= 600 and height >= 200 and curve > 100, (width, height, curve)  # a drawn rows/s curve
    assert_settings_and_versions(text, {"files": "3", "rows": "1500", "workers": "2"})

    inputs = tmp_path / "inputs"  # the demo's folder is read as its report lists it: a copy gets the bad file
    inputs.mkdir()
    for exported in (tmp_path / "demo").glob("*.xlsx"):
        shutil.copy(exported, inputs / exported.name)
    (inputs / "renamed.xlsx").write_text("just text, not a workbook")
    clean_report = tmp_path / "clean.html"
    done = run_cli("clean", str(inputs), "--out", str(tmp_path / "clean"), "--format", "csv",
                   "--workers", "2", "--report", str(clean_report))  # fmt: skip
    assert done.returncode == 3, done.stderr  # one file failed
    report = json.loads((tmp_path / "clean" / "report.json").read_text(encoding="utf-8"))
    text = clean_report.read_text(encoding="utf-8")
    summary = section(text, "Summary")
    totals = report["totals"]
    assert f"{totals['rows_in']:,} rows in → {totals['rows_out']:,} out" in summary
    assert f"{totals['files_ok']} of {totals['files']} files cleaned" in summary
    rows = {r[0].split(" ", 1)[1]: r for r in table_rows(section(text, "Files"))}
    assert set(rows) == {Path(f["path"]).name for f in report["files"]}
    for entry in report["files"]:
        row = rows[Path(entry["path"]).name]
        if entry["status"] == "ok":
            assert row[1] == "ok" and row[2] == f"{entry['rows_in']:,}" and row[3] == f"{entry['rows_out']:,}"
            for reason, n in entry["dropped"].items():
                if n:
                    assert f"{reason.replace('_', ' ')}: {n:,}" in row[4]
        else:
            assert row[1] == "failed" and "not an Excel file" in row[5]
    shown = charts(text)
    assert set(shown) == {"Throughput", "Dropped rows by reason"}
    for png in shown.values():
        assert png.startswith(PNG_SIGNATURE)
    width, height, bars = coloured_pixels(shown["Dropped rows by reason"])
    assert width >= 400 and height >= 200 and bars > 2000, (width, height, bars)  # the bars, not empty axes
    assert_settings_and_versions(text, {"out_format": "csv", "workers": "2", "rules.drop_duplicates": "True"})


def test_report_is_refused_before_the_job_starts(tmp_path, capsys):
    out = tmp_path / "demo"
    assert cli_main(["demo", str(out), "--report", str(tmp_path / "r.html")]) == EXIT_BAD_ARGS  # no renderer
    assert "--report needs" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())

    def renderer(record, path):
        raise AssertionError("nothing ran, so nothing is reported")

    missing = tmp_path / "no such folder" / "r.html"
    assert cli_main(["demo", str(out), "--report", str(missing)], report_renderer=renderer) == EXIT_BAD_ARGS
    assert "cannot write into" in capsys.readouterr().err
