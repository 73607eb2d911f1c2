"""Demo-data job throughput with 1 worker and with all cores.

    python benchmarks/bench_demo.py [--files 8] [--rows 20000]

Prints rows/s for each worker count and the speed-up. Runs the job in-process exactly as the CLI
does (pool workers are real spawn processes writing real .xlsx files into a temporary folder).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.context import SPAWN, JobContext  # noqa: E402
from engine.demo.job import DemoConfig, run_demo  # noqa: E402


def measure(files: int, rows: int, workers: int) -> float:
    with tempfile.TemporaryDirectory(prefix="mpwatch-bench-demo-") as tmp:
        ctx = JobContext("bench", None, SPAWN.Event())
        started = time.perf_counter()
        summary = run_demo(DemoConfig(Path(tmp), files, rows, 7, workers), ctx)
        seconds = time.perf_counter() - started
    assert summary["files_written"] == files
    return files * rows / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--rows", type=int, default=20000)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"demo job: {args.files} files x {args.rows:,} rows, {cores} cores")
    one = measure(args.files, args.rows, 1)
    print(f"  1 worker : {one:10,.0f} rows/s")
    if cores > 1:
        many = measure(args.files, args.rows, cores)
        print(f"  {cores} workers: {many:10,.0f} rows/s  ({many / one:.2f}x one worker)")


if __name__ == "__main__":
    main()
