"""Resident memory of this process: now and at its peak (for the report and the RSS charts)."""

from __future__ import annotations

import resource
import sys

import psutil


def rss_bytes() -> int:
    try:
        return int(psutil.Process().memory_info().rss)
    except psutil.Error:
        return 0


def peak_rss_bytes() -> int:
    """Peak resident set size of this process since it started.

    On Linux ``VmHWM`` (the high-water mark of this process's own address space); ``ru_maxrss``
    would include the parent's memory for a spawned child (it survives the exec of spawn).
    """
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/self/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)
