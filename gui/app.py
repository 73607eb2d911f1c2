"""Create the QApplication and the main window (``python main.py`` / ``mpwatch``)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from gui.i18n import chosen_language, install_language
from gui.resources import stylesheet


def configure_application() -> QApplication:
    """The app object with its identity (QSettings location), stylesheet and UI language (the
    saved or system one, see gui.i18n); reuses an existing one."""
    QCoreApplication.setOrganizationName("mpwatch")
    QCoreApplication.setApplicationName("mpwatch")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyleSheet(stylesheet())
    install_language(chosen_language())
    return app


def run_app(argv: list[str] | None = None) -> int:
    app = configure_application()
    from gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    return app.exec()
