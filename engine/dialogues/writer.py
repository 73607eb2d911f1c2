"""The mmi writer: a second process that turns std text into reversed ("mmi") text and writes it.

Data flow::

    coordinator (builds std text)                       mmi-writer process
    ────────────────────────────                        ──────────────────────────────────────
    MmiWriter.put(MmiBatch) ──► CountingQueue(bound) ──► reverse_dialogues → DialogueTextFile
         │  blocks when full (back-pressure),                 │ (…/mmi-train.txt, …/mmi-val.txt)
         │  checks the writer is alive while it waits         │
    MmiWriter.finish() ──END_OF_BATCHES──────────────────────►│ close files
         ◄────────────── WriterDone / WriterFailed ◄── Pipe ◄─┘

The batch is the std text itself (dialogues separated by blank lines): one string pickles as one
memcpy, and the mmi file is derived from exactly the text the std file got. The queue is bounded
(``writer_queue_bound`` batches), so a slow writer slows the build instead of growing memory; the
end is an explicit sentinel. A writer that dies (crash, OOM kill) is noticed by its exit code while
the coordinator waits to put or to finish, and fails the job with ``WriterDied`` instead of hanging.

This module imports neither pandas nor pyarrow: the writer process stays small (its RSS is the
interpreter plus the batches in hand).
"""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_any
from pathlib import Path
from typing import Any, Mapping

from engine.context import SPAWN, Cancelled, JobContext
from engine.dialogues.memory import peak_rss_bytes, rss_bytes
from engine.dialogues.textfile import BATCH_END, DialogueTextFile, reverse_dialogues
from engine.queues import CountingQueue
from engine.status import describe_exitcode, format_exception
from engine.supervisor import ManagedProcess, Supervisor

WRITER_ROLE = "mmi-writer"
WRITER_STAGE = "write-mmi"


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


def mmi_writer_main(ctx: JobContext, batches: CountingQueue, result_conn: Any, paths: Mapping[str, str]) -> None:
    """Process target: write every batch's reversed form until END_OF_BATCHES."""
    ctx.announce(WRITER_ROLE)
    reporter = ctx.reporter(WRITER_STAGE, WRITER_ROLE)
    files = {split: DialogueTextFile(Path(path)) for split, path in paths.items()}
    try:
        while True:
            reporter.set_queue(batches.depth(), batches.maxsize)
            reporter.set_counter("rss_bytes", rss_bytes())
            reporter.tick()
            try:
                item = batches.get(timeout=0.25)
            except queue.Empty:
                ctx.check_stop()
                continue
            if isinstance(item, EndOfBatches):
                break
            ctx.check_stop()
            reporter.begin(item.split)
            mmi = reverse_dialogues(item.std_text[: -len(BATCH_END)]) + BATCH_END
            out = files[item.split]
            before = out.bytes
            out.write_batch(mmi, item.dialogues, item.lines)
            reporter.add(items_in=item.dialogues, items_out=item.lines, nbytes=out.bytes - before,
                         **{f"lines_mmi_{item.split}": item.lines, "lines_mmi": item.lines})
            reporter.end()
        for out in files.values():
            out.close()
        reporter.set_queue(batches.depth(), batches.maxsize)
        reporter.flush()
        result_conn.send(WriterDone(
            dialogues={s: f.dialogues for s, f in files.items()},
            lines={s: f.lines for s, f in files.items()},
            bytes={s: f.bytes for s, f in files.items()},
            peak_rss_bytes=peak_rss_bytes(),
            busy_s=reporter.busy_s,
        ))
    except Cancelled:
        for out in files.values():
            out.close()
    except BaseException as exc:  # report why, then die: the coordinator fails the job
        reason, tb = format_exception(exc)
        try:
            result_conn.send(WriterFailed(reason, tb))
        except OSError:
            pass
        raise SystemExit(1)
    finally:
        batches.cancel_join_thread()
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
        self._result, sender = SPAWN.Pipe(duplex=False)
        self.managed: ManagedProcess = supervisor.start(
            WRITER_ROLE, mmi_writer_main, (ctx, self.queue, sender, {s: str(p) for s, p in paths.items()}))
        sender.close()

    @property
    def pid(self) -> int | None:
        return self.managed.pid

    def depth(self) -> int:
        return self.queue.depth()

    def _died(self, detail: str = "") -> WriterDied:
        exitcode = self.managed.process.exitcode
        how = describe_exitcode(exitcode) if exitcode is not None else "stopped answering"
        why = f": {detail}" if detail else ""
        return WriterDied(f"the mmi writer process (pid {self.pid}) died ({how}){why}; "
                          "the job is failed and no output file was produced")

    def check_alive(self) -> None:
        """Raise ``WriterDied`` if the writer reported a failure or exited."""
        if self._result.poll():
            try:
                message = self._result.recv()
            except (EOFError, OSError):
                message = None
            if isinstance(message, WriterFailed):
                raise self._died(message.reason)
        if self.managed.process.exitcode is not None:
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
        self.max_depth = max(self.max_depth, self.queue.depth())

    def finish(self, timeout_s: float = 600.0) -> WriterDone:
        """Send the end sentinel and wait for the writer's report (or its death)."""
        self.put(END_OF_BATCHES)  # type: ignore[arg-type]
        deadline = time.monotonic() + timeout_s
        sentinel = self.managed.process.sentinel
        while time.monotonic() < deadline:
            self.ctx.check_stop()
            ready = wait_any([self._result, sentinel], timeout=0.2)
            if self._result in ready:
                try:
                    message = self._result.recv()
                except (EOFError, OSError):
                    self.managed.process.join(2.0)
                    raise self._died() from None
                if isinstance(message, WriterFailed):
                    raise self._died(message.reason)
                self.managed.process.join(5.0)
                self.queue.close()
                self.queue.join_thread()
                return message
            if sentinel in ready and not self._result.poll():
                self.managed.process.join(0)
                raise self._died()
        raise self._died(f"no report within {timeout_s:.0f} s")

    def abort(self) -> None:
        """End the writer now (job failed or stopped); never waits on the queue's feeder."""
        self.queue.cancel_join_thread()
        self.supervisor.stop(grace_s=1.0, terminate_s=1.0)
        self._result.close()
