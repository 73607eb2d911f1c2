"""A real clean run and a real dialogues run in the Chinese window: the engine's log lines show in
Chinese in the Log view (numbers as the engine writes them), while the events keep the English
text the CLI prints (tests/test_engine_log_lines.py checks the CLI itself)."""

from __future__ import annotations

import json
import os
import re

import psutil
import pytest

from engine.demo.data import make_chat_frame
from engine.status import JobFinished, LogLine, TaskFailed
from gui.widgets.file_table import STATUS_COLUMN
from tests.clean_fixtures import write_good_inputs
from tests.gui_clean_support import clean_panel_filled
from tests.helpers import spawned_children, wait_no_children


def run_from(panel, qtbot, main_window) -> tuple[JobFinished, list[LogLine]]:
    """Start ``panel``'s job, wait for its end; (JobFinished, the run's LogLines as the engine sent them)."""
    main_window.tabs.setCurrentWidget(panel)
    sent: list[LogLine] = []
    keep = lambda message: sent.append(message) if isinstance(message, LogLine) else None  # noqa: E731
    main_window.poller.add_global_listener(keep)
    with qtbot.waitSignal(panel.job_finished, timeout=120000) as finished:
        assert panel.start_job()
    result: JobFinished = finished.args[0]
    assert result.ok, result.error
    return result, [line for line in sent if line.job == result.job]


def shown(main_window, job: str) -> list[str]:
    """The Log view's lines of ``job``, without their time stamp."""
    return [line.split("  ", 1)[1] for line in main_window.log_view.lines if f"[{job}] " in line]


@pytest.mark.timeout(150)
def test_a_clean_run_and_its_resume_are_logged_in_chinese(main_window, qtbot, tmp_path, chinese):
    write_good_inputs(tmp_path / "in", files=4, rows=700, seed=5)
    panel = clean_panel_filled(main_window, tmp_path / "in", tmp_path / "out", segment_files=2, out_format="csv")
    form = panel.form
    first, sent = run_from(panel, qtbot, main_window)
    english = sorted(line.text for line in sent if line.code == "segment_written")
    assert all(re.fullmatch(r"segment \d/2 written: clean_\d{5}-\d{5}\.csv \(\d,\d{3} rows\)", t) for t in english)
    assert len(english) == 2
    chinese_lines = sorted(line for line in shown(main_window, first.job) if "已写出" in line)
    expected = [
        re.sub(r"segment (\d/2) written: (\S+) \((\S+) rows\)", r"分段 \1 已写出：\2（\3 行）", t) for t in english
    ]
    assert chinese_lines == [f"[{first.job}] {text}" for text in expected]

    form.resume.setChecked(True)
    again, sent = run_from(panel, qtbot, main_window)
    form.resume.setChecked(False)  # the setting outlives the test (later tests' runs start afresh)
    assert [line.text for line in sent] == ["resuming: 2 of 2 segments already complete, skipped"]
    assert f"[{again.job}] 断点续跑：2 个分段中已有 2 个完成，已跳过" in shown(main_window, again.job)
    assert not any("segment" in line or "resuming" in line for line in main_window.log_view.lines)
    assert not wait_no_children(10.0)


