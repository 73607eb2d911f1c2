"""The Processes view: every engine process of every run, sampled with psutil about once a second.

Processes are learnt from ``ProcessStarted`` events (each engine process announces itself) and
``WorkerExited`` events give exit codes. CPU %, RSS and nice value come from psutil, read off the
GUI thread::

    GUI thread: sample timer (1 s) ──pids──► ProcessSampler thread: psutil reads (tens of ms on a
                                                                  loaded machine: /proc, per process)
    GUI thread: collect timer (50 ms after) ◄──results (a SimpleQueue)─┘
                └─ rows updated, only the cells whose text changed are rewritten

A run on a Dask cluster also lists the cluster's workers, from the ``WorkersReport`` its executor
sends once a second (address, pid on its host, CPU %, RSS as the scheduler measures them: no psutil,
they may be on other hosts); a ``WorkerExited`` from the scheduler marks one died, and they leave
the list of the living when the run ends (engine/cluster/worker_events.py, workers.py).

The sampler thread touches no Qt object (results come back through a plain queue the table reads
from its own timer), so it can neither stall a tick nor outlive the widgets it reports to; it is a
daemon, idle on its request queue between samples.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import psutil
from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from engine.cluster.worker_events import ROLE_PREFIX as DASK_ROLE_PREFIX
from engine.status import JobFinished, ProcessStarted, WorkerExited, WorkersReport
from gui.terms import process_role, term

MAX_EXITED_ROWS = 60
# Rows the list always has room for (more show at the default window size; 3 keeps the window within
# 1280×860 with the tallest panel, Chinese, after a run).
MIN_VISIBLE_ROWS = 3
# Text colours of rows that are not running (a running row has the palette's text colour, so it
# reads on a light and a dark window): both read on either.
DIED_COLOR = "#e53935"
EXITED_COLOR = "#9e9e9e"
# First element of the row key of a Dask worker (local processes are keyed by pid).
DASK = "dask"
#: How soon after a sample is requested the table looks for its result (and again, until it came).
COLLECT_MS = 50


@dataclass(frozen=True)
class ProcessSample:
    """One process as psutil saw it; ``alive`` False: gone (or a zombie)."""

    pid: int
    alive: bool
    cpu_percent: float = 0.0
    rss_bytes: int = 0
    nice: int | None = None


class ProcessSampler:
    """A daemon thread that reads CPU %, RSS and nice of the pids it is handed."""

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue[list[int] | None] = queue.SimpleQueue()
        self.results: queue.SimpleQueue[list[ProcessSample]] = queue.SimpleQueue()
        self._procs: dict[int, psutil.Process] = {}  # touched by the sampler thread only
        self._thread = threading.Thread(target=self._run, name="process-sampler", daemon=True)
        self._thread.start()

    def request(self, pids: list[int]) -> None:
        self._requests.put(list(pids))

    def close(self) -> None:
        self._requests.put(None)

    def _run(self) -> None:
        while True:
            pids = self._requests.get()
            if pids is None:
                return
            self.results.put([self._sample(pid) for pid in pids])
            for pid in set(self._procs) - set(pids):
                del self._procs[pid]

    def _sample(self, pid: int) -> ProcessSample:
        try:
            proc = self._procs.get(pid)
            if proc is None:
                proc = self._procs[pid] = psutil.Process(pid)
                proc.cpu_percent(None)  # the first call only primes the counter
            with proc.oneshot():
                if proc.status() == psutil.STATUS_ZOMBIE:
                    return ProcessSample(pid, alive=False)
                return ProcessSample(pid, True, proc.cpu_percent(None), proc.memory_info().rss, proc.nice())
        except psutil.Error:
            self._procs.pop(pid, None)
            return ProcessSample(pid, alive=False)


@dataclass
class ProcessRow:
    job: str
    role: str
    pid: int
    started: float
    state: str = "running"
    cpu_percent: float = 0.0
    rss_bytes: int = 0
    nice: int | None = None
    exitcode: int | None = None
    ended: float | None = None


def _cluster_key(job: str, address: str) -> tuple[str, str, str]:
    return (DASK, job, address.split("://", 1)[-1])


class ProcessTable(QTableWidget):
    COLUMNS = 8
    _RIGHT_ALIGNED = (2, 4, 5, 6, 7)

    def __init__(self, sample_ms: int = 1000, parent: QWidget | None = None) -> None:
        super().__init__(0, self.COLUMNS, parent)
        self.retranslate()
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        # Not ResizeToContents: that re-measures a whole column on every cell change (28 ms a render of
        # 12 rows measured); columns are fitted in _render only when a longer text appears.
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._widest = [len(self.horizontalHeaderItem(c).text()) for c in range(self.COLUMNS)]  # longest fitted so far
        self.rows: dict[Hashable, ProcessRow] = {}  # a local pid, or (DASK, job, worker address)
        self._shown: list[tuple[tuple[str, ...], str | None]] = []  # per table row: (cell texts, colour)
        self._sampler = ProcessSampler()
        self._pending = False  # a sample was requested and its result not read yet
        self._timer = QTimer(self)
        self._timer.setInterval(sample_ms)
        self._timer.timeout.connect(self.sample)
        self._timer.start()
        self._collect_timer = QTimer(self)
        self._collect_timer.setSingleShot(True)
        self._collect_timer.setInterval(COLLECT_MS)
        self._collect_timer.timeout.connect(self.collect)
        self.destroyed.connect(self._sampler.close)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Room for the header and ``MIN_VISIBLE_ROWS`` rows: the window's splitter never squeezes the
        list below that (a tall panel scrolls its form instead)."""
        rows = self.verticalHeader().defaultSectionSize() * MIN_VISIBLE_ROWS
        return QSize(super().minimumSizeHint().width(), self.horizontalHeader().sizeHint().height() + rows + 4)

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels(
            [
                self.tr("job"),
                self.tr("role"),
                "PID",
                self.tr("state"),
                self.tr("nice"),
                "CPU %",
                "RSS MB",
                self.tr("exit code"),
            ]
        )
        self.horizontalHeaderItem(4).setToolTip(
            self.tr("Scheduling priority (POSIX nice: higher runs in the background)")
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            self._render()
        super().changeEvent(event)

    def on_message(self, message: Any) -> None:
        if isinstance(message, ProcessStarted):
            self.rows[message.pid] = ProcessRow(message.job, message.role, message.pid, message.t)
        elif isinstance(message, WorkerExited):
            if message.role.startswith(DASK_ROLE_PREFIX):
                key: Hashable = _cluster_key(message.job, message.role.removeprefix(DASK_ROLE_PREFIX))
            else:
                key = message.pid
            row = self.rows.get(key)
            if row is not None:
                row.exitcode = message.exitcode
                row.state = "exited" if message.expected else "died"
                row.ended = message.t
        elif isinstance(message, WorkersReport) and message.executor != "local":
            self._update_cluster_rows(message)
        elif isinstance(message, JobFinished):
            for key, row in self.rows.items():
                if isinstance(key, tuple) and row.job == message.job and row.state == "running":
                    row.state, row.ended = "exited", message.t

    def _update_cluster_rows(self, report: WorkersReport) -> None:
        """The cluster's workers as the scheduler sees them now; one gone from the list has left."""
        seen = set()
        for worker in report.workers:
            key = _cluster_key(report.job, worker.name)
            seen.add(key)
            row = self.rows.get(key)
            if row is None or row.state != "running":
                row = self.rows[key] = ProcessRow(
                    report.job, f"{DASK_ROLE_PREFIX}{worker.name}", worker.pid or 0, report.t
                )
            row.cpu_percent = worker.cpu_percent or 0.0
            row.rss_bytes = worker.rss_bytes or 0
        for key, row in self.rows.items():
            if isinstance(key, tuple) and row.job == report.job and key not in seen and row.state == "running":
                row.state, row.ended = "exited", report.t

    def live_pids(self) -> list[int]:
        """Local processes to sample (a cluster's workers are measured by its scheduler)."""
        return [pid for pid, row in self.rows.items() if isinstance(pid, int) and row.state == "running"]

    def sample(self) -> None:
        """Hand the live pids to the sampler thread; ``collect`` shows what it read."""
        if self._pending:  # the last one is not back yet (a very loaded machine): skip a beat
            return
        pids = self.live_pids()
        if not pids:
            self._prune()
            self._render()
            return
        self._pending = True
        self._sampler.request(pids)
        self._collect_timer.start()

    def collect(self) -> bool:
        """Apply a finished sample (True), or look again shortly (False)."""
        try:
            samples = self._sampler.results.get_nowait()
        except queue.Empty:
            self._collect_timer.start()
            return False
        self._pending = False
        for s in samples:
            row = self.rows.get(s.pid)
            if row is None or row.state != "running":
                continue
            if s.alive:
                row.cpu_percent, row.rss_bytes, row.nice = s.cpu_percent, s.rss_bytes, s.nice
            else:
                row.state = "exited"
                row.ended = time.time()
        self._prune()
        self._render()
        return True

    def _prune(self) -> None:
        exited = sorted((r for r in self.rows.values() if r.state != "running"), key=lambda r: r.ended or 0)
        drop = {id(row) for row in (exited[:-MAX_EXITED_ROWS] if len(exited) > MAX_EXITED_ROWS else [])}
        for key in [key for key, row in self.rows.items() if id(row) in drop]:
            del self.rows[key]

    def _render(self) -> None:
        """Rewrite only the cells whose text or colour changed since the last render."""
        rows = sorted(self.rows.values(), key=lambda r: (r.state != "running", r.job, r.started, r.pid))
        widen: set[int] = set()
        if self.rowCount() != len(rows):
            self.setRowCount(len(rows))
            del self._shown[len(rows) :]
        for i, r in enumerate(rows):
            live = r.state == "running"
            values = (
                r.job,
                process_role(r.role),
                str(r.pid),
                term(r.state),
                "" if r.nice is None or not live else str(r.nice),
                f"{r.cpu_percent:.0f}" if live else "",
                f"{r.rss_bytes / 2**20:.0f}" if live else "",
                "" if r.exitcode is None else str(r.exitcode),
            )
            color = DIED_COLOR if r.state == "died" else (None if live else EXITED_COLOR)  # None: the palette's text
            old_values, old_color = self._shown[i] if i < len(self._shown) else ((None,) * len(values), None)
            for col, value in enumerate(values):
                if value == old_values[col] and color == old_color:
                    continue
                item = self.item(i, col)
                if item is None:
                    item = QTableWidgetItem()
                    if col in self._RIGHT_ALIGNED:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.setItem(i, col, item)
                item.setText(value)
                if color != old_color:
                    item.setData(Qt.ItemDataRole.ForegroundRole, None if color is None else QColor(color))
            if i < len(self._shown):
                self._shown[i] = (values, color)
            else:
                self._shown.append((values, color))
            for col, value in enumerate(values):
                if len(value) > self._widest[col]:
                    self._widest[col] = len(value)
                    widen.add(col)
        for col in widen:
            if col != 1:  # the role column stretches
                self.resizeColumnToContents(col)
