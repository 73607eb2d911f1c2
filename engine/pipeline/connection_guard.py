"""Limits aiohttp's HTTP server does not set on its own: how long a request head may take to arrive
(slowloris), how long a keep-alive connection may sit idle, and how many connections are open at
once. Refusals are answered with a JSON body before the connection closes.

Data flow::

    listening socket (TCP_DEFER_ACCEPT: the kernel hands over a connection once it has data)
      ─accept─► ConnectionGuard() ──► GuardedConnection; aiohttp's handler is made when its first head is in
      open == max_connections: the connection idle the longest is closed to make room;
                               none idle → RefusedConnection: 503 JSON, then close
    connecting (or the first byte after idling) ─► head deadline header_timeout_s ─► 408 JSON, close
    the first head is buffered here until CRLF CRLF, then aiohttp's handler is made and fed it
    end of the head (CRLF CRLF) ─► no deadline; the request's handler runs (``mark_busy``)
    handler done (``mark_idle``) ─► idle deadline keepalive_timeout_s ─► close quietly

Why it is built this way: an attack costs the service per connection and per wake-up, and what
hurts well-behaved clients is a burst of that work in one turn of the event loop (hundreds of heads
timing out together, thousands of connections arriving together). So a connection that sends
nothing never wakes the ingress on Linux (TCP_DEFER_ACCEPT) and costs one small object elsewhere
(no aiohttp handler, task or timer until its first head is complete: a slowloris head never
gets one); deadlines are two FIFO queues swept by
one task, which closes what expired a slice at a time and lets the loop answer requests between
slices. The body has its own deadline in the handler (``http_request.read_body``): once the head
is in, the request is aiohttp's and the application's.
"""

from __future__ import annotations

import asyncio
import json
import math
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

#: Per connection state: a head is (maybe) arriving, a handler runs, nothing is going on.
HEAD, BUSY, IDLE = "head", "busy", "idle"
#: A refused connection is closed this long after its 503 was written (so the client can read it).
REFUSED_LINGER_S = 0.5
#: How often expired deadlines are looked for (a deadline fires up to this late).
SWEEP_TICK_S = 0.05
#: Expired connections closed per turn of the event loop (requests are served between slices).
SWEEP_SLICE = 16
#: A first request head is kept here until it is complete (or this long; aiohttp's own limits then
#: apply), so a head sent a byte at a time costs one append per byte and no aiohttp handler.
HEAD_BUFFER_BYTES = 16 * 1024

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


def defer_accept(sockets: Iterable[Any], seconds: float) -> bool:
    """Sets TCP_DEFER_ACCEPT on listening ``sockets``: the kernel completes the handshake but hands a
    connection to the ingress only once data has arrived, or after about ``seconds`` (rounded up to
    its SYN-ACK retransmissions: 10 s waits ~15 s), so a connection that sends nothing costs no
    wake-up. False where the option does not exist (not Linux)."""
    option = getattr(socket, "TCP_DEFER_ACCEPT", None)
    if option is None:
        return False
    for sock in sockets:
        sock.setsockopt(socket.IPPROTO_TCP, option, max(1, math.ceil(seconds)))
    return True


