"""Engine errors in the window's language: by code and params, the English text kept for the CLI."""

from __future__ import annotations

import json

import pytest

from engine.coded_errors import ENGLISH, english
from engine.status import JobFinished, LogLine, TaskFailed, WorkerExited
from gui.engine_message_texts import MESSAGES
from gui.engine_messages import engine_text, failure_text
from tests.clean_fixtures import write_good_inputs
from tests.cli_support import injected_env
from tests.helpers import wait_no_children


def test_the_gui_catalogue_has_every_engine_code_with_the_engine_text():
    assert dict(MESSAGES) == dict(ENGLISH)


def test_a_coded_reader_error_keeps_its_english_text(tmp_path):
    from engine.clean.config import ColumnMap
    from engine.tables.readers import InputError, read_input_table

    (tmp_path / "zero.xlsx").write_bytes(b"")
    with pytest.raises(InputError) as raised:
        read_input_table(tmp_path / "zero.xlsx", ColumnMap())
    assert str(raised.value) == "empty file (0 bytes)"
    assert (raised.value.code, raised.value.params) == ("empty_file", {})
    assert english("cannot_open", {"cause": "Permission denied"}) == "cannot open: Permission denied"


def test_messages_show_in_chinese_by_code_and_in_english_without_one(chinese):
    disk = {"target": "/out/clean_00001.xlsx", "cause": "No space left on device (ENOSPC)", "errno": "ENOSPC"}
    text = english("disk_fault", disk)
    finished = JobFinished("clean-1", 0.0, ok=False, error=text, code="disk_fault", params=disk)
    assert failure_text(finished) == "无法写入 /out/clean_00001.xlsx：磁盘空间不足 (ENOSPC)"
    failed = TaskFailed("clean-1", "a.xlsx", "w1", 0.0, "empty file (0 bytes)", code="empty_file")
    assert failure_text(failed) == "空文件（0 字节）"
    missing = {"names": "消息内容", "where": " in sheet 'S2'", "sheet": "'S2'", "found": "a, b"}
    assert engine_text("missing_column", missing, "") == "缺少列 消息内容（工作表 'S2'）；找到的列：a, b"
    # no code, an unknown code, params that do not fit: the engine's own English text
    assert failure_text(TaskFailed("clean-1", "a.xlsx", "w1", 0.0, "ValueError: bad cell")) == "ValueError: bad cell"
    assert engine_text("from_a_newer_engine", {}, "new text") == "new text"
    assert engine_text("cannot_open", {}, "cannot open: ?") == "cannot open: ?"


def test_the_english_window_shows_the_engine_text_as_it_is():
    disk = {"target": "/out/x.xlsx", "cause": "No space left on device (ENOSPC)", "errno": "ENOSPC"}
    # not re-formatted from the catalogue: whatever the engine said (e.g. a platform's own strerror)
    assert (
        engine_text("disk_fault", disk, "cannot write /out/x.xlsx: Disk full") == "cannot write /out/x.xlsx: Disk full"
    )


@pytest.mark.timeout(150)
def test_a_failed_file_and_a_full_disk_show_in_chinese(main_window, qtbot, tmp_path, monkeypatch, chinese):
    """A real run (spawned workers): the empty file's row and the full disk's summary and Log line in
    Chinese, while report.json and JobFinished keep the English text the CLI prints."""
    for name, value in injected_env(MPWATCH_TEST_FULL_DISK="clean_00002-00003").items():
        monkeypatch.setenv(name, value)
    write_good_inputs(tmp_path / "in", files=4, rows=500, seed=4)
    (tmp_path / "in" / "a_zero.xlsx").write_bytes(b"")  # sorted first: read long before segment 2 is written
    out = tmp_path / "out"
    panel = main_window.panels["clean"]
    main_window.tabs.setCurrentWidget(panel)
    form = panel.form
    form.inputs.set_text(str(tmp_path / "in"))
    form.out_dir.set_text(str(out))
    form.workers.setValue(1)  # files in order: a_zero.xlsx fails before the second segment is written
    form.segment_files.setValue(2)
    form.out_format.setCurrentText("xlsx")
    form.resume.setChecked(False)
    with qtbot.waitSignal(panel.job_finished, timeout=120000) as finished:
        assert panel.start_job()
    result: JobFinished = finished.args[0]
    where = str(out / "clean_00002-00003.xlsx")
    assert result.error == f"cannot write {where}: No space left on device (ENOSPC)"  # the CLI's text
    assert result.code == "disk_fault" and result.params["errno"] == "ENOSPC"
    shown = f"无法写入 {where}：磁盘空间不足 (ENOSPC)"
    assert shown in panel.summary.text()
    assert any(shown in line for line in main_window.log_view.lines)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["error"] == result.error
    assert [e["error"] for e in report["files"] if e["path"].endswith("a_zero.xlsx")] == ["empty file (0 bytes)"]
    rows = {name.split(" ", 1)[1]: error for name, _status, error in panel.file_table.visible_rows()}
    assert rows["a_zero.xlsx"] == "空文件（0 字节）"
    assert not wait_no_children(10.0)