@pytest.mark.timeout(150)
def test_a_dialogues_run_is_logged_in_chinese(main_window, qtbot, tmp_path, chinese):
    """Asked for more validation dialogues than half, on the smallest memory budget: the input line,
    both warnings and the closing line in Chinese."""
    paths = []
    for i in range(2):
        paths.append(tmp_path / f"chat_{i}.csv")
        make_chat_frame(2000, seed=3, file_index=i).to_csv(paths[-1], index=False)
    panel = main_window.panels["dialogues"]
    panel.inputs.set_text(";".join(str(p) for p in paths))
    out = tmp_path / "out"
    panel.out_dir.set_text(str(out))
    panel.val_size.setText("100000")
    panel.memory_mb.setValue(16)
    panel.workers.setValue(2)
    result, sent = run_from(panel, qtbot, main_window)
    by_code = {line.code: line for line in sent}
    assert list(by_code) == ["dialogues_inputs", "memory_budget_too_small", "validation_capped", "dialogues_done"]
    val, dialogues = result.summary["val_dialogues"], result.summary["dialogues"]
    train = result.summary["train_dialogues"]
    assert by_code["validation_capped"].text == (
        f"validation set capped at {val} dialogues (train keeps at least half of {dialogues})"
    )
    assert by_code["dialogues_inputs"].text == f"dialogues: 2 input file(s) → {out}"
    job = result.job
    lines = shown(main_window, job)
    assert f"[{job}] 对话：2 个输入文件 → {out}" in lines
    assert f"[{job}] 验证集上限为 {val} 段对话（训练集至少保留 {dialogues} 段中的一半）" in lines
    assert any(
        re.fullmatch(rf"\[{job}\] 内存预算 16 MB 太小：协调进程空闲时占用 \d+ MB，.*改为每次构建一个分区", x)
        for x in lines
    )
    done = [x for x in lines if x.startswith(f"[{job}] 对话：训练集 {train} 段 + 验证集 {val} 段对话，")]
    assert len(done) == 1 and re.search(r"，共 \d+ 句话，用时 \d+\.\d 秒$", done[0]), lines
    assert not any("dialogues:" in x or "memory budget" in x or "validation set" in x for x in lines)
    assert not wait_no_children(10.0)


@pytest.mark.timeout(150)
def test_the_pipeline_service_is_logged_in_chinese(main_window, qtbot, chinese):
    """A real service started from the Pipeline panel: its start, the model and the ingress lines in
    Chinese in the Log view, the events keeping the English the CLI prints."""
    from tests.gui_pipeline_support import pipeline_panel_on_free_port

    panel = pipeline_panel_on_free_port(main_window, max_delay_ms=50)
    sent: list[LogLine] = []
    keep = lambda message: sent.append(message) if isinstance(message, LogLine) else None  # noqa: E731
    main_window.poller.add_global_listener(keep)
    assert panel.start_job()
    codes = {"pipeline_starting", "model_ready", "ingress_listening"}
    qtbot.waitUntil(lambda: codes <= {line.code for line in sent}, timeout=60000)
    with qtbot.waitSignal(panel.job_finished, timeout=30000) as finished:
        panel.stop_job()
    job = finished.args[0].job
    by_code = {line.code: line for line in sent if line.job == job}
    assert by_code["pipeline_starting"].text.startswith("pipeline starting: 1 ingress, 1 preprocess, ")
    assert re.fullmatch(
        r"predictor-0: model \S+ ready in \d+\.\d\d s \(\d+ indexed pairs\)", by_code["model_ready"].text
    )
    lines = shown(main_window, job)
    assert any(
        x.startswith(f"[{job}] 流水线启动：1 个接入进程，1 个预处理进程，") and "组批方式 空闲，" in x for x in lines
    ), lines
    assert any(
        re.fullmatch(rf"\[{job}\] 推理进程-0：模型 \S+ 已就绪，用时 \d+\.\d\d 秒（已索引 \d+ 个问答对）", x)
        for x in lines
    )
    assert any(
        re.fullmatch(rf"\[{job}\] 接入进程 0 正在监听 http://127\.0\.0\.1:\d+（pid \d+，\S+ 事件循环）", x)
        for x in lines
    )
    assert not any("pipeline starting" in x or "indexed pairs" in x or "listening on" in x for x in lines)
    assert not wait_no_children(10.0)


def dask_workers_of_the_run() -> list[psutil.Process]:
    """The ``local:N`` cluster's worker processes: spawned children of the run's coordinator (itself
    a spawned child of this process)."""
    return [child for child in spawned_children(recursive=True) if child.ppid() != os.getpid()]


