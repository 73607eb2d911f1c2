"""Running `main.py COMMAND` as a person does, in its own process group, for tests that kill it or fill its disk."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

from engine.clean.report import REPORT_NAME

ROOT = Path(__file__).resolve().parent.parent
INJECT_DIR = Path(__file__).resolve().parent / "inject"


def clean_args(inputs: Path | list[Path], out: Path, fmt: str, segment_files: int, *extra: str) -> list[str]:
    """``clean INPUTS --out OUT --format FMT --segment-files N --workers 2 --quiet EXTRA…``: the
    command line after ``main.py`` of the tests' clean runs (two workers, no bar)."""
    paths = inputs if isinstance(inputs, list) else [inputs]
    return [
        "clean",
        *map(str, paths),
        "--out",
        str(out),
        "--format",
        fmt,
        "--segment-files",
        str(segment_files),
        "--workers",
        "2",
        "--quiet",
        *extra,
    ]


def clean_command(inputs: Path, out: Path, fmt: str, segment_files: int, *extra: str) -> list[str]:
    """``clean_args`` as a process runs them: this Python, main.py."""
    return [sys.executable, str(ROOT / "main.py"), *clean_args(inputs, out, fmt, segment_files, *extra)]


def run_main(
    *args: str | Path, timeout_s: float = 240.0, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``python main.py ARGS`` to its end in a fresh interpreter, as a person runs it, its stdout and
    stderr kept as text (a pipe: plain progress lines). ``env``: the whole environment (None: ours)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )


def start_cli(command: list[str], stderr_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """The CLI as the leader of a new process group: ``killpg`` then reaches every process of the run."""
    with stderr_path.open("w") as stderr:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )


def run_cli(command: list[str], tmp: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the CLI to its end; returns its exit code and stderr."""
    stderr_path = tmp / f"stderr-{time.monotonic_ns()}.txt"
    process = start_cli(command, stderr_path, env)
    code = process.wait(timeout=120)
    return code, stderr_path.read_text(encoding="utf-8", errors="replace")


def injected_env(**variables: str) -> dict[str, str]:
    """Environment that loads tests/inject/sitecustomize.py in every process of the run."""
    path = os.pathsep.join([str(INJECT_DIR), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {"PYTHONPATH": path, **variables}


def read_report(out: Path, name: str = REPORT_NAME) -> dict | None:
    """The run's report (the clean job's report.json unless ``name`` says another), or None while it
    does not exist yet (it is replaced whole, never read half-written)."""
    try:
        return json.loads((out / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def wait_for_report(out: Path, condition, timeout_s: float = 60.0, name: str = REPORT_NAME) -> dict:
    """Poll the report (as ``read_report`` names it) until ``condition(report)`` holds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        report = read_report(out, name)
        if report is not None and condition(report):
            return report
        time.sleep(0.02)
    raise AssertionError(f"{name} never satisfied the condition: {read_report(out, name)}")


def group_processes(leader: subprocess.Popen) -> list[psutil.Process]:
    try:
        return [psutil.Process(leader.pid), *psutil.Process(leader.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def kill_group(leader: subprocess.Popen) -> None:
    """SIGKILL every process of the run at once, then wait until none is left. Children leave the
    owner's process group (a group signal is the owner's to drain), so each is killed by pid too."""
    members = group_processes(leader)
    os.killpg(leader.pid, signal.SIGKILL)
    for member in members:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()
    leader.wait(timeout=10)
    gone, alive = psutil.wait_procs(members, timeout=10)
    assert not alive, f"still alive after SIGKILL: {alive}"


@contextlib.contextmanager
def serving(*options: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """``main.py serve --port 0 --preprocess-workers 1 --quiet OPTIONS`` as a person starts it, in its own
    process group; yields the server and the base URL its first ("serving …") line names, which it
    prints only once /healthz answers. A server still running at the end is killed (group SIGKILL)."""
    command = ["main.py", "serve", "--port", "0", "--preprocess-workers", "1", "--quiet", *options]
    server = subprocess.Popen(
        [sys.executable, *command], cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        first_line = server.stderr.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+)/v1/predict", first_line)
        assert found, f"no 'serving' line: {first_line!r}"
        yield server, found.group(1)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        server.stderr.close()
