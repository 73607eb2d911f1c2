"""The Dialogues job: chat exports → GPT2-chitchat training text, ordered (std) and reversed (mmi).

Data flow::

    inputs ──(1) partition──► OUT/.mpwatch-dialogues-PID-*/shards/src-NNNNN.parquet (row group/partition)
     (.xlsx .csv .parquet,      ProcessPool of readers (engine.dialogues.ingest), one file per task:
      raw or cleaned)           read, textnorm, drop by reason, hash-partition by dialogue
           ──(2) keys──────► per build group: key columns only → dialogues kept (dedup, min-turns)
                             → N dialogues → seeded choice of the validation positions
           ──(3) build─────► per build group: sort + boundaries → std text batches
                                 ├─► std/train|val (this process, DialogueTextFile)
                                 └─► MmiWriter: bounded CountingQueue ──► mmi-writer process
           ──(4) finish────► END sentinel, WriterDone; rename the four files into OUT/std, OUT/mmi;
                             dialogues-report.json; remove the work folder

Memory: each reader holds one input file (an .xlsx sheet's cells) at a time, whatever the number
of files. Phases 2–3 hold one build group in the coordinator: adjacent partitions merged by the rows
actually written, sized so that the coordinator's peak stays within ``--memory-budget``. What grows
with the input is only the val positions (8 bytes per val dialogue) and per-partition counters.
Processes: the coordinator, ``workers`` readers (phase 1), and the mmi writer (started at once so
its start-up overlaps phase 1; it works in phase 3).

On a Dask cluster (``config.cluster``) one executor runs the three phases: the workers read the
files (phase 1, the same tasks), count and build the groups (``on_cluster``: each build writes its
std and mmi shards, the coordinator joins them in group order); no mmi writer process is started.
The four files are byte for byte those of a local run.

Modules: ``partition`` (phase 1), ``assemble`` (phases 2–3 here), ``on_cluster`` (phases 2–3 on a
cluster), ``report`` (the report and summary), ``layout`` (output names); this one runs the phases
and owns the work folder and the processes.

Atomicity: everything is written inside the work folder; the final names appear by rename only
after the writer reported success. Stop, a failure, a dead writer or SIGTERM removes the work folder;
a work folder whose owner was SIGKILLed is removed by the next run into the same OUT.
dialogues-report.json says "running" from the start and the phases finished so far, then done,
stopped or failed (``run_report``); a full or unwritable OUT fails the run as a ``DiskFault``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psutil

from engine import stop_signals
from engine.atomic import check_writable_dir
from engine.cluster.job_executor import open_job_executor
from engine.coded_errors import inner_error
from engine.context import Cancelled, JobContext
from engine.dialogues.assemble import build_and_write, count_dialogues
from engine.dialogues.config import DialoguesConfig
from engine.dialogues.ingest import ingest_file
from engine.dialogues.layout import OUTPUT_FILES, REPORT_NAME, SPLITS, WORK_PREFIX
from engine.dialogues.memory import rss_bytes
from engine.dialogues.on_cluster import build_on_cluster, count_on_cluster, run_cluster_task, spread_limit
from engine.dialogues.partition import PartitionResult, partition_inputs
from engine.dialogues.report import RunFacts, check_writer_agrees, make_report, summarize
from engine.dialogues.run_report import DialoguesRunReport
from engine.dialogues.shards import build_bytes, group_limit_bytes, partition_count, plan_build_groups
from engine.dialogues.split import choose_val_ordinals, val_count
from engine.dialogues.textfile import DialogueTextFile
from engine.dialogues.writer import MmiWriter, WriterDone
from engine.disk_fault import DiskFault, writing_into
from engine.executor import Executor
from engine.output_folder import claim_output_folder
from engine.supervisor import Supervisor
from engine.tables.inputs import expand_inputs

#: Stage (and role prefix: "reader 1", "reader 2", …) of the phase-1 pool workers.
READER_STAGE = "reader"


def remove_stale_work_dirs(out_dir: Path) -> int:
    """Remove work folders left by runs whose process no longer exists (SIGKILL, power loss)."""
    removed = 0
    for path in out_dir.glob(f"{WORK_PREFIX}*"):
        match = re.match(rf"{re.escape(WORK_PREFIX)}(\d+)-", path.name)
        if match and path.is_dir() and not psutil.pid_exists(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


@contextmanager
def sigterm_cancels() -> Iterator[None]:
    """While the job runs in a coordinator, SIGTERM (Stop's second stage) raises Cancelled so
    cleanup still runs. Where this process owns its stop signals (the CLI), they already do."""
    if threading.current_thread() is not threading.main_thread() or stop_signals.installed() is not None:
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Cancelled()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_dialogues(config: DialoguesConfig, ctx: JobContext) -> dict[str, Any]:
    """Job function (``engine.runner`` contract): build the four files and the report; returns the summary."""
    started = time.perf_counter()
    claim_output_folder(config.out_dir, "dialogues", overwrite=config.overwrite)
    out_dir = check_writable_dir(config.out_dir)
    remove_stale_work_dirs(out_dir)
    files = expand_inputs(config.inputs, exclude_dir=out_dir)
    if not files:
        raise ValueError("no input files (give .xlsx, .csv or .parquet files, or folders holding them)")
    work = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=out_dir))
    supervisor = Supervisor(ctx)
    writer: MmiWriter | None = None
    run_report = DialoguesRunReport(out_dir, files)
    try:
        with sigterm_cancels(), ExitStack() as cluster_scope, writing_into(out_dir):
            run_report.start()
            ctx.log_coded("info", "dialogues_inputs", files=len(files), out=str(out_dir))
            sizes = [(p.suffix, p.stat().st_size if p.exists() else 0) for p in files]
            total_bytes = sum(s for _, s in sizes)
            partitions = config.partitions or partition_count(sizes, config.memory_budget_bytes)
            shard_dir = work / "shards"
            shard_dir.mkdir()
            temp = {key: work / f"{key[0]}-{key[1]}.txt" for key in OUTPUT_FILES}
            workers = max(1, min(config.workers, len(files)))
            t0 = time.perf_counter()
            if config.cluster is None:
                # Started now so that its start-up overlaps phase 1; it waits on its queue until phase 3.
                writer = MmiWriter(ctx, supervisor, {s: temp[("mmi", s)] for s in SPLITS}, config.writer_queue_bound)
                with open_job_executor(ingest_file, ctx, workers=workers, stage=READER_STAGE) as pool:
                    parted = partition_inputs(
                        config, ctx, pool, files, shard_dir, partitions, total_bytes, READER_STAGE, writer.check_alive
                    )
            else:  # one executor for the three phases: the workers read, count and build
                pool = cluster_scope.enter_context(
                    open_job_executor(
                        run_cluster_task,
                        ctx,
                        workers=workers,
                        stage=READER_STAGE,
                        cluster=config.cluster,
                        inputs=files,
                        output_dir=shard_dir,
                    )
                )
                parted = partition_inputs(config, ctx, pool, files, shard_dir, partitions, total_bytes, READER_STAGE)
            seconds = {"partition": time.perf_counter() - t0}
            run_report.phase_done("partition", seconds["partition"])
            if parted.files_ok == 0:
                raise ValueError(
                    "no input file could be read: "
                    + "; ".join(f"{Path(f['file']).name}: {f['reason']}" for f in parted.failed[:5])
                )
            rss_after = {"partition": rss_bytes()}

            t0 = time.perf_counter()
            groups = _build_groups(config, ctx, parted, partitions, pool if writer is None else None)
            if writer is not None:
                per_group = count_dialogues(config, ctx, shard_dir, groups, parted.rows_kept, writer)
            else:
                group_rows = [int(parted.partition_rows[a:b].sum()) for a, b in groups]
                per_group = count_on_cluster(config, ctx, pool, shard_dir, groups, group_rows)
            dialogues_total = sum(per_group)
            n_val, capped = val_count(config.val_size, dialogues_total, config.val_cap)
            val_ordinals = choose_val_ordinals(dialogues_total, n_val, config.seed)
            if capped:
                ctx.log_coded("warning", "validation_capped", val=n_val, dialogues=dialogues_total)
            seconds["keys"] = time.perf_counter() - t0
            run_report.phase_done("keys", seconds["keys"])
            rss_after["keys"] = rss_bytes()

            t0 = time.perf_counter()
            builder_peaks: dict[str, int] = {}
            if writer is not None:
                std_files = {s: DialogueTextFile(temp[("std", s)]) for s in SPLITS}
                try:
                    totals = build_and_write(
                        config, ctx, shard_dir, groups, val_ordinals, std_files, writer, parted.rows_kept
                    )
                finally:
                    for f in std_files.values():
                        f.close()
                done: WriterDone = writer.finish()
                check_writer_agrees(done, std_files)
            else:
                totals, done, builder_peaks = build_on_cluster(
                    config, ctx, pool, shard_dir, groups, per_group, val_ordinals, temp, parted.rows_kept
                )
            seconds["build"] = time.perf_counter() - t0
            run_report.phase_done("build", seconds["build"])
            rss_after["build"] = rss_bytes()

            for key, rel in OUTPUT_FILES.items():
                final = out_dir / rel
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temp[key], final)
            seconds["total"] = time.perf_counter() - started
            report = make_report(
                RunFacts(
                    config=config,
                    files=files,
                    out_dir=out_dir,
                    partitions=partitions,
                    groups=groups,
                    parted=parted,
                    totals=totals,
                    dialogues_total=dialogues_total,
                    capped=capped,
                    writer_done=done,
                    writer=writer,
                    seconds=seconds,
                    rss_after=rss_after,
                    builder_peak_rss=builder_peaks,
                )
            )
            run_report.done(report)
            counts = {"train": totals.dialogues["train"], "val": totals.dialogues["val"]}
            utterances = report["utterances"]["total"]
            ctx.log_coded("info", "dialogues_done", **counts, utterances=utterances, seconds=seconds["total"])
            return summarize(report)
    except BaseException as exc:
        if writer is not None:
            writer.abort()
        _record_end(run_report, ctx, exc)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if supervisor.alive():
            supervisor.stop(grace_s=1.0, terminate_s=1.0)


def _record_end(run_report: DialoguesRunReport, ctx: JobContext, exc: BaseException) -> None:
    """The report's last word on a run that did not finish: stopped, or failed with its error."""
    stopped = isinstance(exc, (Cancelled, KeyboardInterrupt))
    try:
        run_report.ended("stopped" if stopped else "failed", "" if stopped else str(exc) or type(exc).__name__)
    except DiskFault as fault:
        # the run's own error says more
        ctx.log_coded("error", "report_not_updated", report=REPORT_NAME, **inner_error("error", fault))


def _build_groups(
    config: DialoguesConfig, ctx: JobContext, parted: PartitionResult, partitions: int, cluster: Executor | None
) -> list[tuple[int, int]]:
    """Adjacent partitions merged into build groups that fit the memory budget; on a cluster also
    small enough that every worker thread gets some."""
    if config.partitions is not None:
        return [(p, p + 1) for p in range(partitions)]
    resting = rss_bytes()
    limit = group_limit_bytes(config.memory_budget_bytes, resting)
    costs = build_bytes(parted.partition_rows, parted.partition_text_bytes)
    if cluster is not None:
        threads = sum(w.threads or 1 for w in cluster.workers())
        limit = spread_limit(limit, float(costs.sum()), threads)
    groups = plan_build_groups(parted.partition_rows, parted.partition_text_bytes, limit)
    largest = max(costs[a:b].sum() for a, b in groups)
    if largest > group_limit_bytes(config.memory_budget_bytes, resting):
        needed = {"budget_mb": config.memory_budget_bytes / 2**20, "needed_mb": float(largest) * 1.75 / 2**20}
        ctx.log_coded("warning", "memory_budget_too_small", resting_mb=resting / 2**20, **needed)
    return groups