def test_process_roles_show_in_chinese_with_their_number_or_address(chinese):
    from engine.cluster.worker_events import worker_role
    from engine.dialogues.job import READER_STAGE
    from engine.dialogues.writer import WRITER_ROLE
    from gui.terms import process_role

    assert process_role("coordinator") == "协调进程"
    assert process_role("writer 2") == "写入进程 2"
    assert process_role("clean 12") == "清洗进程 12"
    assert process_role(f"{READER_STAGE} 1") == "读取进程 1"
    assert process_role(WRITER_ROLE) == "mmi 写入进程"
    assert process_role("predictor-0") == "推理进程-0"
    assert process_role("ingress") == "接入进程"
    assert process_role(worker_role("tcp://127.0.0.1:40123")) == "Dask 工作进程 tcp://127.0.0.1:40123"
    assert process_role("a role from a newer engine 3") == "a role from a newer engine 3"


def test_process_roles_stay_the_engine_words_in_english():
    from gui.terms import process_role

    for role in ("coordinator", "writer 2", "clean 12", "mmi-writer", "predictor-0", "loadgen"):
        assert process_role(role) == role


def test_a_run_wide_problem_and_its_hint_show_in_chinese(chinese, tmp_path):
    from engine.clean.config import ColumnMap
    from engine.preflight import PreflightError, check_columns, check_inputs, check_out_dir
    from gui.engine_messages import preflight_text

    write_good_inputs(tmp_path / "in", files=2, rows=20, seed=1)
    files = check_inputs((tmp_path / "in",), tmp_path / "out")
    with pytest.raises(PreflightError) as wrong_column:
        check_columns(files, ColumnMap(content="消息"))
    assert preflight_text(wrong_column.value) == (
        f"在 {files[0].name} 及检查的其他 1 个文件中都找不到列 消息 (content)；"
        "找到的列：坐席id, 坐席昵称, 客户微信id, 是否客服, 消息类型, 消息内容, 消息时间\n提示：是否应在“列名映射”中填写 content=消息内容？"
    )
    with pytest.raises(PreflightError) as missing:
        check_inputs((tmp_path / "nowhere",), tmp_path / "out")
    assert preflight_text(missing.value).startswith(f"找不到输入：{tmp_path / 'nowhere'}\n提示：请检查路径")
    (tmp_path / "a-file").write_text("")
    with pytest.raises(PreflightError) as out_is_file:
        check_out_dir(tmp_path / "a-file")
    assert (
        preflight_text(out_is_file.value)
        == f"输出文件夹 {tmp_path / 'a-file'} 是一个文件，不是文件夹\n提示：请为输出指定一个文件夹（不存在时会自动创建）"
    )
    # a form's own ValueError (no code) shows as it is
    assert preflight_text(ValueError("Columns: nonsense")) == "Columns: nonsense"


def test_a_run_wide_problem_keeps_the_engine_text_in_english(tmp_path):
    from engine.preflight import PreflightError, check_inputs
    from gui.engine_messages import preflight_text

    with pytest.raises(PreflightError) as missing:
        check_inputs((tmp_path / "nowhere",), tmp_path / "out")
    expected = (
        f"input not found: {tmp_path / 'nowhere'}\nhint: check the path (files, folders or glob patterns in quotes)"
    )
    assert str(missing.value) == expected and preflight_text(missing.value) == expected


EXITS = [
    WorkerExited("j", "writer 1", 42, 0.0, exitcode=-9, expected=False),
    WorkerExited("j", "predictor-0", 42, 0.0, exitcode=3, expected=False),
    WorkerExited("j", "dask worker tcp://127.0.0.1:4000", 42, 0.0, exitcode=None, expected=False),
    WorkerExited("j", "dask worker tcp://127.0.0.1:4000", 0, 0.0, exitcode=None, expected=True),
]


