"""One process's parent, CPU seconds and minor page faults, from /proc/PID/stat (Linux).

The cluster benchmarks read the CPU of worker processes they did not start themselves (a pool's,
a Dask cluster's) at moments they choose; one read of the kernel's line per process keeps each
sample cheap. The fields follow the process's name, which may hold spaces and ")": the line is
split after its last ")".
"""

from __future__ import annotations

import os
from dataclasses import dataclass

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcStat:
    ppid: int
    minor_faults: int
    user_s: float
    system_s: float

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.system_s


def proc_stat(pid: int) -> ProcStat | None:
    """``pid`` as the kernel counts it now; None when it has exited (or cannot be read)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return ProcStat(
        ppid=int(fields[1]),
        minor_faults=int(fields[7]),
        user_s=int(fields[11]) / CLOCK_TICKS,
        system_s=int(fields[12]) / CLOCK_TICKS,
    )
