"""The end-of-run summary of a job panel (rich text under its charts).

It keeps the ``JobFinished`` it shows, so a change of UI language (its own LanguageChange event)
redraws it in the new language instead of leaving the old words (or an empty line) behind.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QWidget

from engine.status import JobFinished, TaskFailed
from gui.engine_messages import failure_text, task_text
from gui.summaries import RED
from gui.widgets.retranslate import RetranslateOnLanguageChange


class RunSummary(RetranslateOnLanguageChange, QLabel):
    """``render`` turns a run's JobFinished into the panel's summary (``gui.summaries``)."""

    def __init__(self, render: Callable[[JobFinished], str], parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setWordWrap(True)
        self.setObjectName("summary")
        self._render = render
        self.finished: JobFinished | None = None

    def show_finished(self, finished: JobFinished) -> None:
        self.finished = finished
        self._set_text(self._render(finished))

    def show_failed_task(self, failed: TaskFailed) -> None:
        """A task's failure, in red, until the run's end replaces it."""
        self._set_text(RED.format(f"{task_text(failed.task)}: {failure_text(failed)}"))

    def reset(self) -> None:
        """A new run: nothing to summarise yet."""
        self.finished = None
        self._set_text("")

    def retranslate(self) -> None:
        if self.finished is not None:
            self._set_text(self._render(self.finished))

    def _set_text(self, text: str) -> None:
        if self.text() != text:
            self.setText(text)
