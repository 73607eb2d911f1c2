"""``mpwatch clean INPUT... --out DIR``: clean chat-log exports headless, with a live bar and a summary.

Exit codes: 0 every file cleaned, 3 finished but some files failed (report.json says which),
2 bad arguments, 1 anything else, 130 interrupted.
"""

from __future__ import annotations

import argparse

from engine.clean.config import DEDUPE_SCOPES, OUTPUT_FORMATS, CleanConfig, CleanRules
from engine.cli.arguments import (
    HelpFormatter,
    config_from_options,
    help_epilog,
    job_exit_codes,
    non_negative_int,
    positive_int,
)
from engine.cli.common import JobCommand, ProgressSpec
from engine.cli.job_options import (
    add_columns_option,
    add_inputs_and_out,
    add_overwrite_option,
    add_workers_option,
    finish_job_parser,
    where_it_ran,
)
from engine.system_messages import SYSTEM_MESSAGES


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "clean",
        help="clean chat-log exports (.xlsx/.xls/.csv/.parquet) in parallel",
        description="Clean customer-service chat exports in parallel: drop empty, duplicate and system-message "
        "rows, remove emoji, collapse whitespace; write segments of N input files and report.json. "
        "Bad files are reported with their reason; the others go on.",
        epilog=help_epilog(
            [
                "mpwatch clean exports/ --out cleaned/ --format csv",
                "mpwatch clean 'data/**/*.xlsx' --out cleaned/ --columns content=消息内容 --resume",
                "mpwatch clean exports/ --out cleaned/ --report clean-report.html",
            ],
            job_exit_codes("done, but some files failed (report.json says which)"),
        ),
        formatter_class=HelpFormatter,
    )
    add_inputs_and_out(parser)
    add_workers_option(parser)
    parser.add_argument(
        "--format", dest="out_format", choices=OUTPUT_FORMATS, default="xlsx", help="output format (default xlsx)"
    )
    parser.add_argument(
        "--segment-files", type=positive_int, default=25, help="input files per output segment (default 25)"
    )
    add_columns_option(parser)
    parser.add_argument("--all-sheets", action="store_true", help="read every sheet (default: the first)")
    earlier = parser.add_mutually_exclusive_group()
    earlier.add_argument(
        "--resume", action="store_true", help="skip segments a previous run in --out completed (same settings required)"
    )
    add_overwrite_option(earlier, "segments")
    rules = parser.add_argument_group("rules (all on by default)")
    rules.add_argument("--keep-missing", action="store_true", help="keep rows with a missing required value")
    rules.add_argument(
        "--keep-unknown-role",
        action="store_true",
        help="keep rows whose role is not 是/否/客服/客户/True/False/1/0 (and do not normalise it)",
    )
    rules.add_argument("--keep-emoji", action="store_true", help="do not remove emoji")
    rules.add_argument("--keep-whitespace", action="store_true", help="do not collapse newlines and spaces")
    rules.add_argument("--keep-system", action="store_true", help="keep system messages")
    rules.add_argument(
        "--system-message",
        action="append",
        metavar="TEXT",
        help="a system message (exact after trimming); repeat; replaces the built-in five",
    )
    rules.add_argument(
        "--system-contains", action="append", metavar="TEXT", default=[], help="drop messages containing TEXT; repeat"
    )
    rules.add_argument("--keep-empty", action="store_true", help="keep messages empty after cleaning")
    rules.add_argument(
        "--min-length",
        type=non_negative_int,
        default=0,
        help="drop messages shorter than this many characters (default 0: off)",
    )
    rules.add_argument("--keep-duplicates", action="store_true", help="keep exact duplicate rows")
    rules.add_argument(
        "--dedupe-scope",
        choices=DEDUPE_SCOPES,
        default="file",
        help="duplicates within each file (default) or across the whole run",
    )
    parser.add_argument(
        "--csv-no-formula-guard",
        action="store_true",
        help="csv: write cells starting with = + - @ verbatim (default: prefix ' so Excel shows them as text)",
    )
    finish_job_parser(parser, run, cluster_runs="file and segment tasks")  # --overwrite: with --resume above


