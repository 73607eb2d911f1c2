"""The Clean panel's file table finds a file's row by the task key, by path only without one."""

from __future__ import annotations

from engine.status import TaskFailed, TaskFinished


def finished(key, path, rows_in=10):
    return TaskFinished(
        "clean-1",
        f"#{key[1] + 1 if key else 0} x",
        "clean 1",
        1.0,
        0.5,
        summary={"path": path, "rows_in": rows_in, "rows_out": rows_in, "dropped": {}},
        key=key,
    )


def test_rows_are_found_by_key_then_by_path(qtbot):
    from gui.widgets.file_table import FileTable

    table = FileTable()
    qtbot.addWidget(table)
    first = table.add_finished(finished(("file", 2), "/in/a.xlsx"))
    table.add_finished(finished(("file", 3), "/in/a.xlsx"))  # same path, another input: its own row
    again = table.add_failed(
        TaskFailed("clean-1", "#3 a.xlsx", "clean 2", 2.0, "lost with its segment", key=("file", 2))
    )
    assert first == again == 0 and table.rowCount() == 2
    assert table.visible_rows()[0][1:] == ("failed", "lost with its segment")
    no_key = table.add_finished(finished(None, "/in/b.xlsx"))
    assert table.add_finished(finished(None, "/in/b.xlsx", rows_in=20)) == no_key == 2  # by path
    assert table.cell_text(2, 2) == "20" and (table.count("ok"), table.count("failed")) == (2, 1)
    table.set_only_failed(True)
    assert [r[1] for r in table.visible_rows()] == ["failed"]
    table.clear_rows()
    assert table.add_finished(finished(("file", 2), "/in/a.xlsx")) == 0


def test_the_clean_panel_maps_a_key_to_its_input(main_window):
    panel = main_window.panels["clean"]
    panel._index_of_path = {"/in/b.xlsx": 5}
    assert panel.file_index(finished(("file", 7), "/in/b.xlsx")) == 7  # the key wins over the path
    assert panel.file_index(finished(None, "/in/b.xlsx")) == 5
    segment = TaskFailed("clean-1", "segment 0", "clean 1", 1.0, "disk full", key=("segment", 0))
    assert panel.file_index(segment) is None
