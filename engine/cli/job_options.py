"""The options the job sub-commands (clean, dialogues, demo) share, each defined once: what a job
reads and where it writes (``INPUT...``, ``--out``, ``--columns``: clean, dialogues), where the
job runs (``--workers``, ``--cluster``), what happens to an earlier run's outputs (``--overwrite``),
and how it is watched (``--quiet``, ``--report``, ``--background-priority``); and the words a
summary uses for where it ran.

Only argument types and help are built here (``--help`` must answer at once): nothing heavy is imported.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from engine.clean.config import ColumnMap
from engine.cli.arguments import ArgsHandler, arg_type, positive_int
from engine.cli.report_option import add_report_option
from engine.cluster.address import parse_cluster_address
from engine.priority import add_background_priority_flag

#: argparse type of --columns (clean, dialogues): ColumnMap.parse is the one parser.
columns_arg = arg_type(ColumnMap.parse, "columns")

#: argparse type of --cluster (clean, dialogues, demo): the address, normalised, as the configs keep it.
cluster_arg = arg_type(lambda text: str(parse_cluster_address(text)), "cluster address")


def add_inputs_and_out(parser: argparse.ArgumentParser) -> None:
    """``INPUT...``: the chat exports to read; ``--out DIR``: the folder the job writes into."""
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="files, folders (searched recursively) or glob patterns ('data/**/*.xlsx')",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder (created if missing)")


def add_columns_option(parser: argparse.ArgumentParser, without_time: str = "") -> None:
    """``--columns``: the names of the columns the job reads (``without_time``: what ``time=`` means
    for this job, said in its help)."""
    parser.add_argument(
        "--columns",
        type=columns_arg,
        default=ColumnMap(),
        help="column names, e.g. agent=坐席id,customer=客户微信id,role=是否客服,content=消息内容,"
        f"time=消息时间 (time= for none{': ' + without_time if without_time else ''})",
    )


def add_workers_option(parser: argparse.ArgumentParser, processes: str = "worker processes") -> None:
    """``--workers N``: how many local ``processes`` the job starts (default: one per core)."""
    parser.add_argument(
        "--workers", type=positive_int, default=os.cpu_count() or 1, help=f"{processes} (default: all cores)"
    )


def add_cluster_option(parser: argparse.ArgumentParser, runs: str) -> None:
    """``--cluster ADDRESS``: where the job's ``runs`` run (default: this machine's worker processes)."""
    parser.add_argument(
        "--cluster",
        type=cluster_arg,
        default=None,
        metavar="ADDRESS",
        help=f"run the {runs} on a Dask cluster: tcp://HOST:PORT (a running dask scheduler; "
        "every worker must see the inputs and --out under the same paths) or local:N "
        "(N worker processes started for this run); --workers is then ignored",
    )


def where_it_ran(summary: dict) -> str:
    """'2 workers' on this machine, 'on local:2' / 'on tcp://…' on a cluster."""
    return f"on {summary['cluster']}" if summary.get("cluster") else f"{summary['workers']} workers"


def add_overwrite_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup, what: str) -> None:
    """``--overwrite``: without it a job refuses an output folder holding an earlier run's outputs."""
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help=f"remove the {what} an earlier run left in the output folder (only the files its report lists) "
        "before starting; without it such a folder is refused",
    )


def finish_job_parser(
    parser: argparse.ArgumentParser, run: ArgsHandler, cluster_runs: str, overwrites: str | None = None
) -> None:
    """The options every job's parser ends with, in this order: ``--cluster`` (for its
    ``cluster_runs``), ``--overwrite`` of the ``overwrites`` (None: the job placed it itself),
    ``--quiet``, ``--report``, ``--background-priority``; and ``run`` as the sub-command's handler."""
    add_cluster_option(parser, cluster_runs)
    if overwrites is not None:
        add_overwrite_option(parser, overwrites)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_report_option(parser)
    add_background_priority_flag(parser)
    parser.set_defaults(func=run)
