"""The Dialogues job's processes: bounded writer queue, a killed writer, Stop, the CLI."""

from __future__ import annotations

import json
import os
import queue
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

from engine.cli import EXIT_BAD_ARGS, EXIT_FAILED, EXIT_OK, EXIT_PARTIAL
from engine.cli import main as cli_main
from engine.context import SPAWN, JobContext, StopFlag
from engine.demo.data import make_chat_frame
from engine.dialogues.config import DialoguesConfig
from engine.dialogues.job import run_dialogues
from engine.dialogues.layout import OUTPUT_FILES, REPORT_NAME, WORK_PREFIX
from engine.dialogues.writer import WRITER_ROLE
from engine.runner import JobRun, run_job
from engine.status import JobFinished, ProcessStarted, Snapshot
from tests.dialogues_reference import read_like_gpt2_chitchat


@pytest.fixture(scope="module")
def chat_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dialogue-proc") / "chat.csv"
    make_chat_frame(12000, seed=5).to_csv(path, index=False)
    return path


class Watcher:
    """Drains a job's status queue in a thread; calls ``on_message(message)`` for each message and
    ``on_writer(pid)`` with the mmi writer's pid when the build phase starts (the writer exists from
    the start of the job; it gets work then)."""

    def __init__(self, status_queue, on_writer=None, on_message=None) -> None:
        self.queue = status_queue
        self.on_writer = on_writer
        self.on_message = on_message
        self.messages: list = []
        self.writer_pid: int | None = None
        self._fired = False
        self._stop = threading.Event()
        self._finished = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            try:
                message = self.queue.get(timeout=0.05)
            except queue.Empty:
                if self._stop.is_set():
                    return  # closed, and nothing more is waiting
                continue
            self.messages.append(message)
            if isinstance(message, JobFinished):
                self._finished.set()
            if self.on_message is not None:
                self.on_message(message)
            if isinstance(message, ProcessStarted) and message.role == WRITER_ROLE:
                self.writer_pid = message.pid
            if (
                isinstance(message, Snapshot)
                and message.stage == "build"
                and self.on_writer
                and self.writer_pid
                and not self._fired
            ):
                self._fired = True
                self.on_writer(self.writer_pid)

    def close(self, timeout_s: float = 10.0) -> None:
        """Waits for the run's JobFinished (every run in these tests ends with one), then reads what
        is still queued behind it and stops."""
        self._finished.wait(timeout_s)
        self._stop.set()
        self.thread.join(5)


def describe(messages: list) -> str:
    """The events of a run, one per line (for assertion messages)."""
    return "\n".join(repr(m)[:400] for m in messages if not isinstance(m, Snapshot))


def no_outputs_and_no_work_dir(out: Path, status: str) -> None:
    """Nothing under a final name; the report says how the run ended (``status``) and lists no output."""
    assert not any((out / rel).exists() for rel in OUTPUT_FILES.values()), "no file under a final name"
    report = json.loads((out / REPORT_NAME).read_text(encoding="utf-8"))
    assert report["status"] == status and report["outputs"] == {}, report
    assert not list(out.glob(f"{WORK_PREFIX}*")), "work folder removed"


def small_batches(chat_csv: Path, out: Path, **options) -> DialoguesConfig:
    return DialoguesConfig(
        inputs=(chat_csv,), out_dir=out, val_size=50, writer_batch_rows=100, writer_queue_bound=2, **options
    )


@pytest.mark.timeout(60)
def test_writer_queue_never_exceeds_its_bound_and_pushes_back(chat_csv, tmp_path, no_leftover_children):
    """The writer is frozen (SIGSTOP) for a second: the queue fills to its bound and the coordinator
    waits instead of piling batches up in memory; then everything is written."""

    def freeze_writer(pid: int) -> None:
        def freeze() -> None:
            proc = psutil.Process(pid)
            proc.suspend()
            time.sleep(1.0)
            proc.resume()

        threading.Thread(target=freeze, daemon=True).start()

    status = SPAWN.Queue(10000)
    watcher = Watcher(status, freeze_writer)
    finished = run_job(run_dialogues, small_batches(chat_csv, tmp_path), JobContext("bound", status))
    watcher.close()
    assert finished.ok, finished.error
    report_summary = finished.summary
    assert report_summary["writer_queue_bound"] == 2
    assert report_summary["writer_queue_max"] == 2, "the queue filled up while the writer was frozen"
    depths = [m.queue_depth for m in watcher.messages if isinstance(m, Snapshot) and m.queue_depth is not None]
    assert depths and max(depths) <= 2
    report = json.loads((tmp_path / REPORT_NAME).read_text(encoding="utf-8"))
    assert report["writer_queue"]["coordinator_blocked_s"] >= 0.5
    assert report["writer_queue"]["batches"] > 10
    std = read_like_gpt2_chitchat(tmp_path / "std/train.txt")
    mmi = read_like_gpt2_chitchat(tmp_path / "mmi/train.txt")
    assert [d[::-1] for d in std] == mmi


