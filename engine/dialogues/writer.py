"""The mmi writer: a second process that turns std text into reversed ("mmi") text and writes it.

Data flow::

    coordinator (builds std text)                        mmi-writer process
    ─────────────────────────────                        ─────────────────────────────────────────
    MmiWriter.put(MmiBatch) ──► CountingQueue(bound) ──► reverse_dialogues → DialogueTextFile
         │  blocks when full (back-pressure),                 │ (work/mmi-train.txt, mmi-val.txt)
         │  watches the writer while it waits                 │
    MmiWriter.finish() ── END_OF_BATCHES ────────────────────►│ close the files
         ◄── Snapshot … WriterDone | WriterFailed ◄── Pipe ◄──┘
    StatusRelay: the writer's snapshots → the job's status queue; its final word → MmiWriter

The batch is the std text itself (dialogues separated by blank lines): one string pickles as one
memcpy, and the mmi file is derived from exactly the text the std file got. The queue is bounded
(``writer_queue_bound`` batches), so a slow writer slows the build instead of growing memory; the end
is an explicit sentinel. A writer that dies (crash, OOM kill) is noticed by its exit code or a closed
pipe while the coordinator waits to put or to finish, and fails the job with ``WriterDied``.

The writer touches no lock another process waits on: its status goes through its own pipe (each
snapshot is one atomic pipe write) rather than the job's shared status queue, and it never reads the
stop event. So a writer killed at any instant cannot wedge the coordinator or the watcher; Stop ends
it by terminating it (its files are discarded anyway; ``abort`` is a StagedStop without grace). This module imports neither pandas nor
pyarrow: the writer stays small (its RSS is the interpreter plus the batches in hand).
"""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_any
from pathlib import Path
from typing import Any

from engine.context import SPAWN, JobContext, parent_alive
from engine.dialogues.memory import peak_rss_bytes, rss_bytes
from engine.dialogues.textfile import BATCH_END, DialogueTextFile, reverse_dialogues
from engine.queues import CountingQueue
from engine.shutdown import StagedStop
from engine.status import ProcessStarted, Snapshot, StatusReporter, describe_exitcode, format_exception
from engine.status_pipe import StatusRelay
from engine.stop_signals import Terminated
from engine.supervisor import ManagedProcess, Supervisor

WRITER_ROLE = "mmi-writer"
WRITER_STAGE = "write-mmi"
#: The writer reports at most this often (its snapshots cross two hops).
WRITER_SNAPSHOT_INTERVAL_S = 0.25
#: While it waits for work, the writer reports this rarely.
WRITER_IDLE_REPORT_S = 2.0


@dataclass(frozen=True)
class MmiBatch:
    """Std text of whole dialogues for one split, each dialogue followed by a blank line."""

    split: str
    std_text: str
    dialogues: int
    lines: int


@dataclass(frozen=True)
class EndOfBatches:
    """Sentinel: no more batches; close the files and report."""


END_OF_BATCHES = EndOfBatches()


@dataclass(frozen=True)
class WriterDone:
    dialogues: Mapping[str, int] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict)
    bytes: Mapping[str, int] = field(default_factory=dict)
    peak_rss_bytes: int = 0
    busy_s: float = 0.0


@dataclass(frozen=True)
class WriterFailed:
    reason: str
    traceback: str = ""


class WriterDied(RuntimeError):
    """The mmi writer ended without finishing its files; the job cannot produce its outputs."""


def queued(batches: CountingQueue) -> int:
    """Batches waiting in the queue.

    ``multiprocessing.Queue(maxsize)`` never holds more than ``maxsize`` items (its semaphore), but
    CountingQueue's counters can read one more for an instant: the writer has taken an item out
    (room is free, the coordinator's next put succeeds) and not yet counted its get. That item is
    in the writer's hands, not in the queue, so the reading is capped at the bound.
    """
    return min(batches.depth(), batches.maxsize)


