"""report.json: what happened to every input file and every output segment of a clean run.

Always true, never ahead of the disk: rewritten (write-then-rename) as files are cleaned and segments
written, and when the run ends. Rewrites are at least ``SAVE_INTERVAL_S`` apart, and at least
``SAVE_COST_FACTOR`` times the last rewrite's own duration apart (a report of 10,000 files takes
~0.5 s to write: it is then rewritten every ~5 s, so the report never takes more than a tenth of the
coordinator's time); one that follows a written segment is flushed to the disk (fsync), as is the
last. After a SIGKILL of every process the report describes the run as of at most that interval
(plus the tasks in flight) before the kill: its "written" segments are on disk, its "cleaned" files
have their rows waiting in the parts folder, and ``--resume`` can tell complete segments from the rest.

Status of the run: running → done | stopped | failed (``error`` then says why). A file is pending →
cleaned (read and cleaned; its rows wait in the parts folder for its segment) → ok (its rows are in a
written segment), or failed. A run that ends before a segment is written discards the rows of its
cleaned files (the parts folder is removed); ``--resume`` cleans those files again.
Totals count the files whose status is "ok"; for those, rows_in = rows_out + Σ dropped.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.atomic import atomic_path
from engine.disk_fault import writing_into

REPORT_NAME = "report.json"
REPORT_VERSION = 1
#: Shortest time between two rewrites during the run (the first and the last are written at once).
SAVE_INTERVAL_S = 0.25
#: A rewrite waits at least this many times the previous rewrite's duration.
SAVE_COST_FACTOR = 10.0


class _Entry:
    """A report entry: its fields are its JSON object."""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class FileEntry(_Entry):
    path: str
    segment: int
    status: str = "pending"  # pending | cleaned | ok | failed
    rows_in: int = 0
    rows_out: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0
    worker: str = ""
    attempts: int = 0


@dataclass
class SegmentEntry(_Entry):
    index: int
    files: list[str]
    outputs: list[str] = field(default_factory=list)
    status: str = "pending"  # pending | written | failed
    rows: int = 0
    sheet_rows: list[int] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    worker: str = ""
    attempts: int = 0


class CleanReport:
    """The run's ledger; the coordinator updates it and ``save`` writes report.json."""

    def __init__(
        self, out_dir: Path, settings: dict[str, Any], fingerprint: str, files: list[Path], segments: list[list[int]]
    ) -> None:
        self.path = Path(out_dir) / REPORT_NAME
        self.settings = settings
        self.fingerprint = fingerprint
        self.started = time.time()
        self.status = "running"  # running | done | stopped | failed
        self.error = ""
        self.saves = 0
        self._dirty = False
        self._durable_due = False
        self._last_save = 0.0
        self._gap_s = SAVE_INTERVAL_S
        #: Called after each rewrite: what may go once the report no longer points at it.
        self.on_saved: Callable[[], None] = lambda: None
        self.files = [FileEntry(str(p), s) for s, idx in enumerate(segments) for p in (files[i] for i in idx)]
        self.segments = [SegmentEntry(s, [str(files[i]) for i in idx]) for s, idx in enumerate(segments)]
        self.resumed_segments: list[int] = []
        self._position = {entry.path: i for i, entry in enumerate(self.files)}

    def totals(self) -> dict[str, Any]:
        ok = [f for f in self.files if f.status == "ok"]
        dropped: dict[str, int] = {}
        for entry in ok:
            for reason, n in entry.dropped.items():
                dropped[reason] = dropped.get(reason, 0) + n
        rows_in = sum(f.rows_in for f in ok)
        rows_out = sum(f.rows_out for f in ok)
        return {
            "files": len(self.files),
            "files_ok": len(ok),
            "files_failed": sum(f.status == "failed" for f in self.files),
            "files_cleaned": sum(f.status == "cleaned" for f in self.files),
            "files_pending": sum(f.status == "pending" for f in self.files),
            "rows_in": rows_in,
            "rows_out": rows_out,
            "dropped": dict(sorted(dropped.items())),
            "reconciles": rows_in == rows_out + sum(dropped.values()),
            "segments_written": sum(s.status == "written" for s in self.segments),
            "segments_failed": sum(s.status == "failed" for s in self.segments),
        }

    def summary(self) -> dict[str, Any]:
        """The run's figures as the job returns them (JobFinished.summary): counts, outputs, rate."""
        totals = self.totals()
        seconds = time.time() - self.started
        return {
            "out_dir": str(self.path.parent),
            "report": str(self.path),
            "files": totals["files"],
            "files_ok": totals["files_ok"],
            "files_failed": totals["files_failed"],
            "failed": [{"path": f.path, "error": f.error} for f in self.files if f.status == "failed"],
            "rows_in": totals["rows_in"],
            "rows_out": totals["rows_out"],
            "dropped": totals["dropped"],
            "reconciles": totals["reconciles"],
            "outputs": self.outputs(),
            "segments_written": totals["segments_written"],
            "segments_resumed": len(self.resumed_segments),
            "seconds": round(seconds, 3),
            "rows_per_s": round(totals["rows_in"] / seconds, 1) if seconds > 0 else 0.0,
        }

    def outputs(self) -> list[str]:
        return [o for s in self.segments if s.status == "written" for o in s.outputs]

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "job": "clean",
            "status": self.status,
            "error": self.error,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self.started)),
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "pid": os.getpid(),
            "seconds": round(time.time() - self.started, 3),
            "fingerprint": self.fingerprint,
            "settings": self.settings,
            "totals": self.totals(),
            "outputs": self.outputs(),
            "resumed_segments": self.resumed_segments,
            "files": [f.as_dict() for f in self.files],
            "segments": [s.as_dict() for s in self.segments],
        }

    def save(self, durable: bool = True) -> Path:
        """Rewrite report.json now; ``durable``: flushed to the disk (a segment, the end).
        Raises ``DiskFault`` when the folder refuses it (the previous report.json stays whole)."""
        started = time.monotonic()
        with writing_into(self.path), atomic_path(self.path, durable=durable) as tmp:
            tmp.write_text(json.dumps(self.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
        self.saves += 1
        self._dirty = self._durable_due = False
        self._last_save = time.monotonic()
        self._gap_s = max(SAVE_INTERVAL_S, SAVE_COST_FACTOR * (self._last_save - started))
        self.on_saved()
        return self.path

    def changed(self, durable: bool = False) -> None:
        """Something the report says changed: the next ``save_if_due`` rewrites it once the last
        rewrite is old enough. ``durable``: flush that rewrite (a segment was written). Not here:
        the coordinator calls this while handling a result, before the worker that result freed
        gets its next task, and a rewrite takes 5-15 ms (its ``on_wait`` calls ``save_if_due``)."""
        self._dirty = True
        self._durable_due |= durable

    def save_if_due(self) -> bool:
        """Rewrite a changed report once the gap since the last rewrite has passed."""
        if not self._dirty or time.monotonic() - self._last_save < self._gap_s:
            return False
        self.save(durable=self._durable_due)
        return True

    # -- resume ----------------------------------------------------------------------------------
    def adopt_complete_segments(self, previous: dict[str, Any]) -> list[int]:
        """Take over the segments a previous run finished completely: same files, every file ok,
        every output still on disk. Returns their indexes (those need no work)."""
        old_files = {f["path"]: f for f in previous.get("files", [])}
        adopted: list[int] = []
        for old in previous.get("segments", []):
            index = old.get("index", -1)
            if not 0 <= index < len(self.segments):
                continue
            segment = self.segments[index]
            if old.get("files") != segment.files or old.get("status") != "written":
                continue
            if not old.get("outputs") or not all(Path(p).is_file() for p in old["outputs"]):
                continue
            entries = [old_files.get(p) for p in segment.files]
            if any(e is None or e.get("status") != "ok" for e in entries):
                continue
            for entry in entries:
                mine = self.files[self._position[entry["path"]]]
                for key in ("status", "rows_in", "rows_out", "dropped", "error", "seconds", "worker", "attempts"):
                    setattr(mine, key, entry.get(key, getattr(mine, key)))
            for key in ("outputs", "status", "rows", "sheet_rows", "seconds"):
                setattr(segment, key, old.get(key, getattr(segment, key)))
            adopted.append(index)
        self.resumed_segments = adopted
        return adopted


def load_report(out_dir: Path) -> dict[str, Any] | None:
    """The report.json of a previous run in ``out_dir``, or None (missing or unreadable)."""
    path = Path(out_dir) / REPORT_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
