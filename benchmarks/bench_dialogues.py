"""Dialogues job: the reference article's approach vs mpwatch, and memory as the input grows 4×.

    python benchmarks/bench_dialogues.py [--files 8] [--rows-per-file 100000] [--scale 4]
                                         [--format xlsx|csv] [--memory-budget 512MB] [--quick]

On the same generated chat exports (demo data; ≥ 800k rows by default):

1. seed-style baseline: the article's job 2 as written (every file loaded, ``dropna``,
   ``drop_duplicates``, ``list(df.groupby(...))``, a row-by-row loop with ``emoji.replace_emoji``
   twice, an unbounded Queue to one writer process per split). Two deviations, both in its favour:
   the same fast .xlsx reader as mpwatch (calamine instead of openpyxl) and a seeded permutation
   instead of sklearn's ``train_test_split``.
2. mpwatch: ``run_dialogues`` in a coordinator process (as the GUI runs it) on the same input.
3. mpwatch on an input ``--scale`` times larger (more files of the same size, as real inputs grow).

Prints rows/s, the ratios, the peak RSS of every process (VmHWM; mpwatch's readers are a pool of
``os.cpu_count()`` processes, the largest is shown), the writer queue's deepest
reading against its bound (the baseline's queue has no bound: its deepest reading is shown too),
and whether the issue's targets hold (≥ 5× the baseline's rows/s; each mpwatch process's peak RSS
grows ≤ 15 % when the input grows 4×). Inputs are generated once into --data-dir and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Only light modules at import time: spawn re-imports this script in every child (the coordinator,
# its mmi writer, the baseline's processes), and pandas here would inflate every child's RSS.
from engine.context import SPAWN, JobContext  # noqa: E402
from engine.dialogues.memory import peak_rss_bytes  # noqa: E402

MB = 1024**2
#: The punctuation set both implementations use (engine.dialogues.config.DEFAULT_PUNCTUATION).
PUNCTUATION = "，。！？；：、…,.!?;:~～—·)）」』】》”’\"'"


# -- inputs ------------------------------------------------------------------------------------------
def ensure_inputs(data_dir: Path, files: int, rows: int, fmt: str, seed: int = 7) -> list[Path]:
    """``files`` demo exports of ``rows`` rows (generated once, reused by later runs)."""
    folder = data_dir / f"{fmt}-r{rows}-s{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        from engine.demo.job import DemoConfig, demo_file_name, run_demo

        paths = [folder / demo_file_name(i) for i in range(files)]
        if not all(p.exists() for p in paths):
            print(f"generating {files} .xlsx files of {rows:,} rows in {folder} (once) …", flush=True)
            run_demo(DemoConfig(folder, files, rows, seed, os.cpu_count() or 1), JobContext("bench-gen"))
        return paths
    from engine.demo.data import make_chat_frame

    paths = [folder / f"chat_{i:04d}.csv" for i in range(files)]
    for i, path in enumerate(paths):
        if not path.exists():
            make_chat_frame(rows, seed, file_index=i).to_csv(path, index=False)
    return paths


# -- the seed-style baseline (module level: spawn imports these) ------------------------------------------
def baseline_writer(q, path: str, results) -> None:
    """The article's save_mmi_*_data: get lists until an empty one, write every line."""
    with open(path, "w", encoding="utf-8") as f:
        while True:
            save_list = q.get()
            if len(save_list) == 0:
                break
            for line in save_list:
                f.write(line)
    results.put(("writer", os.getpid(), peak_rss_bytes()))


def baseline_save(groups, std_path: str, writer_path: str, results, punctuations: str) -> int:
    """The article's save_funtine_data (its loop kept as written, [0:-1] chop included)."""
    import emoji

    q = SPAWN.Queue()  # unbounded, as in the article
    p = SPAWN.Process(target=baseline_writer, args=(q, writer_path, results))
    p.start()
    max_depth = 0
    with open(std_path, "w", encoding="utf-8") as f:
        for group in groups:
            new_df = group[1]
            df_roles = new_df["是否客服"].values.tolist()
            df_contents = new_df["消息内容"].values.tolist()
            roles, contents = [], []
            for role, content in zip(df_roles, df_contents):
                content = content.replace("\n", "")
                content = emoji.replace_emoji(content, "")
                if len(content) > 0 and content != "":
                    roles.append(role)
                    contents.append(content)
            save_list = []
            save_str = ""
            for index, role in enumerate(roles):
                content = contents[index].replace("\n", "")
                content = emoji.replace_emoji(content, "")
                if content[-1] not in punctuations:
                    content += ";"
                if index == 0:
                    save_str += ("坐席:" if role == "是" else "客户:") + content
                elif role != roles[index - 1]:
                    f.write(save_str[0:-1] + "\n")
                    save_list.append(save_str[0:-1] + "\n")
                    save_str = ("坐席:" if role == "是" else "客户:") + content
                else:
                    save_str += content
            if len(save_str) > 1:
                save_list.append(save_str[0:-1] + "\n")
                f.write(save_str[0:-1] + "\n")
            f.write("\n")
            save_list = save_list[::-1]
            save_list.append("\n")
            if len(save_list) > 0:
                q.put(save_list)
                max_depth = max(max_depth, q.qsize())
    q.put([])
    p.join()
    return max_depth


