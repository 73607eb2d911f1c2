"""One way to run the pipeline's asyncio code: on uvloop where it is installed, else plain asyncio.

Why: the network module and the load generator spend most of their CPU in the event loop and the
transports, not in our code. uvloop (libuv underneath) does the same work for less CPU per request,
and on a small machine the HTTP layer is what bounds the service (benchmarks/bench_pipeline.py
prints the CPU per request of every process). uvloop has no Windows build; there asyncio's own
loop runs the same code unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_name() -> str:
    """ "uvloop" or "asyncio": which event loop ``run`` uses here (the service logs it)."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on the fastest event loop available."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
