"""Running a real mpwatch command, signalling it mid-run and collecting what a person would judge:
exit code, stderr, seconds from the signal to the exit, and every process it ever started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

#: Stderr that must never follow a stop signal.
NOISE = ("Traceback", "leaked semaphore", "Exception ignored", "resource_tracker", "Error")


@dataclass
class Ended:
    """What a signalled command left behind."""

    code: int
    stderr: str
    stdout: str
    seconds: float  # from the (first) signal to the exit
    descendants: list[psutil.Process] = field(default_factory=list)

    def alive_after(self, grace_s: float = 5.0) -> list[str]:
        """Descendants still running ``grace_s`` after the exit (the resource tracker reads EOF
        from its pipe a moment after the owner exits: it gets that moment)."""
        _, alive = psutil.wait_procs(self.descendants, timeout=grace_s)
        out = []
        for proc in alive:
            try:
                if proc.status() != psutil.STATUS_ZOMBIE:
                    out.append(f"{proc.pid}: {' '.join(proc.cmdline())[:100]}")
            except psutil.Error:
                pass
        return out

    def noise(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if any(word in line for word in NOISE)]


class Command:
    """A command started in its own session (so the test can signal its whole group)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, entry: tuple[str, ...] = ("main.py",)) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, *entry, *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
        self.started = time.monotonic()
        self.stderr_lines: list[str] = []
        self.descendants: dict[int, psutil.Process] = {}
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def note_descendants(self) -> list[psutil.Process]:
        """Every descendant now (remembered: the check after the exit looks at each of them)."""
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.Error:
            return []
        for child in children:
            self.descendants.setdefault(child.pid, child)
        return children

    def workers(self) -> int:
        """Live descendants that are not multiprocessing's resource tracker."""
        count = 0
        for child in self.note_descendants():
            try:
                if "resource_tracker" not in " ".join(child.cmdline()):
                    count += 1
            except psutil.Error:
                pass
        return count

    def wait_until(self, ready: Callable[[], bool], timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not ready():
            assert self.proc.poll() is None, f"ended before it was signalled: {''.join(self.stderr_lines)}"
            assert time.monotonic() < deadline, f"not ready after {timeout_s} s: {''.join(self.stderr_lines)}"
            time.sleep(0.05)
        self.note_descendants()

    def signal(self, signum: int, group: bool) -> None:
        self.note_descendants()
        (os.killpg if group else os.kill)(self.proc.pid, signum)

    def end(self, signum: int, group: bool, second_after_s: float | None = None, timeout_s: float = 30.0) -> Ended:
        """Send ``signum`` (and again ``second_after_s`` later), wait for the exit."""
        self.signal(signum, group)
        signalled = time.monotonic()
        second_sent = second_after_s is None
        deadline = signalled + timeout_s
        while self.proc.poll() is None and time.monotonic() < deadline:
            if not second_sent and time.monotonic() - signalled >= second_after_s:
                self.signal(signum, group)
                second_sent = True
            self.note_descendants()
            time.sleep(0.02)
        seconds = time.monotonic() - signalled
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise AssertionError(f"still running {timeout_s} s after the signal: {''.join(self.stderr_lines)}")
        stdout = self.proc.stdout.read()
        self._reader.join(5)
        return Ended(self.proc.returncode, "".join(self.stderr_lines), stdout, seconds, list(self.descendants.values()))

    def end_when(
        self,
        ready: Callable[[], bool],
        signum: int,
        group: bool,
        *,
        ready_timeout_s: float = 60.0,
        second_after_s: float | None = None,
        timeout_s: float = 30.0,
    ) -> Ended:
        """Once ``ready()`` holds, ``end`` the command; whatever happens, nothing of it stays running."""
        try:
            self.wait_until(ready, ready_timeout_s)
            return self.end(signum, group, second_after_s, timeout_s)
        finally:
            self.kill()

    def kill(self) -> None:
        """Test clean-up: whatever happened, nothing of this command stays."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        for proc in self.descendants.values():
            try:
                proc.kill()
            except psutil.Error:
                pass
        self._reader.join(5)
        self.proc.stdout.close()
        self.proc.stderr.close()


def leftovers(folder: Path) -> list[str]:
    """Temporary or partial files under ``folder`` (atomic writes' ``.NAME.part-PID``, work folders)."""
    return [
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if ".part-" in path.name or path.name.endswith(".tmp") or path.name.startswith(".mpwatch-")
    ]
