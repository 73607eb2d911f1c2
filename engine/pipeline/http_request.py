"""What the network module accepts: the body of ``POST /v1/predict`` read, bounded and validated.

A request is refused with a ``RequestError`` carrying the HTTP status and the reason sent back:
400 for a body that is not the documented JSON (an empty or blank text, more than
MAX_TEXTS_PER_REQUEST texts included), 408 for a body that does not arrive within
``body_timeout_s``, 413 for a body over ``max_body_bytes``, 401 without the bearer token when one
is set. Every error the service sends is JSON ``{"error": ...}`` (``json_errors`` turns aiohttp's
own 404/405/… into that). JSON only: nothing from the network is ever unpickled, and what goes on
to the stages is plain text.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from engine.coded_errors import CodedText
from engine.pipeline.config import MAX_TEXTS_PER_REQUEST

#: Paths that need the bearer token when the service has one (/healthz stays open for probes).
PROTECTED_PATHS = ("/v1/predict", "/metrics")


class RequestError(Exception):
    """A request the service refuses, with the HTTP status and the reason sent back (a coded reason
    is sent as its English text with its ``code`` and ``params`` beside it, for a window's language)."""

    def __init__(self, status: int, reason: str | CodedText, headers: dict[str, str] | None = None) -> None:
        self.coded = reason if isinstance(reason, CodedText) else None
        self.reason = reason.text if isinstance(reason, CodedText) else reason
        super().__init__(self.reason)
        self.status = status
        self.headers = headers or {}


def parse_texts(body: bytes) -> tuple[list[str], bool]:
    """(texts, single) from a request body; RequestError(400) with the reason when malformed."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(400, f"invalid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise RequestError(400, 'expected a JSON object like {"text": "..."} or {"texts": ["...", ...]}')
    if "text" in payload:
        if not isinstance(payload["text"], str):
            raise RequestError(400, '"text" must be a string')
        if not payload["text"].strip():
            raise RequestError(400, '"text" is empty')
        return [payload["text"]], True
    if "texts" in payload:
        texts = payload["texts"]
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise RequestError(400, '"texts" must be a list of strings')
        if not 1 <= len(texts) <= MAX_TEXTS_PER_REQUEST:
            raise RequestError(400, f'"texts" must hold 1 to {MAX_TEXTS_PER_REQUEST} strings, got {len(texts)}')
        blank = [i for i, t in enumerate(texts) if not t.strip()]
        if blank:
            raise RequestError(400, f'"texts" has {len(blank)} empty string(s), the first at index {blank[0]}')
        return texts, False
    raise RequestError(400, 'missing field: "text" (or "texts")')


async def read_body(request: web.Request, limit: int, timeout_s: float) -> bytes:
    """The request body, refused with 413 when it is over ``limit`` bytes (declared or actual) and
    with 408 when it has not all arrived within ``timeout_s`` (a trickle, a chunked body without end)."""
    if request.content_length is not None and request.content_length > limit:
        raise RequestError(413, f"body of {request.content_length} bytes is over the {limit}-byte limit")
    try:
        async with asyncio.timeout(timeout_s):
            return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise RequestError(413, f"body is over the {limit}-byte limit") from None
    except TimeoutError:
        raise RequestError(408, f"the body did not arrive within {timeout_s:g} s") from None


def bearer_ok(request: web.Request, token: str) -> bool:
    """True when the request carries ``Authorization: Bearer <token>`` (compared in constant time)."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_errors(
    token: str | None,
    on_start: Callable[[web.Request], Any] = lambda r: None,
    on_end: Callable[[web.Request], Any] = lambda r: None,
) -> Any:
    """aiohttp middleware: the bearer check (401), aiohttp's HTTP errors (404, 405, 413…) as JSON,
    and ``on_start``/``on_end`` around every request (the connection guard's busy/idle marks)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        on_start(request)
        try:
            if token is not None and request.path in PROTECTED_PATHS and not bearer_ok(request, token):
                return json_response(
                    401,
                    json.dumps({"error": "missing or wrong bearer token"}),
                    {"WWW-Authenticate": 'Bearer realm="mpwatch"'},
                )
            try:
                return await handler(request)
            except web.HTTPException as exc:
                if exc.status < 400:
                    raise
                headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
                return json_response(exc.status, json.dumps({"error": exc.reason}), headers)
        finally:
            on_end(request)

    return middleware


def json_response(status: int, text: str, headers: dict[str, str] | None = None) -> web.Response:
    response = web.Response(status=status, text=text, content_type="application/json", headers=headers)
    if status in (408, 413):  # the rest of the body may still be on its way: do not wait for it
        response.force_close()
    return response


def error_response(status: int, request_id: int, error: RequestError) -> web.Response:
    """``{"id", "error"}``, plus ``code`` and ``params`` when the reason is coded."""
    fields = error.coded.fields() if error.coded is not None else {"error": error.reason}
    return json_response(status, json.dumps({"id": request_id, **fields}, ensure_ascii=False), error.headers)