def test_a_dead_process_and_its_restart_are_logged_in_chinese(chinese):
    from gui.engine_messages import worker_exited_text

    assert [worker_exited_text(e) for e in EXITS] == [
        "写入进程 1（pid 42）被 SIGKILL 终止",
        "推理进程-0（pid 42）退出，退出码 3",
        "Dask 工作进程 tcp://127.0.0.1:4000（pid 42）意外退出",
        "Dask 工作进程 tcp://127.0.0.1:4000 已离开",
    ]
    params = {"restarts": 1, "most": 3, **EXITS[0].as_params()}
    line = LogLine("j", "warning", english("restarting", params), 0.0, code="restarting", params=params)
    assert line.text == "writer 1 (pid 42) killed by SIGKILL; restarting it (1/3)"
    assert failure_text(line) == "写入进程 1（pid 42）被 SIGKILL 终止；正在重启（1/3）"


def test_a_dead_process_reads_as_the_engine_says_it_in_english():
    from gui.engine_messages import worker_exited_text

    assert [worker_exited_text(e) for e in EXITS] == [e.describe() for e in EXITS]


def test_a_task_whose_worker_died_is_told_in_chinese(chinese):
    died = {"worker": "clean 2", "pid": 42, "task": "a.xlsx", "exitcode": -9, "exit": "signal 9 (SIGKILL)"}
    retry = {"attempt": 2, "attempts": 3, **died}
    line = LogLine("j", "warning", english("worker_died_retrying", retry), 0.0, "worker_died_retrying", retry)
    assert line.text == "clean 2 (pid 42) died on a.xlsx: worker died (signal 9 (SIGKILL)); retrying (attempt 2 of 3)"
    assert (
        failure_text(line)
        == "清洗进程 2（pid 42）处理 a.xlsx 时意外退出（信号 9（SIGKILL））；正在重试（第 2 次，共 3 次）"
    )
    params = {"exit": "exit code 3", "exitcode": 3, "attempts": 3}
    reason = english("worker_died_on_all_attempts", params)
    failed = TaskFailed("j", "a.xlsx", "clean 2", 0.0, reason, code="worker_died_on_all_attempts", params=params)
    assert failure_text(failed) == "工作进程在全部 3 次尝试中都意外退出（退出码 3）"


def test_a_run_log_line_keeps_its_numbers_as_the_engine_writes_them(chinese):
    written = {"segment": 1, "segments": 4, "name": "clean_00000-00024.xlsx", "rows": 452310}
    line = LogLine("clean-1", "info", english("segment_written", written), 0.0, "segment_written", written)
    assert line.text == "segment 1/4 written: clean_00000-00024.xlsx (452,310 rows)"
    assert failure_text(line) == "分段 1/4 已写出：clean_00000-00024.xlsx（452,310 行）"
    budget = {"budget_mb": 16.0, "resting_mb": 133.49, "needed_mb": 0.28}
    line = LogLine("d-1", "warning", english("memory_budget_too_small", budget), 0.0, "memory_budget_too_small", budget)
    assert line.text.startswith("memory budget 16 MB is too small: the coordinator uses 133 MB at rest")
    assert failure_text(line) == (
        "内存预算 16 MB 太小：协调进程空闲时占用 133 MB，最大的分区还需约 0 MB；改为每次构建一个分区"
    )


def test_a_message_inside_a_log_line_is_translated_by_its_own_code(chinese):
    """report.json not updated: <a disk fault>, segment 2: output not written: <a reader error>:
    the English line built from the inner texts, the Chinese one from the inner codes."""
    import queue

    from engine.clean.log_lines import segment_error
    from engine.coded_errors import inner, inner_error
    from engine.context import JobContext
    from engine.disk_fault import DiskFault

    cause = "No space left on device (ENOSPC)"
    fault = DiskFault.coded("disk_fault", target="/out/report.json", cause=cause, errno="ENOSPC")
    params = {"report": "report.json", **inner_error("error", fault)}
    line = LogLine("clean-1", "error", english("report_not_updated", params), 0.0, "report_not_updated", params)
    assert line.text == f"report.json not updated: cannot write /out/report.json: {cause}"
    assert failure_text(line) == "report.json 未更新：无法写入 /out/report.json：磁盘空间不足 (ENOSPC)"

    events: queue.Queue = queue.Queue()
    ctx = JobContext("clean-1", events)
    empty = inner("error", "empty file (0 bytes)", "empty_file", {})
    assert segment_error(ctx, 1, "segment_not_written", **empty) == "output not written: empty file (0 bytes)"
    logged = events.get_nowait()
    assert (logged.level, logged.text) == ("error", "segment 2: output not written: empty file (0 bytes)")
    assert failure_text(logged) == "分段 2：输出未写出：空文件（0 字节）"
    # an inner text without a code stays the engine's English inside the translated sentence
    segment_error(ctx, 0, "segment_not_written", **inner("error", "ValueError: bad cell"))
    assert failure_text(events.get_nowait()) == "分段 1：输出未写出：ValueError: bad cell"


