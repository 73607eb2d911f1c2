"""Output folders never mix runs, and run-wide errors are said once before anything starts
(issue 15, items 1 and 2), through the real CLI in subprocesses."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.output_folder import dialogue_train_file
from engine.tables.inputs import expand_inputs
from tests.cli_support import run_main


def error_lines(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.startswith("error:")]


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> Path:
    """Four small demo exports (written by the demo command, as a user would)."""
    folder = tmp_path_factory.mktemp("exports")
    done = run_main("demo", folder, "--files", "4", "--rows", "300", "--workers", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    return folder


@pytest.mark.timeout(600)
def test_a_second_clean_into_one_folder_is_refused_then_overwrites_only_its_outputs(exports, tmp_path) -> None:
    out = tmp_path / "cleaned"
    first = run_main("clean", exports, "--out", out, "--segment-files", "1", "--workers", "2", "--quiet")
    assert first.returncode == 0, first.stderr
    old = sorted(p.name for p in out.glob("clean_*.xlsx"))
    assert len(old) == 4
    (out / "notes.txt").write_text("mine")
    shutil.copy(exports / "chat_0000.xlsx", out / "unrelated.xlsx")  # readable, but no run's output

    refused = run_main("clean", exports, "--out", out, "--format", "csv", "--segment-files", "2", "--workers", "2")
    assert refused.returncode == 2
    assert len(error_lines(refused)) == 1, refused.stderr
    assert all(name in refused.stderr for name in old) and "--overwrite" in refused.stderr
    assert "--resume" not in refused.stderr  # other settings: resuming is not an option
    assert "Traceback" not in refused.stderr
    assert sorted(p.name for p in out.glob("clean_*")) == old  # nothing started, nothing removed

    again = run_main(
        "clean", exports, "--out", out, "--format", "csv", "--segment-files", "2", "--workers", "2", "--overwrite"
    )
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in out.glob("clean_*")) == ["clean_00000-00001.csv", "clean_00002-00003.csv"]
    assert (out / "notes.txt").read_text() == "mine" and (out / "unrelated.xlsx").is_file()
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))

    dialogues = run_main("dialogues", out, "--out", tmp_path / "dialogues", "--workers", "2", "--quiet")
    assert dialogues.returncode == 0, dialogues.stderr
    read = json.loads((tmp_path / "dialogues" / "dialogues-report.json").read_text(encoding="utf-8"))
    assert sorted(Path(p).name for p in read["inputs"]) == ["clean_00000-00001.csv", "clean_00002-00003.csv"]
    assert read["rows"]["read"] == report["totals"]["rows_out"]  # one run's rows, once


@pytest.mark.timeout(300)
def test_resume_offered_only_for_the_same_settings_and_a_rerun_of_dialogues_is_refused(exports, tmp_path) -> None:
    out = tmp_path / "cleaned"
    assert run_main("clean", exports, "--out", out, "--format", "csv", "--workers", "2", "--quiet").returncode == 0
    same = run_main("clean", exports, "--out", out, "--format", "csv", "--workers", "2")
    assert same.returncode == 2 and "--resume" in same.stderr and "--overwrite" in same.stderr
    resumed = run_main("clean", exports, "--out", out, "--format", "csv", "--workers", "2", "--resume", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    both = run_main("clean", exports, "--out", out, "--resume", "--overwrite")
    assert both.returncode == 2 and "not allowed with" in both.stderr

    train = tmp_path / "train"
    assert run_main("dialogues", out, "--out", train, "--workers", "2", "--quiet").returncode == 0
    rerun = run_main("dialogues", out, "--out", train, "--workers", "2")
    assert rerun.returncode == 2 and len(error_lines(rerun)) == 1
    assert "std/train.txt" in rerun.stderr and "--overwrite" in rerun.stderr and "--resume" not in rerun.stderr


@pytest.mark.timeout(300)
def test_demo_rerun_with_fewer_files_leaves_no_leftovers_to_read(tmp_path) -> None:
    out = tmp_path / "demo"
    assert run_main("demo", out, "--files", "3", "--rows", "50", "--workers", "2", "--quiet").returncode == 0
    refused = run_main("demo", out, "--files", "1", "--rows", "50")
    assert refused.returncode == 2 and "chat_0002.xlsx" in refused.stderr and "--overwrite" in refused.stderr
    done = run_main("demo", out, "--files", "1", "--rows", "50", "--workers", "1", "--quiet", "--overwrite")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["chat_0000.xlsx", "demo-report.json"]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("command", ["clean", "dialogues"])
def test_a_wrong_column_is_one_message_with_the_closest_name_and_creates_nothing(exports, tmp_path, command) -> None:
    out = tmp_path / "out"
    done = run_main(command, exports, "--out", out, "--columns", "content=消息", "--workers", "2")
    assert done.returncode == 2
    assert len(error_lines(done)) == 1 and "missing column" not in done.stderr, done.stderr
    assert "消息 (content)" in done.stderr and "content=消息内容" in done.stderr
    assert "hint:" in done.stderr
    assert not out.exists()


@pytest.mark.timeout(120)
def test_a_folder_with_nothing_to_read_is_named_with_what_was_skipped(tmp_path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    texts = tmp_path / "texts"
    texts.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (texts / name).write_text("hello")
    for command, folder, said in (("clean", empty, "it is empty"), ("dialogues", texts, "3 .txt files")):
        done = run_main(command, folder, "--out", tmp_path / "out")
        assert done.returncode == 2
        assert len(error_lines(done)) == 1 and str(folder) in done.stderr and said in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.timeout(120)
def test_an_out_that_is_a_file_or_a_missing_input_is_a_clear_error_and_creates_nothing(exports, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for args in (("clean", exports, "--out", blocker), ("dialogues", exports, "--out", blocker), ("demo", blocker)):
        done = run_main(*args)
        assert done.returncode == 2
        assert "is a file, not a folder" in done.stderr and "File exists" not in done.stderr, done.stderr
    for command in ("clean", "dialogues"):
        out = tmp_path / f"out-{command}"
        done = run_main(command, tmp_path / "missing", "--out", out)
        assert done.returncode == 2 and "input not found" in done.stderr
        assert not out.exists()


def test_a_reader_takes_what_the_report_lists(tmp_path) -> None:
    """Leftovers beside a job's outputs are never read as part of them (clean's and dialogues')."""
    out = tmp_path / "cleaned"
    out.mkdir()
    for name in ("clean_00000-00001.csv", "clean_00002-00003.csv", "clean_00000-00003.xlsx"):
        (out / name).write_text("坐席id\n")
    listed = [str(out / "clean_00000-00001.csv"), str(out / "clean_00002-00003.csv")]
    (out / "report.json").write_text(json.dumps({"job": "clean", "status": "finished", "outputs": listed}))
    assert [str(p) for p in expand_inputs([out])] == listed
    (out / "report.json").write_text(json.dumps({"job": "something else", "outputs": []}))
    assert len(expand_inputs([out])) == 3  # another tool's report.json: every matching file

    moved = tmp_path / "moved-dialogues"
    (moved / "std").mkdir(parents=True)
    (moved / "std" / "train.txt").write_text("客户:a\n坐席:b\n")
    recorded = "/elsewhere/run"
    report = {"out_dir": recorded, "outputs": {"std_train": f"{recorded}/std/train.txt"}}
    (moved / "dialogues-report.json").write_text(json.dumps(report))
    assert dialogue_train_file(moved) == moved / "std" / "train.txt"  # found where the folder is now
    (moved / "std" / "train.txt").unlink()
    with pytest.raises(FileNotFoundError, match="lists no std/train.txt"):
        dialogue_train_file(moved)
