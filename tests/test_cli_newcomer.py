"""The command line as a newcomer meets it (issue 15, items 4–7), through the real CLI in subprocesses."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from engine.clean.config import DropReason
from engine.cli import SUBCOMMAND_MODULES
from tests.cli_support import run_main, serving
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parent.parent
HEAVY_MODULES = (
    "pandas",
    "numpy",
    "pyarrow",
    "aiohttp",
    "dask",
    "tqdm",
    "engine.clean.job",
    "engine.dialogues.job",
    "engine.demo.job",
    "engine.pipeline.service",
    "engine.pipeline.loadtest",
)


def test_help_of_every_subcommand_is_quick_with_an_example_and_exit_codes() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from engine.cli import build_parser; build_parser(); "
            f"print([m for m in {HEAVY_MODULES!r} if m in sys.modules])",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert loaded.stdout.strip() == "[]", loaded.stdout + loaded.stderr
    for name in SUBCOMMAND_MODULES:
        started = time.monotonic()
        done = run_main(name, "--help", timeout_s=60)
        seconds = time.monotonic() - started
        assert done.returncode == 0, done.stderr
        assert "examples:" in done.stdout and f"mpwatch {name}" in done.stdout
        assert "exit codes:" in done.stdout and re.search(r"^\s+130\s+\S.*SIGTERM", done.stdout, re.M)
        assert name == "serve" or re.search(r"^\s+0\s+\S", done.stdout, re.M)  # serve runs until stopped
        assert seconds < 2.5, f"{name} --help took {seconds:.2f} s"  # ~0.3 s idle; loose for a loaded machine


def test_the_app_without_a_display_says_so_and_names_the_subcommands() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    if sys.platform != "linux":
        pytest.skip("the display check is for X11/Wayland platforms")
    done = run_main(timeout_s=60, env=env)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "display" in lines[0] and "Traceback" not in done.stderr
    assert all(name in lines[0] for name in SUBCOMMAND_MODULES) and "QT_QPA_PLATFORM=offscreen" in lines[0]


def test_loadtest_against_nothing_fails_fast() -> None:
    port = free_port()
    started = time.monotonic()
    done = run_main("loadtest", f"127.0.0.1:{port}", "--rate", "20", "--duration", "60", timeout_s=60)
    assert done.returncode == 1 and time.monotonic() - started < 20
    assert f"is the service running at http://127.0.0.1:{port}?" in done.stderr
    assert "p50" not in done.stdout + done.stderr and "Traceback" not in done.stderr


def _request(url: str, body: bytes | None = None, method: str = "GET", token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=body, method=method, headers={"Authorization": f"Bearer {token}"} if token else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.timeout(240)
def test_serve_announces_only_when_healthy_and_loadtest_counts_each_error_once(no_leftover_children) -> None:
    with serving("--token", "s3cret") as (server, url):
        health_status, health = _request(url + "/healthz")  # printed only once /healthz says ok
        batching = server.stderr.readline()
        stranger = _request(url + "/v1/predict", b'{"text": "hi"}', "POST")
        empty = _request(url + "/v1/predict", b'{"text": " \\n "}', "POST", token="s3cret")
        missing = _request(url + "/nope")
        started = time.monotonic()
        no_token = run_main(
            "loadtest",
            url,
            "--rate",
            "40",
            "--duration",
            "1.5",
            timeout_s=120,
            env={k: v for k, v in os.environ.items() if k != "MPWATCH_TOKEN"},
        )
        with_token = run_main("loadtest", url, "--rate", "40", "--duration", "1.5", "--token", "s3cret", timeout_s=120)
        loadtest_s = time.monotonic() - started
        os.killpg(server.pid, signal.SIGINT)
        assert server.wait(timeout=30) == 130  # 128 + SIGINT, after the drain
    assert health_status == 200 and health["status"] == "ok"
    assert "batching idle" in batching and "lone request is answered at once" in batching
    assert stranger[0] == 401 and stranger[1]["error"]
    assert empty[0] == 400 and "empty" in empty[1]["error"]
    assert missing == (404, {"error": "Not Found"})
    assert no_token.returncode == 1
    error_lines = [line for line in no_token.stdout.splitlines() if line.startswith("error ×")]
    assert len(error_lines) == 1 and "401: missing or wrong bearer token" in error_lines[0]
    assert "latency: none" in no_token.stdout and "p50" not in no_token.stdout
    assert with_token.returncode == 0 and "p50" in with_token.stdout and "error ×" not in with_token.stdout
    assert loadtest_s < 100


def test_serve_refuses_a_public_address_without_a_token() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MPWATCH_TOKEN"}
    done = run_main("serve", "--host", "0.0.0.0", "--port", "0", timeout_s=60, env=env)
    assert done.returncode == 2
    assert "--token" in done.stderr and "--allow-unauthenticated" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.timeout(300)
def test_small_data_through_clean_and_dialogues_rows_bar_one_set_of_drop_names_proportionate_split(
    tmp_path: Path, no_leftover_children
) -> None:
    demo = run_main("demo", str(tmp_path / "raw"), "--files", "2", "--rows", "1500", "--workers", "2", "--quiet")
    assert demo.returncode == 0, demo.stderr
    clean = run_main(
        "clean",
        str(tmp_path / "raw"),
        "--out",
        str(tmp_path / "clean"),
        "--format",
        "csv",
        "--workers",
        "2",
        timeout_s=180,
    )
    assert clean.returncode == 0, clean.stderr
    bars = [part for part in re.split(r"[\r\n]", clean.stderr) if "|" in part or "it/s" in part or "rows" in part]
    assert bars and all("B/s" not in bar and "kB" not in bar for bar in bars)
    # stderr is a pipe here, so the bar is the plain line ("clean: 3,000 / 3,000 rows (100 %) · …"):
    # it counts rows, not bytes.
    assert any(re.search(r"[\d,]+ / [\d,]+ rows", bar) for bar in bars), bars
    dialogues = run_main(
        "dialogues",
        str(tmp_path / "raw"),
        "--out",
        str(tmp_path / "dialogues"),
        "--workers",
        "2",
        "--quiet",
        timeout_s=180,
    )
    assert dialogues.returncode == 0, dialogues.stderr
    report = json.loads((tmp_path / "dialogues" / "dialogues-report.json").read_text())
    dropped = report["rows"]["dropped"]
    assert set(dropped) <= set(DropReason.ALL) | {"short_dialogue"}, dropped
    clean_report = json.loads((tmp_path / "clean" / "report.json").read_text())
    clean_dropped = clean_report["totals"]["dropped"]
    assert set(clean_dropped) <= set(DropReason.ALL)
    # The demo's dirt hits the same rules in both jobs, under the same names.
    assert {DropReason.MISSING_VALUE, DropReason.SYSTEM_MESSAGE} <= set(dropped) & set(clean_dropped)
    built = report["dialogues"]["built"]
    assert report["dialogues"]["val"] == max(1, round(0.05 * built)) and not report["dialogues"]["val_capped"]
