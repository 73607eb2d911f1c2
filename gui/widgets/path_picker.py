"""A line edit with a Browse… button that opens a file or folder dialog and remembers the choice.

Files and folders can also be dropped onto it from a file manager: a "dir" picker takes a dropped
folder (or the folder of a dropped file), an "open" picker takes every dropped path (joined with
``;``), a "save" picker the first one. Every remembered folder joins the recent folders
(``recent_folders()``, File ▸ Recent folders).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSettings, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget

from gui.settings_writer import pending_setting, save_settings
from gui.widgets.retranslate import RetranslateOnLanguageChange

#: File-dialog filter for the chat exports every job reads (English source, context PathPicker).
CHAT_EXPORT_FILTER = QT_TRANSLATE_NOOP(
    "PathPicker", "Chat exports (*.xlsx *.xlsm *.xls *.csv *.parquet);;All files (*)"
)

RECENT_KEY = "recent/folders"
RECENT_MAX = 10


def recent_folders() -> list[str]:
    """Folders used lately (newest first), for File ▸ Recent folders."""
    value = pending_setting(RECENT_KEY)
    if value is None:
        value = QSettings().value(RECENT_KEY, [])
    if isinstance(value, str):  # QSettings returns a lone entry as a plain string
        value = [value]
    return [str(v) for v in value or []]


def recent_folders_with(folders: list[Path]) -> list[str]:
    """The recent folders with ``folders`` put first (the first of them newest), at most RECENT_MAX."""
    names = list(dict.fromkeys(str(f) for f in folders))
    return (names + [f for f in recent_folders() if f not in names])[:RECENT_MAX]


class PathPicker(RetranslateOnLanguageChange, QWidget):
    """``mode`` is "dir" (a folder), "open" (existing files or folders, several) or "save".
    ``caption`` and ``placeholder`` are texts already in the UI language (``set_caption``);
    ``default`` fills the field when nothing was saved under ``settings_key``."""

    changed = Signal(str)

    def __init__(
        self,
        settings_key: str,
        mode: str = "dir",
        caption: str = "",
        file_filter: str = "",
        placeholder: str = "",
        parent: QWidget | None = None,
        default: str = "",
    ) -> None:
        super().__init__(parent)
        self.settings_key = settings_key
        self.mode = mode
        self.caption = caption
        self.file_filter = file_filter
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setAcceptDrops(False)  # drops land on the picker, which knows files from text
        self.setAcceptDrops(True)
        self.button = QPushButton()
        self.button_text = QT_TRANSLATE_NOOP("PathPicker", "Browse…")
        self.button.clicked.connect(self.browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        saved = QSettings().value(settings_key, "", type=str) or default
        if saved:
            self.edit.setText(saved)
        self.edit.textChanged.connect(self.changed)
        self.retranslate()

    def set_caption(self, caption: str, placeholder: str | None = None) -> None:
        """The dialog's title and the empty field's hint, in the current language (panels call this
        from their ``retranslate``)."""
        self.caption = caption
        if placeholder is not None:
            self.edit.setPlaceholderText(placeholder)

    def set_button_text(self, source_text: str) -> None:
        """The button's English source text (context PathPicker), shown translated."""
        self.button_text = source_text
        self.retranslate()

    def retranslate(self) -> None:
        self.button.setText(QCoreApplication.translate("PathPicker", self.button_text))

    def text(self) -> str:
        return self.edit.text().strip()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)

    def output_folder(self) -> Path:
        """The folder a job writes to, from a "dir" picker; ValueError with a readable message
        (in the UI language) when the field is empty."""
        if not self.text():
            raise ValueError(QCoreApplication.translate("PathPicker", "Choose an output folder first."))
        return Path(self.text()).expanduser()

    def paths(self) -> list[Path]:
        """Several paths separated by ';' (files picked in "open" mode)."""
        return [Path(p.strip()) for p in self.text().split(";") if p.strip()]

    def remember(self) -> None:
        """Save the field and add its folders to the recent folders (written off the GUI thread)."""
        folders = []
        for path in self.paths():
            folder = path.expanduser()
            if not folder.is_dir():
                folder = folder.parent
            if folder.is_dir():
                folders.append(folder.resolve())
        values: dict[str, object] = {self.settings_key: self.text()}
        if folders:
            values[RECENT_KEY] = recent_folders_with(folders[::-1])
        save_settings(values)

    # -- drag and drop ---------------------------------------------------------------------------
    def dropped_text(self, paths: list[Path]) -> str:
        """What a drop of ``paths`` puts in the field ("" when nothing fits this picker)."""
        if not paths:
            return ""
        if self.mode == "dir":
            first = paths[0]
            return str(first if first.is_dir() else first.parent)
        if self.mode == "open":
            return ";".join(str(p) for p in paths)
        return str(paths[0])

    @staticmethod
    def _local_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if self._local_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        text = self.dropped_text(self._local_paths(event))
        if not text:
            event.ignore()
            return
        self.edit.setText(text)
        self.remember()
        event.acceptProposedAction()

    # -- the dialog ------------------------------------------------------------------------------
    def browse(self) -> None:
        start = self.paths()[0] if self.paths() else Path.home()
        start_dir = str(start if start.is_dir() else start.parent)
        file_filter = QCoreApplication.translate("PathPicker", self.file_filter) if self.file_filter else ""
        if self.mode == "dir":
            chosen = QFileDialog.getExistingDirectory(self, self.caption, start_dir)
            picked = [chosen] if chosen else []
        elif self.mode == "open":
            picked, _ = QFileDialog.getOpenFileNames(self, self.caption, start_dir, file_filter)
        else:
            chosen, _ = QFileDialog.getSaveFileName(self, self.caption, start_dir, file_filter)
            picked = [chosen] if chosen else []
        if picked:
            self.edit.setText(";".join(picked))
            self.remember()
