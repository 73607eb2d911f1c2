"""``mpwatch demo OUT_DIR --files 40 --rows 20000 --seed 7``: generate demo chat exports headless."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.arguments import HelpFormatter, config_from_options, help_epilog, job_exit_codes, positive_int
from engine.cli.common import JobCommand, ProgressSpec, StatusPrinter
from engine.cli.job_options import add_workers_option, finish_job_parser, where_it_ran

if TYPE_CHECKING:
    from engine.demo.job import DemoConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="generate realistic demo chat-log exports (.xlsx)",
        description="Generate realistic customer-service chat exports with the dirt "
        "the clean job removes, in parallel, with live progress.",
        epilog=help_epilog(
            ["mpwatch demo exports/ --files 8 --rows 2000", "mpwatch demo exports/ --report demo-report.html"],
            job_exit_codes("done, but some files failed"),
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("out_dir", type=Path, help="folder to write chat_NNNN.xlsx into (created if missing)")
    parser.add_argument("--files", type=positive_int, default=40, help="number of files (default 40)")
    parser.add_argument("--rows", type=positive_int, default=20000, help="rows per file (default 20000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed; same seed, same files (default 7)")
    add_workers_option(parser)
    finish_job_parser(parser, run, cluster_runs="file writers", overwrites="files")


def config_from_args(args: argparse.Namespace) -> DemoConfig:
    from engine.demo.job import DemoConfig

    return config_from_options(DemoConfig, args)


def run(args: argparse.Namespace) -> int:
    from engine.cluster.early_start import job_workers_started_early

    # local:N: they import while we do
    with job_workers_started_early(args.cluster, "engine.demo.job:run_demo"):
        from engine.demo.job import run_demo
        from engine.demo.progress import DemoProgressTracker
        from engine.preflight import preflight_demo

        progress = ProgressSpec(done="rows", total="rows_total")
        command = JobCommand(
            "demo", run_demo, progress, DemoProgressTracker, preflight_demo, print_summary, interrupted
        )
        return command.run(args, config_from_args)


def print_summary(s: dict) -> None:
    print(
        f"wrote {s['files_written']} files, {s['rows']:,} rows to {s['out_dir']} in {s['seconds']:.1f} s "
        f"({s['rows_per_s']:,.0f} rows/s, {where_it_ran(s)})"
        + (f"; {s['files_failed']} failed" if s["files_failed"] else "")
    )


def interrupted(config: DemoConfig, printer: StatusPrinter) -> tuple[str, str]:
    """(what a stopped run wrote, how to go on)."""
    return (
        f"{printer.tasks_finished} of {config.files} files written to {config.out_dir}",
        "rerun the same command to write them all",
    )
