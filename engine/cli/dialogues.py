"""``mpwatch dialogues INPUT... --out DIR``: chat logs → GPT2-chitchat std/mmi training text, headless.

Exit codes as every job: 0 done, 3 done but some input files failed, 1 the job failed (e.g. the
mmi writer died), 2 bad arguments, 130 interrupted (Ctrl-C; nothing is left under a final name).
"""

from __future__ import annotations

import argparse
import sys

from engine.cli.arguments import (
    HelpFormatter,
    arg_type,
    config_from_options,
    help_epilog,
    job_exit_codes,
    positive_int,
    size_arg,
)
from engine.cli.common import JobCommand, ProgressSpec
from engine.cli.job_options import add_columns_option, add_inputs_and_out, add_workers_option, finish_job_parser
from engine.dialogues.config import (
    DEFAULT_MEMORY_BUDGET_BYTES,
    DEFAULT_VAL_CAP,
    DEFAULT_VAL_SIZE,
    DialoguesConfig,
    parse_val_size,
)

#: argparse type of --val-size: ``parse_val_size``, its ValueError as argparse's error.
val_size_arg = arg_type(parse_val_size, "validation size")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dialogues",
        help="build GPT2-chitchat training text (std + reversed mmi) from chat logs",
        description="Turn chat exports (raw or cleaned .xlsx/.csv/.parquet) into dialogue text for a GPT-2 "
        "chatbot (OUT/std/train.txt, val.txt) and its MMI model (OUT/mmi/…, each dialogue "
        "reversed), with memory bounded by --memory-budget whatever the input size.",
        epilog=help_epilog(
            [
                "mpwatch dialogues cleaned/ --out dialogues/",
                "mpwatch dialogues exports/ --out dialogues/ --val-size 0.1 --memory-budget 1G",
                "mpwatch dialogues cleaned/ --out dialogues/ --report dialogues-report.html",
            ],
            job_exit_codes("done, but some input files failed"),
        ),
        formatter_class=HelpFormatter,
    )
    add_inputs_and_out(parser)
    parser.add_argument(
        "--val-size",
        type=val_size_arg,
        default=DEFAULT_VAL_SIZE,
        metavar="N|F",
        help=f"validation dialogues: a count, or a fraction of the dialogues (at most "
        f"{DEFAULT_VAL_CAP:,}); default {DEFAULT_VAL_SIZE:g}; capped so train keeps at least half",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the train/val split (default 1)")
    parser.add_argument(
        "--no-role-prefix", action="store_true", help="no 坐席:/客户: before utterances (plain GPT2-chitchat style)"
    )
    parser.add_argument(
        "--min-turns", type=positive_int, default=2, help="drop dialogues with fewer utterances (default 2)"
    )
    parser.add_argument(
        "--memory-budget",
        type=size_arg,
        default=DEFAULT_MEMORY_BUDGET_BYTES,
        metavar="SIZE",
        help="peak memory of the coordinator process, e.g. 512MB or 2G (default 512MB): sets how "
        "much data is built at once; each reader holds one input file on top",
    )
    add_columns_option(parser, without_time="input order")
    add_workers_option(parser, "reader processes for the input files")
    finish_job_parser(parser, run, cluster_runs="readers and the partition builds", overwrites="four text files")


def config_from_args(args: argparse.Namespace) -> DialoguesConfig:
    return config_from_options(
        DialoguesConfig,
        args,
        out_dir=args.out,
        role_prefix=not args.no_role_prefix,
        memory_budget_bytes=args.memory_budget,
    )


def run(args: argparse.Namespace) -> int:
    from engine.cluster.early_start import job_workers_started_early

    # local:N: they import while we do
    with job_workers_started_early(args.cluster, "engine.dialogues.job:run_dialogues"):
        from engine.dialogues.job import run_dialogues
        from engine.dialogues.progress import DialoguesProgressTracker
        from engine.preflight import preflight_dialogues

        progress = ProgressSpec(done="work_done", total="work_total", unit="rows")
        command = JobCommand(
            "dialogues",
            run_dialogues,
            progress,
            DialoguesProgressTracker,
            preflight_dialogues,
            print_summary,
            interrupted,
        )
        return command.run(args, config_from_args)


def print_summary(s: dict) -> None:
    mb = 1024**2
    print(
        f"{s['rows_read']:,} rows from {s['files_ok']} file(s) → {s['dialogues']:,} dialogues "
        f"({s['train_dialogues']:,} train, {s['val_dialogues']:,} val), {s['utterances']:,} utterances "
        f"in {s['seconds']:.1f} s ({s['rows_per_s']:,.0f} rows/s)"
    )
    drops = ", ".join(f"{k[6:]} {v:,}" for k, v in s.items() if k.startswith("drops_") and v)
    print(f"rows dropped: {drops or 'none'}; dialogues dropped (< min turns): {s['dialogues_dropped_short']:,}")
    if s["cluster"]:
        print(
            f"on the cluster {s['cluster']}: peak RSS coordinator {s['peak_rss_coordinator_bytes'] / mb:.0f} MB, "
            f"readers ≤ {s['peak_rss_readers_bytes'] / mb:.0f} MB; {s['partitions']} partitions built in "
            f"{s['build_groups']} group(s) on the workers"
        )
    else:
        print(
            f"peak RSS: coordinator {s['peak_rss_coordinator_bytes'] / mb:.0f} MB, mmi writer "
            f"{s['peak_rss_mmi_writer_bytes'] / mb:.0f} MB, readers ≤ {s['peak_rss_readers_bytes'] / mb:.0f} "
            f"MB; writer queue max {s['writer_queue_max']}/"
            f"{s['writer_queue_bound']}; {s['partitions']} partitions built in {s['build_groups']} group(s)"
        )
    print(f"outputs in {s['out_dir']}/std and /mmi; report {s['report']}")
    if s["files_failed"]:
        print(f"{s['files_failed']} file(s) failed (see above and the report)", file=sys.stderr)


def interrupted(config: DialoguesConfig, _printer: object) -> tuple[str, str]:
    """(what a stopped run left, how to go on): nothing, the four files come only at the end."""
    return (
        f"nothing written to {config.out_dir} (the four files appear only when the whole run is done)",
        "rerun the same command",
    )