def baseline_main(paths: list[str], out_dir: str, results, punctuations: str) -> None:
    """The article's get_funtine_data, reading with calamine (fast) instead of openpyxl."""
    import numpy as np
    import pandas as pd

    started = time.perf_counter()
    all_groups = []
    rows = 0
    for path in paths:
        df = pd.read_excel(path, engine="calamine") if path.endswith(".xlsx") else pd.read_csv(path)
        rows += len(df)
        df.dropna(inplace=True)
        df.drop_duplicates(inplace=True, keep="first")
        groups = list(df.groupby(by=["坐席id", "客户微信id"]))
        all_groups.extend(groups)
    order = np.random.default_rng(1).permutation(len(all_groups))
    n_val = min(10000, len(all_groups) // 2)
    val = [all_groups[i] for i in order[:n_val]]
    train = [all_groups[i] for i in order[n_val:]]
    out = Path(out_dir)
    depth_train = baseline_save(train, str(out / "std-train.txt"), str(out / "mmi-train.txt"), results, punctuations)
    depth_val = baseline_save(val, str(out / "std-val.txt"), str(out / "mmi-val.txt"), results, punctuations)
    results.put(
        (
            "main",
            os.getpid(),
            peak_rss_bytes(),
            rows,
            time.perf_counter() - started,
            max(depth_train, depth_val),
            len(all_groups),
        )
    )


def run_baseline(paths: list[Path]) -> dict:
    results = SPAWN.Queue()
    with tempfile.TemporaryDirectory(prefix="mpwatch-bench-seed-") as tmp:
        started = time.perf_counter()
        proc = SPAWN.Process(target=baseline_main, args=([str(p) for p in paths], tmp, results, PUNCTUATION))
        proc.start()
        messages = []
        while len(messages) < 3:  # two writers, then main
            try:
                messages.append(results.get(timeout=1.0))
            except queue.Empty:
                if proc.exitcode is not None and proc.exitcode != 0:
                    raise RuntimeError(f"baseline died with exit code {proc.exitcode}") from None
        proc.join()
        wall = time.perf_counter() - started
    main = next(m for m in messages if m[0] == "main")
    writers = [m[2] for m in messages if m[0] == "writer"]
    return {
        "rows": main[3],
        "seconds": wall,
        "rows_per_s": main[3] / wall,
        "rss": {"main": main[2], "writer (max of 2)": max(writers)},
        "queue_max": main[5],
        "dialogues": main[6],
    }


# -- mpwatch ---------------------------------------------------------------------------------------------
def run_mpwatch(paths: list[Path], memory_budget: int) -> dict:
    from engine.dialogues.config import DialoguesConfig
    from engine.dialogues.job import run_dialogues
    from engine.dialogues.layout import REPORT_NAME
    from engine.runner import JobRun
    from engine.status import JobFinished, Snapshot

    status = SPAWN.Queue(20000)
    with tempfile.TemporaryDirectory(prefix="mpwatch-bench-dialogues-") as tmp:
        config = DialoguesConfig(inputs=tuple(paths), out_dir=Path(tmp), memory_budget_bytes=memory_budget)
        started = time.perf_counter()
        job = JobRun("dialogues", run_dialogues, config, status).start()
        finished: JobFinished | None = None
        depth_seen = 0
        while not job.finished:
            job.poll()
            try:
                message = status.get(timeout=0.05)
            except queue.Empty:
                continue
            if isinstance(message, Snapshot) and message.queue_depth is not None:
                depth_seen = max(depth_seen, message.queue_depth)
            elif isinstance(message, JobFinished):
                finished = message
        wall = time.perf_counter() - started
        while finished is None:
            message = status.get(timeout=5.0)
            if isinstance(message, JobFinished):
                finished = message
        if not finished.ok:
            raise RuntimeError(f"mpwatch run failed: {finished.error}")
        report = json.loads((Path(tmp) / REPORT_NAME).read_text(encoding="utf-8"))
    rows = report["rows"]["read"]
    return {
        "rows": rows,
        "seconds": wall,
        "rows_per_s": rows / wall,
        "rss": {
            "coordinator": report["peak_rss_bytes"]["coordinator"],
            "mmi writer": report["peak_rss_bytes"]["mmi_writer"],
            "readers (max)": max(v for k, v in report["peak_rss_bytes"].items() if k.startswith("reader")),
        },
        "queue_max": report["writer_queue"]["max_depth"],
        "queue_seen": depth_seen,
        "queue_bound": report["writer_queue"]["bound"],
        "partitions": report["settings"]["partitions"],
        "groups": report["build_groups"]["count"],
        "dialogues": report["dialogues"]["built"],
        "phases": report["seconds"],
    }


def line(name: str, r: dict) -> str:
    rss = ", ".join(f"{k} {v / MB:,.0f} MB" for k, v in r["rss"].items())
    return (
        f"  {name:<26} {r['rows']:>10,} rows {r['seconds']:>7.1f} s {r['rows_per_s']:>10,.0f} rows/s   peak RSS: {rss}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=8, help="files of the 1× input (default 8)")
    parser.add_argument("--rows-per-file", type=int, default=100_000, help="rows per file (default 100000)")
    parser.add_argument("--scale", type=int, default=4, help="the larger input has this many times the files")
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument(
        "--memory-budget",
        default=None,
        help="default 512MB (24MB with --quick, so that the small input still needs more partitions when it grows)",
    )
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "mpwatch-bench-dialogues")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each measurement N times and keep the fastest (the machine may be shared)",
    )
    parser.add_argument("--quick", action="store_true", help="2 files x 20,000 rows, scale 4 (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.files, args.rows_per_file = 2, 20_000
    from engine.cli.arguments import parse_size
    from engine.dialogues.config import DEFAULT_PUNCTUATION

    assert DEFAULT_PUNCTUATION == PUNCTUATION, "keep the baseline's punctuation in step with the job's"
    budget = parse_size(args.memory_budget or ("24MB" if args.quick else "512MB"))
    paths = ensure_inputs(args.data_dir, args.files * args.scale, args.rows_per_file, args.format)
    small, large = paths[: args.files], paths
    print(
        f"input 1×: {args.files} {args.format} files × {args.rows_per_file:,} rows; "
        f"{args.scale}×: {len(large)} files; memory budget {budget / MB:.0f} MB; {os.cpu_count()} cores; "
        f"best of {max(1, args.repeat)} run(s) each; load average before: {os.getloadavg()[0]:.2f}"
    )

    def best(run, *run_args) -> dict:
        runs = [run(*run_args) for _ in range(max(1, args.repeat))]
        return min(runs, key=lambda r: r["seconds"])

    base = best(run_baseline, small)
    print(line("seed-style baseline", base) + f"   queue max depth {base['queue_max']:,} (unbounded)")
    one = best(run_mpwatch, small, budget)
    print(
        line("mpwatch 1×", one) + f"   queue max depth {one['queue_max']}/{one['queue_bound']}, "
        f"{one['partitions']} partitions in {one['groups']} build groups"
    )
    big = best(run_mpwatch, large, budget)
    print(
        line(f"mpwatch {args.scale}×", big) + f"   queue max depth {big['queue_max']}/{big['queue_bound']}, "
        f"{big['partitions']} partitions in {big['groups']} build groups"
    )
    print(f"  mpwatch 1× phases (s): {one['phases']}")
    print(f"  mpwatch {args.scale}× phases (s): {big['phases']}")

    speedup = one["rows_per_s"] / base["rows_per_s"]
    growth = {k: big["rss"][k] / one["rss"][k] - 1 for k in one["rss"]}
    queue_ok = all(r["queue_max"] <= r["queue_bound"] and r["queue_seen"] <= r["queue_bound"] for r in (one, big))
    print(
        f"mpwatch 1× vs baseline: {speedup:.1f}× rows/s (target ≥ 5×: {'met' if speedup >= 5 else 'NOT met'}); "
        f"{args.scale}× vs 1× rows/s: {big['rows_per_s'] / one['rows_per_s']:.2f}"
    )
    print(
        "peak RSS growth 1× → {}×: {} (target ≤ 15 % each: {})".format(
            args.scale,
            ", ".join(f"{k} {g * 100:+.1f} %" for k, g in growth.items()),
            "met" if all(g <= 0.15 for g in growth.values()) else "NOT met",
        )
    )
    print(f"writer queue within its bound in every snapshot and report: {'yes' if queue_ok else 'NO'}")
    print(f"dialogues: baseline {base['dialogues']:,} (groups per file, as the article), mpwatch {one['dialogues']:,}")
    if args.quick:
        print(
            "(--quick is a smoke run: on 40k rows process start-up dominates and each reader has seen one "
            "file, so the speed and RSS targets apply to the full run only)"
        )


if __name__ == "__main__":
    main()
