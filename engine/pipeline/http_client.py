"""A small HTTP/1.1 keep-alive client for the load generator: POST a body, get (status, body).

Why not aiohttp's client: on a two-core machine the load generator shares the CPU with the
service it measures. aiohttp's client costs about 190 µs of CPU per request here, as much as the
service's own network module, so the figures would mostly measure the client. This one is an
``asyncio.Protocol`` per connection with a pool of idle connections: it parses only a status line,
``Content-Length`` and ``Connection: close``, which is all the service sends. Plain http only.

Data flow::

    post(body) ─► idle connection (or a new one, up to ``limit``) ─► request bytes ─► server
              ◄─ Future(status, body, sent_at, seconds) ◄─ _Connection.data_received parses the response

``seconds`` runs from the moment the request is written to the socket to the moment its last byte
is parsed, both taken in the protocol's callbacks: the time the client's own loop needs to get
round to a new connection, to the write, or to the task waiting for the answer is not the
server's latency and is not counted in it (the load generator reports its own lag apart).
    after the answer: back to the idle pool (keep-alive), or closed (error, timeout, close header)
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False
        self.keep_alive = True
        self._status = 0
        self._length: int | None = None
        self._head_end = -1
        self._sent_at = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionResetError("server closed the connection"))

    def send(self, request: bytes) -> asyncio.Future:
        self.waiter = asyncio.get_running_loop().create_future()
        self.buffer.clear()
        self._head_end = -1
        self._length = None
        assert self.transport is not None
        self.transport.write(request)
        self._sent_at = time.monotonic()
        return self.waiter

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self._head_end < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self._head_end = end + 4
            head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            self._status = int(head[0].split(" ", 2)[1])
            self._length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    self._length = int(value.strip())
                elif name == "connection" and value.strip().lower() == "close":
                    self.keep_alive = False
        if self._length is not None and len(self.buffer) >= self._head_end + self._length:
            body = bytes(self.buffer[self._head_end : self._head_end + self._length])
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result((self._status, body, self._sent_at, time.monotonic() - self._sent_at))

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class KeepAliveClient:
    """POST to one http:// URL over a pool of at most ``limit`` keep-alive connections."""

    def __init__(self, url: str, limit: int = 256, token: str | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"KeepAliveClient speaks plain http only, got {url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.limit = limit
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(limit)
        host_header = f"{self.host}:{self.port}" if ":" not in self.host else f"[{self.host}]:{self.port}"
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self._health = f"GET /healthz HTTP/1.1\r\nHost: {host_header}\r\n\r\n".encode()
        self._head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {host_header}\r\n{auth}"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()

    async def post(self, body: bytes, timeout_s: float) -> tuple[int, bytes, float, float]:
        """(status, body, when the request was written on ``time.monotonic()``, seconds from the
        write to the whole answer)."""
        async with self._slots:
            connection = self._idle.pop() if self._idle else None
            if connection is None or connection.closed:
                loop = asyncio.get_running_loop()
                _, connection = await asyncio.wait_for(
                    loop.create_connection(_Connection, self.host, self.port), timeout_s
                )
            try:
                answer = await asyncio.wait_for(
                    connection.send(self._head + str(len(body)).encode() + b"\r\n\r\n" + body), timeout_s
                )
            except BaseException:
                connection.close()
                raise
            if connection.keep_alive and not connection.closed:
                self._idle.append(connection)
            else:
                connection.close()
            return answer

    async def preconnect(self, count: int, timeout_s: float) -> int:
        """Open up to ``count`` connections now (at most ``limit`` in all), each warmed by one
        ``GET /healthz``, and keep them idle, as wrk and wrk2 open theirs before their clock starts;
        returns how many are ready. Why: a connection opened while the service is overloaded waits
        for the ingress to accept it (measured: 0.4-1 s at 150 % load; the client's connect returns
        long before), a cost of opening connections that a pooled client pays once. The health
        check's answer proves the service has accepted the connection."""
        wanted = max(0, min(count, self.limit) - len(self._idle))
        ready = 0
        for start in range(0, wanted, 128):
            attempts = [self._warm_connection(timeout_s) for _ in range(min(128, wanted - start))]
            for outcome in await asyncio.gather(*attempts, return_exceptions=True):
                if isinstance(outcome, _Connection):
                    self._idle.append(outcome)
                    ready += 1
        return ready

    async def _warm_connection(self, timeout_s: float) -> _Connection:
        loop = asyncio.get_running_loop()
        _, connection = await asyncio.wait_for(loop.create_connection(_Connection, self.host, self.port), timeout_s)
        try:
            await asyncio.wait_for(connection.send(self._health), timeout_s)
        except BaseException:
            connection.close()
            raise
        if not connection.keep_alive or connection.closed:
            connection.close()
            raise ConnectionResetError("the service closed a warmed connection")
        return connection

    def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()
