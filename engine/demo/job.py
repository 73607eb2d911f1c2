"""The demo-data job: write realistic chat-log exports (.xlsx) in parallel, with live progress.

Data flow::

    coordinator ── map_unordered(TaskSpec(("file", i), DemoTask)) ──► executor workers:
         ▲                                     make_chat_frame → xlsxwriter (rows reported every 1,000)
         └── TaskResult(key, file, rows, bytes, dirt counts) ◄──┘
    coordinator: TaskFinished / TaskFailed events (key ("file", i)), a "job" snapshot with files
    done / total, a WorkersReport a second.

Writing .xlsx is the slow part (~15k rows/s per process), which is why this job is worth watching.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter

from engine.atomic import atomic_path, check_writable_dir, remove_stale_parts
from engine.cluster.address import parse_cluster_address
from engine.cluster.job_executor import open_job_executor
from engine.context import Cancelled, JobContext
from engine.demo.data import COLUMNS, dirt_counts, make_chat_frame
from engine.demo.report import write_demo_report
from engine.executor import TaskSpec, WorkersPublisher
from engine.output_folder import claim_output_folder
from engine.pool_worker import current_reporter, stop_requested
from engine.tables.writers import XLSX_TEXT_ONLY

_REPORT_EVERY_ROWS = 1000


@dataclass(frozen=True)
class DemoConfig:
    out_dir: Path
    files: int = 40
    rows: int = 20000
    seed: int = 7
    workers: int = 2
    #: Where the files are written: None (this machine's pool), "tcp://HOST:PORT" or "local:N".
    cluster: str | None = None
    #: Remove the files an earlier run's demo-report.json lists first (without it such a folder is refused).
    overwrite: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "out_dir", Path(self.out_dir))
        if self.cluster is not None:
            object.__setattr__(self, "cluster", str(parse_cluster_address(self.cluster)))
        if self.files < 1:
            raise ValueError("files must be at least 1")
        if self.rows < 1:
            raise ValueError("rows must be at least 1")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")


@dataclass(frozen=True)
class DemoTask:
    out_dir: Path
    index: int
    rows: int
    seed: int

    @property
    def path(self) -> Path:
        return self.out_dir / demo_file_name(self.index)


def demo_file_name(index: int) -> str:
    return f"chat_{index:04d}.xlsx"


def write_demo_file(task: DemoTask) -> dict[str, Any]:
    """Pool task: generate one export and write it; returns its counts."""
    reporter = current_reporter()
    frame = make_chat_frame(task.rows, task.seed, task.index)
    dirt = dirt_counts(frame)
    with atomic_path(task.path) as tmp:
        workbook = xlsxwriter.Workbook(str(tmp), XLSX_TEXT_ONLY)
        sheet = workbook.add_worksheet("Sheet1")
        sheet.write_row(0, 0, COLUMNS)
        unreported = 0
        for r, record in enumerate(frame.itertuples(index=False, name=None), start=1):
            for c, value in enumerate(record):
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                # NaN / None: leave the cell empty, as an export with a missing value does
            unreported += 1
            if unreported == _REPORT_EVERY_ROWS:
                reporter.add(rows=unreported)
                unreported = 0
                reporter.tick()
                if stop_requested():
                    workbook.close()
                    raise Cancelled()
        workbook.close()
    reporter.add(rows=unreported, files=1)
    size = task.path.stat().st_size
    reporter.add(nbytes=size)
    return {"file": str(task.path), "rows": task.rows, "bytes": size, "dirt": dirt}


def run_demo(config: DemoConfig, ctx: JobContext) -> dict[str, Any]:
    """Write ``config.files`` exports of ``config.rows`` rows into ``config.out_dir``; refuses a
    folder holding an earlier run's outputs unless ``config.overwrite`` (``OutputInUse``)."""
    claim_output_folder(config.out_dir, "demo", overwrite=config.overwrite)
    out_dir = check_writable_dir(config.out_dir)
    remove_stale_parts(out_dir)
    settings = {"files": config.files, "rows": config.rows, "seed": config.seed}
    write_demo_report(out_dir, "running", [str(out_dir / demo_file_name(i)) for i in range(config.files)], settings)
    started = time.perf_counter()
    report = ctx.reporter("job", "coordinator")
    report.set_counter("files_total", config.files)
    report.set_counter("rows_total", config.files * config.rows)
    report.flush()
    tasks = (
        TaskSpec(("file", i), DemoTask(out_dir, i, config.rows, config.seed), demo_file_name(i))
        for i in range(config.files)
    )
    written: list[str] = []
    failed: list[dict[str, str]] = []
    dirt_total: dict[str, int] = {}
    workers = min(config.workers, config.files)
    publisher: WorkersPublisher | None = None
    try:
        with open_job_executor(
            write_demo_file, ctx, workers=workers, stage="writer", cluster=config.cluster, output_dir=out_dir
        ) as pool:
            publisher = WorkersPublisher(pool, ctx.sink, ctx.job)
            for result in pool.map_unordered(tasks, on_wait=publisher.publish):
                if result.ok:
                    written.append(result.value["file"])
                    for kind, n in result.value["dirt"].items():
                        dirt_total[kind] = dirt_total.get(kind, 0) + n
                    report.add(items_out=1, files_done=1, rows_done=result.value["rows"])
                    ctx.sink.send_event(result.finished_event(ctx.job, result.value))
                else:
                    failed.append({"file": result.label, "reason": result.error})
                    report.add(errors=1, files_failed=1)
                    ctx.sink.send_event(result.failed_event(ctx.job, result.error))
                report.tick()
    except BaseException as exc:
        remove_stale_parts(out_dir)  # a worker ended mid-file (Stop, SIGKILL) leaves its temporary
        status = "stopped" if isinstance(exc, (Cancelled, KeyboardInterrupt)) else "crashed"
        write_demo_report(out_dir, status, sorted(written), settings)
        raise
    write_demo_report(out_dir, "finished", sorted(written), settings)
    report.flush()
    seconds = time.perf_counter() - started
    rows = len(written) * config.rows
    return {
        "out_dir": str(out_dir),
        "files_written": len(written),
        "files_failed": len(failed),
        "failed": failed,
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds, 1) if seconds > 0 else 0.0,
        "workers": publisher.most_workers if publisher is not None else workers,
        "cluster": config.cluster,
        "dirt": dirt_total,
    }
