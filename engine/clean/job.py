"""The clean job's coordinator: hand files to the pool, assemble segments as their files finish.

Data flow::

    expand_inputs ─► segments of N files ─► Executor (open_job_executor: the local pool or a
                                              Dask cluster, pulls tasks lazily)
                                              │ key ("file", i): CleanFileTask → part file + counts
                                              │ key ("segment", s): WriteSegmentTask, submitted the
                                              │   moment its last file finished → output file(s)
    coordinator ◄── TaskResult (key, counts only)┘
       ├─ report.json rewritten as files finish and segments are written (≤ 4 a second, less when
       │  the report is large) and at the end: never ahead of the disk (engine/clean/report.py)
       ├─ a DiskFault from a task or from the coordinator's own writes stops the run ("failed")
       ├─ TaskFinished / TaskFailed per file (same key), a "job" snapshot (files, rows, drops),
       │  a WorkersReport a second
       └─ run-wide dedupe: part hashes checked in segment order (SeenHashes, 8 bytes per row)

No process ever holds the cleaned rows of the run: a worker holds one file (or one part while
writing), the coordinator only counts. Each file task leaves its rows already encoded in the output
format, so a segment write only copies bytes; it runs on the pool too, overlapping with cleaning.
A killed worker's task is retried (tasks write-then-rename a fixed name: nothing lost or doubled).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from engine.atomic import check_writable_dir, remove_stale_parts
from engine.clean.config import CleanConfig, DropReason
from engine.clean.dedupe import SeenHashes
from engine.clean.log_lines import segment_error, segment_written
from engine.clean.naming import file_label, segment_name
from engine.clean.report import CleanReport
from engine.clean.resume import check_resume, remove_unadopted_outputs
from engine.clean.segment_hashes import SegmentHashes
from engine.clean.worker import HASH_COLUMN, CleanFileTask, PartFiles, WriteSegmentTask, run_clean_task
from engine.cluster.job_executor import open_job_executor
from engine.coded_errors import english, inner, inner_error
from engine.context import Cancelled, JobContext
from engine.disk_fault import DiskFault, writing_into
from engine.executor import Executor, TaskResult, TaskSpec, WorkersPublisher
from engine.output_folder import claim_output_folder
from engine.pandas_free import keep_pyarrow_from_importing_pandas
from engine.tables.inputs import expand_inputs, file_size, segments_of
from engine.tables.readers import InputError

PARTS_DIR = ".mpwatch-clean-parts"


def _drops(dropped: dict[str, int], sign: int = 1) -> dict[str, int]:
    """Drops by reason as the job's status counters (``drops_<reason>``), negated with ``sign`` -1."""
    return {f"drops_{reason}": sign * n for reason, n in dropped.items()}


