"""What the network module accepts: the body of ``POST /v1/predict`` read, bounded and validated.

A request is refused with a ``RequestError`` carrying the HTTP status and the reason sent back:
400 for a body that is not the documented JSON, 413 for a body over ``max_body_bytes``. JSON only:
nothing from the network is ever unpickled, and what goes on to the stages is plain text.
"""

from __future__ import annotations

import json

from aiohttp import web

from engine.pipeline.config import MAX_TEXTS_PER_REQUEST


class RequestError(Exception):
    """A request the service refuses, with the HTTP status and the reason sent back."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
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
        return [payload["text"]], True
    if "texts" in payload:
        texts = payload["texts"]
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise RequestError(400, '"texts" must be a list of strings')
        if not 1 <= len(texts) <= MAX_TEXTS_PER_REQUEST:
            raise RequestError(400, f'"texts" must hold 1 to {MAX_TEXTS_PER_REQUEST} strings, got {len(texts)}')
        return texts, False
    raise RequestError(400, 'missing field: "text" (or "texts")')


async def read_body(request: web.Request, limit: int) -> bytes:
    """The request body, refused with 413 when it is over ``limit`` bytes (declared or actual)."""
    if request.content_length is not None and request.content_length > limit:
        raise RequestError(413, f"body of {request.content_length} bytes is over the {limit}-byte limit")
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise RequestError(413, f"body is over the {limit}-byte limit") from None


def json_response(status: int, text: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=text, content_type="application/json", headers=headers)


def error_response(status: int, request_id: int, reason: str, headers: dict[str, str] | None = None) -> web.Response:
    return json_response(status, json.dumps({"id": request_id, "error": reason}, ensure_ascii=False), headers)
