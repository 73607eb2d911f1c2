"""The main window's menu bar: File, Run, View, Help, with their keyboard shortcuts.

Run ▸ Start (Ctrl+R) and Run ▸ Stop (Ctrl+.) act on the panel of the current tab; View holds the
language, "Background priority for jobs" (a checkable setting) and Reset layout; File ▸ Open
inputs… and Recent folders fill that panel's main path field. Every text is re-set on a language
change (``retranslate``), the shortcuts stay the same in every language.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from importlib import metadata
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, qVersion
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMessageBox

from gui.i18n import LANGUAGES, current_language, set_language
from gui.widgets.path_picker import recent_folders

if TYPE_CHECKING:
    from gui.main_window import MainWindow
    from gui.panels.base import JobPanel
    from gui.widgets.path_picker import PathPicker

START_SHORTCUT = QKeySequence("Ctrl+R")
STOP_SHORTCUT = QKeySequence("Ctrl+.")


def versions() -> dict[str, str]:
    """Versions of mpwatch and of what it runs on (Help ▸ About, run reports)."""
    found = {"mpwatch": "", "Python": platform.python_version(), "Qt": qVersion()}
    for name, dist in (
        ("mpwatch", "mpwatch"),
        ("PySide6", "PySide6-Essentials"),
        ("pyqtgraph", "pyqtgraph"),
        ("pandas", "pandas"),
        ("pyarrow", "pyarrow"),
    ):
        try:
            found[name] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[name] = "–"
    return found


class MainMenu(QObject):
    """Builds the menus on ``window`` and keeps their texts and enabled states current."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        bar = window.menuBar()
        self.file_menu = bar.addMenu("")
        self.open_inputs = self.file_menu.addAction("", self._open_inputs)
        self.open_output = self.file_menu.addAction(
            "", self._on_current_panel(lambda panel: panel.open_output_folder())
        )
        self.recent_menu = self.file_menu.addMenu("")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.file_menu.addSeparator()
        self.quit = self.file_menu.addAction("", window.close)
        self.quit.setShortcut(QKeySequence.StandardKey.Quit)

        self.run_menu = bar.addMenu("")
        self.start = self.run_menu.addAction("", self._on_current_panel(lambda panel: panel.start_job()))
        self.start.setShortcut(START_SHORTCUT)
        self.stop = self.run_menu.addAction("", self._on_current_panel(lambda panel: panel.stop_job()))
        self.stop.setShortcut(STOP_SHORTCUT)

        self.view_menu = bar.addMenu("")
        self.language_menu = self.view_menu.addMenu("")
        self.language_group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code, name in LANGUAGES.items():
            action = self.language_menu.addAction(name)  # each language named in itself: never translated
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, c=code: self.choose_language(c))
            self.language_group.addAction(action)
            self.language_actions[code] = action
        self.view_menu.addSeparator()
        self.view_menu.addAction(window.background_priority_action)  # checkable; remembered in QSettings
        self.view_menu.setToolTipsVisible(True)  # the priority setting's tooltip says what it does
        self.view_menu.addSeparator()
        self.reset_layout = self.view_menu.addAction("", window.reset_layout)

        self.help_menu = bar.addMenu("")
        self.about = self.help_menu.addAction("", self.show_about)
        self.logs = self.help_menu.addAction("", self.show_logs)

        window.tabs.currentChanged.connect(self.update_actions)
        for panel in window.panels.values():
            panel.running_changed.connect(self.update_actions)
        self.retranslate()

    # -- texts and states ----------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.file_menu.setTitle(self.tr("&File"))
        self.open_inputs.setText(self.tr("Open inputs…"))
        self.open_output.setText(self.tr("Open output folder"))
        self.recent_menu.setTitle(self.tr("Recent folders"))
        self.quit.setText(self.tr("Quit"))
        self.run_menu.setTitle(self.tr("&Run"))
        self.start.setText(self.tr("Start"))
        self.stop.setText(self.tr("Stop"))
        self.view_menu.setTitle(self.tr("&View"))
        self.language_menu.setTitle(self.tr("Language"))
        self.reset_layout.setText(self.tr("Reset layout"))
        self.help_menu.setTitle(self.tr("&Help"))
        self.about.setText(self.tr("About mpwatch"))
        self.logs.setText(self.tr("Where the logs are"))
        self.language_actions[current_language()].setChecked(True)
        self.update_actions()

    def update_actions(self) -> None:
        panel = self.window.current_panel()
        running = panel is not None and panel.is_running
        self.start.setEnabled(panel is not None and not running)
        self.stop.setEnabled(running)
        self.open_inputs.setEnabled(panel is not None and panel.input_picker() is not None)
        self.open_output.setEnabled(panel is not None and panel.output_folder() is not None)

    # -- actions ---------------------------------------------------------------------------------------
    def _on_current_panel(self, act: Callable[[JobPanel], object]) -> Callable[[], None]:
        """A menu action's slot: ``act`` on the panel of the current tab (without one, nothing)."""

        def slot() -> None:
            panel = self.window.current_panel()
            if panel is not None:
                act(panel)

        return slot

    def _current_input_picker(self) -> PathPicker | None:
        """The current panel's main path field (None: no panel, or one that reads no inputs)."""
        panel = self.window.current_panel()
        return panel.input_picker() if panel is not None else None

    def _open_inputs(self) -> None:
        picker = self._current_input_picker()
        if picker is not None:
            picker.browse()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        folders = recent_folders()
        if not folders:
            self.recent_menu.addAction(self.tr("(none yet)")).setEnabled(False)
        for folder in folders:
            self.recent_menu.addAction(folder, lambda f=folder: self.use_recent(f))

    def use_recent(self, folder: str) -> None:
        """Put ``folder`` into the current panel's main path field."""
        picker = self._current_input_picker()
        if picker is not None:
            picker.set_text(folder)

    def choose_language(self, code: str) -> None:
        set_language(code)  # every widget gets a LanguageChange event and retranslates

    def about_text(self) -> str:
        rows = "".join(f"<tr><td>{name}</td><td>&nbsp;{version}</td></tr>" for name, version in versions().items())
        return (
            self.tr("<b>mpwatch</b> runs multiprocess data jobs on one machine and shows them live.")
            + f"<br><br><table>{rows}</table>"
        )

    def show_about(self) -> None:
        QMessageBox.about(self.window, self.tr("About mpwatch"), self.about_text())

    def logs_text(self) -> str:
        panel = self.window.current_panel()
        folder = panel.output_folder() if panel is not None else None
        text = self.tr(
            "The <b>Log</b> tab at the bottom of the window lists job starts and ends, failed files, "
            "dead workers and warnings of this session; it is not written to disk.<br><br>"
            "Every job writes its own report next to its output: Clean → report.json, "
            "Dialogues → dialogues-report.json."
        )
        if folder is not None:
            text += "<br><br>" + self.tr("Output folder of this tab: {folder}").format(folder=folder)
        text += "<br><br>" + self.tr("Settings file: {path}").format(path=QSettings().fileName())
        return text

    def show_logs(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("Where the logs are"),
            self.logs_text(),
            QMessageBox.StandardButton.Ok,
            self.window,
        )
        box.open()
        self._logs_box = box
