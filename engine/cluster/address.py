"""The ``--cluster`` value: where a job's tasks run when not on this machine's process pool.

Two forms, nothing else (a typo must be an error, not a silent local run):

* ``tcp://HOST:PORT`` — connect to a running Dask scheduler (``dask scheduler`` on some host);
* ``local:N`` — start a local Dask cluster of N worker processes (one thread each) for this run only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.coded_errors import CodedError

#: Default port of ``dask scheduler``; shown in error messages as an example.
DASK_SCHEDULER_PORT = 8786

_LOCAL = re.compile(r"local:(\d+)")
_TCP = re.compile(r"tcp://(\[[0-9A-Fa-f:.]+\]|[^:/\s\[\]]+):(\d+)/?")


@dataclass(frozen=True)
class SchedulerAddress:
    """A running scheduler to connect to."""

    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"


@dataclass(frozen=True)
class LocalClusterSpec:
    """A local Dask cluster of ``workers`` processes started for one run and closed after it."""

    workers: int

    def __str__(self) -> str:
        return f"local:{self.workers}"


ClusterAddress = SchedulerAddress | LocalClusterSpec


class ClusterAddressError(ValueError, CodedError):
    """Not a cluster address; the message says what is accepted."""


def parse_cluster_address(text: str) -> ClusterAddress:
    """``tcp://HOST:PORT`` or ``local:N``; raises ValueError saying what is accepted."""
    value = text.strip()
    local = _LOCAL.fullmatch(value)
    if local:
        workers = int(local.group(1))
        if workers < 1:
            raise ClusterAddressError.coded("address_local_needs_a_worker", text=repr(text))
        return LocalClusterSpec(workers)
    tcp = _TCP.fullmatch(value)
    if tcp:
        host, port = tcp.group(1).strip("[]"), int(tcp.group(2))
        if not 0 < port < 65536:
            raise ClusterAddressError.coded("address_port_out_of_range", text=repr(text), port=port)
        return SchedulerAddress(host, port)
    raise ClusterAddressError.coded("address_not_a_cluster", text=repr(text), port=DASK_SCHEDULER_PORT)


def local_cluster_spec(text: str | None) -> LocalClusterSpec | None:
    """The ``local:N`` that ``text`` names; None for no address, a scheduler's or an invalid one
    (the job refuses an invalid one later, with its own message)."""
    try:
        spec = parse_cluster_address(text) if text else None
    except ValueError:
        return None
    return spec if isinstance(spec, LocalClusterSpec) else None