def test_a_failed_job_says_its_sentence_in_chinese_and_keeps_its_traceback(chinese):
    import queue

    from engine.context import JobContext
    from engine.runner import run_job
    from gui.log_view import LogView

    def crash(config, ctx):
        raise ZeroDivisionError("the job's own bug")

    events: queue.Queue = queue.Queue()
    finished = run_job(crash, None, JobContext("clean-7", events))
    lines = [m for m in iter(events.get_nowait, finished) if isinstance(m, LogLine)]
    assert finished.error == "ZeroDivisionError: the job's own bug" and len(lines) == 1
    reason, traceback = lines[0].text.split("\n", 1)
    assert reason == "job failed: ZeroDivisionError: the job's own bug"  # what the CLI prints
    assert traceback.startswith("Traceback (most recent call last):") and "raise ZeroDivisionError" in traceback
    assert failure_text(lines[0]) == f"任务失败：ZeroDivisionError：the job's own bug\n{traceback}"
    assert failure_text(finished) == "ZeroDivisionError：the job's own bug"  # the run's failure line
    view = LogView()
    view.on_message(lines[0])
    assert view.lines[-1].endswith("[clean-7] 任务失败：ZeroDivisionError：the job's own bug")
    assert "raise ZeroDivisionError" in view.toPlainText()  # the traceback below it, as it was

    def refused(config, ctx):
        raise PermissionError(13, "Permission denied", "/data/out/x.csv")

    finished = run_job(refused, None, JobContext("clean-8", events))
    assert finished.error == "PermissionError: [Errno 13] Permission denied: '/data/out/x.csv'"
    assert failure_text(finished) == "PermissionError：权限不足（Errno 13）：'/data/out/x.csv'"


def test_the_pipeline_lines_with_parts_show_in_chinese(chinese):
    """A line built of parts (the load test's summary, a lock's name, a dead stage, the stages left)
    is said in Chinese part by part; the English event keeps the text the CLI prints."""
    from engine.pipeline.loadtest import LoadtestResult
    from engine.pipeline.log_lines import lock_params

    result = LoadtestResult(
        offered_rate_per_s=50.0, duration_s=2.0, sent=100, answered=98, skipped_at_cap=2, by_status={200: 98},
        throughput_per_s=49.0, p50_ms=1.25, p95_ms=2.5, p99_ms=3.75, max_ms=9.0, errors=(("timeout", 2),),
    )  # fmt: skip
    lines = [[code, params] for code, params in result.lines()]
    params = {"result": result.describe().replace("\n", "; "), "result_lines": lines}
    line = LogLine("j", "info", english("load_test", params), 0.0, "load_test", params)
    assert line.text.startswith("load test: offered 50/s for 2.0 s: sent 100, answered 98 (200: 98), 2 not sent")
    assert failure_text(line) == (
        "负载测试：以 50/秒 施压 2.0 秒：已发送 100，已应答 98（200 成功：98），2 个未发送（并发上限）；"
        "吞吐量 49.0 个应答/秒（状态 200）；200 应答的延迟：p50 1.2 毫秒，p95 2.5 毫秒，p99 3.8 毫秒，最大 9.0 毫秒；"
        "服务内部 p99 0.0 毫秒；压测端自身滞后 p99 0.0 毫秒；错误 ×2：timeout"
    )
    died = WorkerExited(job="j", role="batcher", pid=77, t=0.0, exitcode=-9, expected=False)
    cases = [
        ("lock_released", dict(worker="batcher", **lock_params("writer lock")), "组批进程退出时仍持有所用队列的写入锁；已将其释放"),
        ("stage_died", dict(count=3, **died.as_params()), "组批进程（pid 77）被 SIGKILL 终止；3 个处理中的请求已以错误应答"),
        ("stages_left_after_drain", dict(stages="batcher, ingress-0", roles=["batcher", "ingress-0"]),
         "排空后仍有阶段在运行，正在结束它们：组批进程, 接入进程-0"),
    ]  # fmt: skip
    for code, params, chinese_text in cases:
        assert engine_text(code, params, english(code, params)) == chinese_text, code