@pytest.mark.timeout(240)
def test_a_cluster_run_that_loses_its_worker_is_logged_in_chinese(main_window, qtbot, tmp_path, chinese):
    """A demo run on ``local:1`` whose only worker is SIGKILLed mid-run: the cluster's start, the
    task scheduled again and the replacement joining in Chinese; the events keep the English."""
    from gui.widgets.run_on import LOCAL_CLUSTER, THIS_MACHINE

    panel = main_window.panels["demo"]
    main_window.tabs.setCurrentWidget(panel)
    panel.out_dir.set_text(str(tmp_path))
    panel.files.setValue(3)
    panel.rows.setValue(40000)
    panel.run_on.set_choice(LOCAL_CLUSTER, 1)
    sent: list[LogLine] = []
    keep = lambda message: sent.append(message) if isinstance(message, LogLine) else None  # noqa: E731
    main_window.poller.add_global_listener(keep)
    try:
        with qtbot.waitSignal(panel.job_finished, timeout=200000) as finished:
            assert panel.start_job()
            qtbot.waitUntil(lambda: any(line.code == "cluster_running" for line in sent), timeout=120000)
            qtbot.waitUntil(lambda: panel.monitor.counter("rows") > 0, timeout=60000)
            victims = dask_workers_of_the_run()
            assert len(victims) == 1, victims
            victims[0].kill()
    finally:
        panel.run_on.set_choice(THIS_MACHINE)  # the choice is saved: later demo runs stay on this machine
    result: JobFinished = finished.args[0]
    assert result.ok, result.error
    assert result.summary["workers"] == 1  # the cluster's one worker, not the form's local count
    by_code = {line.code: line for line in sent if line.job == result.job}
    assert by_code["cluster_starting_local"].text == "starting a Dask cluster of 1 local workers…"
    assert re.fullmatch(
        r"running on the Dask cluster at tcp://127\.0\.0\.1:\d+ \(local:1\): 1 workers, 1 threads; "
        r"every worker reaches the data",
        by_code["cluster_running"].text,
    )
    assert re.fullmatch(
        r"dask worker tcp://127\.0\.0\.1:\d+ was running chat_\d{4}\.xlsx.*: scheduled again on the other workers",
        by_code["cluster_worker_rescheduled"].text,
    ), by_code
    job = result.job
    lines = shown(main_window, job)
    assert f"[{job}] 正在启动有 1 个本地工作进程的 Dask 集群…" in lines
    assert any(
        re.fullmatch(
            rf"\[{job}\] 运行于 tcp://127\.0\.0\.1:\d+（local:1）上的 Dask 集群：1 个工作进程，1 个线程；每个工作进程都能访问数据",
            x,
        )
        for x in lines
    ), lines
    assert any(re.fullmatch(rf"\[{job}\] Dask 工作进程 tcp://127\.0\.0\.1:\d+（pid \d+）意外退出", x) for x in lines)
    assert any(
        re.fullmatch(
            rf"\[{job}\] Dask 工作进程 tcp://127\.0\.0\.1:\d+ 当时正在运行 chat_.+：已重新安排到其他工作进程上", x
        )
        for x in lines
    ), lines
    assert any(re.fullmatch(rf"\[{job}\] Dask 工作进程 tcp://127\.0\.0\.1:\d+ 已加入集群", x) for x in lines), lines
    english = ("Dask cluster", "scheduled again", "joined the cluster", "attempts (", "worker died")
    assert not any(word in x for x in lines for word in english), lines
    assert not wait_no_children(10.0)


