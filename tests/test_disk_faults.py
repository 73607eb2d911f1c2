"""An output folder that fills up or turns unwritable mid-run: the clean job stops with an error
naming the path and the cause, exit 1, report.json "failed", nothing partial under a final name,
the segments written before untouched."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.clean_fixtures import good_inputs_folder, read_output_file
from tests.cli_support import (
    clean_command,
    injected_env,
    kill_group,
    read_report,
    run_cli,
    start_cli,
    wait_for_report,
)

FORMAT = "xlsx"
SEGMENT_FILES = 2


def undisturbed_run(inputs: Path, out: Path) -> Path:
    """The output folder of an undisturbed run (what each segment must hold)."""
    code, stderr = run_cli(clean_command(inputs, out, FORMAT, SEGMENT_FILES), out)
    assert code == 0, stderr
    return out


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    return good_inputs_folder(tmp_path_factory, "disk", files=16, rows=1500, seed=11)


@pytest.fixture(scope="module")
def reference(inputs, tmp_path_factory) -> Path:
    return undisturbed_run(inputs, tmp_path_factory.mktemp("reference"))


@pytest.fixture(scope="module")
def long_inputs(tmp_path_factory) -> Path:
    """Four times the rows: a run long enough that a remount between two writes lands mid-run even
    on a quiet machine (the small run could be over before the kernel let the remount through)."""
    return good_inputs_folder(tmp_path_factory, "disk-long", files=16, rows=6000, seed=11)


@pytest.fixture(scope="module")
def long_reference(long_inputs, tmp_path_factory) -> Path:
    return undisturbed_run(long_inputs, tmp_path_factory.mktemp("reference-long"))


def assert_stopped_cleanly(out: Path, reference: Path, stderr: str, cause: str) -> dict:
    """The fault is named, the report says "failed" with it, and what is left is whole."""
    report = read_report(out)
    assert report["status"] == "failed", report["status"]
    assert cause in report["error"] and str(out) in report["error"], report["error"]
    assert f"error: {report['error']}" in stderr
    finals = {p.name for p in out.iterdir() if not p.name.startswith(".")} - {"report.json"}
    assert finals == {Path(p).name for p in report["outputs"]}, "a file under a final name the report does not list"
    for segment in report["segments"]:
        if segment["status"] == "written":  # untouched: the rows of the undisturbed run
            name = Path(segment["outputs"][0]).name
            got = read_output_file(out / name, FORMAT)
            pd.testing.assert_frame_equal(got, read_output_file(reference / name, FORMAT))
            assert len(got) == segment["rows"]
        else:
            assert segment["status"] == "pending", segment
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")], "temporaries or parts left"
    return report


@pytest.mark.timeout(180)
def test_enospc_at_the_write_call_stops_the_run(inputs, reference, tmp_path):
    """Injected in every process of the run (tests/inject/sitecustomize.py): the fourth segment's
    file stops taking bytes after 4 KiB, as a full filesystem does."""
    out = tmp_path / "out"
    env = injected_env(MPWATCH_TEST_FULL_DISK="clean_00006-00007")
    code, stderr = run_cli(clean_command(inputs, out, FORMAT, SEGMENT_FILES), tmp_path, env)
    assert code == 1, stderr
    report = assert_stopped_cleanly(out, reference, stderr, "No space left on device (ENOSPC)")
    assert "clean_00006-00007.xlsx" in report["error"]
    assert not (out / "clean_00006-00007.xlsx").exists()


def mount_tmpfs(where: Path, size_kib: int) -> None:
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(where)], check=True)


def can_mount() -> str:
    """'' when this process can mount a tmpfs, else why not."""
    if os.geteuid() != 0:
        return "needs root to mount a small tmpfs"
    if not shutil.which("mount"):
        return "no mount command"
    probe = Path(f"/tmp/mpwatch-mount-probe-{os.getpid()}")
    try:
        mount_tmpfs(probe, 64)
    except (OSError, subprocess.CalledProcessError) as exc:
        return f"cannot mount a tmpfs here: {exc}"
    subprocess.run(["umount", str(probe)], check=False)
    probe.rmdir()
    return ""


MOUNT_UNAVAILABLE = can_mount()


@pytest.fixture
def small_fs(tmp_path):
    """A real filesystem of a given size (tmpfs), unmounted after the test."""
    if MOUNT_UNAVAILABLE:
        pytest.skip(MOUNT_UNAVAILABLE)
    mounts: list[Path] = []

    def make(size_kib: int) -> Path:
        where = tmp_path / f"fs{len(mounts)}"
        mount_tmpfs(where, size_kib)
        mounts.append(where)
        return where

    yield make
    for where in mounts:
        subprocess.run(["umount", "-l", str(where)], check=False)


def output_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob(f"clean_*.{FORMAT}"))


@pytest.mark.timeout(180)
def test_a_real_filesystem_that_fills_up(inputs, reference, small_fs, tmp_path):
    """A tmpfs with room for about half of the output (parts and temporaries take their share)."""
    fs = small_fs(output_bytes(reference) // 2 // 1024)
    out = fs / "out"
    code, stderr = run_cli(clean_command(inputs, out, FORMAT, SEGMENT_FILES), tmp_path)
    assert code == 1, stderr
    report = assert_stopped_cleanly(out, reference, stderr, "No space left on device (ENOSPC)")
    assert 1 <= report["totals"]["segments_written"] < len(report["segments"])


def remount_read_only(fs: Path, cli: subprocess.Popen) -> None:
    """The kernel refuses (EBUSY) while a file on it is open for writing: retry between writes."""
    deadline = time.monotonic() + 30
    while True:
        done = subprocess.run(["mount", "-o", "remount,ro", str(fs)], capture_output=True, text=True)
        if done.returncode == 0:
            return
        assert cli.poll() is None, "the run ended before its folder could be made read-only"
        assert time.monotonic() < deadline, done.stderr
        time.sleep(0.02)


@pytest.mark.timeout(180)
def test_an_output_folder_that_turns_unwritable_mid_run(long_inputs, long_reference, small_fs, tmp_path):
    """Root ignores permissions, so the folder's filesystem is remounted read-only once a segment is
    written (a disk that fails, a share that drops to read-only). The kernel lets the remount through
    only between writes; a run that has written everything by then is tried again."""
    for attempt in range(3):
        fs = small_fs(output_bytes(long_reference) * 4 // 1024)
        out = fs / "out"
        stderr_file = tmp_path / f"stderr{attempt}.txt"
        cli = start_cli(clean_command(long_inputs, out, FORMAT, SEGMENT_FILES), stderr_file)
        try:
            wait_for_report(out, lambda r: r["totals"]["segments_written"] >= 1)
            remount_read_only(fs, cli)
            code = cli.wait(timeout=60)
        finally:
            if cli.poll() is None:
                kill_group(cli)
        if not (code == 0 and read_report(out)["status"] == "done"):
            break
    stderr = stderr_file.read_text(encoding="utf-8")
    assert code == 1, stderr
    assert "Read-only file system (EROFS)" in stderr and str(out) in stderr
    report = read_report(out)  # the folder refuses even the last report: it says what it said before
    assert report["status"] == "running"
    finals = {p.name for p in out.glob(f"clean_*.{FORMAT}")}
    # the report is never ahead of the disk; a segment renamed just before the remount may be on the
    # disk without the report's rewrite that would have named it, and is complete all the same
    assert {Path(p).name for p in report["outputs"]} <= finals
    for name in finals:
        pd.testing.assert_frame_equal(
            read_output_file(out / name, FORMAT), read_output_file(long_reference / name, FORMAT)
        )


@pytest.mark.timeout(180)
@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores folder permissions")
def test_an_output_folder_whose_permission_is_withdrawn_mid_run(inputs, reference, tmp_path):
    out = tmp_path / "out"
    cli = start_cli(clean_command(inputs, out, FORMAT, SEGMENT_FILES), tmp_path / "stderr.txt")
    try:
        wait_for_report(out, lambda r: r["totals"]["segments_written"] >= 1)
        out.chmod(0o555)
        code = cli.wait(timeout=60)
    finally:
        if cli.poll() is None:
            kill_group(cli)
        out.chmod(0o755)
    stderr = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert code == 1, stderr
    assert "Permission denied (EACCES)" in stderr and str(out) in stderr