def test_the_cluster_lines_and_errors_show_in_chinese(chinese):
    """The cluster's lines, a task that failed with an OSError, the data-reach error line by line and
    the load generator's statuses and errors: in Chinese part by part, each event keeping its English."""
    from engine.cluster.local_workers import LocalWorkerFailed
    from engine.coded_errors import code_and_params, inner_coded, inner_exception, inner_lines

    worker = "dask worker tcp://127.0.0.1:40211"
    rescheduled = {"worker": worker, "tasks": "chat_0001.xlsx"}
    assert engine_text("cluster_worker_rescheduled", rescheduled, "") == (
        "Dask 工作进程 tcp://127.0.0.1:40211 当时正在运行 chat_0001.xlsx：已重新安排到其他工作进程上"
    )
    crash = LocalWorkerFailed.coded(
        "local_worker_crash_loop", number=1, count=1, pid=77, exit="exit code 3", exitcode=3, failures=3
    )
    lost = inner_coded("failure", crash.code, **crash.params)
    assert engine_text("cluster_failed_in_flight", {"tasks": 2, **lost}, "") == (
        "本地 Dask 工作进程 1/1（pid 77）在启动完成前就已结束（退出码 3），已连续 3 次：不再重新启动（2 个任务正在执行）"
    )
    problems = [
        (
            "reach_cannot_read",
            dict(address="tcp://h:1", path="/d/a.csv", cause="No such file or directory", errno="ENOENT"),
        ),
        ("reach_cannot_write", dict(address="tcp://h:1", path="/d/out", cause="Not a directory", errno="ENOTDIR")),
    ]
    reach = inner_lines("problems", problems, "\n")
    finished = JobFinished(
        "clean-1", 0.0, ok=False, error=english("reach_failed", reach), code="reach_failed", params=reach
    )
    assert failure_text(finished) == (
        "集群的工作进程无法访问数据（工作进程按路径读写，因此每台主机都需要相同的路径）：\n"
        "工作进程 tcp://h:1 无法读取 /d/a.csv：文件或文件夹不存在\n工作进程 tcp://h:1 无法写入 /d/out：不是文件夹"
    )
    code, params = code_and_params(IsADirectoryError(21, "Is a directory", "/o/a.tmp", None, "/o/a.csv"))
    error = inner_exception("error", "IsADirectoryError", english(code, params))
    error["error_params"].update(detail_code=code, detail_params=params)
    assert engine_text("segment_not_written", error, "") == (
        "输出未写出：IsADirectoryError：是文件夹（Errno 21）：'/o/a.tmp' -> '/o/a.csv'"
    )
    statuses = inner_lines(
        "statuses", [("load_conn_errors", {"count": 2}), ("load_status_count", {"http_status": 503, "count": 5})], ", "
    )
    assert engine_text(
        "load_offered", dict(rate=5, duration_s=1.0, sent=7, answered=7, skipped="", **statuses), ""
    ) == ("以 5/秒 施压 1.0 秒：已发送 7，已应答 7（连接错误：2，503 服务不可用：5）")
    shed = inner_coded("error", "http_error", http_status=503, reason="shed: retry later")
    assert engine_text("load_error", {"count": 5, **shed}, "") == "错误 ×5：503 服务不可用：shed: retry later"
    timeout = inner_exception("error", "TimeoutError", "")
    assert engine_text("load_error", {"count": 1, **timeout}, "") == "错误 ×1：超时（TimeoutError）"
    odd = inner_coded("error", "http_error", http_status=599, reason="?")  # no phrase: the number alone
    assert engine_text("load_error", {"count": 1, **odd}, "") == "错误 ×1：599：?"


def test_the_english_window_keeps_the_cluster_lines_word_for_word():
    from engine.coded_errors import inner_exception, inner_lines

    statuses = inner_lines("statuses", [("load_status_count", {"http_status": 503, "count": 5})], ", ")
    params = dict(rate=5, duration_s=1.0, sent=5, answered=5, skipped="", **statuses)
    assert engine_text("load_offered", params, english("load_offered", params)) == english("load_offered", params)
    timeout = inner_exception("error", "TimeoutError", "")
    assert engine_text("load_error", {"count": 1, **timeout}, "error ×1: TimeoutError") == "error ×1: TimeoutError"