@pytest.mark.timeout(60)
def test_killed_writer_fails_the_job_quickly_with_a_clear_message(chat_csv, tmp_path, no_leftover_children):
    def kill_writer(pid: int) -> None:
        proc = psutil.Process(pid)
        proc.suspend()  # hold it before it can finish, then kill it as the OOM killer would
        os.kill(pid, signal.SIGKILL)

    status = SPAWN.Queue(10000)
    watcher = Watcher(status, kill_writer)
    started = time.monotonic()
    finished = run_job(run_dialogues, small_batches(chat_csv, tmp_path), JobContext("killed", status))
    elapsed = time.monotonic() - started
    watcher.close()
    assert not finished.ok and not finished.cancelled
    assert "mmi writer" in finished.error and "SIGKILL" in finished.error, finished.error
    assert f"pid {watcher.writer_pid}" in finished.error
    assert elapsed < 20
    no_outputs_and_no_work_dir(tmp_path, "failed")


@pytest.mark.timeout(60)
def test_stop_in_process_leaves_no_child_no_partial_file_no_work_dir(chat_csv, tmp_path, no_leftover_children):
    stop_event = StopFlag()  # a frozen process cannot hold it (an Event's lock it could)

    def freeze_then_stop(pid: int) -> None:
        psutil.Process(pid).suspend()  # the build is now blocked on the full queue
        threading.Timer(0.3, stop_event.set).start()

    status = SPAWN.Queue(10000)
    watcher = Watcher(status, freeze_then_stop)
    finished = run_job(run_dialogues, small_batches(chat_csv, tmp_path), JobContext("stop", status, stop_event))
    watcher.close()
    assert finished.cancelled
    assert (
        not psutil.pid_exists(watcher.writer_pid) or psutil.Process(watcher.writer_pid).status() == psutil.STATUS_ZOMBIE
    )
    no_outputs_and_no_work_dir(tmp_path, "stopped")


@pytest.mark.timeout(90)
def test_stop_from_the_gui_path_ends_coordinator_and_writer(chat_csv, tmp_path, no_leftover_children):
    """JobRun (what the panel uses): coordinator process + its writer; Stop ends both."""
    status = SPAWN.Queue(10000)
    frozen = threading.Event()

    def freeze(pid: int) -> None:
        psutil.Process(pid).suspend()
        frozen.set()

    watcher = Watcher(status, freeze)
    job = JobRun("dialogues", run_dialogues, small_batches(chat_csv, tmp_path), status).start()
    deadline = time.monotonic() + 60
    while not frozen.is_set() and time.monotonic() < deadline:
        job.poll()
        time.sleep(0.05)
    assert frozen.is_set(), "the writer started"
    pids = [p.pid for p in psutil.Process().children(recursive=True)]
    job.request_stop(grace_s=5.0, terminate_s=2.0)
    while not job.finished and time.monotonic() < deadline:
        job.poll()
        time.sleep(0.05)
    watcher.close()
    assert job.finished
    alive = [
        p
        for p in pids
        if psutil.pid_exists(p)
        and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
        and "resource_tracker" not in " ".join(psutil.Process(p).cmdline())
    ]
    assert not alive, f"still alive after Stop: {alive}"
    finished = [m for m in watcher.messages if isinstance(m, JobFinished)]
    assert finished and finished[-1].cancelled, describe(watcher.messages)
    no_outputs_and_no_work_dir(tmp_path, "stopped")


