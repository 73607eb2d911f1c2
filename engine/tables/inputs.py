"""Turn what the user named (files, folders, glob patterns) into the ordered list of files to clean.

The order is the segment order of the run: all the paths sorted, so the same inputs always make the same segments: ``--resume`` and the report depend on it.
"""

from __future__ import annotations

import glob
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from engine.coded_errors import CodedError
from engine.output_folder import REPORT_JOBS, listed_in_report

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".parquet")


def _is_candidate(path: Path) -> bool:
    # Excel's "~$name.xlsx" lock files and our own hidden temporaries are never inputs.
    return path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.startswith(("~$", "."))


def _inside(path: Path, folder: Path | None) -> bool:
    return folder is not None and path.resolve().is_relative_to(folder.resolve())


class InputsNotFound(CodedError, ValueError):
    """An input name that matches nothing (a missing path, a pattern without a readable file)."""


@dataclass(frozen=True)
class FolderScan:
    """What a folder input gives: the files to read, and what was passed over and why (for the
    message when nothing is left: "3 .txt files", "2 files not listed in report.json")."""

    files: list[Path]
    skipped: Counter[str]

    def describe_skipped(self) -> str:
        """'it holds only 3 .txt files, 1 .docx file', or 'it is empty'."""
        if not self.skipped:
            return "it is empty"
        return "it holds only " + ", ".join(
            f"{n} {what}" if n != 1 else f"1 {what.replace('files', 'file')}" for what, n in self.skipped.items()
        )


class _ReportLists:
    """Per folder, the files a job's report there lists (None: no report); asked once per folder."""

    def __init__(self) -> None:
        self._cache: dict[Path, set[Path] | None] = {}

    def owner(self, path: Path, root: Path) -> tuple[Path, set[Path]] | None:
        """The nearest folder from ``path``'s up to ``root`` holding a report, with what it lists."""
        folder = path.parent
        while True:
            if folder not in self._cache:
                listed = listed_in_report(folder)
                self._cache[folder] = None if listed is None else {p.resolve() for p in listed}
            if self._cache[folder] is not None:
                return folder, self._cache[folder]
            if folder == root or folder.parent == folder:
                return None
            folder = folder.parent


def scan_folder(folder: Path, exclude_dir: Path | None = None) -> FolderScan:
    """The files of ``folder`` (recursive) to read: supported suffixes, not under ``exclude_dir``,
    and, under a folder holding a job's report (report.json, demo-report.json), only the files
    that report lists, so an earlier run's leftovers are never read as part of it."""
    reports = _ReportLists()
    files: list[Path] = []
    skipped: Counter[str] = Counter()
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        if path.name in REPORT_JOBS or path.name.startswith("."):
            continue  # our own reports and hidden files are not data
        if path.name.startswith("~$"):
            skipped["Excel lock files (~$…)"] += 1
        elif not _is_candidate(path):
            skipped[f"{path.suffix.lower() or 'suffix-less'} files"] += 1
        elif _inside(path, exclude_dir):
            skipped["files inside the output folder"] += 1
        elif (owner := reports.owner(path, folder)) is not None and path.resolve() not in owner[1]:
            skipped[f"files not listed in the report in {owner[0]}"] += 1
        else:
            files.append(path)
    return FolderScan(files, skipped)


def expand_inputs(inputs: Iterable[Path | str], exclude_dir: Path | None = None) -> list[Path]:
    """Files to clean, sorted and without repeats.

    A folder is searched recursively for .xlsx/.xls/.csv/.parquet (``scan_folder``: only the files
    a job's report there lists); a pattern (``data/**/*.xlsx``) is expanded; a file named directly
    is taken whatever its suffix, so that a wrong file shows up in the report with its reason
    instead of vanishing. Files under ``exclude_dir`` (the output folder) are skipped so a re-run
    never cleans its own outputs. Raises InputsNotFound (a ValueError) for a name that
    matches nothing.
    """
    found: dict[Path, None] = {}
    for raw in inputs:
        text = str(raw)
        path = Path(text)
        if path.is_dir():
            matches = scan_folder(path, exclude_dir).files
        elif path.exists():
            matches = [path]
        elif glob.has_magic(text):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True) if _is_candidate(Path(p)))
            if not matches:
                raise InputsNotFound.coded("pattern_matches_nothing", pattern=text)
        else:
            raise InputsNotFound.coded("input_not_found", path=text)
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
