"""The Log view: job starts and ends, failed tasks, dead workers, warnings — newest at the bottom."""

from __future__ import annotations

import html
import time
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from engine.status import JobFinished, JobStarted, LogLine, TaskFailed, WorkerExited
from gui.engine_messages import failure_text, task_text, worker_exited_text

_COLORS = {"warning": "#d08000", "error": "#e53935", "ok": "#43a047"}  # info: the palette's text colour


class LogView(QPlainTextEdit):
    """Lines are written in the language in effect when they arrive (a log is not rewritten)."""

    def __init__(self, max_lines: int = 5000, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(max_lines)
        self.setObjectName("logView")
        self.lines: list[str] = []  # plain text, for tests and copy

    def add(self, text: str, level: str = "info", t: float | None = None) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(t or time.time()))
        first, *rest = text.splitlines() or [""]
        plain = f"{stamp}  {first}"
        self.lines.append(plain)
        del self.lines[:-2000]
        color = _COLORS.get(level) or self.palette().color(QPalette.ColorRole.Text).name()
        self.appendHtml(
            f"<span style='color:#888'>{stamp}</span>&nbsp; <span style='color:{color}'>{html.escape(first)}</span>"
        )
        if rest and level == "error":
            self.appendHtml(f"<pre style='color:#888'>{html.escape(chr(10).join(rest[-12:]))}</pre>")

    def on_message(self, message: Any) -> None:
        translate = QCoreApplication.translate
        if isinstance(message, JobStarted):
            self.add(translate("LogView", "[{job}] started").format(job=message.job), "info", message.t)
        elif isinstance(message, JobFinished):
            if message.cancelled:
                self.add(translate("LogView", "[{job}] stopped").format(job=message.job), "warning", message.t)
            elif message.ok:
                self.add(translate("LogView", "[{job}] finished").format(job=message.job), "ok", message.t)
            else:
                self.add(
                    translate("LogView", "[{job}] failed: {error}").format(
                        job=message.job, error=failure_text(message)
                    ),
                    "error",
                    message.t,
                )
        elif isinstance(message, TaskFailed):
            self.add(f"[{message.job}] {task_text(message.task)}: {failure_text(message)}", "error", message.t)
        elif isinstance(message, WorkerExited) and not message.expected:
            self.add(f"[{message.job}] {worker_exited_text(message)}", "error", message.t)
        elif isinstance(message, LogLine):
            self.add(f"[{message.job}] {failure_text(message)}", message.level, message.t)
