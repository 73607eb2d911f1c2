"""The Processes view: every engine process of every run, sampled with psutil about once a second.

Processes are learnt from ``ProcessStarted`` events (each engine process announces itself) and
``WorkerExited`` events give exit codes; CPU % and RSS come from psutil, in the GUI thread, which
costs well under a millisecond per process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import psutil
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from engine.status import ProcessStarted, WorkerExited
from gui.terms import term

MAX_EXITED_ROWS = 60


@dataclass
class ProcessRow:
    job: str
    role: str
    pid: int
    started: float
    proc: psutil.Process | None
    state: str = "running"
    cpu_percent: float = 0.0
    rss_bytes: int = 0
    exitcode: int | None = None
    ended: float | None = None


class ProcessTable(QTableWidget):
    COLUMNS = 7

    def __init__(self, sample_ms: int = 1000, parent: QWidget | None = None) -> None:
        super().__init__(0, self.COLUMNS, parent)
        self.retranslate()
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.rows: dict[int, ProcessRow] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(sample_ms)
        self._timer.timeout.connect(self.sample)
        self._timer.start()

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels([self.tr("job"), self.tr("role"), "PID", self.tr("state"), "CPU %", "RSS MB",
                                        self.tr("exit code")])

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            self._render()
        super().changeEvent(event)

    def on_message(self, message: Any) -> None:
        if isinstance(message, ProcessStarted):
            try:
                proc = psutil.Process(message.pid)
                proc.cpu_percent(None)  # the first call only primes the counter
            except psutil.Error:
                proc = None
            self.rows[message.pid] = ProcessRow(message.job, message.role, message.pid, message.t, proc)
        elif isinstance(message, WorkerExited):
            row = self.rows.get(message.pid)
            if row is not None:
                row.exitcode = message.exitcode
                row.state = "exited" if message.expected else "died"
                row.ended = message.t

    def live_pids(self) -> list[int]:
        return [pid for pid, row in self.rows.items() if row.state == "running"]

    def sample(self) -> None:
        for row in self.rows.values():
            if row.state != "running" or row.proc is None:
                continue
            try:
                with row.proc.oneshot():
                    if row.proc.status() == psutil.STATUS_ZOMBIE:
                        raise psutil.NoSuchProcess(row.pid)
                    row.cpu_percent = row.proc.cpu_percent(None)
                    row.rss_bytes = row.proc.memory_info().rss
            except psutil.Error:
                row.state = "exited"
                row.ended = time.time()
        self._prune()
        self._render()

    def _prune(self) -> None:
        exited = sorted((r for r in self.rows.values() if r.state != "running"), key=lambda r: r.ended or 0)
        for row in exited[:-MAX_EXITED_ROWS] if len(exited) > MAX_EXITED_ROWS else []:
            del self.rows[row.pid]

    def _render(self) -> None:
        rows = sorted(self.rows.values(), key=lambda r: (r.state != "running", r.job, r.started, r.pid))
        self.setRowCount(len(rows))
        for i, r in enumerate(rows):
            live = r.state == "running"
            values = (r.job, r.role, str(r.pid), term(r.state), f"{r.cpu_percent:.0f}" if live else "",
                      f"{r.rss_bytes / 2**20:.0f}" if live else "",
                      "" if r.exitcode is None else str(r.exitcode))
            color = QColor("#c62828") if r.state == "died" else QColor("#000000" if live else "#9e9e9e")
            for col, value in enumerate(values):
                item = self.item(i, col)
                if item is None:
                    item = QTableWidgetItem()
                    if col in (2, 4, 5, 6):
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.setItem(i, col, item)
                item.setText(value)
                item.setForeground(color)
