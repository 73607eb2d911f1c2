"""The CLI's progress when stderr is not a terminal: plain lines every few seconds, no carriage returns."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli.common import progress_line

ROOT = Path(__file__).resolve().parent.parent


def test_progress_line_reads_as_a_sentence():
    line = progress_line("demo", 30_000, 120_000, 10_000, "rows")
    assert line == "demo: 30,000 / 120,000 rows (25 %) · 10,000 rows/s · ETA 0:09"
    assert progress_line("clean", 5 * 1024**2, 0, 1024**2, "B") == "clean: 5.0 MB · 1.0 MB/s"


@pytest.mark.timeout(120)
def test_demo_cli_writes_plain_progress_lines_to_a_file(tmp_path, no_leftover_children):
    err_path = tmp_path / "stderr.txt"
    env = dict(os.environ, MPWATCH_PROGRESS_EVERY_S="0.2")
    with open(err_path, "wb") as err:
        done = subprocess.run(
            [
                sys.executable,
                str(ROOT / "main.py"),
                "demo",
                str(tmp_path / "out"),
                "--files",
                "4",
                "--rows",
                "20000",
                "--workers",
                "2",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            timeout=100,
        )
    assert done.returncode == 0
    text = err_path.read_bytes().decode()
    assert "\r" not in text and "\x1b" not in text  # no redrawn bar, no terminal escapes
    lines = [line for line in text.splitlines() if line.startswith("demo: ")]
    assert len(lines) >= 2, text
    assert all("rows/s" in line for line in lines)
    assert lines[-1].startswith("demo: 80,000 / 80,000 rows (100 %)") and "elapsed" in lines[-1]


def test_a_terminal_keeps_the_tqdm_bar():
    import queue

    from engine.cli.common import ProgressSpec, StatusPrinter

    on_terminal = StatusPrinter(queue.Queue(), ProgressSpec("rows", "rows_total"), plain=False)
    to_file = StatusPrinter(queue.Queue(), ProgressSpec("rows", "rows_total"), plain=True)
    assert not on_terminal._bar.disable and to_file._bar.disable
    on_terminal._bar.close()
    to_file._bar.close()