TASK_LABELS = [
    ("writing clean_00000-00001.csv", "正在写出 clean_00000-00001.csv"),
    ("count partitions 0–3", "统计 分区 0–3"),
    ("build partition 7", "构建 分区 7"),
    ("batch of 64", "一批 64 条"),
    ("building the model", "正在构建模型"),
    ("3 file(s)", "3 个文件"),
    ("2 group(s) on the cluster", "集群上的 2 个分组"),
    # a file's label is its name, whatever words it holds
    ("#3 writing plan.xlsx", "#3 writing plan.xlsx"),
    ("#4 batch of 64.csv", "#4 batch of 64.csv"),
    ("batch of many", "batch of many"),  # not the form: a count is digits
]


def test_task_labels_and_current_activities_show_in_chinese_by_their_form(chinese):
    from gui.engine_messages import task_text

    assert [task_text(label) for label, _ in TASK_LABELS] == [zh for _, zh in TASK_LABELS]
    # inside a message: the cluster's "{task} failed: {reason}"
    params = {"task": "writing a.csv", "reason": "worker died"}
    assert engine_text("task_failed", params, english("task_failed", params)) == "正在写出 a.csv 失败：worker died"


def test_task_labels_stay_the_engine_words_in_english():
    from gui.engine_messages import task_text

    assert [task_text(label) for label, _ in TASK_LABELS] == [label for label, _ in TASK_LABELS]


def test_the_service_refusals_show_in_chinese_by_their_code(chinese):
    """A 503's JSON body carries its reason's code and params beside the English: the load test's
    error lines and the Try-it answer say it in the window's language."""
    from engine.coded_errors import CodedText, inner, inner_coded
    from engine.pipeline.loadtest import error_reason
    from gui.panels.pipeline_try import service_reason

    shed = CodedText.of("shed_predicted", target_ms=100.0)
    body = json.dumps({"id": 7, **shed.fields()}).encode()
    text, code, params = error_reason(body)
    assert (text, code, params) == (
        "shed: predicted latency over the 100 ms target; retry later",
        "shed_predicted",
        {"target_ms": 100.0},
    )
    line = inner_coded("text", "http_error", http_status=503, **inner("reason", text, code, params))
    assert line["text"] == "503: shed: predicted latency over the 100 ms target; retry later"  # the CLI's line
    shown = engine_text(line["text_code"], line["text_params"], line["text"])
    assert shown.startswith("503") and shown.endswith("：已拒绝：预计延迟超过 100 毫秒的目标；请稍后重试"), shown
    assert service_reason(json.loads(body)) == "已拒绝：预计延迟超过 100 毫秒的目标；请稍后重试"
    cases = [
        (CodedText.of("shed_inflight", target_ms=250.0), "已拒绝：处理中的请求过多，无法在 250 毫秒的目标内应答；请稍后重试"),
        (CodedText.of("shed_expired", target_ms=100.0), "已拒绝：未能在 100 毫秒的目标内应答；请稍后重试"),
        (CodedText.of("shed_batcher", target_ms=100.0, retry_s=1), "已拒绝：预计延迟超过 100 毫秒的目标；请 1 秒后重试"),
        (CodedText.of("overloaded_inflight", inflight=4096, limit=4096), "过载：4096 条正在处理（上限 4096）；请稍后重试"),
        (CodedText.of("service_shutting_down"), "服务正在关闭"),
    ]  # fmt: skip
    for reason, chinese_text in cases:
        assert service_reason(reason.fields()) == chinese_text, reason.code
    # an uncoded body (an older service, a proxy) is shown as it came; a body without an error is ""
    assert service_reason({"error": "bad gateway"}) == "bad gateway" and service_reason({"id": 1}) == ""
    assert error_reason(b"<html>oops</html>") == ("<html>oops</html>", "", {})


def test_the_english_window_shows_a_refusal_as_the_service_wrote_it():
    from engine.coded_errors import CodedText
    from gui.panels.pipeline_try import service_reason

    reason = CodedText.of("shed_expired", target_ms=100.0)
    assert service_reason(reason.fields()) == "shed: not answered within the 100 ms target; retry later"
