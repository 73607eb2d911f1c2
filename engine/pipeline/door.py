"""Target mode's door: a refusal written before aiohttp parses the request (``DoorKeeper``).

The refusal must cost far less than an answer, or an ingress offered more than it can parse
builds a standing queue in the kernel that no prediction can undo. Through aiohttp a 503 costs
about 110 µs of CPU here (request object, handler task, response object), a quarter of a whole
answer. ``DoorKeeper`` answers earlier: it sits between the socket and the connection guard, and
when a connection between requests receives exactly one complete ``POST /v1/predict`` (the
common case: one request per read) while the gate (``admission.AdmissionGate``) refuses, it writes
a canned 503 with Retry-After itself and aiohttp never sees the request. Anything else (a partial
or pipelined request, another path, ``Connection: close``, ``Expect``, chunked bodies) goes through
aiohttp, whose handler asks the same gate before reading the body.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable
from typing import Any

from engine.coded_errors import CodedText
from engine.pipeline.connection_guard import IDLE

#: The one request line the door answers itself (anything else goes to aiohttp).
PREDICT_LINE = b"POST /v1/predict HTTP/1.1\r\n"
#: Request headers that make a canned answer wrong: the door leaves such requests to aiohttp.
_NOT_AT_THE_DOOR = (b"\r\nconnection:", b"\r\nexpect:", b"\r\ntransfer-encoding:", b"\r\nauthorization:")


@functools.lru_cache(maxsize=64)
def canned_refusal(reason: CodedText, retry_after_s: int) -> bytes:
    """A complete keep-alive 503 response, the same JSON shape as the handler's errors (made once per
    reason: the reasons are few, and the door writes thousands a second when overloaded)."""
    body = json.dumps(reason.fields(), ensure_ascii=False).encode()
    return (
        f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"Retry-After: {retry_after_s}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def one_whole_request(data: bytes) -> bool:
    """True when ``data`` is exactly one complete ``POST /v1/predict`` with a Content-Length body
    and none of the headers that need aiohttp (``_NOT_AT_THE_DOOR``)."""
    if not data.startswith(PREDICT_LINE):
        return False
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    head = data[: end + 2].lower()
    if any(name in head for name in _NOT_AT_THE_DOOR):
        return False
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        return False
    value = head[at + 17 : head.find(b"\r\n", at + 2)].strip()
    return value.isdigit() and len(data) == end + 4 + int(value)


class DoorKeeper(asyncio.Protocol):
    """A connection's protocol in front of the guard's (``GuardedConnection``): refuses at the door
    (see the module docstring), forwards everything else unchanged."""

    def __init__(
        self,
        inner: Any,
        watching: Callable[[], bool],
        refusal: Callable[[], CodedText | None],
        on_refused: Callable[[], None],
        retry_after_s: int,
    ) -> None:
        self.inner = inner
        self.watching = watching  # target mode is on: otherwise the door only forwards
        self.refusal = refusal
        self.on_refused = on_refused
        self.retry_after_s = retry_after_s
        self.transport: Any = None
        self.fresh = True  # nothing received yet: between requests, like an idle connection

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        between_requests = self.fresh or self.inner.state == IDLE
        self.fresh = False
        if between_requests and self.watching() and one_whole_request(data):
            reason = self.refusal()
            if reason is not None:
                self.transport.write(canned_refusal(reason, self.retry_after_s))
                self.inner.mark_idle()  # the guard's idle deadline starts again, as after any answer
                self.on_refused()
                return
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def connection_lost(self, exc: BaseException | None) -> None:
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()