class _CleanRun:
    """State of one run in the coordinator (counts and paths only)."""

    def __init__(self, config: CleanConfig, ctx: JobContext) -> None:
        self.config = config
        self.ctx = ctx
        self.rules = config.effective_rules
        claim_output_folder(config.out_dir, "clean", overwrite=config.overwrite, resume=config.resume)
        self.out_dir = check_writable_dir(config.out_dir)
        self.files = expand_inputs(config.inputs, exclude_dir=self.out_dir)
        if not self.files:
            raise ValueError("no input files found (looked for .xlsx, .xls, .csv, .parquet)")
        self.segments = segments_of(self.files, config.segment_files)
        self.segment_of = {i: s for s, idx in enumerate(self.segments) for i in idx}
        self.parts_dir = self.out_dir / PARTS_DIR
        self.hashes = SegmentHashes(self.out_dir)
        self.report = CleanReport(self.out_dir, config.settings(), config.fingerprint(), self.files, self.segments)
        self.done_segments: set[int] = set()
        self.files_left = {s: len(idx) for s, idx in enumerate(self.segments)}
        self.ready_segments: set[int] = set()
        self.next_dedupe_segment = 0
        self.seen = SeenHashes() if self.rules.dedupe_run else None
        self.pending_hashes: dict[int, np.ndarray] = {}
        self.status = ctx.reporter("job", "coordinator")
        self.pool: Executor | None = None
        self.publisher: WorkersPublisher | None = None  # None: no worker was needed (all resumed)
        self.parts_to_remove: list[Path] = []
        self.report.on_saved = self.remove_written_parts

    # -- preparation -----------------------------------------------------------------------------
    def prepare(self) -> None:
        remove_stale_parts(self.out_dir)
        shutil.rmtree(self.parts_dir, ignore_errors=True)
        with writing_into(self.parts_dir):
            self.parts_dir.mkdir(parents=True)
        previous = check_resume(self.config)
        if previous is not None:
            for s in self.report.adopt_complete_segments(previous):
                if self.seen is not None:
                    hashes = self.hashes.load(s)
                    if hashes is None:  # cannot dedupe against it: redo that segment
                        self._forget_segment(s)
                        continue
                    self.seen.add(hashes)
                self.done_segments.add(s)
                self.files_left[s] = 0
            if self.done_segments:
                self.ctx.log_coded("info", "clean_resuming", done=len(self.done_segments), segments=len(self.segments))
            remove_unadopted_outputs(self.report.path, self.report.outputs())
        if self.seen is None:
            self.hashes.remove_all()
        for s, idx in enumerate(self.segments):
            if s not in self.done_segments:  # an earlier run's output of a segment redone now is stale
                stale = self.out_dir / segment_name(idx[0], idx[-1], self.config.out_format)
                if stale.is_file():
                    stale.unlink()
                self.hashes.forget(s)
        todo = [i for s, idx in enumerate(self.segments) if s not in self.done_segments for i in idx]
        self.todo_bytes = sum(file_size(self.files[i]) for i in todo)
        totals = self.report.totals()
        self.status.set_counter("files_total", len(self.files))
        self.status.set_counter("files_todo", len(todo))
        self.status.set_counter("files_resumed", len(self.files) - len(todo))
        self.status.set_counter("segments_total", len(self.segments))
        self.status.set_counter("input_bytes_total", self.todo_bytes)
        self.status.set_counter("rows_out_resumed", totals["rows_out"])  # the panel's "rows to write"
        counts = dict(files_done=totals["files_ok"], rows_in=totals["rows_in"], rows_out=totals["rows_out"])
        self.status.add(segments_written=len(self.done_segments), **counts, **_drops(totals["dropped"]))
        self.status.flush()
        self.report.save()

    def _forget_segment(self, s: int) -> None:
        fresh = CleanReport(self.out_dir, {}, "", self.files, self.segments)
        self.report.segments[s] = fresh.segments[s]
        for i in self.segments[s]:
            self.report.files[i] = fresh.files[i]
        self.report.resumed_segments.remove(s)

    # -- tasks -----------------------------------------------------------------------------------
    def part_files(self, index: int) -> PartFiles:
        return PartFiles.in_folder(self.parts_dir, index, self.config.out_format)

    def file_tasks(self) -> Iterator[TaskSpec]:
        for s, idx in enumerate(self.segments):
            if s in self.done_segments:
                continue
            for i in idx:
                task = CleanFileTask(
                    i,
                    self.files[i],
                    self.part_files(i),
                    self.config.columns,
                    self.rules,
                    self.config.all_sheets,
                    self.config.out_format,
                    self.config.csv_formula_guard,
                )
                yield TaskSpec(("file", i), task, file_label(i, self.files[i]))

    def open_executor(self) -> Executor:
        workers = min(self.config.workers, len(self.files))
        options = dict(stage="clean", cluster=self.config.cluster, inputs=self.files, output_dir=self.parts_dir)
        # quick_exit: tasks leave nothing open (engine/pool_worker.py); local:N workers are this run's alone
        options.update(local_worker_setup=keep_pyarrow_from_importing_pandas, quick_exit=True)
        return open_job_executor(run_clean_task, self.ctx, workers=workers, **options)

    def start_workers_early(self) -> Executor | None:
        """The local pool with its workers starting (~0.3 s of imports), so that ``prepare`` runs
        meanwhile; not with ``--resume`` (maybe nothing is left to do) nor on a cluster (its data
        check needs the parts folder)."""
        if self.config.cluster is not None or self.config.resume:
            return None
        return self.open_executor().__enter__()

    def run(self, started: Executor | None = None) -> dict[str, Any]:
        if len(self.done_segments) == len(self.segments):  # everything was resumed: no worker needed
            if started is not None:
                started.shutdown()
            return self.summary()
        with started if started is not None else self.open_executor() as pool:
            self.pool = pool
            publisher = self.publisher = WorkersPublisher(pool, self.ctx.sink, self.ctx.job)

            def on_wait() -> None:
                publisher.publish()
                self.report.save_if_due()

            for result in pool.map_unordered(self.file_tasks(), on_wait=on_wait):
                if not result.ok and self.ctx.stop_requested():
                    continue  # a task ended by Stop is not a failure of its file: it stays pending
                if result.error_type == DiskFault.__name__:  # every later write would fail too: stop the run
                    raise DiskFault.coded(result.code, **result.params) if result.code else DiskFault(result.reason)
                kind, number = result.key
                if kind == "segment":
                    self.on_segment_written(result, number)
                else:
                    self.on_file_done(result, number)
                self.status.tick()
        self.status.flush()
        return self.summary()

    # -- results -----------------------------------------------------------------------------------
    def on_file_done(self, result: TaskResult, index: int) -> None:
        entry = self.report.files[index]
        entry.worker, entry.attempts, entry.seconds = result.worker, result.attempts, round(result.seconds, 3)
        if result.ok:
            value = result.value
            # "cleaned": its rows wait in the parts folder; "ok" once they are in a written segment.
            entry.status, entry.rows_in, entry.rows_out = "cleaned", value["rows_in"], value["rows_out"]
            entry.dropped = dict(value["dropped"])
            self.status.add(files_done=1, rows_in=entry.rows_in, rows_out=entry.rows_out, **_drops(entry.dropped))
            summary = {"path": entry.path, "rows_in": entry.rows_in, "rows_out": entry.rows_out}
            summary.update(dropped=entry.dropped, segment=entry.segment)
            self.ctx.sink.send_event(result.finished_event(self.ctx.job, summary))
        else:
            # An unreadable input's message is the whole story; anything else is a bug: name its type.
            reason = result.reason if result.error_type == InputError.__name__ else result.error
            entry.status, entry.error = "failed", reason
            self.status.add(files_failed=1)
            summary = {"path": entry.path, "segment": entry.segment}
            self.ctx.sink.send_event(result.failed_event(self.ctx.job, reason, summary))
        s = self.segment_of[index]
        self.files_left[s] -= 1
        if self.files_left[s] == 0:
            self.on_segment_cleaned(s)
        self.report.changed()

    def on_segment_cleaned(self, s: int) -> None:
        if self.seen is None:
            self.submit_write(s, ())
            return
        # Run-wide dedupe keeps the first occurrence in input order: segments go in order.
        self.ready_segments.add(s)
        while self.next_dedupe_segment < len(self.segments):
            n = self.next_dedupe_segment
            if n in self.done_segments:
                self.next_dedupe_segment += 1
                continue
            if n not in self.ready_segments:
                break
            self.submit_write(n, self.dedupe_segment(n))
            self.next_dedupe_segment += 1

    def ok_parts(self, s: int) -> list[int]:
        """Files of segment ``s`` whose cleaned rows wait for its write."""
        return [i for i in self.segments[s] if self.report.files[i].status == "cleaned"]

    def dedupe_segment(self, s: int) -> tuple[np.ndarray, ...]:
        skips: list[np.ndarray] = []
        kept: list[np.ndarray] = []
        for i in self.ok_parts(s):
            hashes = pq.read_table(self.part_files(i).hashes, columns=[HASH_COLUMN]).column(0).to_numpy()
            repeated = self.seen.take_new(hashes)
            skips.append(repeated)
            kept.append(np.delete(hashes, repeated))
            if len(repeated):
                entry = self.report.files[i]
                entry.rows_out -= len(repeated)
                duplicate = DropReason.DUPLICATE_IN_RUN
                entry.dropped[duplicate] = entry.dropped.get(duplicate, 0) + len(repeated)
                self.status.add(rows_out=-len(repeated), **_drops({duplicate: len(repeated)}))
        self.pending_hashes[s] = np.concatenate(kept) if kept else np.zeros(0, np.uint64)
        return tuple(skips)

    def submit_write(self, s: int, skips: tuple[np.ndarray, ...]) -> None:
        idx = self.segments[s]
        out_path = self.out_dir / segment_name(idx[0], idx[-1], self.config.out_format)
        parts = tuple(self.part_files(i) for i in self.ok_parts(s))
        if not parts:
            segment = self.report.segments[s]
            segment.status, segment.error = "empty", "no output: every file of this segment failed"
            self.pending_hashes.pop(s, None)
            self.status.add(segments_empty=1)
            self.report.changed(durable=True)
            return
        task = WriteSegmentTask(
            s, parts, out_path, self.config.out_format, self.config.columns.output, self.config.csv_formula_guard, skips
        )
        self.pool.submit(("segment", s), task, english("label_writing", {"name": out_path.name}))

    def on_segment_written(self, result: TaskResult, s: int) -> None:
        segment = self.report.segments[s]
        segment.seconds = round(result.seconds, 3)
        segment.worker, segment.attempts = result.worker, result.attempts
        if result.ok:
            expected = sum(self.report.files[i].rows_out for i in self.ok_parts(s))
            segment.status, segment.rows = "written", result.value["rows"]
            segment.outputs = [result.value["path"]]
            segment.sheet_rows = result.value["sheet_rows"]
            if segment.rows != expected:  # a bug, not bad input: say so loudly in the report
                segment.error = segment_error(
                    self.ctx, s, "segment_rows_disagree", rows=segment.rows, expected=expected
                )
            for i in self.ok_parts(s):
                self.report.files[i].status = "ok"
            if self.seen is not None:
                self.hashes.save(s, self.pending_hashes.pop(s))
            self.status.add(segments_written=1, rows_written=segment.rows)
            segment_written(self.ctx, s, len(self.segments), Path(segment.outputs[0]).name, segment.rows)
        else:
            cause = inner("error", result.error, **result.coded(result.error))
            segment.status, segment.error = "failed", segment_error(self.ctx, s, "segment_not_written", **cause)
            failed = result.failed_event(
                self.ctx.job, segment.error, coded={"code": "segment_not_written", "params": cause}
            )
            lost = self.ok_parts(s)
            for i in lost:  # their rows never reached an output: the files failed after all
                entry = self.report.files[i]
                entry.status, entry.error = "failed", segment.error
                self.status.add(rows_in=-entry.rows_in, rows_out=-entry.rows_out, **_drops(entry.dropped, -1))
                # The file's own row (file table, run report) turns "failed" too, with the segment's cause.
                summary = {"path": entry.path, "segment": entry.segment}
                self.ctx.sink.send_event(
                    replace(failed, task=file_label(i, self.files[i]), key=("file", i), summary=summary)
                )
            self.status.add(segments_failed=1, files_done=-len(lost), files_failed=len(lost))
            self.ctx.sink.send_event(failed)
        # The parts go once the report no longer calls their files "cleaned" (never ahead of the disk).
        self.parts_to_remove.extend(p for i in self.segments[s] for p in self.part_files(i).paths())
        self.report.changed(durable=True)

    def remove_written_parts(self) -> None:
        while self.parts_to_remove:
            self.parts_to_remove.pop().unlink(missing_ok=True)

    # -- the end -------------------------------------------------------------------------------------
    def finish(self, status: str, error: str = "") -> None:
        """Record how the run ended (done | stopped | failed) and remove its working files (parts,
        temporaries) first, which also frees the room a full disk needs for the last report."""
        self.report.status, self.report.error = status, error
        if status != "done":
            self.remove_unrecorded_segments()
        shutil.rmtree(self.parts_dir, ignore_errors=True)
        remove_stale_parts(self.out_dir)
        self.hashes.remove_temporaries()
        try:
            self.report.save()
        except DiskFault as exc:
            if status == "done":
                raise
            error = inner_error("error", exc)  # the run's own error says more
            self.ctx.log_coded("error", "report_not_updated", report=self.report.path.name, **error)

    def remove_unrecorded_segments(self) -> None:
        """A segment write that finished as Stop (or a fault) came, after the coordinator stopped
        taking results, is on the disk under its final name but not in the report. The report is
        what --resume and --overwrite trust, so it goes: --resume writes it again."""
        for s, segment in enumerate(self.report.segments):
            idx = self.segments[s]
            path = self.out_dir / segment_name(idx[0], idx[-1], self.config.out_format)
            if segment.status != "written" and path.is_file():
                path.unlink(missing_ok=True)
                self.ctx.log_coded("info", "segment_removed_after_stop", segment=s + 1, name=path.name)

    def summary(self) -> dict[str, Any]:
        """The report's figures, with what ``--resume`` adopted counted apart: the rate is new work's."""
        figures = self.report.summary()
        resumed = [self.report.files[i] for s in self.report.resumed_segments for i in self.segments[s]]
        rows_in_resumed = sum(f.rows_in for f in resumed)
        seconds = figures["seconds"]
        return {
            **figures,
            "rows_in_resumed": rows_in_resumed,
            "rows_out_resumed": sum(f.rows_out for f in resumed),
            "rows_per_s": round((figures["rows_in"] - rows_in_resumed) / seconds, 1) if seconds > 0 else 0.0,
            "workers": self.publisher.most_workers if self.publisher else min(self.config.workers, len(self.files)),
            "cluster": self.config.cluster,
            "format": self.config.out_format,
        }


def run_clean(config: CleanConfig, ctx: JobContext) -> dict[str, Any]:
    """Clean ``config.inputs`` into segments under ``config.out_dir``; returns the run's summary.

    Bad files never stop the run (they are failed in the report with their reason); Stop raises
    ``Cancelled`` after the workers are gone, the working files removed and report.json saved with
    status "stopped". An output folder that refuses writes (full, read-only) raises ``DiskFault``
    naming it and the cause, report.json "failed"; segments written before stay as they are.
    """
    run = _CleanRun(config, ctx)
    started = run.start_workers_early()
    try:
        run.prepare()  # raises before report.json changes when the folder or --resume is refused
    except BaseException:
        if started is not None:
            started.shutdown(cancel=True)
        raise
    try:
        summary = run.run(started)
    except (Cancelled, KeyboardInterrupt):
        run.finish("stopped")
        raise
    except BaseException as exc:
        run.finish("failed", str(exc) or type(exc).__name__)
        raise
    run.finish("done")
    return summary
