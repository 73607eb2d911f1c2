"""Start remembers its form off the GUI thread (a settings write ends in an fsync), and nothing is lost."""

from __future__ import annotations

import threading

from PySide6.QtCore import QSettings

from gui.settings_writer import SettingsWriter, flush_settings
from gui.widgets.path_picker import RECENT_KEY, recent_folders


def test_saved_values_are_written_by_the_writer_thread_and_readable(qtbot, monkeypatch):
    threads: dict[str, str] = {}
    original = QSettings.setValue

    def recording(self, key, value):
        threads[key] = threading.current_thread().name
        return original(self, key, value)

    monkeypatch.setattr(QSettings, "setValue", recording)
    writer = SettingsWriter()
    writer.save({"test/writer_a": 3, "test/writer_b": "x"})
    writer.save({"test/writer_a": 4})  # the latest value of a key wins
    assert writer.flush(10.0)
    assert writer.pending_value("test/writer_a", "none") == "none"
    assert QSettings().value("test/writer_a", type=int) == 4 and QSettings().value("test/writer_b") == "x"
    assert threads["test/writer_a"] == threads["test/writer_b"] == "settings-writer"


def test_start_writes_no_setting_on_the_gui_thread(main_window, qtbot, monkeypatch, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "chat.csv").write_text("x\n", encoding="utf-8")
    gui_thread_keys: list[str] = []
    original = QSettings.setValue

    def recording(self, key, value):
        if threading.current_thread() is threading.main_thread():
            gui_thread_keys.append(key)
        return original(self, key, value)

    monkeypatch.setattr(QSettings, "setValue", recording)
    panel = main_window.panels["dialogues"]
    panel.inputs.set_text(str(tmp_path / "in"))
    panel.out_dir.set_text(str(tmp_path / "out"))
    panel.seed.setValue(12345)
    panel.make_config()  # what Start does before it starts the run
    # Read at once, before the writer may have run: the recent folders already list both folders
    # (the output folder's parent last, so newest).
    assert recent_folders()[:2] == [str(tmp_path.resolve()), str((tmp_path / "in").resolve())]
    assert flush_settings(10.0)
    assert gui_thread_keys == []
    settings = QSettings()
    assert settings.value("dialogues/seed", type=int) == 12345
    assert settings.value(panel.inputs.settings_key) == str(tmp_path / "in")
    assert str((tmp_path / "in").resolve()) in settings.value(RECENT_KEY)


def test_pending_value_covers_the_time_before_the_write(qtbot):
    writer = SettingsWriter()
    writer.start()
    with writer._changed:  # holding the writer's lock (re-entrant): it cannot take what is saved yet
        writer.save({"test/pending": "soon"})
        assert writer.pending_value("test/pending") == "soon"
        assert QSettings().value("test/pending") is None
    assert writer.flush(10.0)
    assert QSettings().value("test/pending") == "soon"