@pytest.mark.timeout(120)
def test_cli_exit_codes(chat_csv, tmp_path, capsys, no_leftover_children):
    out = tmp_path / "cli"
    assert cli_main(["dialogues", str(chat_csv), "--out", str(out), "--val-size", "0.05", "--quiet"]) == EXIT_OK
    printed = capsys.readouterr().out
    assert "dialogues" in printed and "peak RSS" in printed
    assert all((out / rel).exists() for rel in OUTPUT_FILES.values())
    bad = tmp_path / "bad.csv"
    bad.write_text("x\n1\n", encoding="utf-8")
    assert cli_main(["dialogues", str(chat_csv), str(bad), "--out", str(tmp_path / "p"), "--quiet"]) == EXIT_PARTIAL
    # A column missing from every input is a run-wide error, said before anything starts.
    assert cli_main(["dialogues", str(bad), "--out", str(tmp_path / "f"), "--quiet"]) == EXIT_BAD_ARGS
    assert "content=消息内容" not in capsys.readouterr().err  # "x" is nothing like 消息内容: no guess
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook", encoding="utf-8")  # no header to check: its task fails it
    assert cli_main(["dialogues", str(junk), "--out", str(tmp_path / "f"), "--quiet"]) == EXIT_FAILED
    assert cli_main(["dialogues", str(tmp_path / "missing.csv"), "--out", str(out)]) == EXIT_BAD_ARGS
    with pytest.raises(SystemExit) as exc:
        cli_main(["dialogues", str(chat_csv), "--out", str(out), "--val-size", "1.5"])
    assert exc.value.code == EXIT_BAD_ARGS
    with pytest.raises(SystemExit):
        cli_main(["dialogues", str(chat_csv), "--out", str(out), "--memory-budget", "lots"])


@pytest.mark.timeout(90)
def test_a_killed_reader_is_replaced_and_its_file_reread(tmp_path, no_leftover_children):
    """The OOM killer takes a reader mid-file: the pool retries the file on a fresh reader, and the
    outputs equal those of an undisturbed run (the half-written shard never counts)."""
    inputs = []
    for i in range(3):
        path = tmp_path / f"chat_{i}.csv"
        make_chat_frame(4000, seed=31, file_index=i).to_csv(path, index=False)
        inputs.append(path)
    clean = run_job(
        run_dialogues,
        DialoguesConfig(inputs=tuple(inputs), out_dir=tmp_path / "clean", val_size=30, workers=1),
        JobContext("undisturbed"),
    )
    assert clean.ok, clean.error

    killed: list[int] = []
    status = SPAWN.Queue(10000)

    def kill_first_reader(message) -> None:
        if isinstance(message, Snapshot) and message.stage == "reader" and message.current and not killed:
            killed.append(message.pid)
            os.kill(message.pid, signal.SIGKILL)

    watcher = Watcher(status, on_message=kill_first_reader)
    finished = run_job(
        run_dialogues,
        DialoguesConfig(inputs=tuple(inputs), out_dir=tmp_path / "killed", val_size=30, workers=1),
        JobContext("killed-reader", status),
    )
    watcher.close()
    assert killed, "a reader was killed"
    assert finished.ok, finished.error
    retried = [m for m in watcher.messages if type(m).__name__ == "TaskFinished" and m.attempts > 1]
    assert retried, describe(watcher.messages)
    finished_keys = [m.key for m in watcher.messages if type(m).__name__ == "TaskFinished"]
    assert sorted(k for k in finished_keys if k[0] == "file") == [("file", i) for i in range(3)]
    assert any(k[0] == "partition" for k in finished_keys)
    for rel in OUTPUT_FILES.values():
        assert (tmp_path / "clean" / rel).read_bytes() == (tmp_path / "killed" / rel).read_bytes(), rel


def test_a_work_folder_left_by_a_killed_run_is_removed_by_the_next(tmp_path, chat_csv):
    dead_pid = 4_000_000  # above pid_max on Linux: no such process
    stale = tmp_path / f"{WORK_PREFIX}{dead_pid}-abc"
    (stale / "shards").mkdir(parents=True)
    (stale / "std-train.txt").write_text("half", encoding="utf-8")
    live = tmp_path / f"{WORK_PREFIX}{os.getpid()}-def"
    live.mkdir()
    from engine.dialogues.job import remove_stale_work_dirs

    assert remove_stale_work_dirs(tmp_path) == 1
    assert not stale.exists() and live.exists(), "only folders of processes that are gone"