def config_from_args(args: argparse.Namespace) -> CleanConfig:
    """The CleanConfig the arguments describe (raises ValueError for a bad combination)."""
    rules = CleanRules(
        drop_missing=not args.keep_missing,
        check_role=not args.keep_unknown_role,
        remove_emoji=not args.keep_emoji,
        collapse_whitespace=not args.keep_whitespace,
        drop_system=not args.keep_system,
        system_messages=tuple(args.system_message) if args.system_message else SYSTEM_MESSAGES,
        system_contains=tuple(args.system_contains),
        drop_empty=not args.keep_empty,
        min_length=args.min_length,
        drop_duplicates=not args.keep_duplicates,
        dedupe_scope=args.dedupe_scope,
    )
    guard = not args.csv_no_formula_guard
    return config_from_options(CleanConfig, args, out_dir=args.out, rules=rules, csv_formula_guard=guard)


def run(args: argparse.Namespace) -> int:
    from engine.cluster.early_start import job_workers_started_early

    # local:N: they import while we do
    with job_workers_started_early(args.cluster, "engine.clean.job:run_clean"):
        from engine.clean.job import run_clean
        from engine.clean.progress import WORKER_STAGE, CleanProgressTracker
        from engine.preflight import preflight_clean

        progress = ProgressSpec(
            done="rows_in",
            total="input_bytes_total",
            unit="rows",
            stage=WORKER_STAGE,
            total_basis_done="input_bytes_done",
        )
        command = JobCommand(
            "clean", run_clean, progress, CleanProgressTracker, preflight_clean, print_summary, interrupted_progress
        )
        return command.run(args, config_from_args)


def interrupted_progress(config: CleanConfig, _printer: object) -> tuple[str, str]:
    """(what a stopped run finished, how to continue), from the report.json it left."""
    from engine.clean.report import load_report

    report = load_report(config.out_dir) or {}
    segments = report.get("segments", [])
    done = [s for s in segments if s.get("status") in ("written", "empty")]
    rows = sum(s.get("rows") or 0 for s in done)
    what = f"{len(done)} of {len(segments)} segments done ({rows:,} rows written)"
    return what, "rerun with --resume to continue" if done else "rerun the same command to start"


def print_summary(summary: dict) -> None:
    print(format_summary(summary))


def format_summary(s: dict) -> str:
    """The final lines a person reads: files, rows, drops by reason, outputs, speed."""
    drops = ", ".join(f"{reason} {n:,}" for reason, n in s["dropped"].items()) or "none"
    resumed = s.get("segments_resumed", 0)
    new_segments = s["segments_written"] - resumed
    lines = [
        f"cleaned {s['files_ok']} of {s['files']} files: {s['rows_in']:,} rows in, {s['rows_out']:,} out"
        + (
            f" ({s['rows_in_resumed']:,} in / {s['rows_out_resumed']:,} out resumed from the previous run)"
            if resumed
            else ""
        )
        + f"; dropped: {drops}"
        + ("" if s["reconciles"] else "  [COUNTS DO NOT RECONCILE]"),
        f"wrote {new_segments} {'new ' if resumed else ''}{s['format']} segment(s)"
        + (f" (+{resumed} resumed, {s['segments_written']} in all)" if resumed else "")
        + f" to {s['out_dir']} in {s['seconds']:.1f} s "
        f"({s['rows_per_s']:,.0f} rows/s{' of new rows' if resumed else ''}, {where_it_ran(s)}); report: {s['report']}",
    ]
    if s["files_failed"]:
        lines.append(f"{s['files_failed']} file(s) failed:")
        lines.extend(f"  {f['path']}: {f['error']}" for f in s["failed"][:20])
        if len(s["failed"]) > 20:
            lines.append(f"  … and {len(s['failed']) - 20} more (see the report)")
    return "\n".join(lines)
