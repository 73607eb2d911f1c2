"""Create the QApplication and the main window (``python main.py`` / ``mpwatch``)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from engine.stop_signals import install_stop_signals
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
    return exec_until_stopped(app, window)


#: How often the event loop hands control to Python, so that a signal's handler runs (Python runs
#: handlers between bytecodes, and the Qt loop runs none while idle).
SIGNAL_POLL_MS = 200


def exec_until_stopped(app: QApplication, window: QMainWindow) -> int:
    """``app.exec()``, where SIGINT, SIGTERM and SIGHUP (to the app or its process group) act as
    closing the window without the question: Stop every run, wait for its processes, then quit
    (engine/stop_signals.py bounds the wait); the exit code is then 128 + the signal."""
    signals = install_stop_signals(interrupt=False)  # main.py installed them before the Qt import

    def close_without_asking() -> None:
        window.ask_before_closing = False
        window.close()

    signals.on_stop(lambda: QTimer.singleShot(0, close_without_asking))
    poll = QTimer(app)
    poll.timeout.connect(lambda: None)
    poll.start(SIGNAL_POLL_MS)
    code = app.exec()
    poll.stop()
    return signals.exit_code(code) if signals.stop_requested() else code