def raw_json_response(status: int, error: str) -> bytes:
    """A complete HTTP/1.1 response written straight to a transport (no aiohttp handler exists yet)."""
    body = json.dumps({"error": error}).encode()
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class GuardedConnection:
    """asyncio protocol forwarding to aiohttp's RequestHandler (made once the first head is in), with the head
    and idle deadlines. ``deadline`` is 0.0 when none runs; the guard's queues hold the armed ones."""

    __slots__ = ("guard", "handler", "transport", "state", "deadline", "began", "_tail", "_head")

    def __init__(self, guard: ConnectionGuard) -> None:
        self.guard = guard
        self.handler: Any = None
        self.transport: Any = None  # asyncio's or uvloop's transport
        self.state = HEAD
        self.deadline = 0.0
        self.began = 0.0  # monotonic time the current request's first bytes were read
        self._tail = b""  # the last bytes seen, to find CRLF CRLF split across reads
        self._head = bytearray()  # the first head, until it is complete

    # -- asyncio protocol ---------------------------------------------------------------------------
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.guard.opened(self)

    def data_received(self, data: bytes) -> None:
        if self.state == IDLE or (self.handler is None and not self._head):
            self.began = time.monotonic()
        if self.handler is None:
            head = self._first_head(data)
            if head is None:
                return
            data = head
        if self.state == IDLE:  # a new request head begins
            self.state = HEAD
            self.guard.not_idle(self)
            self.guard.arm_head(self)
        if self.state == HEAD and self.deadline:
            if b"\r\n\r\n" in data or (self._tail and b"\r\n\r\n" in self._tail + data[:3]):
                self.deadline = 0.0  # the head is complete: aiohttp parses it and calls the handler
                self.guard.not_idle(self)
            self._tail = data[-3:]
        self.handler.data_received(data)

    def _first_head(self, data: bytes) -> bytes | None:
        """Buffers the first request head: None while it is incomplete, else all bytes so far, once
        aiohttp's handler is made to take them."""
        head = self._head
        searched = max(0, len(head) - 3)
        head += data
        if len(head) < HEAD_BUFFER_BYTES and head.find(b"\r\n\r\n", searched) < 0:
            return None
        self._head = bytearray()
        self.handler = self.guard.make_handler(self)
        self.handler.connection_made(self.transport)
        return bytes(head)

    def eof_received(self) -> bool | None:
        return False if self.handler is None else self.handler.eof_received()

    def connection_lost(self, exc: BaseException | None) -> None:
        self.deadline = 0.0
        self.guard.closed(self)
        if self.handler is not None:
            self.handler.connection_lost(exc)

    def pause_writing(self) -> None:
        if self.handler is not None:
            self.handler.pause_writing()

    def resume_writing(self) -> None:
        if self.handler is not None:
            self.handler.resume_writing()

    # -- request life (called by the ingress middleware) ---------------------------------------------
    def mark_busy(self) -> None:
        self.deadline = 0.0
        self.state = BUSY
        self.guard.not_idle(self)

    def mark_idle(self) -> None:
        self.state = IDLE
        self._tail = b""
        self.guard.idle(self)
        self.guard.arm_idle(self)

    # -- what an expired deadline does ---------------------------------------------------------------
    def expire(self) -> None:
        """The head did not arrive in time (408 JSON, close) or the connection idled too long (close)."""
        self.deadline = 0.0
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if self.state == HEAD:
            self.guard.head_timeouts += 1
            transport.write(
                raw_json_response(408, f"no complete request head within {self.guard.header_timeout_s:g} s")
            )
        transport.close()

    def close(self) -> None:
        """Close without a word (an idle keep-alive connection, or one evicted to make room)."""
        self.deadline = 0.0
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
    """The protocol factory handed to ``loop.create_server`` in place of aiohttp's ``Server``; ``start``
    runs its deadline sweeper, ``stop`` ends it."""

    def __init__(
        self, server: Callable[[], Any], max_connections: int, header_timeout_s: float, keepalive_timeout_s: float
    ) -> None:
        self.server = server
        self.max_connections = max_connections
        self.header_timeout_s = header_timeout_s
        self.keepalive_timeout_s = keepalive_timeout_s
        self._open: set[GuardedConnection] = set()
        self.by_handler: dict[Any, GuardedConnection] = {}
        self._idle: dict[GuardedConnection, None] = {}  # insertion order: idle the longest first
        # (deadline, connection) in arming order, hence in deadline order (one timeout per queue);
        # an entry whose connection has since been re-armed or disarmed is skipped.
        self._head_deadlines: deque[tuple[float, GuardedConnection]] = deque()
        self._idle_deadlines: deque[tuple[float, GuardedConnection]] = deque()
        self._sweeper: asyncio.Task[None] | None = None
        self.head_timeouts = 0
        self.refused = 0
        self.evicted = 0

    def __call__(self) -> asyncio.BaseProtocol:
        if len(self._open) >= self.max_connections:
            if not self._idle:
                self.refused += 1
                return RefusedConnection(self.max_connections)
            oldest = next(iter(self._idle))
            self.closed(oldest)  # counted out now: its close completes a moment later
            oldest.close()
            self.evicted += 1
        connection = GuardedConnection(self)
        self._open.add(connection)
        return connection

    def make_handler(self, connection: GuardedConnection) -> Any:
        """aiohttp's RequestHandler for ``connection`` (made when its first head is complete)."""
        handler = self.server()
        self.by_handler[handler] = connection
        return handler

    def connection_of(self, handler: Any) -> GuardedConnection | None:
        return self.by_handler.get(handler)

    # -- bookkeeping --------------------------------------------------------------------------------
    def opened(self, connection: GuardedConnection) -> None:
        self.idle(connection)  # nothing sent yet: the first to go if room is needed
        self.arm_head(connection)

    def idle(self, connection: GuardedConnection) -> None:
        self._idle.pop(connection, None)
        self._idle[connection] = None

    def not_idle(self, connection: GuardedConnection) -> None:
        self._idle.pop(connection, None)

    def closed(self, connection: GuardedConnection) -> None:
        self._idle.pop(connection, None)
        self._open.discard(connection)
        if connection.handler is not None:
            self.by_handler.pop(connection.handler, None)

    @property
    def open_connections(self) -> int:
        return len(self._open)

    # -- deadlines ----------------------------------------------------------------------------------
    def arm_head(self, connection: GuardedConnection) -> None:
        connection.deadline = deadline = time.monotonic() + self.header_timeout_s
        self._head_deadlines.append((deadline, connection))

    def arm_idle(self, connection: GuardedConnection) -> None:
        connection.deadline = deadline = time.monotonic() + self.keepalive_timeout_s
        self._idle_deadlines.append((deadline, connection))

    def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_TICK_S)
            expired = self._expired(time.monotonic())
            for start in range(0, len(expired), SWEEP_SLICE):
                if start:
                    await asyncio.sleep(0)  # a turn of the loop for everyone else
                for connection, deadline in expired[start : start + SWEEP_SLICE]:
                    if connection.deadline == deadline:  # not re-armed meanwhile
                        connection.expire()

    def _expired(self, now: float) -> list[tuple[GuardedConnection, float]]:
        expired = []
        for queue in (self._head_deadlines, self._idle_deadlines):
            while queue and queue[0][0] <= now:
                deadline, connection = queue.popleft()
                if connection.deadline == deadline:
                    expired.append((connection, deadline))
        return expired
