"""A run's report as one self-contained HTML file ("Save report…" on every panel after a run).

The file holds the summary the panel shows, the per-file table (drop reasons, errors), every chart of
the panel as an embedded PNG made from the live chart by pyqtgraph's ImageExporter, the settings the
run used (its config) and the versions of what ran it. Nothing refers outside the file, so it can be
mailed or attached to a ticket as it is.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401 - registers ImageExporter
from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice

from engine.status import TaskFailed, TaskFinished
from gui.engine_messages import failure_text, task_text
from gui.main_menu import versions
from gui.terms import process_role

CHART_WIDTH_PX = 900

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ccc; padding: 3px 8px; }
th { background: #f2f2f2; text-align: left; } td.num { text-align: right; } img { max-width: 100%; }
"""


translate = QCoreApplication.translate  # lupdate collects translate("RunReport", …) calls


def chart_png(chart: pg.PlotWidget, width_px: int = CHART_WIDTH_PX) -> bytes:
    """The chart as drawn now, as PNG bytes (pyqtgraph's ImageExporter on its plot item)."""
    exporter = pg.exporters.ImageExporter(chart.getPlotItem())
    exporter.parameters()["width"] = width_px
    image = exporter.export(toBytes=True)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def config_rows(config: Any) -> list[tuple[str, str]]:
    """(setting, value) of a run's config dataclass, nested dataclasses flattened with dots."""
    if not dataclasses.is_dataclass(config):
        return [("config", str(config))]
    rows: list[tuple[str, str]] = []
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if dataclasses.is_dataclass(value):
            rows += [(f"{field.name}.{k}", v) for k, v in config_rows(value)]
        elif isinstance(value, (tuple, list)):
            rows.append((field.name, "; ".join(str(v) for v in value)))
        else:
            rows.append((field.name, str(value)))
    return rows


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for value in row:
            text = "" if value is None else str(value)
            numeric = text.replace(",", "").replace(".", "", 1).isdigit()
            cells.append(f"<td class='num'>{html.escape(text)}</td>" if numeric else f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


@dataclasses.dataclass(frozen=True)
class ReportTable:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def _counts(summary: Mapping[str, Any], label: Callable[[str], str], prefix: str = "") -> list[str]:
    """``name: 1,234`` for every number of a task's summary (nested dicts too; a drop reason
    ``drops_<reason>`` by its reason's name, left out when 0); texts and lists are paths and
    previews, not counts, and are left out."""
    parts = []
    for key, value in summary.items():
        name = str(key)
        if isinstance(value, Mapping):
            parts += _counts(value, label, f"{prefix}{name}.")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if name.startswith("drops_"):
                if not value:
                    continue
                name = name.removeprefix("drops_")
            number = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
            parts.append(f"{prefix}{label(name)}: {number}")
    return parts


def task_table(title: str, events: Iterable[Any], label: Callable[[str], str] = str) -> ReportTable | None:
    """A row per finished or failed task of a run (its files, for most jobs): what it counted, or
    why it failed, as its last event says (a clean file whose segment failed to write finished, then
    failed). None when the run had no task events."""
    latest: dict[Any, TaskFinished | TaskFailed] = {}
    for event in events:
        if isinstance(event, (TaskFinished, TaskFailed)):
            latest[event.task if event.key is None else event.key] = event
    rows = []
    for event in latest.values():
        if isinstance(event, TaskFinished):
            details = ", ".join(_counts(event.summary, label))
            rows.append(
                (task_text(event.task), label("ok"), process_role(event.worker), f"{event.seconds:.2f}", details)
            )
        elif isinstance(event, TaskFailed):
            rows.append((task_text(event.task), label("failed"), process_role(event.worker), "", failure_text(event)))
    if not rows:
        return None
    header = (
        translate("RunReport", "task"),
        translate("RunReport", "status"),
        translate("RunReport", "worker"),
        translate("RunReport", "s"),
        translate("RunReport", "counts or error"),
    )
    return ReportTable(title, header, tuple(rows))


def _heading(text: str) -> str:
    return f"<h2>{html.escape(text)}</h2>"


def report_html(
    title: str, summary_html: str, tables: Sequence[ReportTable], charts: Sequence[tuple[str, bytes]], config: Any
) -> str:
    """The whole report; ``summary_html`` is the panel's rich-text summary (already markup),
    ``charts`` are (title, PNG bytes)."""
    saved = translate("RunReport", "Saved {time}").format(time=time.strftime("%Y-%m-%d %H:%M:%S"))
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(saved)}</p>",
        _heading(translate("RunReport", "Summary")) + f"<p>{summary_html}</p>",
    ]
    for table in tables:
        parts.append(_heading(table.title) + _table(table.header, table.rows))
    if charts:
        parts.append(_heading(translate("RunReport", "Charts")))
        for chart_title, png in charts:
            data = base64.b64encode(png).decode("ascii")
            parts.append(
                f"<h3>{html.escape(chart_title)}</h3><img alt='{html.escape(chart_title)}' "
                f"src='data:image/png;base64,{data}'>"
            )
    settings_header = (translate("RunReport", "setting"), translate("RunReport", "value"))
    parts.append(_heading(translate("RunReport", "Settings")) + _table(settings_header, config_rows(config)))
    parts.append(_heading(translate("RunReport", "Versions")) + _table(("", ""), list(versions().items())))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
