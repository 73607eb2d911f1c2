"""Per-worker state: who is busy on what, how much it has done, how busy it has been."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from engine.progress import WorkerState
from gui.engine_messages import task_text
from gui.terms import process_role, term
from gui.widgets.retranslate import RetranslateOnLanguageChange

_STATE_COLORS = {"busy": "#2e7d32", "idle": "#757575", "died": "#c62828", "exited": "#9e9e9e"}


class WorkerTable(RetranslateOnLanguageChange, QTableWidget):
    COLUMNS = 6

    def __init__(self, done_counter: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(0, self.COLUMNS, parent)
        self.done_counter = done_counter
        self.retranslate()
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.setMinimumHeight(110)

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels(
            [self.tr("worker"), "PID", self.tr("state"), self.tr("current"), self.tr("done"), self.tr("busy %")]
        )
        for row in range(self.rowCount()):
            item = self.item(row, 2)
            if item is not None and item.data(Qt.ItemDataRole.UserRole):
                item.setText(term(item.data(Qt.ItemDataRole.UserRole)))

    def update_workers(self, workers: Iterable[WorkerState]) -> None:
        workers = list(workers)
        if self.rowCount() != len(workers):
            self.setRowCount(len(workers))
        for row, w in enumerate(workers):
            done = w.snapshot.counters.get(self.done_counter, 0) if self.done_counter else w.snapshot.items_out
            values = (
                process_role(w.worker),
                str(w.pid),
                term(w.state),
                task_text(w.snapshot.current) if w.snapshot.current else "–",
                f"{done:,.0f}",
                f"{w.busy_share * 100:.0f}",
            )
            for col, value in enumerate(values):
                item = self.item(row, col)
                if item is None:
                    item = QTableWidgetItem()
                    if col in (1, 4, 5):
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.setItem(row, col, item)
                if item.text() != value:
                    item.setText(value)
                if col == 2 and item.data(Qt.ItemDataRole.UserRole) != w.state:
                    item.setData(Qt.ItemDataRole.UserRole, w.state)
                    color = _STATE_COLORS.get(w.state)  # an unknown state: the palette's text colour
                    item.setData(Qt.ItemDataRole.ForegroundRole, QColor(color) if color else None)
