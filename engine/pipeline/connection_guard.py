"""Limits aiohttp's HTTP server does not set on its own: how long a request head may take to arrive
(slowloris), how long a keep-alive connection may sit idle, and how many connections are open at
once. Refusals are answered with a JSON body before the connection closes.

Data flow::

    listening socket ─accept─► ConnectionGuard() ──► GuardedConnection wrapping aiohttp's handler
      open == max_connections: the connection idle the longest is closed to make room;
                               none idle → RefusedConnection: 503 JSON, then close
    first byte of a request head (or connecting) ─► head deadline header_timeout_s ─► 408 JSON, close
    end of the head (CRLF CRLF) ─► no deadline; the request's handler runs (``mark_busy``)
    handler done (``mark_idle``) ─► idle deadline keepalive_timeout_s ─► close quietly

The body has its own deadline in the handler (``http_request.read_body``): once the head is in,
the request is aiohttp's and the application's.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

#: Per connection state: a head is (maybe) arriving, a handler runs, nothing is going on.
HEAD, BUSY, IDLE = "head", "busy", "idle"
#: A refused connection is closed this long after its 503 was written (so the client can read it).
REFUSED_LINGER_S = 0.5

_REASONS = {408: "Request Timeout", 503: "Service Unavailable"}
#: File descriptors kept free beside the connections (queues, pipes, logs, the listening socket).
SPARE_FDS = 256


def room_for_connections(wanted: int) -> int:
    """How many connections this process can hold open: raises the soft limit of open files toward
    ``wanted`` + SPARE_FDS (up to the hard limit, as nginx's worker_rlimit_nofile does), and returns
    ``wanted`` or what the limit allows. Where there is no such limit (Windows), ``wanted``."""
    try:
        import resource
    except ImportError:
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = wanted + SPARE_FDS
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return wanted if soft == resource.RLIM_INFINITY else max(1, min(wanted, soft - SPARE_FDS))


def raw_json_response(status: int, error: str) -> bytes:
    """A complete HTTP/1.1 response written straight to a transport (no aiohttp handler exists yet)."""
    body = json.dumps({"error": error}).encode()
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class GuardedConnection:
    """asyncio protocol forwarding to aiohttp's RequestHandler, with the head and idle deadlines."""

    def __init__(self, handler: Any, guard: ConnectionGuard) -> None:
        self.handler = handler
        self.guard = guard
        self.transport: Any = None  # asyncio's or uvloop's transport
        self.state = HEAD
        self._tail = b""  # the last bytes seen, to find CRLF CRLF split across reads
        self._deadline: asyncio.TimerHandle | None = None

    # -- asyncio protocol ---------------------------------------------------------------------------
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.guard.opened(self)
        self._arm(self.guard.header_timeout_s, self._head_timed_out)
        self.handler.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.state == IDLE:  # a new request head begins
            self.state = HEAD
            self.guard.not_idle(self)
            self._arm(self.guard.header_timeout_s, self._head_timed_out)
        if self.state == HEAD and self._deadline is not None:
            seen = self._tail + data
            if b"\r\n\r\n" in seen:
                self._disarm()  # the head is complete: aiohttp parses it and calls the handler
                self.guard.not_idle(self)
            self._tail = seen[-3:]
        self.handler.data_received(data)

    def eof_received(self) -> bool | None:
        return self.handler.eof_received()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm()
        self.guard.closed(self)
        self.handler.connection_lost(exc)

    def pause_writing(self) -> None:
        self.handler.pause_writing()

    def resume_writing(self) -> None:
        self.handler.resume_writing()

    # -- request life (called by the ingress middleware) ---------------------------------------------
    def mark_busy(self) -> None:
        self._disarm()
        self.state = BUSY
        self.guard.not_idle(self)

    def mark_idle(self) -> None:
        self.state = IDLE
        self._tail = b""
        self.guard.idle(self)
        self._arm(self.guard.keepalive_timeout_s, self.close)

    # -- deadlines -----------------------------------------------------------------------------------
    def _arm(self, seconds: float, action: Callable[[], None]) -> None:
        self._disarm()
        self._deadline = asyncio.get_running_loop().call_later(seconds, action)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_timed_out(self) -> None:
        self._deadline = None
        if self.transport is not None and not self.transport.is_closing():
            self.guard.head_timeouts += 1
            self.transport.write(
                raw_json_response(408, f"no complete request head within {self.guard.header_timeout_s:g} s")
            )
            self.transport.close()

    def close(self) -> None:
        """Close without a word (an idle keep-alive connection, or one evicted to make room)."""
        self._disarm()
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


class RefusedConnection(asyncio.Protocol):
    """A connection over the limit with no idle one to close: 503 JSON, then close."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def connection_made(self, transport: Any) -> None:  # asyncio's or uvloop's transport
        transport.write(raw_json_response(503, f"too many connections (limit {self.limit}); retry later"))
        asyncio.get_running_loop().call_later(REFUSED_LINGER_S, transport.close)

    def eof_received(self) -> bool:
        return False  # close now


class ConnectionGuard:
    """The protocol factory handed to ``loop.create_server`` in place of aiohttp's ``Server``."""

    def __init__(
        self, server: Callable[[], Any], max_connections: int, header_timeout_s: float, keepalive_timeout_s: float
    ) -> None:
        self.server = server
        self.max_connections = max_connections
        self.header_timeout_s = header_timeout_s
        self.keepalive_timeout_s = keepalive_timeout_s
        self.by_handler: dict[Any, GuardedConnection] = {}
        self._idle: dict[GuardedConnection, None] = {}  # insertion order: idle the longest first
        self.head_timeouts = 0
        self.refused = 0
        self.evicted = 0

    def __call__(self) -> asyncio.BaseProtocol:
        if len(self.by_handler) >= self.max_connections:
            if not self._idle:
                self.refused += 1
                return RefusedConnection(self.max_connections)
            oldest = next(iter(self._idle))
            self.not_idle(oldest)
            self.forget(oldest)  # counted out now: its close completes a moment later
            oldest.close()
            self.evicted += 1
        handler = self.server()
        connection = GuardedConnection(handler, self)
        self.by_handler[handler] = connection
        return connection

    def connection_of(self, handler: Any) -> GuardedConnection | None:
        return self.by_handler.get(handler)

    def opened(self, connection: GuardedConnection) -> None:
        self.idle(connection)  # nothing sent yet: the first to go if room is needed

    def idle(self, connection: GuardedConnection) -> None:
        self._idle.pop(connection, None)
        self._idle[connection] = None

    def not_idle(self, connection: GuardedConnection) -> None:
        self._idle.pop(connection, None)

    def forget(self, connection: GuardedConnection) -> None:
        self.by_handler.pop(connection.handler, None)

    def closed(self, connection: GuardedConnection) -> None:
        self.not_idle(connection)
        self.forget(connection)

    @property
    def open_connections(self) -> int:
        return len(self.by_handler)
