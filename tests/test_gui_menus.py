"""Menus and shortcuts act on the current panel; files and folders dropped onto any path field."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication

from gui.main_menu import START_SHORTCUT, STOP_SHORTCUT, versions
from gui.widgets.path_picker import PathPicker, recent_folders


def drop_paths(widget, paths) -> tuple[bool, bool]:
    """Drag ``paths`` over ``widget`` and drop them, as a file manager does: (enter accepted, drop accepted)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(
        QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(
        QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted(), drop.isAccepted()


def test_dropping_files_and_folders_fills_the_field(qtbot, tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.csv"
    a.write_bytes(b"x")
    b.write_bytes(b"y")
    inputs = PathPicker("test/inputs", "open")
    folder = PathPicker("test/folder", "dir")
    qtbot.addWidget(inputs)
    qtbot.addWidget(folder)
    assert drop_paths(inputs, [a, b]) == (True, True)
    assert inputs.paths() == [a, b]
    assert drop_paths(folder, [a]) == (True, True)  # a file dropped on a folder field: its folder
    assert folder.text() == str(tmp_path)
    assert str(tmp_path.resolve()) in recent_folders()
    text_only = QMimeData()
    text_only.setText("not a file")
    enter = QDragEnterEvent(
        QPoint(5, 5), Qt.DropAction.CopyAction, text_only, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(folder, enter)
    assert not enter.isAccepted() and folder.text() == str(tmp_path)


def test_every_path_field_of_the_window_takes_drops(main_window, tmp_path):
    pickers = main_window.findChildren(PathPicker)
    assert len(pickers) >= 6
    before = {picker: picker.text() for picker in pickers}
    try:
        for picker in pickers:
            assert drop_paths(picker, [tmp_path]) == (True, True)
            assert picker.text() == str(tmp_path)
    finally:  # a drop is remembered like a choice: leave the next tests the settings they expect
        for picker, text in before.items():
            picker.set_text(text)
            picker.remember()


def test_file_menu_uses_recent_folders_on_the_current_panel(main_window, tmp_path):
    panel = main_window.panels["clean"]
    main_window.tabs.setCurrentWidget(panel)
    drop_paths(panel.form.inputs, [tmp_path])
    main_window.menus._fill_recent()
    entries = [a.text() for a in main_window.menus.recent_menu.actions()]
    assert str(tmp_path.resolve()) in entries
    panel.form.inputs.set_text("")
    main_window.menus.use_recent(str(tmp_path))
    assert panel.form.inputs.text() == str(tmp_path)
    assert main_window.menus.open_output.isEnabled() and main_window.menus.open_inputs.isEnabled()


def test_about_names_the_versions(main_window):
    text = main_window.menus.about_text()
    for name, version in versions().items():
        assert name in text and version in text
    assert versions()["Qt"].count(".") == 2
    assert "report.json" in main_window.menus.logs_text()


@pytest.mark.timeout(120)
def test_ctrl_r_starts_and_ctrl_dot_stops_the_current_panel(main_window, qtbot, tmp_path):
    panel = main_window.panels["demo"]
    main_window.tabs.setCurrentWidget(panel)
    panel.out_dir.set_text(str(tmp_path / "demo"))
    panel.files.setValue(200)
    panel.rows.setValue(20000)
    panel.workers.setValue(1)
    assert main_window.menus.start.shortcut() == QKeySequence("Ctrl+R") == START_SHORTCUT
    assert main_window.menus.stop.shortcut() == QKeySequence("Ctrl+.") == STOP_SHORTCUT
    main_window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main_window, timeout=5000)
    assert main_window.menus.start.isEnabled() and not main_window.menus.stop.isEnabled()
    qtbot.keyClick(main_window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert panel.is_running
    assert not main_window.menus.start.isEnabled() and main_window.menus.stop.isEnabled()
    qtbot.waitUntil(lambda: panel.job_progress is not None and panel.job_progress.rows > 0, timeout=60000)
    with qtbot.waitSignal(panel.job_finished, timeout=60000) as finished:
        qtbot.keyClick(main_window, Qt.Key.Key_Period, Qt.KeyboardModifier.ControlModifier)
    assert finished.args[0].cancelled
    assert main_window.menus.start.isEnabled() and not main_window.menus.stop.isEnabled()


def test_background_priority_is_a_checkable_view_setting_that_is_remembered(main_window):
    from PySide6.QtCore import QSettings

    from gui.priority_action import SETTINGS_KEY, BackgroundPriorityAction
    from gui.run_controller import AppServices
    from gui.status_poller import StatusPoller

    action = main_window.background_priority_action
    assert action in main_window.menus.view_menu.actions()
    assert action.isCheckable() and action.isChecked() and main_window.services.background_priority
    assert main_window.bottom.cornerWidget() is None  # no unlabelled toggle button beside the bottom tabs
    action.trigger()  # what a click on the menu entry does
    assert not action.isChecked() and not main_window.services.background_priority
    assert QSettings().value(SETTINGS_KEY, type=bool) is False
    services = AppServices(StatusPoller())
    assert not BackgroundPriorityAction(services).isChecked() and not services.background_priority  # next start
    action.trigger()
    assert action.isChecked() and main_window.services.background_priority
    assert QSettings().value(SETTINGS_KEY, type=bool) is True
