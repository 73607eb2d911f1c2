"""A line edit with a Browse… button that opens a file or folder dialog and remembers the choice."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget


#: File-dialog filter for the chat exports every job reads.
CHAT_EXPORT_FILTER = "Chat exports (*.xlsx *.xlsm *.xls *.csv *.parquet);;All files (*)"


class PathPicker(QWidget):
    """``mode`` is "dir" (a folder), "open" (existing files, several) or "save"."""

    changed = Signal(str)

    def __init__(self, settings_key: str, mode: str = "dir", caption: str = "Choose a folder",
                 file_filter: str = "", placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings_key = settings_key
        self.mode = mode
        self.caption = caption
        self.file_filter = file_filter
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.button = QPushButton("Browse…")
        self.button.clicked.connect(self._browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        saved = QSettings().value(settings_key, "", type=str)
        if saved:
            self.edit.setText(saved)
        self.edit.textChanged.connect(self.changed)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)

    def paths(self) -> list[Path]:
        """Several paths separated by ';' (files picked in "open" mode)."""
        return [Path(p.strip()) for p in self.text().split(";") if p.strip()]

    def remember(self) -> None:
        QSettings().setValue(self.settings_key, self.text())

    def _browse(self) -> None:
        start = self.paths()[0] if self.paths() else Path.home()
        start_dir = str(start if start.is_dir() else start.parent)
        if self.mode == "dir":
            chosen = QFileDialog.getExistingDirectory(self, self.caption, start_dir)
            picked = [chosen] if chosen else []
        elif self.mode == "open":
            picked, _ = QFileDialog.getOpenFileNames(self, self.caption, start_dir, self.file_filter)
        else:
            chosen, _ = QFileDialog.getSaveFileName(self, self.caption, start_dir, self.file_filter)
            picked = [chosen] if chosen else []
        if picked:
            self.edit.setText(";".join(picked))
            self.remember()
