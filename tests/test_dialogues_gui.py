"""The Dialogues panel runs a small job: phases, charts, preview side by side, files, report counts."""

from __future__ import annotations

import pytest

from engine.demo.data import make_chat_frame
from engine.status import JobFinished
from tests.dialogues_reference import read_like_gpt2_chitchat
from tests.helpers import wait_no_children


@pytest.fixture
def chat_inputs(tmp_path):
    paths = []
    for i in range(2):
        path = tmp_path / f"chat_{i}.csv"
        make_chat_frame(3000, seed=21, file_index=i).to_csv(path, index=False)
        paths.append(path)
    return paths


@pytest.mark.timeout(120)
def test_dialogues_job_from_the_panel(main_window, qtbot, tmp_path, chat_inputs):
    panel = main_window.panels["dialogues"]
    main_window.tabs.setCurrentWidget(panel)  # views refresh while they are shown
    out = tmp_path / "out"
    panel.inputs.set_text(";".join(str(p) for p in chat_inputs))
    panel.out_dir.set_text(str(out))
    panel.val_size.setText("20")
    panel.workers.setValue(2)
    with qtbot.waitSignal(panel.job_finished, timeout=90000) as finished:
        assert panel.start_job()
    result: JobFinished = finished.args[0]
    assert result.ok, result.error

    std = read_like_gpt2_chitchat(out / "std/train.txt")
    mmi = read_like_gpt2_chitchat(out / "mmi/train.txt")
    assert len(read_like_gpt2_chitchat(out / "std/val.txt")) == 20
    # The preview shows the first dialogues of the files, std and reversed side by side.
    shown_std = [d.split("\n") for d in panel.preview_std.toPlainText().split("\n\n")]
    shown_mmi = [d.split("\n") for d in panel.preview_mmi.toPlainText().split("\n\n")]
    assert shown_std and shown_std == std[: len(shown_std)]
    assert shown_mmi == [d[::-1] for d in shown_std] == mmi[: len(shown_mmi)]

    for stage, box in panel.phase_progress.items():
        assert box.percent == 100.0, stage
    t, rates = panel.throughput_chart.curve("rows/s").getData()
    assert len(t) >= 1
    # The progress model's last word on the writer queue is its bound; every point drawn agrees (a
    # run this small may end before a history point of the queue is taken).
    assert panel.job_progress.writer_queue_bound == result.summary["writer_queue_bound"]
    if "bound" in panel.queue_chart.series_names():
        _, bound = panel.queue_chart.curve("bound").getData()
        assert set(bound.tolist()) == {result.summary["writer_queue_bound"]}
    assert any(name == "coordinator" for name in panel.rss_chart.series_names())
    text = panel.summary.text()
    assert f"{result.summary['train_dialogues']:,}" in text and "Peak RSS" in text
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()
    assert not wait_no_children(10.0)


@pytest.mark.timeout(120)
def test_panel_refuses_bad_settings(main_window, monkeypatch, tmp_path, chat_inputs):
    from PySide6.QtWidgets import QMessageBox

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    panel = main_window.panels["dialogues"]
    panel.inputs.set_text(str(tmp_path / "nothing-here.csv"))
    assert not panel.start_job()
    panel.inputs.set_text(str(chat_inputs[0]))
    panel.val_size.setText("1.5")
    assert not panel.start_job()
    assert len(warnings) == 2 and "Not found" in warnings[0] and "Val size" in warnings[1]
    assert panel.run is None
