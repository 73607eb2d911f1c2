"""The connection guard in one event loop, without processes: deadlines fire with the right answer,
and a crowd of them expiring together is closed a slice at a time, with the loop free in between."""

from __future__ import annotations

import asyncio
import json
import time

from engine.pipeline import connection_guard as cg


class FakeTransport:
    """Records what the guard writes and whether it closed the connection."""

    def __init__(self) -> None:
        self.written = b""
        self.closed_at: int | None = None

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        if self.closed_at is None:
            self.closed_at = turns[0]

    def is_closing(self) -> bool:
        return self.closed_at is not None


class FakeHandler:
    """Stands for aiohttp's RequestHandler: counts what reaches it."""

    made = 0

    def __init__(self) -> None:
        FakeHandler.made += 1
        self.received = b""

    def connection_made(self, transport: object) -> None:
        pass

    def data_received(self, data: bytes) -> None:
        self.received += data

    def connection_lost(self, exc: BaseException | None) -> None:
        pass


turns = [0]  # turns of the event loop seen by a probe task while the guard sweeps


def test_silent_connections_make_no_handler_and_expire_with_408_a_slice_at_a_time() -> None:
    FakeHandler.made = 0

    async def scenario() -> tuple[list[FakeTransport], FakeTransport, cg.ConnectionGuard, list[int]]:
        guard = cg.ConnectionGuard(FakeHandler, 1000, header_timeout_s=0.2, keepalive_timeout_s=30.0)
        silent = []
        for _ in range(10 * cg.SWEEP_SLICE):
            transport = FakeTransport()
            guard().connection_made(transport)
            silent.append(transport)
        talking = FakeTransport()
        connection = guard()
        connection.connection_made(talking)
        connection.data_received(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r")
        connection.data_received(b"\n")  # CRLF CRLF split across two reads: the head is complete
        connection.mark_busy()
        guard.start()
        closed_per_turn = []
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and not all(t.closed_at is not None for t in silent):
            turns[0] += 1
            closed_per_turn.append(sum(t.closed_at is not None for t in silent))
            await asyncio.sleep(0)
        guard.stop()
        return silent, talking, guard, closed_per_turn

    silent, talking, guard, closed_per_turn = asyncio.run(scenario())
    assert FakeHandler.made == 1  # only the connection that sent bytes got aiohttp's handler
    for transport in silent:
        head, _, body = transport.written.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408") and b"application/json" in head
        assert "head" in json.loads(body)["error"]
    assert talking.closed_at is None and talking.written == b""  # busy: no deadline runs
    assert guard.head_timeouts == len(silent)
    # The loop turned between slices: never more than one slice closed between two probe turns.
    steps = [b - a for a, b in zip(closed_per_turn, closed_per_turn[1:], strict=False)]
    assert max(steps) <= cg.SWEEP_SLICE and len({t.closed_at for t in silent}) >= 10


def test_idle_keepalive_connections_close_quietly_and_the_oldest_idle_makes_room() -> None:
    async def scenario() -> tuple[list[FakeTransport], cg.ConnectionGuard, object]:
        guard = cg.ConnectionGuard(FakeHandler, 3, header_timeout_s=30.0, keepalive_timeout_s=0.2)
        transports = []
        for _ in range(3):
            transport = FakeTransport()
            connection = guard()
            connection.connection_made(transport)
            connection.data_received(b"GET /healthz HTTP/1.1\r\n\r\n")
            connection.mark_busy()
            connection.mark_idle()  # answered: now an idle keep-alive connection
            transports.append(transport)
        newcomer = guard()  # at the limit: the longest-idle connection is closed to make room
        guard.start()
        await asyncio.sleep(0.5)
        guard.stop()
        return transports, guard, newcomer

    transports, guard, newcomer = asyncio.run(scenario())
    assert isinstance(newcomer, cg.GuardedConnection) and guard.evicted == 1
    assert all(t.closed_at is not None and t.written == b"" for t in transports)
    assert guard.head_timeouts == 0


def test_a_head_sent_a_byte_at_a_time_reaches_aiohttp_once_complete_and_whole() -> None:
    FakeHandler.made = 0
    head = b"POST /v1/predict HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}"

    async def scenario() -> tuple[cg.GuardedConnection, list[int], FakeTransport]:
        guard = cg.ConnectionGuard(FakeHandler, 10, header_timeout_s=0.2, keepalive_timeout_s=30.0)
        connection = guard()
        connection.connection_made(FakeTransport())
        made_after_each_byte = []
        for i in range(len(head) - 2):  # the head and not yet the body
            connection.data_received(head[i : i + 1])
            made_after_each_byte.append(FakeHandler.made)
        connection.data_received(head[-2:])
        connection.mark_busy()
        slow = guard()  # a slowloris head: never complete
        slow_transport = FakeTransport()
        slow.connection_made(slow_transport)
        for byte in b"GET / HTTP/1.1\r\nX-Slow: aaaa":
            slow.data_received(bytes([byte]))
        guard.start()
        await asyncio.sleep(0.5)
        guard.stop()
        return connection, made_after_each_byte, slow_transport

    connection, made_after_each_byte, slow_transport = asyncio.run(scenario())
    assert made_after_each_byte[:-1] == [0] * (len(made_after_each_byte) - 1) and made_after_each_byte[-1] == 1
    assert connection.handler.received == head  # whole, in order
    assert FakeHandler.made == 1  # the slowloris head got none
    assert slow_transport.written.startswith(b"HTTP/1.1 408")
