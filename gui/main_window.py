"""The main window: a tab per job, the Processes and Log views below, a status bar with the UI's lag."""

from __future__ import annotations

import importlib

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QIcon
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QSplitter, QTabWidget, QWidget

from engine.runner import JobRun
from gui.log_view import LogView
from gui.main_menu import MainMenu
from gui.panels.base import JobPanel
from gui.priority_action import BackgroundPriorityAction
from gui.processes_view import ProcessTable
from gui.resources import resource_path
from gui.run_controller import AppServices
from gui.settings_writer import flush_settings, start_settings_writer
from gui.status_poller import StatusPoller
from gui.theme import apply_theme

#: (module, class) of each job panel, in tab order. A panel whose module is absent is skipped.
PANELS = (
    ("gui.panels.demo_panel", "DemoPanel"),
    ("gui.panels.clean_panel", "CleanPanel"),
    ("gui.panels.dialogues_panel", "DialoguesPanel"),
    ("gui.panels.pipeline_panel", "PipelinePanel"),
)
DEFAULT_SIZE = (1280, 860)
SPLITTER_SIZES = (660, 160)


def load_panel_classes() -> list[type[JobPanel]]:
    classes = []
    for module_name, class_name in PANELS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        classes.append(getattr(module, class_name))
    return classes


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("mpwatch")
        self.setWindowIcon(QIcon(str(resource_path("icons/mpwatch.svg"))))
        self.ask_before_closing = True
        self._closing = False

        self.poller = StatusPoller(parent=self)
        self.services = AppServices(self.poller)
        self.services.on_run_started.append(self._on_run_started)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.panels: dict[str, JobPanel] = {}
        for panel_class in load_panel_classes():
            panel = panel_class(self.services)
            self.panels[panel.kind] = panel
            self.tabs.addTab(panel, panel.translated_title())
            panel.running_changed.connect(self._update_tab_marks)

        self.process_table = ProcessTable()
        self.log_view = LogView()
        self.poller.add_global_listener(self.process_table.on_message)
        self.poller.add_global_listener(self.log_view.on_message)
        self.bottom = QTabWidget()
        self.bottom.addTab(self.process_table, "")
        self.bottom.addTab(self.log_view, "")
        self.background_priority_action = BackgroundPriorityAction(self.services, self)  # in View (MainMenu)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes(list(SPLITTER_SIZES))
        self.splitter = splitter
        self.setCentralWidget(splitter)

        self.jobs_label = QLabel()
        self.lag_label = QLabel()
        self._lag_ms: tuple[float, float] | None = None
        self.statusBar().addWidget(self.jobs_label, 1)
        self.statusBar().addPermanentWidget(self.lag_label)
        self.poller.lag_changed.connect(self._on_lag_changed)
        self.poller.add_tick_hook(self._update_status)

        self.menus = MainMenu(self)
        self.retranslate()
        apply_theme(self)
        self._restore_settings()
        start_settings_writer()  # a thread, before the first Start needs it
        self.poller.start()
        self.log_view.add(self.tr("mpwatch ready. Start with Demo data if you have no chat logs yet."))

    # -- language ----------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.bottom.setTabText(self.bottom.indexOf(self.process_table), self.tr("Processes"))
        self.bottom.setTabText(self.bottom.indexOf(self.log_view), self.tr("Log"))
        self.background_priority_action.retranslate()
        self.lag_label.setToolTip(
            self.tr(
                "How late the status timer fires (mean / max over the last 5 s). "
                "Large values mean the window is starved."
            )
        )
        self._update_tab_marks()
        self._show_lag()
        self._update_status()
        self.menus.retranslate()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() in (QEvent.Type.ApplicationPaletteChange, QEvent.Type.PaletteChange):
            apply_theme(self)  # the desktop switched between light and dark (a no-op when nothing changed)
        super().changeEvent(event)

    def current_panel(self) -> JobPanel | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, JobPanel) else None

    def reset_layout(self) -> None:
        """View ▸ Reset layout: the default window size and split, the first tab's bottom view."""
        self.resize(*DEFAULT_SIZE)
        self.splitter.setSizes(list(SPLITTER_SIZES))
        self.bottom.setCurrentWidget(self.process_table)

    # -- status bar ------------------------------------------------------------------------------
    def _on_lag_changed(self, mean_ms: float, max_ms: float) -> None:
        self._lag_ms = (mean_ms, max_ms)
        self._show_lag()

    def _show_lag(self) -> None:
        if self._lag_ms is None:
            text, max_ms = self.tr("UI lag –"), 0.0
        else:
            mean_ms, max_ms = self._lag_ms
            text = self.tr("UI lag {mean} ms (max {max})").format(mean=f"{mean_ms:.0f}", max=f"{max_ms:.0f}")
        if self.lag_label.text() != text:
            self.lag_label.setText(text)
            self.lag_label.setStyleSheet("color:#c62828" if max_ms > 250 else "")

    def _update_status(self) -> None:
        active = self.services.active_runs()
        live = len(self.process_table.live_pids())
        text = (
            self.tr("%n job(s) running", "", len(active)) + " · " + self.tr("%n engine process(es)", "", live)
            if active or live
            else self.tr("idle")
        )
        if self._closing:
            text = self.tr("stopping jobs before closing…")
        if self.jobs_label.text() != text:
            self.jobs_label.setText(text)

    def _update_tab_marks(self) -> None:
        for index in range(self.tabs.count()):
            panel = self.tabs.widget(index)
            self.tabs.setTabText(index, ("● " if panel.is_running else "") + panel.translated_title())

    def _on_run_started(self, run: JobRun) -> None:
        self.bottom.setCurrentWidget(self.process_table)

    # -- closing -----------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        active = self.services.active_runs()
        if active and not self._closing:
            if self.ask_before_closing:
                answer = QMessageBox.question(
                    self,
                    self.tr("Stop running jobs?"),
                    self.tr("%n job(s) still running. Stop them and quit?", "", len(active)),
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                    QMessageBox.StandardButton.No,
                )
                if answer != QMessageBox.StandardButton.Yes:
                    event.ignore()
                    return
            self._closing = True
            for run in active:
                run.request_stop(grace_s=3.0, terminate_s=2.0)
            self._close_timer = QTimer(self)
            self._close_timer.timeout.connect(self._close_when_stopped)
            self._close_timer.start(100)
            event.ignore()
            return
        if self.services.active_runs():
            event.ignore()  # still stopping: the timer closes us
            return
        self.poller.stop()
        for panel in self.panels.values():
            close_hook = getattr(panel, "shutdown", None)
            if close_hook:
                close_hook()
        self._save_settings()
        flush_settings()  # what Start remembered is written before the app exits
        self.poller.close()
        event.accept()

    def _close_when_stopped(self) -> None:
        for run in self.services.active_runs():
            run.poll()
        if not self.services.active_runs():
            self._close_timer.stop()
            self.close()

    # -- settings ----------------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(*DEFAULT_SIZE)
        tab = settings.value("window/tab", 0, type=int)
        if 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)

    def _save_settings(self) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/tab", self.tabs.currentIndex())
