"""How late the GUI's status timer fires while a job keeps every core busy.

    python benchmarks/bench_gui_lag.py [--files 8] [--rows 20000] [--workers N]

Opens the real main window (offscreen unless QT_QPA_PLATFORM says otherwise), runs the demo job
from its panel, and prints the poller's tick lag (mean and max over the run), the messages drained,
and the longest drain slice.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    from PySide6.QtCore import QTimer

    from gui.app import configure_application
    from gui.main_window import MainWindow

    app = configure_application()
    window = MainWindow()
    window.ask_before_closing = False
    window.show()
    panel = window.panels["demo"]
    tmp = tempfile.mkdtemp(prefix="mpwatch-bench-lag-")
    panel.out_dir.set_text(tmp)
    panel.files.setValue(args.files)
    panel.rows.setValue(args.rows)
    panel.workers.setValue(args.workers)

    lags: list[float] = []
    drains: list[float] = []
    last = [time.perf_counter()]

    def record() -> None:
        now = time.perf_counter()
        lags.append(max(0.0, (now - last[0]) * 1000 - window.poller.interval_ms))
        last[0] = now
        drains.append(window.poller.last_drain_ms)

    window.poller.add_tick_hook(record)
    started = time.perf_counter()
    panel.job_finished.connect(lambda _: QTimer.singleShot(200, window.close))
    QTimer.singleShot(200, panel.start_job)
    app.exec()
    seconds = time.perf_counter() - started
    lags = lags[5:]  # skip start-up ticks
    print(f"demo job from the window: {args.files} files x {args.rows:,} rows, {args.workers} workers, "
          f"{seconds:.1f} s")
    print(f"  tick lag: mean {statistics.mean(lags):.1f} ms, p95 {sorted(lags)[int(len(lags) * 0.95)]:.1f} ms, "
          f"max {max(lags):.1f} ms over {len(lags)} ticks (interval {window.poller.interval_ms} ms)")
    print(f"  drain slice: max {max(drains):.2f} ms; messages drained {window.poller.messages_total:,}; "
          f"ticks that left a backlog {window.poller.backlog_ticks}")


if __name__ == "__main__":
    main()
