"""The window asks before a run replaces an earlier run's outputs, and shows run-wide errors
before starting anything (issue 15, items 1 and 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from engine.demo.report import REPORT_NAME as DEMO_REPORT


def earlier_demo_run(folder: Path, files: int) -> list[str]:
    """A folder as an earlier demo run leaves it: its files and the report listing them."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"chat_{i:04d}.xlsx" for i in range(files)]
    for name in names:
        (folder / name).write_bytes(b"earlier run")
    report = {"job": "demo", "status": "finished", "outputs": [str(folder / n) for n in names]}
    (folder / DEMO_REPORT).write_text(json.dumps(report))
    (folder / "notes.txt").write_text("mine")
    return names


class Answers:
    """QMessageBox.question replaced: records what was asked, answers as told."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, answer: QMessageBox.StandardButton) -> None:
        self.asked: list[tuple[str, str]] = []
        self.answer = answer
        monkeypatch.setattr(QMessageBox, "question", self._question)
        monkeypatch.setattr(QMessageBox, "warning", self._warning)

    def _question(self, parent, title, text, buttons=None, default=None):  # noqa: ANN001 - Qt's signature
        self.asked.append((title, text))
        return self.answer

    @staticmethod
    def _warning(parent, title, text, *args):  # noqa: ANN001 - Qt's signature
        """A modal warning would wait for a click that never comes: fail with what it said."""
        raise AssertionError(f"unexpected warning {title!r}: {text}")


@pytest.mark.timeout(120)
def test_demo_panel_asks_no_starts_nothing_yes_replaces_only_the_listed_files(
    main_window, qtbot, tmp_path, monkeypatch
):
    out = tmp_path / "demo"
    names = earlier_demo_run(out, 3)
    panel = main_window.panels["demo"]
    main_window.tabs.setCurrentWidget(panel)
    panel.out_dir.set_text(str(out))
    panel.files.setValue(1)
    panel.rows.setValue(200)
    panel.workers.setValue(1)

    answers = Answers(monkeypatch, QMessageBox.StandardButton.No)
    assert not panel.start_job()
    assert panel.run is None and panel.start_button.isEnabled()
    title, text = answers.asked[-1]
    assert title == "Replace the earlier outputs?"
    assert all(name in text for name in names) and str(out) in text and "Demo data" in text
    assert all((out / name).read_bytes() == b"earlier run" for name in names)

    answers.answer = QMessageBox.StandardButton.Yes
    with qtbot.waitSignal(panel.job_finished, timeout=90000) as finished:
        assert panel.start_job()
    assert finished.args[0].ok, finished.args[0].error
    assert len(answers.asked) == 2
    assert sorted(p.name for p in out.iterdir()) == ["chat_0000.xlsx", DEMO_REPORT, "notes.txt"]
    assert (out / "chat_0000.xlsx").read_bytes() != b"earlier run"
    assert (out / "notes.txt").read_text() == "mine"


@pytest.mark.timeout(60)
def test_clean_and_dialogues_panels_ask_before_overwriting(main_window, tmp_path, monkeypatch):
    inputs = tmp_path / "in"
    earlier_demo_run(inputs, 2)  # what the panels read: listed files (never opened: the answer is No)
    (inputs / "notes.txt").unlink()
    out = tmp_path / "out"
    out.mkdir()
    (out / "clean_00000-00001.csv").write_text("x")
    (out / "report.json").write_text(
        json.dumps({"job": "clean", "status": "finished", "outputs": [str(out / "clean_00000-00001.csv")]})
    )
    answers = Answers(monkeypatch, QMessageBox.StandardButton.No)
    monkeypatch.setattr("engine.preflight.check_columns", lambda files, columns: None)  # the files are fake
    clean = main_window.panels["clean"]
    clean.form.inputs.set_text(str(inputs))
    clean.form.out_dir.set_text(str(out))
    clean.form.resume.setChecked(False)  # the panels' settings outlive a test: an earlier one resumed
    assert not clean.start_job() and clean.run is None
    assert "clean_00000-00001.csv" in answers.asked[-1][1]

    dialogues = main_window.panels["dialogues"]
    dialogues.inputs.set_text(str(inputs))
    dialogues.out_dir.set_text(str(out))
    assert not dialogues.start_job() and dialogues.run is None
    assert len(answers.asked) == 2 and (out / "clean_00000-00001.csv").is_file()


@pytest.mark.timeout(120)
def test_a_wrong_column_is_shown_in_the_panel_before_any_process(main_window, tmp_path, monkeypatch):
    from engine.demo.data import COLUMNS

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.csv").write_text(",".join(COLUMNS) + "\n" + ",".join("x" for _ in COLUMNS) + "\n", encoding="utf-8")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    panel = main_window.panels["clean"]
    panel.form.inputs.set_text(str(inputs))
    panel.form.out_dir.set_text(str(tmp_path / "out"))
    panel.form.columns.setText("content=消息")
    assert not panel.start_job()
    assert panel.run is None and not (tmp_path / "out").exists()
    assert "content=消息内容" in shown[-1]
