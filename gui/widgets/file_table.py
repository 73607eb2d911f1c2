"""The Clean panel's table of files: one row per finished or failed file (and per failed segment
write), in the order they end, found again by the task's key."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from engine.status import TaskFailed, TaskFinished
from gui.engine_messages import failure_text, task_text
from gui.terms import process_role, term
from gui.widgets.retranslate import RetranslateOnLanguageChange

FAILED_COLOR = QColor("#c62828")
OK_COLOR = QColor("#2e7d32")
STATUS_COLUMN, ERROR_COLUMN = 1, 5
STATUS_KEY = Qt.ItemDataRole.UserRole  # "ok" / "failed" on the status cell, whatever the language shows


def row_key(event: TaskFinished | TaskFailed) -> Hashable:
    """The identity of a task's row: the caller-given key (("file", i), ("segment", s)); for
    events without one, the file's path (or the label when there is no path)."""
    if event.key is not None:
        return event.key
    return ("path", str(event.summary.get("path", event.task)))


class FileTable(RetranslateOnLanguageChange, QTableWidget):
    COLUMNS = 8

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, self.COLUMNS, parent)
        self.retranslate()
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.setSortingEnabled(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ERROR_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.setMinimumHeight(140)
        self.only_failed = False
        self.details: list[str] = []  # full text shown on double-click, per row
        self._rows: dict[Hashable, int] = {}

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels(
            [
                self.tr("file"),
                self.tr("status"),
                self.tr("rows in"),
                self.tr("rows out"),
                self.tr("dropped"),
                self.tr("error"),
                self.tr("worker"),
                self.tr("s"),
            ]
        )
        for row in range(self.rowCount()):
            self.item(row, STATUS_COLUMN).setText(term(self.status(row)))

    def status(self, row: int) -> str:
        """ "ok" or "failed" (the key, not the shown text)."""
        return self.item(row, STATUS_COLUMN).data(STATUS_KEY)

    def row_of(self, key: Hashable) -> int | None:
        return self._rows.get(key)

    def add_finished(self, event: TaskFinished) -> int:
        s = event.summary
        dropped = s.get("dropped", {})
        tip = "\n".join(f"{term(reason)}: {n:,}" for reason, n in sorted(dropped.items())) or self.tr("nothing dropped")
        return self._set_row(
            row_key(event),
            task_text(event.task),
            "ok",
            s.get("rows_in", 0),
            s.get("rows_out", 0),
            sum(dropped.values()),
            "",
            process_role(event.worker),
            event.seconds,
            tip,
            self.tr(
                "{path}\n\nrows in {rows_in}, out {rows_out}\n\ndropped:\n{tip}\n\n"
                "worker {worker}, {seconds} s, attempts {attempts}"
            ).format(
                path=s.get("path", event.task),
                rows_in=f"{s.get('rows_in', 0):,}",
                rows_out=f"{s.get('rows_out', 0):,}",
                tip=tip,
                worker=process_role(event.worker),
                seconds=f"{event.seconds:.2f}",
                attempts=event.attempts,
            ),
        )

    def add_failed(self, event: TaskFailed) -> int:
        path = event.summary.get("path", event.task)
        reason = failure_text(event)
        detail = self.tr("{path}\n\n{reason}\n\nattempts: {attempts}, worker: {worker}").format(
            path=path, reason=reason, attempts=event.attempts, worker=process_role(event.worker)
        )
        if event.traceback:
            detail += f"\n\n{event.traceback}"
        return self._set_row(
            row_key(event),
            task_text(event.task),
            "failed",
            None,
            None,
            None,
            reason,
            process_role(event.worker),
            None,
            reason,
            detail,
        )

    def _set_row(
        self,
        key: Hashable,
        name: str,
        status: str,
        rows_in: int | None,
        rows_out: int | None,
        dropped: int | None,
        error: str,
        worker: str,
        seconds: float | None,
        drop_tip: str,
        detail: str,
    ) -> int:
        """Fill the key's row (a new row at the end the first time the key is seen)."""
        row = self._rows.get(key)
        if row is None:
            row = self._rows[key] = self.rowCount()
            self.insertRow(row)
            self.details.append(detail)
        else:
            self.details[row] = detail
        values = (
            name,
            term(status),
            "" if rows_in is None else f"{rows_in:,}",
            "" if rows_out is None else f"{rows_out:,}",
            "" if dropped is None else f"{dropped:,}",
            error,
            worker,
            "" if seconds is None else f"{seconds:.2f}",
        )
        for col, value in enumerate(values):
            item = QTableWidgetItem(value)
            if col in (2, 3, 4, 7):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if col == STATUS_COLUMN:
                item.setData(STATUS_KEY, status)
                item.setForeground(OK_COLOR if status == "ok" else FAILED_COLOR)
            if col == 4:
                item.setToolTip(drop_tip)
            if col == ERROR_COLUMN and error:
                item.setToolTip(error)
                item.setForeground(FAILED_COLOR)
            self.setItem(row, col, item)
        self.setRowHidden(row, self.only_failed and status != "failed")
        return row

    def set_only_failed(self, only: bool) -> None:
        self.only_failed = only
        for row in range(self.rowCount()):
            self.setRowHidden(row, only and self.status(row) != "failed")

    def clear_rows(self) -> None:
        self.setRowCount(0)
        self.details.clear()
        self._rows.clear()

    def count(self, status: str) -> int:
        """Rows whose task ended ``status`` ("ok" or "failed") as its last event said."""
        return sum(self.status(r) == status for r in range(self.rowCount()))

    def visible_rows(self) -> list[tuple[str, str, str]]:
        """(file, status key, error) of the rows shown (tests and screenshots read this)."""
        return [
            (self.item(r, 0).text(), self.status(r), self.item(r, ERROR_COLUMN).text())
            for r in range(self.rowCount())
            if not self.isRowHidden(r)
        ]

    def cell_text(self, row: int, column: int) -> str:
        item: Any = self.item(row, column)
        return item.text() if item is not None else ""
