"""dialogues-report.json from the first moment of a run to its end, always true.

A Dialogues run publishes its four files together at the very end (rename out of the work folder),
so what is "complete" while it runs is a phase, not a file. The report is written when the run
starts (status "running", no outputs), again as each phase ends (``phases``: the seconds of every
phase finished), and at the end: "done" with the full report (engine/dialogues/report.py), or
"stopped" / "failed" with the error and still no outputs. A SIGKILL leaves the last of these:
"running", the phases finished so far, ``outputs`` empty — and the work folder, which the next run
into the same folder removes. Every rewrite is write-then-rename and flushed to the disk.

Status: running → done | stopped | failed. Phases in order: ``PHASES``; "publishing" is the four
renames (a SIGKILL during it may leave some of the four files new and some from an earlier run).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from engine.atomic import atomic_path
from engine.dialogues.layout import REPORT_NAME
from engine.disk_fault import writing_into

PHASES = ("partition", "keys", "build", "publishing")
REPORT_VERSION = 1


class DialoguesRunReport:
    """The run's report file; the job calls ``phase_done`` as it goes and one of the endings."""

    def __init__(self, out_dir: Path, inputs: list[Path]) -> None:
        self.path = Path(out_dir) / REPORT_NAME
        self.inputs = [str(p) for p in inputs]
        self.started = time.time()
        self.phases: dict[str, float] = {}
        self.phase = PHASES[0]
        self.saves = 0

    def _head(self, status: str, error: str = "") -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "job": "dialogues",
            "status": status,
            "error": error,
            "phase": self.phase,
            "phases": {name: round(s, 3) for name, s in self.phases.items()},
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self.started)),
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "pid": os.getpid(),
        }

    def _save(self, content: dict[str, Any]) -> None:
        with writing_into(self.path), atomic_path(self.path, durable=True) as tmp:
            tmp.write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
        self.saves += 1

    def _running(self) -> dict[str, Any]:
        return {**self._head("running"), "inputs": self.inputs, "out_dir": str(self.path.parent), "outputs": {}}

    def start(self) -> None:
        self._save(self._running())

    def phase_done(self, name: str, seconds: float) -> None:
        """``name`` finished in ``seconds``; the run goes on with the next phase."""
        self.phases[name] = seconds
        self.phase = PHASES[PHASES.index(name) + 1] if name != PHASES[-1] else name
        self._save(self._running())

    def done(self, report: dict[str, Any]) -> None:
        """The four files are in place: the full report (its keys after the run's own)."""
        self.phase = "done"
        self._save({**self._head("done"), **report})

    def ended(self, status: str, error: str = "") -> None:
        """The run stopped or failed: no output of this run exists under a final name."""
        content = self._running()
        content.update(self._head(status, error))
        self._save(content)