class PipeSink:
    """StatusSink look-alike for the writer: snapshots go to the coordinator over the result pipe."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def send_snapshot(self, snap: Snapshot) -> bool:
        self.conn.send(snap)
        return True

    def send_event(self, event: Any) -> None:
        self.conn.send(event)


def mmi_writer_main(job: str, batches: CountingQueue, result_conn: Any, paths: Mapping[str, str]) -> None:
    """Process target: write every batch's reversed form until END_OF_BATCHES."""
    reporter = StatusReporter(
        PipeSink(result_conn),
        job,
        WRITER_STAGE,
        WRITER_ROLE,  # type: ignore[arg-type]
        interval_s=WRITER_SNAPSHOT_INTERVAL_S,
    )
    files = {split: DialogueTextFile(Path(path)) for split, path in paths.items()}
    last_idle_report = 0.0
    try:
        while True:
            try:
                item = batches.get(timeout=0.25)
            except queue.Empty:
                if not parent_alive():
                    return  # orphaned: the coordinator is gone, nobody will rename these files
                if time.monotonic() - last_idle_report >= WRITER_IDLE_REPORT_S:
                    # Waiting (phases 1-2, or a slow build): a sign of life, rarely, so the pipe
                    # never fills while the coordinator is busy elsewhere.
                    last_idle_report = time.monotonic()
                    reporter.set_queue(queued(batches), batches.maxsize)
                    reporter.set_counter("rss_bytes", rss_bytes())
                    reporter.flush()
                continue
            if isinstance(item, EndOfBatches):
                break
            reporter.begin(item.split)
            mmi = reverse_dialogues(item.std_text[: -len(BATCH_END)]) + BATCH_END
            out = files[item.split]
            before = out.bytes
            out.write_batch(mmi, item.dialogues, item.lines)
            reporter.add(
                items_in=item.dialogues,
                items_out=item.lines,
                nbytes=out.bytes - before,
                **{f"lines_mmi_{item.split}": item.lines, "lines_mmi": item.lines},
            )
            reporter.end()
            reporter.set_queue(queued(batches), batches.maxsize)
            reporter.set_counter("rss_bytes", rss_bytes())
            reporter.tick()
        for out in files.values():
            out.close()
        reporter.set_queue(queued(batches), batches.maxsize)
        reporter.flush()
        result_conn.send(
            WriterDone(
                dialogues={s: f.dialogues for s, f in files.items()},
                lines={s: f.lines for s, f in files.items()},
                bytes={s: f.bytes for s, f in files.items()},
                peak_rss_bytes=peak_rss_bytes(),
                busy_s=reporter.busy_s,
            )
        )
    except Terminated:  # the coordinator's abort: it discards the files, nothing to report
        raise
    except BaseException as exc:  # report why, then die: the coordinator fails the job
        reason, tb = format_exception(exc)
        try:
            result_conn.send(WriterFailed(reason, tb))
        except OSError:
            pass
        raise SystemExit(1) from None
    finally:
        for out in files.values():
            out.close()
        result_conn.close()


class MmiWriter:
    """The coordinator's handle on the writer process: bounded put, finish, abort."""

    def __init__(self, ctx: JobContext, supervisor: Supervisor, paths: Mapping[str, Path], bound: int) -> None:
        self.ctx = ctx
        self.supervisor = supervisor
        self.queue = CountingQueue(bound)
        self.bound = bound
        self.max_depth = 0
        self.blocked_s = 0.0
        self.puts = 0
        receiver, sender = SPAWN.Pipe(duplex=False)
        self._relay = StatusRelay(receiver, ctx.sink)
        self._outcome: WriterDone | WriterFailed | None = None
        self.managed: ManagedProcess = supervisor.start(
            WRITER_ROLE, mmi_writer_main, (ctx.job, self.queue, sender, {s: str(p) for s, p in paths.items()})
        )
        sender.close()
        ctx.sink.send_event(
            ProcessStarted(
                job=ctx.job, role=WRITER_ROLE, pid=self.managed.pid or 0, t=time.time(), parent_pid=os.getpid()
            )
        )

    @property
    def pid(self) -> int | None:
        return self.managed.pid

    def depth(self) -> int:
        return queued(self.queue)

    def _died(self, detail: str = "") -> WriterDied:
        self.managed.process.join(0.5)
        exitcode = self.managed.process.exitcode
        how = describe_exitcode(exitcode) if exitcode is not None else "its pipe closed"
        why = f": {detail}" if detail else ""
        return WriterDied(
            f"the mmi writer process (pid {self.pid}) died ({how}){why}; "
            "the job is failed and no output file was produced"
        )

    def _drain(self) -> None:
        """Forward the writer's snapshots; remember its final word; raise if it failed."""
        for message in self._relay.drain():
            if isinstance(message, (WriterDone, WriterFailed)):
                self._outcome = message
        if isinstance(self._outcome, WriterFailed):
            raise self._died(self._outcome.reason)

    def check_alive(self) -> None:
        """Raise ``WriterDied`` if the writer reported a failure, exited or closed its pipe."""
        self._drain()
        if self._outcome is None and (self._relay.closed or self.managed.process.exitcode is not None):
            raise self._died()

    def put(self, batch: MmiBatch) -> None:
        """Hand a batch to the writer, waiting while the queue is full (back-pressure)."""
        self.check_alive()
        started = time.perf_counter()
        while True:
            try:
                self.queue.put(batch, timeout=0.2)
                break
            except queue.Full:
                self.check_alive()
                self.ctx.check_stop()
        self.blocked_s += time.perf_counter() - started
        self.puts += 1
        self.max_depth = max(self.max_depth, queued(self.queue))

    def finish(self, timeout_s: float = 600.0) -> WriterDone:
        """Send the end sentinel and wait for the writer's report (or its death)."""
        self.put(END_OF_BATCHES)  # type: ignore[arg-type]
        deadline = time.monotonic() + timeout_s
        sentinel = self.managed.process.sentinel
        while time.monotonic() < deadline:
            self.ctx.check_stop()
            wait_any([self._relay.conn, sentinel], timeout=0.2)
            self._drain()
            if isinstance(self._outcome, WriterDone):
                self.managed.process.join(5.0)
                self.queue.close()
                self.queue.join_thread()
                return self._outcome
            if self._relay.closed or self.managed.process.exitcode is not None:
                self._drain()
                if not isinstance(self._outcome, WriterDone):
                    raise self._died()
        raise self._died(f"no report within {timeout_s:.0f} s")

    def abort(self) -> None:
        """End the writer now (job failed or stopped): its files are discarded, so no grace."""
        self.queue.cancel_join_thread()
        StagedStop(lambda: [self.managed.process], grace_s=0.0, terminate_s=1.0, on_wait=self._relay.drain).run()
        self.supervisor.poll()
        self._relay.close()
