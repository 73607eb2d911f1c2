""".xlsx output against the read-only limit: today's writer vs rendering in the workers (engine.xlsxfast).

    python benchmarks/bench_xlsx.py --data-dir DIR          # DIR: demo exports (main.py demo DIR …)
    python benchmarks/bench_xlsx.py --files 24 --rows 20000 # generates them (cached under the temp dir)
    python benchmarks/bench_xlsx.py … --job                 # also the real clean job, xlsx and parquet
    python benchmarks/bench_xlsx.py … --alternatives        # also PyPI writers, if importable

Every figure is input rows over wall time, with a spawn pool of --workers processes started inside
the measurement (as the job does), files handed out in input order:

  read only      each worker reads its files with the job's reader: the floor of any clean run
  clean, no out  read + rules + the part file a clean worker writes (clean_file's work)
  xlsx today     clean, no out; then ONE process writes the segment from the parts with
                 XlsxSegmentWriter (what the segment write task does, on one core)
  xlsx fast      clean + render_part + save_rendered_part in every worker; then ONE process runs
                 write_xlsx_segment over the rendered parts (copies their deflate blocks)

Shares are of the read-only limit. Per-file render and the segment assembly are timed on their own
too, so the complete design (render in the clean workers, assembly as the segment task) can be
projected on the job's own overheads: job(parquet) time + render share + assembly.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from engine.clean.config import CleanConfig  # noqa: E402
from engine.clean.rules import apply_rules  # noqa: E402
from engine.context import SPAWN  # noqa: E402
from engine.tables.readers import read_input_table  # noqa: E402
from engine.tables.writers import XlsxSegmentWriter  # noqa: E402
from engine.xlsxfast import render_part, save_rendered_part, write_xlsx_segment  # noqa: E402

CONFIG = CleanConfig((Path("."),), Path("."), out_format="xlsx")
COLUMNS = CONFIG.columns.output


def read_only(path: str) -> int:
    return read_input_table(Path(path), CONFIG.columns, False).num_rows


def clean_to_part(args: tuple[str, str, bool]) -> tuple[int, float]:
    """clean_file's work for one file; with ``render``, also the rendered part. Returns
    (rows in, seconds spent rendering)."""
    path, part_path, render = args
    outcome = apply_rules(read_input_table(Path(path), CONFIG.columns, False), CONFIG.columns, CONFIG.effective_rules)
    table = outcome.kept
    pq.write_table(table, part_path, compression="lz4")
    render_s = 0.0
    if render:
        started = time.perf_counter()
        save_rendered_part(render_part(table.select(list(COLUMNS))), Path(part_path).with_suffix(".xlsxrows"))
        render_s = time.perf_counter() - started
    return outcome.rows_in, render_s


def pooled(fn, items: list, workers: int) -> tuple[list, float]:
    started = time.perf_counter()
    with SPAWN.Pool(workers) as pool:
        results = list(pool.imap(fn, items, chunksize=1))
        pool.close()
        pool.join()
    return results, time.perf_counter() - started


def write_today(parts: list[Path], out: Path) -> float:
    started = time.perf_counter()
    with XlsxSegmentWriter(out, COLUMNS, tmpdir=out.parent) as writer:
        for part in parts:
            writer.write(pq.read_table(part, columns=list(COLUMNS)))
    return time.perf_counter() - started


def write_fast(parts: list[Path], out: Path) -> float:
    started = time.perf_counter()
    write_xlsx_segment(out, COLUMNS, [p.with_suffix(".xlsxrows") for p in parts])
    return time.perf_counter() - started


def alternatives(parts: list[Path], out_dir: Path) -> list[tuple[str, float]]:
    """Serial segment writes with PyPI writers (whichever import), for comparison only."""
    table = pa.concat_tables(pq.read_table(p, columns=list(COLUMNS)) for p in parts)
    found = []
    try:
        import pyexcelerate

        started = time.perf_counter()
        book = pyexcelerate.Workbook()
        book.new_sheet("Sheet1", data=[list(COLUMNS)] + [list(r.values()) for r in table.to_pylist()])
        book.save(str(out_dir / "pyexcelerate.xlsx"))
        found.append(("pyexcelerate", time.perf_counter() - started))
    except ImportError:
        pass
    try:
        from rustpy_xlsxwriter import FastExcel

        started = time.perf_counter()
        FastExcel(str(out_dir / "rustpy.xlsx")).sheet("Sheet1", table.to_pandas()).save()
        found.append(("rustpy-xlsxwriter", time.perf_counter() - started))
    except ImportError:
        pass
    return found


def run_job(data_dir: Path, out_dir: Path, fmt: str, workers: int) -> float:
    from benchmarks.bench_clean import run_mpwatch

    started = time.perf_counter()
    run_mpwatch(data_dir, out_dir, fmt, workers)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=None, help="demo exports to read (chat_*.xlsx)")
    parser.add_argument("--files", type=int, default=24)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--job", action="store_true", help="also time the real clean job (xlsx, parquet)")
    parser.add_argument("--alternatives", action="store_true", help="also time PyPI writers if installed")
    args = parser.parse_args()
    if args.data_dir is None:
        from benchmarks.bench_clean import ensure_data

        args.data_dir = Path(tempfile.gettempdir()) / f"mpwatch-bench-clean-{args.files}x{args.rows}"
        ensure_data(args.data_dir, args.files, args.rows, args.workers)
    paths = sorted(args.data_dir.glob("chat_*.xlsx"))
    with tempfile.TemporaryDirectory(prefix="mpwatch-bench-xlsx-") as tmp:
        work = Path(tmp)
        parts = [work / f"part_{i:06d}.parquet" for i in range(len(paths))]
        counts, read_s = pooled(read_only, [str(p) for p in paths], args.workers)
        rows = sum(counts)
        limit = rows / read_s
        print(f"{len(paths)} files, {rows:,} rows, {args.workers} workers, {os.cpu_count()} cores")
        print(f"{'what':34} {'seconds':>8} {'rows/s':>10} {'share of limit':>15}")

        def line(what: str, seconds: float) -> None:
            print(f"{what:34} {seconds:8.2f} {rows / seconds:10,.0f} {rows / seconds / limit:15.0%}", flush=True)

        line("read only (the limit)", read_s)
        _, clean_s = pooled(clean_to_part, [(str(p), str(q), False) for p, q in zip(paths, parts)], args.workers)
        line("clean, no output", clean_s)
        today_write_s = write_today(parts, work / "today.xlsx")
        line("xlsx today (clean + 1 writer)", clean_s + today_write_s)
        print(f"  of which the segment write          {today_write_s:8.2f}")
        results, fast_clean_s = pooled(
            clean_to_part, [(str(p), str(q), True) for p, q in zip(paths, parts)], args.workers
        )
        assemble_s = write_fast(parts, work / "fast.xlsx")
        line("xlsx fast (clean+render, assemble)", fast_clean_s + assemble_s)
        render_total = sum(r for _, r in results)
        print(
            f"  render per file {render_total / len(paths):.3f} s (all files {render_total:.2f} s of CPU), "
            f"assembly {assemble_s:.2f} s, "
            f"file {(work / 'fast.xlsx').stat().st_size / 1e6:.1f} MB vs today {(work / 'today.xlsx').stat().st_size / 1e6:.1f} MB"
        )
        if args.alternatives:
            for name, seconds in alternatives(parts, work):
                line(f"xlsx {name} (clean + 1 writer)", clean_s + seconds)
                print(f"  of which the segment write          {seconds:8.2f}")
        if args.job:
            for fmt in ("parquet", "xlsx"):
                line(f"job: clean -> {fmt} (today)", run_job(args.data_dir, work / f"job-{fmt}", fmt, args.workers))
            job_parquet = run_job(args.data_dir, work / "job-parquet2", "parquet", args.workers)
            projected = job_parquet + render_total / args.workers + assemble_s
            line("job: xlsx fast, projected", projected)
            print(
                "  projected = job(parquet) + render CPU / workers + assembly (the parquet segment write,"
                " which the assembly replaces, is left in: an upper bound)"
            )


if __name__ == "__main__":
    main()
