"""Create the QApplication and the main window (``python main.py`` / ``mpwatch``)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from gui.resources import stylesheet


def configure_application() -> QApplication:
    """The app object with its identity (QSettings location) and stylesheet; reuses an existing one."""
    QCoreApplication.setOrganizationName("mpwatch")
    QCoreApplication.setApplicationName("mpwatch")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyleSheet(stylesheet())
    return app


def run_app(argv: list[str] | None = None) -> int:
    app = configure_application()
    from gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    return app.exec()
