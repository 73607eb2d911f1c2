"""A: the network module — HTTP in, answers out, matched to their requests by id.

Data flow::

    client ─POST /v1/predict─► handler: parse JSON (400) · size (413) · admission (503 + Retry-After)
                                   │ one id per text, a Future per id in ``pending``
                                   ▼
                               backlog (bounded by max_inflight_items) ─dispatch (round-robin, lists)─►
                               preprocess_in[0..n-1]
    results queue ─reader thread─► loop.call_soon_threadsafe ─► Future of each id ─► JSON response
                                   (an unknown id — timed out, client gone, older run — is ignored)

Overload never grows memory: at most ``max_inflight_items`` items are admitted; beyond that the
answer is 503 with Retry-After. A request that times out (504) or whose client disconnects is
written on the ``CancelBoard`` so later stages skip it before compute. JSON only: nothing from the
network is unpickled; the stages receive plain tuples built here.

Stop: when the job's stop event is set the ingress admits nothing new (503), finishes dispatching,
sends END_OF_STREAM to every preprocess queue, and keeps answering until END_OF_STREAM comes back
on the results queue (the service sends it once every stage has drained) or the drain times out.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections import Counter, deque
from typing import Any

from aiohttp import web

from engine.context import JobContext, parent_alive
from engine.pipeline import event_loop, metrics
from engine.pipeline.config import CHUNK_ITEMS, MAX_TEXTS_PER_REQUEST, PipelineConfig
from engine.pipeline.hops import take
from engine.pipeline.messages import END_OF_STREAM, STATUS_OK, STATUS_STAGE_DIED, is_end
from engine.pipeline.stage import PipelineWiring, stage_setup

#: Latency percentiles in snapshots cover this many recent seconds.
LATENCY_WINDOW_S = 2.0
STATUS_TICK_S = 0.1
LISTEN_BACKLOG = 4096
#: The longest a request waits in the ingress for others to share its list (see _schedule_dispatch).
DISPATCH_COALESCE_S = 0.002


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


def _json_response(status: int, text: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=text, content_type="application/json", headers=headers)


class Ingress:
    """The aiohttp application plus the bookkeeping that matches answers to requests."""

    def __init__(self, ctx: JobContext, config: PipelineConfig, wiring: PipelineWiring) -> None:
        self.ctx = ctx
        self.config = config
        self.wiring = wiring
        self.reporter = ctx.reporter("ingress", "0")
        self.pending: dict[int, asyncio.Future] = {}
        self.backlog: deque[tuple[int, str, float]] = deque()
        self.next_id = (os.getpid() << 32) + 1
        self.next_queue = 0
        self.draining = False
        self.end_sent = False
        self.finished = asyncio.Event()
        self.requests_by_status: Counter[int] = Counter()
        self.batches_by_reason: Counter[str] = Counter()
        self.latency_hist = metrics.Histogram(metrics.LATENCY_BUCKETS_S)
        self.batch_hist = metrics.Histogram(metrics.BATCH_SIZE_BUCKETS)
        self.recent_latency_ms: deque[tuple[float, float]] = deque(maxlen=50_000)
        self.recent_batches: deque[tuple[float, int]] = deque(maxlen=5_000)
        self._dispatch_scheduled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reader_stop = threading.Event()

    # -- HTTP handlers --------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.config.max_body_bytes)
        app.router.add_post("/v1/predict", self.handle_predict)
        app.router.add_get("/healthz", self.handle_health)
        app.router.add_get("/metrics", self.handle_metrics)
        return app

    async def handle_predict(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        request_id = self._new_id()
        try:
            response = await self._predict(request, request_id, started)
        except RequestError as exc:
            response = _json_response(exc.status, json.dumps({"id": request_id, "error": exc.reason},
                                                             ensure_ascii=False), exc.headers)
        self._record(response.status, started)
        return response

    async def _predict(self, request: web.Request, request_id: int, started: float) -> web.Response:
        limit = self.config.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            raise RequestError(413, f"body of {request.content_length} bytes is over the {limit}-byte limit")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise RequestError(413, f"body is over the {limit}-byte limit") from None
        texts, single = parse_texts(body)
        retry = {"Retry-After": str(self.config.retry_after_s)}
        if self.draining:
            raise RequestError(503, "the service is shutting down", retry)
        if len(self.pending) + len(texts) > self.config.max_inflight_items:
            raise RequestError(503, f"overloaded: {len(self.pending)} items in flight "
                                    f"(limit {self.config.max_inflight_items}); retry later", retry)
        deadline = time.monotonic() + self.config.request_timeout_s
        loop = asyncio.get_running_loop()
        item_ids = [request_id] + [self._new_id() for _ in texts[1:]]
        futures = []
        for item_id, text in zip(item_ids, texts):
            future = loop.create_future()
            self.pending[item_id] = future
            futures.append(future)
            self.backlog.append((item_id, text, deadline))
        self._schedule_dispatch()
        try:
            async with asyncio.timeout(self.config.request_timeout_s):  # no extra task, unlike wait_for
                outcomes = [await futures[0]] if single else await asyncio.gather(*futures)
        except asyncio.TimeoutError:
            self._cancel(item_ids)
            raise RequestError(504, f"no answer within {self.config.request_timeout_s:g} s") from None
        except asyncio.CancelledError:  # the client went away: skip it before compute
            self._cancel(item_ids)
            self.requests_by_status[499] += 1
            raise
        latency_ms = (time.perf_counter() - started) * 1000.0
        for status, payload in outcomes:
            if status != STATUS_OK:
                headers = {"Retry-After": str(self.config.retry_after_s)} if status == 503 else None
                raise RequestError(status, payload, headers)
        answers = ",".join(payload for _, payload in outcomes)
        field = f'"answer":{answers}' if single else f'"answers":[{answers}]'
        return _json_response(200, f'{{"id":{request_id},{field},"latency_ms":{latency_ms:.2f}}}')

    async def handle_health(self, request: web.Request) -> web.Response:
        ready = self.wiring.replicas_ready()
        state = "draining" if self.draining else "ok" if ready else "starting"
        body = {"status": state, "replicas_ready": ready, "replicas": len(self.wiring.models_ready),
                "inflight_items": len(self.pending), "backlog_items": len(self.backlog), "pid": os.getpid()}
        return _json_response(200 if state == "ok" else 503, json.dumps(body))

    async def handle_metrics(self, request: web.Request) -> web.Response:
        text = metrics.render(
            self.requests_by_status, self.batches_by_reason, self.wiring.depths(), self.wiring.bounds(),
            {"inflight_items": len(self.pending), "backlog_items": len(self.backlog),
             "max_batch": self.wiring.control.max_batch, "max_delay_ms": self.wiring.control.max_delay_ms},
            self.latency_hist, self.batch_hist,
        )
        return web.Response(text=text, content_type="text/plain", charset="utf-8",
                            headers={"X-Content-Type-Options": "nosniff"})

    # -- bookkeeping ------------------------------------------------------------------------------------
    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def _record(self, status: int, started: float) -> None:
        seconds = time.perf_counter() - started
        self.requests_by_status[status] += 1
        if status == 200:
            self.latency_hist.observe(seconds)
            self.recent_latency_ms.append((time.monotonic(), seconds * 1000.0))
        self.reporter.add(items_out=int(status == 200), errors=int(status >= 500 and status != 503),
                          **{f"requests_{status}": 1})

    def _cancel(self, item_ids: list[int]) -> None:
        for item_id in item_ids:
            future = self.pending.pop(item_id, None)
            if future is not None and not future.done():
                future.cancel()
        self.wiring.cancel_board.cancel(item_ids)

    def _schedule_dispatch(self) -> None:
        """Dispatch soon: at once when a full list is waiting, else after DISPATCH_COALESCE_S.

        Waiting a moment lets the requests of the next couple of milliseconds travel in the same
        list: per message, every hop pays a pickle and a pipe write, so lists of one item would
        make the stages spend most of their time on IPC at a few thousand requests per second.
        """
        if not self._dispatch_scheduled:
            self._dispatch_scheduled = True
            loop = asyncio.get_running_loop()
            if len(self.backlog) >= CHUNK_ITEMS or self.draining:
                loop.call_soon(self._dispatch)
            else:
                loop.call_later(DISPATCH_COALESCE_S, self._dispatch)

    def _dispatch(self) -> None:
        """Send the backlog as lists, round-robin; a full queue is skipped, all full → retry soon."""
        self._dispatch_scheduled = False
        queues = self.wiring.preprocess_in
        full_in_a_row = 0
        while self.backlog and full_in_a_row < len(queues):
            count = min(CHUNK_ITEMS, len(self.backlog))
            chunk = [self.backlog.popleft() for _ in range(count)]
            chunk = [item for item in chunk if item[0] in self.pending]  # timed out or client gone
            target = queues[self.next_queue]
            self.next_queue = (self.next_queue + 1) % len(queues)
            if not chunk:
                continue
            try:
                target.put_nowait(chunk)
                full_in_a_row = 0
                self.reporter.add(items_in=len(chunk))
            except Exception:  # queue.Full: that worker is behind, try the next one
                self.backlog.extendleft(reversed(chunk))
                full_in_a_row += 1
        if self.backlog and not self._dispatch_scheduled:
            self._dispatch_scheduled = True
            asyncio.get_running_loop().call_later(0.002, self._dispatch)

    def _on_message(self, message: Any) -> None:
        """A results-queue message, on the event loop thread."""
        if is_end(message):
            self.finished.set()
            return
        kind = message[0]
        if kind == "result":
            _, stage, _batch_id, reason, size, _compute_s, outcomes = message
            if stage.startswith("predictor"):
                self.batches_by_reason[reason] += 1
                self.batch_hist.observe(size)
                self.recent_batches.append((time.monotonic(), size))
            for item_id, status, payload in outcomes:
                future = self.pending.pop(item_id, None)
                if future is not None and not future.done():
                    future.set_result((status, payload))
        elif kind == "lost":
            _, item_ids, reason = message
            for item_id in item_ids:
                future = self.pending.pop(item_id, None)
                if future is not None and not future.done():
                    future.set_result((STATUS_STAGE_DIED, reason))

    def _read_results(self) -> None:
        """Reader thread: results queue → event loop, one call per message (a list of answers)."""
        assert self._loop is not None
        while not self._reader_stop.is_set():
            message = take(self.wiring.results, 0.1)
            if message is None:
                continue
            try:
                self._loop.call_soon_threadsafe(self._on_message, message)
            except RuntimeError:  # loop closed
                return
            if is_end(message):
                return

    # -- status and drain --------------------------------------------------------------------------------
    def _report(self) -> None:
        now = time.monotonic()
        while self.recent_latency_ms and now - self.recent_latency_ms[0][0] > LATENCY_WINDOW_S:
            self.recent_latency_ms.popleft()
        while self.recent_batches and now - self.recent_batches[0][0] > LATENCY_WINDOW_S:
            self.recent_batches.popleft()
        rep = self.reporter
        if self.recent_latency_ms:
            import numpy as np

            values = np.fromiter((ms for _, ms in self.recent_latency_ms), dtype=float)
            p50, p95, p99 = np.percentile(values, [50, 95, 99])
            rep.set_counter("latency_p50_ms", float(p50))
            rep.set_counter("latency_p95_ms", float(p95))
            rep.set_counter("latency_p99_ms", float(p99))
        else:
            for key in ("latency_p50_ms", "latency_p95_ms", "latency_p99_ms"):
                rep.set_counter(key, 0.0)
        sizes = [size for _, size in self.recent_batches]
        rep.set_counter("batch_size_mean", sum(sizes) / len(sizes) if sizes else 0.0)
        rep.set_counter("inflight_items", len(self.pending))
        rep.set_counter("port", self.config.port)
        for reason, count in self.batches_by_reason.items():
            rep.set_counter(f"flush_{reason}", count)
        rep.set_queue(len(self.backlog), self.config.max_inflight_items)
        # An event loop has no "busy" span to time: its CPU time (all threads) is the honest measure.
        rep.busy_s = time.process_time()
        rep.tick()

    def _advance_drain(self) -> None:
        if not self.draining:
            return
        if self.backlog:
            self._schedule_dispatch()
            return
        if not self.end_sent:
            for q in self.wiring.preprocess_in:
                try:
                    q.put(END_OF_STREAM, timeout=0.05)
                except Exception:
                    return  # retried at the next tick; the worker is still catching up
            # END goes to every queue at most once: a queue that took it is not offered it again.
            self.end_sent = True

    async def serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        reader = threading.Thread(target=self._read_results, name="results-reader", daemon=True)
        reader.start()
        runner = web.AppRunner(self.app(), handler_cancellation=True, access_log=None)
        await runner.setup()
        # A deep accept backlog: under a burst of new connections a full one drops SYNs, and the
        # client's retransmission (1 s, 3 s, 7 s…) shows up as seconds of made-up latency.
        site = web.TCPSite(runner, self.config.host, self.config.port, backlog=LISTEN_BACKLOG)
        await site.start()
        self.ctx.log(f"ingress listening on {self.config.url} (pid {os.getpid()}, {event_loop.loop_name()} event loop)")
        drain_deadline = None
        try:
            while not self.finished.is_set():
                if not self.draining and self.ctx.stop_requested():
                    self.draining = True
                    drain_deadline = time.monotonic() + self.config.drain_timeout_s + 2.0
                if not parent_alive() or (drain_deadline is not None and time.monotonic() > drain_deadline):
                    break
                self._advance_drain()
                self._report()
                try:
                    await asyncio.wait_for(self.finished.wait(), STATUS_TICK_S)
                except asyncio.TimeoutError:
                    pass
        finally:
            for future in self.pending.values():
                if not future.done():
                    future.set_result((503, "the service stopped before answering"))
            self.pending.clear()
            await asyncio.sleep(0.05)  # let the handlers just answered write their responses
            await runner.cleanup()
            self._reader_stop.set()
            self.reporter.flush()


def ingress_main(ctx: JobContext, config: PipelineConfig, wiring: PipelineWiring) -> None:
    """Process target of the network module."""
    stage_setup(ctx, "ingress")
    event_loop.run(Ingress(ctx, config, wiring).serve())
