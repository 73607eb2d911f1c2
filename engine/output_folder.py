"""Which files in an output folder belong to a run: what its report lists, nothing else.

Every job that writes a data folder leaves a report naming its outputs (clean: ``report.json``,
dialogues: ``dialogues-report.json``, demo: ``demo-report.json``). Two things rest on that list:

- a job refuses an ``--out`` that holds another run's outputs (``OutputInUse``), unless told to
  ``--overwrite`` (remove exactly the listed files, never anything else) or ``--resume``;
- a job that reads a folder holding a report (dialogues on clean's folder, clean on demo's, serve
  --index) takes the files the report lists, not every file that happens to match: two runs into
  one folder can then never be read as one.

Light to import (json and paths only): the CLI and the GUI ask before any process starts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.clean.report import REPORT_NAME as CLEAN_REPORT
from engine.demo.report import REPORT_NAME as DEMO_REPORT
from engine.dialogues.layout import REPORT_NAME as DIALOGUES_REPORT

#: Report file name → the job that writes it.
REPORT_JOBS = {CLEAN_REPORT: "clean", DIALOGUES_REPORT: "dialogues", DEMO_REPORT: "demo"}

#: Names listed in a refusal before "… and N more".
LISTED_AT_MOST = 8


@dataclass(frozen=True)
class PreviousRun:
    """A run whose report lies in a folder: the report and the listed outputs still on disk."""

    job: str
    report: Path
    status: str
    outputs: tuple[Path, ...]


def _read_report(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _listed(report: dict[str, Any]) -> list[str]:
    outputs = report.get("outputs", [])
    if isinstance(outputs, dict):  # dialogues: {"std_train": path, …}
        outputs = list(outputs.values())
    return [str(o) for o in outputs if isinstance(o, str)] if isinstance(outputs, list) else []


def _locate(listed: str, folder: Path, recorded_root: str | None) -> Path | None:
    """A listed output as it is now: where the report says, or, if the folder was moved, at the
    same place relative to it. Only files inside ``folder`` count (overwrite deletes them)."""
    path = Path(listed)
    candidates = [path if path.is_absolute() else folder / path]
    if recorded_root:
        try:
            candidates.append(folder / path.relative_to(recorded_root))
        except ValueError:
            pass
    candidates.append(folder / path.name)
    for candidate in candidates:
        if candidate.is_file() and _inside(candidate, folder):
            return candidate
    return None


def previous_run(report_path: Path) -> PreviousRun | None:
    """The run whose report is ``report_path`` (None: no such file, unreadable, or not one of ours)."""
    job = REPORT_JOBS.get(report_path.name)
    report = _read_report(report_path) if job and report_path.is_file() else None
    if report is None or report.get("job", job) != job:
        return None  # another tool's report.json is not a run of ours
    folder = report_path.parent
    found: dict[Path, None] = {}
    for listed in _listed(report):
        located = _locate(listed, folder, report.get("out_dir"))
        if located is not None:
            found.setdefault(located, None)
    return PreviousRun(job, report_path, str(report.get("status", "finished")), tuple(found))


def previous_runs(folder: Path) -> list[PreviousRun]:
    """Runs of any job whose report lies directly in ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    runs = (previous_run(folder / name) for name in REPORT_JOBS)
    return [run for run in runs if run is not None]


def _names(paths: tuple[Path, ...], folder: Path) -> str:
    shown = [p.relative_to(folder).as_posix() if _inside(p, folder) else str(p) for p in paths[:LISTED_AT_MOST]]
    more = len(paths) - len(shown)
    return ", ".join(shown) + (f" … and {more} more" if more > 0 else "")


class OutputInUse(ValueError):
    """``--out`` holds the outputs of an earlier run; ``runs`` says whose and which files."""

    def __init__(self, folder: Path, runs: list[PreviousRun], job: str, can_resume: bool) -> None:
        self.folder = Path(folder)
        self.runs = runs
        self.job = job
        self.can_resume = can_resume
        super().__init__(self.describe())

    @property
    def outputs(self) -> tuple[Path, ...]:
        return tuple(p for run in self.runs for p in run.outputs)

    def describe(self) -> str:
        held = "; ".join(
            f"{len(run.outputs)} file(s) of a {run.status} {run.job} run ({run.report.name}): "
            f"{_names(run.outputs, self.folder)}"
            for run in self.runs
        )
        ways = ["--overwrite to remove them (only the files its report lists) and start afresh"]
        if self.can_resume:
            ways.append("--resume to continue that run")
        ways.append("another --out")
        return f"output folder {self.folder} already holds {held}\nhint: use " + ", or ".join(ways)


def check_output_folder(
    folder: Path, job: str, overwrite: bool = False, resume: bool = False, resumable: bool = False
) -> list[PreviousRun]:
    """Raise ``OutputInUse`` when ``folder`` holds an earlier run's outputs and neither flag allows
    it; otherwise the earlier runs that ``--overwrite`` would clear. Changes nothing on disk.

    ``resume`` only covers an earlier run of the same job (it continues that run); ``resumable``:
    the refusal may offer ``--resume`` (the earlier run had the same settings)."""
    runs = [run for run in previous_runs(Path(folder)) if run.outputs]
    if not runs or overwrite:
        return runs
    if resume and all(run.job == job for run in runs):
        return []
    raise OutputInUse(Path(folder), runs, job, can_resume=resumable and all(run.job == job for run in runs))


def claim_output_folder(folder: Path, job: str, overwrite: bool = False, resume: bool = False) -> int:
    """``check_output_folder``, then, with ``overwrite``, remove the earlier runs' listed outputs
    and the reports of other jobs (they would describe nothing). Returns how many files went."""
    runs = check_output_folder(folder, job, overwrite, resume)
    if not overwrite:
        return 0
    removed = 0
    for run in runs:
        for path in run.outputs:
            path.unlink(missing_ok=True)
            removed += 1
        if run.job != job:
            run.report.unlink(missing_ok=True)
    return removed


def listed_in_report(folder: Path) -> list[Path] | None:
    """The files a job's report in ``folder`` lists (present on disk), None when no report of ours
    lies there. A reader takes these, not every file of the folder."""
    runs = previous_runs(Path(folder))
    if not runs:
        return None
    return [path for run in runs for path in run.outputs]


def dialogue_train_file(index_dir: str | Path) -> Path:
    """The std train text of a dialogues-job output folder: the one its dialogues-report.json lists
    (a folder without a report, from an older run: ``std/train.txt``), or ``index_dir`` itself when
    it is a file. Raises FileNotFoundError naming what is missing."""
    path = Path(index_dir)
    if not path.is_dir():
        if not path.is_file():
            raise FileNotFoundError(f"nothing at {path} (expected a dialogues-job output folder holding std/train.txt)")
        return path
    run = previous_run(path / DIALOGUES_REPORT)
    if run is None:
        train = path / "std" / "train.txt"
        if not train.is_file():
            raise FileNotFoundError(f"no dialogue file at {train} (expected a dialogues-job output folder)")
        return train
    listed = [p for p in run.outputs if p.name == "train.txt" and p.parent.name == "std"]
    if not listed:
        raise FileNotFoundError(f"{run.report} lists no std/train.txt that exists (rerun the dialogues job)")
    return listed[0]
