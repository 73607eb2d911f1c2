"""The Dialogues job's report (dialogues-report.json) and the summary its JobFinished carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.dialogues.assemble import BuildTotals
from engine.dialogues.config import DialoguesConfig
from engine.dialogues.layout import OUTPUT_FILES, REPORT_NAME
from engine.dialogues.memory import peak_rss_bytes
from engine.dialogues.partition import PartitionResult
from engine.dialogues.shards import build_bytes
from engine.dialogues.textfile import DialogueTextFile
from engine.dialogues.writer import MmiWriter, WriterDone


def check_writer_agrees(done: WriterDone, std_files: dict[str, DialogueTextFile]) -> None:
    for split, f in std_files.items():
        if done.dialogues.get(split, 0) != f.dialogues or done.lines.get(split, 0) != f.lines:
            raise RuntimeError(
                f"mmi writer wrote {done.dialogues.get(split)} dialogues/{done.lines.get(split)} "
                f"lines for {split}, std has {f.dialogues}/{f.lines}"
            )


@dataclass(frozen=True)
class RunFacts:
    """Everything a finished run knows that goes into its report, as one value."""

    config: DialoguesConfig
    files: list[Path]
    out_dir: Path
    partitions: int
    groups: list[tuple[int, int]]
    parted: PartitionResult
    totals: BuildTotals
    dialogues_total: int
    capped: bool
    writer_done: WriterDone
    #: None on a cluster: the mmi text is made by the build tasks, no writer process or queue.
    writer: MmiWriter | None
    seconds: dict[str, float]
    rss_after: dict[str, int]
    #: On a cluster: peak RSS of each worker that built groups ("builder HOST:PORT").
    builder_peak_rss: dict[str, int] = field(default_factory=dict)


def make_report(facts: RunFacts) -> dict[str, Any]:
    """dialogues-report.json's content: settings, counts that reconcile, sizes, timings, memory."""
    config, files, out_dir, groups = facts.config, facts.files, facts.out_dir, facts.groups
    parted, totals, done, writer = facts.parted, facts.totals, facts.writer_done, facts.writer
    partitions, dialogues_total, capped = facts.partitions, facts.dialogues_total, facts.capped
    seconds, rss_after = facts.seconds, facts.rss_after
    drops = dict(parted.drops)
    drops["duplicate"] = totals.duplicates
    drops["short_dialogue"] = totals.short_dialogue_rows
    rows_accounted = totals.rows_used + sum(drops.values())
    return {
        "inputs": [str(p) for p in files],
        "out_dir": str(out_dir),
        "outputs": {f"{kind}_{split}": str(out_dir / rel) for (kind, split), rel in OUTPUT_FILES.items()},
        "settings": {
            "val_size": config.val_size,
            "val_cap": config.val_cap,
            "seed": config.seed,
            "role_prefix": config.role_prefix,
            "min_turns": config.min_turns,
            "memory_budget_bytes": config.memory_budget_bytes,
            "partitions": partitions,
            "writer_queue_bound": config.writer_queue_bound,
        },
        "build_groups": {
            "count": len(groups),
            "largest_rows": max((int(parted.partition_rows[a:b].sum()) for a, b in groups), default=0),
            "largest_estimated_bytes": int(
                max(
                    (
                        build_bytes(parted.partition_rows[a:b], parted.partition_text_bytes[a:b]).sum()
                        for a, b in groups
                    ),
                    default=0,
                )
            ),
        },
        "files": {"ok": parted.files_ok, "failed": len(parted.failed), "failures": parted.failed},
        "rows": {
            "read": parted.rows_read,
            "in_dialogues": totals.rows_used,
            "dropped": drops,
            "without_time": parted.rows_without_time,
            "reconciles": rows_accounted == parted.rows_read,
        },
        "dialogues": {
            "built": dialogues_total,
            "dropped_short": totals.short_dialogues,
            "train": totals.dialogues["train"],
            "val": totals.dialogues["val"],
            "val_requested": config.val_size,
            "val_capped": capped,
        },
        "utterances": {
            "train": totals.utterances["train"],
            "val": totals.utterances["val"],
            "total": totals.utterances["train"] + totals.utterances["val"],
        },
        "bytes": {
            "std_train": out_dir.joinpath(OUTPUT_FILES[("std", "train")]).stat().st_size,
            "std_val": out_dir.joinpath(OUTPUT_FILES[("std", "val")]).stat().st_size,
            "mmi_train": done.bytes.get("train", 0),
            "mmi_val": done.bytes.get("val", 0),
        },
        "writer_queue": (
            {
                "bound": writer.bound,
                "max_depth": writer.max_depth,
                "batches": writer.puts - 1,
                "coordinator_blocked_s": round(writer.blocked_s, 3),
            }
            if writer is not None
            else {"bound": config.writer_queue_bound, "max_depth": 0, "batches": 0, "coordinator_blocked_s": 0.0}
        ),
        "cluster": config.cluster,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "rows_per_s": round(parted.rows_read / seconds["total"], 1) if seconds["total"] else 0.0,
        "peak_rss_bytes": {
            "coordinator": peak_rss_bytes(),
            "mmi_writer": done.peak_rss_bytes,
            **dict(sorted(parted.reader_peak_rss.items())),
            **dict(sorted(facts.builder_peak_rss.items())),
        },
        "rss_after_phase_bytes": rss_after,
    }


def summarize(report: dict[str, Any]) -> dict[str, Any]:
    """The JobFinished summary: flat numbers a watcher shows, plus the report's path."""
    return {
        "report": str(Path(report["out_dir"]) / REPORT_NAME),
        "out_dir": report["out_dir"],
        "files_ok": report["files"]["ok"],
        "files_failed": report["files"]["failed"],
        "rows_read": report["rows"]["read"],
        "rows_in_dialogues": report["rows"]["in_dialogues"],
        **{f"drops_{k}": v for k, v in report["rows"]["dropped"].items()},
        "dialogues": report["dialogues"]["built"],
        "dialogues_dropped_short": report["dialogues"]["dropped_short"],
        "train_dialogues": report["dialogues"]["train"],
        "val_dialogues": report["dialogues"]["val"],
        "utterances": report["utterances"]["total"],
        "seconds": report["seconds"]["total"],
        "rows_per_s": report["rows_per_s"],
        "partitions": report["settings"]["partitions"],
        "build_groups": report["build_groups"]["count"],
        "writer_queue_max": report["writer_queue"]["max_depth"],
        "writer_queue_bound": report["writer_queue"]["bound"],
        "cluster": report["cluster"],
        "peak_rss_coordinator_bytes": report["peak_rss_bytes"]["coordinator"],
        "peak_rss_mmi_writer_bytes": report["peak_rss_bytes"]["mmi_writer"],
        "peak_rss_readers_bytes": max(
            (v for k, v in report["peak_rss_bytes"].items() if k.startswith("reader")), default=0
        ),
    }
