"""Turn what the user named (files, folders, glob patterns) into the ordered list of files to clean.

The order is the segment order of the run: all the paths sorted, so the same inputs always make the same segments: ``--resume`` and the report depend on it.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".parquet")


def _is_candidate(path: Path) -> bool:
    # Excel's "~$name.xlsx" lock files and our own hidden temporaries are never inputs.
    return path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.startswith(("~$", "."))


def _inside(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def expand_inputs(inputs: Iterable[Path | str], exclude_dir: Path | None = None) -> list[Path]:
    """Files to clean, sorted and without repeats.

    A folder is searched recursively for .xlsx/.xls/.csv/.parquet; a pattern (``data/**/*.xlsx``)
    is expanded; a file named directly is taken whatever its suffix, so that a wrong file shows up in
    the report with its reason instead of vanishing. Files under ``exclude_dir`` (the output folder)
    are skipped so a re-run never cleans its own outputs. Raises ValueError for a name that matches
    nothing.
    """
    found: dict[Path, None] = {}
    for raw in inputs:
        text = str(raw)
        path = Path(text)
        if path.is_dir():
            matches = sorted(p for p in path.rglob("*") if _is_candidate(p))
        elif path.exists():
            matches = [path]
        elif glob.has_magic(text):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True) if _is_candidate(Path(p)))
            if not matches:
                raise ValueError(f"no .xlsx/.xls/.csv/.parquet file matches {text}")
        else:
            raise ValueError(f"input not found: {text}")
        for match in matches:
            if not _inside(match, exclude_dir):
                found.setdefault(match.absolute(), None)
    return sorted(found)


def segments_of(files: list[Path], segment_files: int) -> list[list[int]]:
    """File indexes grouped into segments of ``segment_files`` (the last may be shorter)."""
    return [list(range(start, min(start + segment_files, len(files)))) for start in range(0, len(files), segment_files)]


def file_size(path: Path) -> int:
    """Bytes of ``path``; 0 when it cannot be read (it is then failed with its reason by its task)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0
