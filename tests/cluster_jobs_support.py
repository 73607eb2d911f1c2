"""Running the real CLI of a job and comparing two runs' outputs (the cluster job tests)."""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

from tests.cli_support import run_main

ROOT = Path(__file__).resolve().parents[1]

#: The four files of a Dialogues run.
DIALOGUES_FILES = ("std/train.txt", "std/val.txt", "mmi/train.txt", "mmi/val.txt")


def run_cli(*args: str, timeout_s: float = 120.0) -> subprocess.CompletedProcess:
    """``python main.py ARGS --quiet`` in a fresh interpreter, as a person runs it."""
    return run_main(*args, "--quiet", timeout_s=timeout_s, env={**os.environ, "PYTHONPATH": str(ROOT)})


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def output_files(folder: Path, pattern: str) -> dict[str, bytes]:
    """Every file matching ``pattern`` under ``folder``, by relative path: its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.glob(pattern)) if p.is_file()}


def assert_same_files(a: Path, b: Path, pattern: str) -> int:
    """The files matching ``pattern`` are the same names with the same bytes; returns how many."""
    left, right = output_files(a, pattern), output_files(b, pattern)
    assert left, f"no {pattern} in {a}"
    assert sorted(left) == sorted(right)
    for name in left:
        assert left[name] == right[name], f"{name} differs between {a} and {b}"
    return len(left)


def xlsx_parts(path: Path) -> dict[str, bytes]:
    """A workbook's zip members except docProps/core.xml (it holds the time it was written)."""
    with zipfile.ZipFile(path) as book:
        return {name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}


def assert_same_workbooks(a: Path, b: Path) -> int:
    left, right = sorted(a.glob("*.xlsx")), sorted(b.glob("*.xlsx"))
    assert left and [p.name for p in left] == [p.name for p in right]
    for x, y in zip(left, right):
        parts = xlsx_parts(x)
        assert any(name.startswith("xl/worksheets/") for name in parts)
        assert parts == xlsx_parts(y), f"{x.name}: sheet XML differs"
    return len(left)


def assert_same_dialogues(a: Path, b: Path) -> None:
    for rel in DIALOGUES_FILES:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), f"{rel} differs"
    assert (a / "std/train.txt").stat().st_size > 0
