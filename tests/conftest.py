"""Test set-up: Qt offscreen and settings in a throw-away folder, set before anything imports Qt."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="mpwatch-test-config-")
# The UI speaks English in tests whatever the machine's locale (tests of Chinese switch explicitly).
os.environ["MPWATCH_LANGUAGE"] = "en"

import pytest  # noqa: E402

from tests.helpers import live_children, wait_no_children  # noqa: E402


@pytest.fixture
def no_leftover_children():
    """Fails the test if it leaves a child process alive (after a short grace period)."""
    yield
    left = wait_no_children(timeout_s=10.0)
    assert not left, f"child processes left alive: {left}"


@pytest.fixture(scope="module")
def local2_cluster():
    """One ``local:2`` Dask cluster per test module (starting one takes seconds); no process left after it."""
    from engine.cluster.connection import connect

    connection = connect("local:2")
    yield connection
    connection.close()
    assert not wait_no_children(timeout_s=10.0)


@pytest.fixture
def main_window(qtbot):
    """The real main window, offscreen, closed (and its jobs stopped) after the test."""
    from gui.app import configure_application
    from gui.main_window import MainWindow

    configure_application()
    window = MainWindow()
    window.ask_before_closing = False
    qtbot.addWidget(window)
    window.show()
    yield window
    if window.isVisible():
        window.close()
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=20000)
    assert not wait_no_children(timeout_s=10.0), f"children left: {live_children()}"


@pytest.fixture
def chinese(qapp):
    """The UI in Chinese for one test, English again after it."""
    from PySide6.QtCore import QSettings

    from gui import i18n

    i18n.install_language("zh_CN")
    yield
    i18n.install_language("en")
    QSettings().remove(i18n.SETTINGS_KEY)
