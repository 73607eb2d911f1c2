"""Background scheduling priority for job processes, so the window that watches them stays smooth.

A job saturates every core on purpose; the window only needs a few milliseconds every 100 ms, but
at equal priority the scheduler makes it wait its turn behind every worker (measured on 2 cores:
ticks 127 ms late on average, half of them lost). Lowering the job's priority, not raising the
window's, needs no privilege anywhere, and costs the job almost nothing: the window's few
milliseconds are all it gives up.

Where it is set: once, at the start of the process that owns a run (the GUI's coordinator, or the
CLI process itself with ``--background-priority``). Every process that owner starts inherits it:

- POSIX: ``os.nice(BACKGROUND_NICE_INCREMENT)``; the nice value survives fork and exec, so spawn
  children (pool workers, pipeline stages, the mmi writer, the load generator) start with it.
  Linux's autogroup (one scheduling group per session) keeps the window and its jobs in one
  group, where nice values do apply.
- Windows: ``BELOW_NORMAL_PRIORITY_CLASS`` through psutil; ``CreateProcess`` gives a child of a
  below-normal process the same class when no class is asked for, which ``multiprocessing``
  never does.

Lowering is one-way for an unprivileged process (POSIX refuses a negative nice increment), so a
process is never raised back; a run started with the setting off is simply not lowered.
"""

from __future__ import annotations

import argparse
import os
import sys

import psutil

#: Added to the owner's nice value: 10 gives a CFS weight of 110 against 1024 at nice 0, so the
#: window wins the core ~90 % of the time it asks for one, and a job alone keeps both cores.
BACKGROUND_NICE_INCREMENT = 10

_lowered = False


def lower_priority() -> None:
    """Move this process (and so every process it starts afterwards) to background priority.

    Idempotent within a process; never raises (a platform that refuses leaves the job as it was).
    """
    global _lowered
    if _lowered:
        return
    _lowered = True
    try:
        if sys.platform == "win32":
            proc = psutil.Process()
            if proc.nice() == psutil.NORMAL_PRIORITY_CLASS:  # never raise one that is lower already
                proc.nice(psutil.BELOW_NORMAL_PRIORITY_CLASS)
        else:
            os.nice(BACKGROUND_NICE_INCREMENT)
    except (OSError, psutil.Error):
        pass


def is_background(pid: int, base_nice: int | None = None) -> bool:
    """True when process ``pid`` runs at a lower priority than a process at nice ``base_nice``
    (default: this process's own nice value); on Windows, when its class is below normal."""
    proc = psutil.Process(pid)
    if sys.platform == "win32":
        return proc.nice() in (psutil.IDLE_PRIORITY_CLASS, psutil.BELOW_NORMAL_PRIORITY_CLASS)
    base = psutil.Process().nice() if base_nice is None else base_nice
    return proc.nice() > base


# -- command line ------------------------------------------------------------------------------------
def add_background_priority_flag(parser: argparse.ArgumentParser) -> None:
    """``--background-priority`` on a sub-command (off by default: a terminal job has the machine)."""
    parser.add_argument(
        "--background-priority",
        action="store_true",
        help="run this job and every process it starts at a lower scheduling priority "
        f"(nice +{BACKGROUND_NICE_INCREMENT}; below-normal on Windows), so the "
        "desktop stays responsive",
    )


def apply_background_priority_flag(args: argparse.Namespace) -> None:
    """Lower this process's priority when ``--background-priority`` was given."""
    if getattr(args, "background_priority", False):
        lower_priority()