@pytest.mark.timeout(150)
def test_a_failed_segment_write_is_logged_in_chinese(main_window, qtbot, tmp_path, chinese):
    """A folder in the way of a segment's output: the segment's line, the failed task and the file
    rows in Chinese, the cause said by its errno; report.json and the events keep the CLI's English."""
    write_good_inputs(tmp_path / "in", files=4, rows=300, seed=3)
    out = tmp_path / "out"
    (out / "clean_00000-00001.csv").mkdir(parents=True)
    panel = clean_panel_filled(main_window, tmp_path / "in", out, segment_files=2, out_format="csv")
    failed: list[TaskFailed] = []
    main_window.poller.add_global_listener(lambda m: failed.append(m) if isinstance(m, TaskFailed) else None)
    result, sent = run_from(panel, qtbot, main_window)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    error = report["segments"][0]["error"]
    english = r"output not written: IsADirectoryError: \[Errno 21\] Is a directory: '(.+)' -> '(.+)'"
    match = re.fullmatch(english, error)
    assert match and match[2] == str(out / "clean_00000-00001.csv"), error
    # The segment's task failed, and so did its two files (their rows reached no output).
    ours = {f.key: f.reason for f in failed if f.job == result.job}
    assert ours == {("file", 0): error, ("file", 1): error, ("segment", 0): error}, ours
    assert [line.text for line in sent if line.code == "segment_error"] == [f"segment 1: {error}"]
    source, target = match[1], match[2]
    chinese_error = f"输出未写出：IsADirectoryError：是文件夹（Errno 21）：'{source}' -> '{target}'"
    lines = shown(main_window, result.job)
    assert f"[{result.job}] 分段 1：{chinese_error}" in lines
    assert f"[{result.job}] 正在写出 clean_00000-00001.csv: {chinese_error}" in lines
    reasons = [
        panel.file_table.item(row, column).text()
        for row in range(4)
        for column in range(panel.file_table.columnCount())
    ]
    assert chinese_error in reasons, reasons
    statuses = {key: panel.file_table.item(panel.file_table.row_of(key), STATUS_COLUMN).text() for key in ours}
    assert statuses == dict.fromkeys(ours, "失败"), statuses
    assert not any("Is a directory" in x for x in lines)
    assert not wait_no_children(10.0)


@pytest.mark.timeout(120)
def test_a_load_with_no_service_and_try_it_are_told_in_chinese(main_window, qtbot, chinese):
    """The load generator aimed at a port where the service is gone: its summary's statuses and
    connection errors in Chinese; "Try it" at that port says why in Chinese."""
    from tests.test_cluster_scheduler import free_port

    panel = main_window.panels["pipeline"]
    main_window.tabs.setCurrentWidget(panel)
    endpoint = f"http://127.0.0.1:{free_port()}"
    load = panel.load
    load.endpoint = endpoint
    load.rate.setValue(50)
    sent: list[LogLine] = []
    main_window.poller.add_global_listener(lambda m: sent.append(m) if isinstance(m, LogLine) else None)
    assert load.start()
    job = load.controller.run.job_id
    qtbot.waitUntil(lambda: "连接错误" in load.stats.text(), timeout=30000)
    load.stop()
    qtbot.waitUntil(lambda: any(line.code == "load_test" and line.job == job for line in sent), timeout=30000)
    summary = next(line for line in sent if line.code == "load_test" and line.job == job)
    assert re.match(r"load test: offered 50/s for \d+\.\d s: sent \d+, answered \d+ \(conn-error: \d+\)", summary.text)
    assert re.search(r"error ×\d+: ConnectionRefusedError: ", summary.text), summary.text
    lines = shown(main_window, job)
    assert any(re.search(r"已应答 \d+（连接错误：\d+）", x) for x in lines), lines
    assert any(re.search(r"错误 ×\d+：连接被拒绝（ConnectionRefusedError）：", x) for x in lines), lines
    assert not any("conn-error" in x or "error ×" in x for x in lines), lines
    load.endpoint = ""

    try_box = panel.try_box
    try_box.set_endpoint(endpoint)
    try_box.text.setText("请问这个还有货吗")
    try_box.send()
    qtbot.waitUntil(lambda: "ms 后" in try_box.answer.text(), timeout=20000)
    assert "无应答：连接被拒绝（服务在运行吗？）" in try_box.answer.text(), try_box.answer.text()
    try_box.set_endpoint("")
    qtbot.waitUntil(lambda: load.controller.run.finished, timeout=20000)
    assert not wait_no_children(10.0)
