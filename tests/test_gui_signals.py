"""The window treats SIGTERM, SIGHUP and SIGINT like closing it: Stop the run, wait for its
processes, quit with 128 + the signal (issue 10 item 1). The real app, offscreen, in a subprocess."""

from __future__ import annotations

import signal
import zipfile

import pytest

from tests.stop_signal_support import Command, leftovers


@pytest.mark.timeout(150)
@pytest.mark.parametrize(
    ("signum", "group"), [(signal.SIGTERM, True), (signal.SIGHUP, False)], ids=["term-group", "hup"]
)
def test_window_stops_its_run_and_quits_on_signal(tmp_path, signum, group) -> None:
    out = tmp_path / "demo"
    app = Command(
        str(tmp_path / "shot.png"),
        "--tab",
        "demo",
        "--start",
        "--after",
        "120",
        "--set",
        f"out_dir={out}",
        "--set",
        "files=30",
        "--set",
        "rows=3000",
        "--set",
        "workers=1",
        entry=("-m", "gui.screenshot"),
        env={"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"), "MPWATCH_LANGUAGE": "en"},
    )
    # ready: the run's coordinator and its worker are up
    ended = app.end_when(lambda: app.workers() >= 2, signum, group, ready_timeout_s=90, timeout_s=20)
    assert ended.code == 128 + signum, ended.stderr
    assert ended.seconds < 10.0
    assert not ended.noise(), ended.stderr
    assert not ended.alive_after(), ended.stderr
    assert not leftovers(out)
    for path in out.glob("chat_*.xlsx"):
        with zipfile.ZipFile(path) as book:
            assert book.testzip() is None
