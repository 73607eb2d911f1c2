"""A: the network module — HTTP in, answers out (the server loop; parsing in ``http_request``,
the table of open requests in ``routing``).

Data flow::

    client ─POST /v1/predict─► handler: parse JSON (400) · size (413) · admission (503 + Retry-After)
                                   │ RequestRouter.admit: one id and Future per text
                                   ▼
                               backlog (bounded by max_inflight_items) ─► preprocess_in[0..n-1]
    results queue ─► RequestRouter ─► Future of each id ─► JSON response

Overload never grows memory: at most ``max_inflight_items`` items are admitted; beyond that the
answer is 503 with Retry-After. In ``target`` batching mode a request is also refused (503 +
Retry-After) when it is predicted to miss the p99 target, counting the wait before its handler
runs, or when more items are in flight than can be answered within the target (``admission``):
shedding at the door costs no parsing or preprocessing, unlike shedding in the batcher. Most such
refusals are written by ``admission.DoorKeeper`` before aiohttp parses the request at all.

Several ingress processes (``--ingress N``) serve one port (see ``service`` for SO_REUSEPORT and its
fallback); each has its own results queue, and the ids it gives name it, so answers come back to it.
``/metrics`` in any of them shows the whole service (``metrics.IngressTally``), in-flight and backlog
gauges aside, which are that process's own.

A 200 carries ``read_at`` (first bytes read) and ``answered_at`` on ``time.monotonic()`` (Linux:
CLOCK_MONOTONIC, shared by the host's processes): a local client splits its latency (``load_tally``).

Hostile clients: ``connection_guard`` bounds the time of a request head, idle keep-alive time and
the number of open connections; ``http_request`` bounds the body (size, time, texts) and checks
the bearer token. Every refusal is JSON.

Stop: when the job's stop event is set the ingress admits nothing new (503), finishes dispatching,
sends END_OF_STREAM to every preprocess queue, and keeps answering until END_OF_STREAM comes back
on the results queue (the service sends it once every stage has drained) or the drain times out.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import socket
import time
from collections import deque

import numpy as np
from aiohttp import web

from engine.coded_errors import CodedText
from engine.context import JobContext, parent_alive
from engine.pipeline import event_loop, metrics
from engine.pipeline.admission import AdmissionGate, Backlog
from engine.pipeline.config import POLICIES, PipelineConfig
from engine.pipeline.connection_guard import ConnectionGuard, GuardedConnection, defer_accept, room_for_connections
from engine.pipeline.door import DoorKeeper
from engine.pipeline.http_request import (
    RequestError,
    error_response,
    json_errors,
    json_response,
    parse_texts,
    read_body,
)
from engine.pipeline.messages import END_OF_STREAM, STATUS_OK
from engine.pipeline.routing import RequestRouter
from engine.pipeline.stage import PipelineWiring, stage_setup

#: Latency percentiles in snapshots cover this many recent seconds.
LATENCY_WINDOW_S = 2.0
STATUS_TICK_S = 0.1
#: Pending connections the kernel keeps per listening socket (the shared one too, ``service``).
LISTEN_BACKLOG = 4096
TARGET_CODE = POLICIES.index("target")


class Ingress:
    """The aiohttp application, its status reports and its part of the staged stop."""

    def __init__(
        self,
        ctx: JobContext,
        config: PipelineConfig,
        wiring: PipelineWiring,
        index: int = 0,
        listener: socket.socket | None = None,
    ) -> None:
        self.ctx = ctx
        self.config = config
        self.wiring = wiring
        self.index = index
        self.listener = listener
        self.reporter = ctx.reporter("ingress", str(index))
        self.finished = asyncio.Event()
        self.router = RequestRouter(
            wiring,
            index,
            on_batch=self._on_batch,
            on_end=self.finished.set,
            on_dispatched=lambda n: self.reporter.add(items_in=n),
        )
        self.end_sent = False
        self.traffic = metrics.Traffic()
        self.recent_latency_ms: deque[tuple[float, float]] = deque(maxlen=50_000)
        self.guard: ConnectionGuard | None = None
        self.gate = AdmissionGate()

    # -- HTTP handlers --------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(
            client_max_size=self.config.max_body_bytes,
            middlewares=[json_errors(self.config.token, self._request_started, self._request_ended)],
        )
        app.router.add_post("/v1/predict", self.handle_predict)
        app.router.add_get("/healthz", self.handle_health)
        app.router.add_get("/metrics", self.handle_metrics)
        return app

    async def handle_predict(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        request_id = self.router.new_id()
        try:
            response = await self._predict(request, request_id, started)
        except RequestError as exc:
            response = error_response(exc.status, request_id, exc)
        self._record(response.status, started)
        return response

    async def _predict(self, request: web.Request, request_id: int, started: float) -> web.Response:
        retry = {"Retry-After": str(self.config.retry_after_s)}
        refusal = self._target_refusal()  # before the body is read: a refusal must cost next to nothing
        if refusal is not None:
            raise RequestError(503, refusal, retry)
        texts, single = parse_texts(await read_body(request, self.config.max_body_bytes, self.config.body_timeout_s))
        router = self.router
        if router.draining:
            raise RequestError(503, CodedText.of("service_shutting_down"), retry)
        if len(router.pending) + len(texts) > self.config.max_inflight_items:
            limit = self.config.max_inflight_items
            raise RequestError(
                503, CodedText.of("overloaded_inflight", inflight=len(router.pending), limit=limit), retry
            )
        now = time.monotonic()
        began = self._began(request, now)
        answer_by = self._answer_by(began, now)  # target mode: 503 rather than a late answer
        if answer_by is not None and answer_by <= now:  # its time went by before the handler ran
            raise self._expired()
        deadline = now + self.config.request_timeout_s
        item_ids = [request_id] + [router.new_id() for _ in texts[1:]]
        futures = router.admit(item_ids, texts, deadline)
        try:
            async with asyncio.timeout(self.config.request_timeout_s if answer_by is None else answer_by - now):
                outcomes = [await futures[0]] if single else await asyncio.gather(*futures)
        except TimeoutError:
            router.cancel(item_ids)
            if answer_by is not None:
                raise self._expired() from None
            raise RequestError(504, f"no answer within {self.config.request_timeout_s:g} s") from None
        except asyncio.CancelledError:  # the client went away: skip it before compute
            router.cancel(item_ids)
            self.traffic.requests_by_status[499] += 1
            raise
        latency_ms = (time.perf_counter() - started) * 1000.0
        for status, payload in outcomes:
            if status != STATUS_OK:
                raise RequestError(status, payload, retry if status == 503 else None)
        answered = time.monotonic()
        if answer_by is not None and answered > answer_by:  # the answer came after a stall: too late
            raise self._expired()
        answers = ",".join(payload for _, payload in outcomes)
        field = f'"answer":{answers}' if single else f'"answers":[{answers}]'
        clock = f'"read_at":{began:.6f},"answered_at":{answered:.6f}'  # CLOCK_MONOTONIC: see the module docstring
        return json_response(200, f'{{"id":{request_id},{field},"latency_ms":{latency_ms:.2f},{clock}}}')

    def _target_refusal(self) -> CodedText | None:
        """Target mode: why a request arriving now is refused (``admission``), else None."""
        control = self.wiring.control
        if control.policy != "target":
            return None
        now, report = time.monotonic(), self.wiring.report
        backlog = Backlog.fitted(
            report.get("fit_a_ms"),
            report.get("fit_b_ms"),
            control.max_batch,
            self.wiring.replicas_ready(),
            len(self.router.pending),
            self.router.oldest_pending_s(now),
            report.get("admission_predicted_ms"),
        )
        return self.gate.refusal(now, control.target_p99_ms, backlog)

    def _began(self, request: web.Request, now: float) -> float:
        """When this request's first bytes were read (``time.monotonic()``; ``now`` if unknown)."""
        connection = self.guard.connection_of(request.protocol) if self.guard else None
        return min(connection.began, now) if connection is not None and connection.began else now

    def _answer_by(self, began: float, now: float) -> float | None:
        """Target mode: when this request's answer stops being worth sending (``admission`` rule 3)."""
        control = self.wiring.control
        if control.policy != "target":
            return None
        return self.gate.answer_by(began, now, control.target_p99_ms)

    def _expired(self) -> RequestError:
        reason = self.gate.expire(self.wiring.control.target_p99_ms)
        return RequestError(503, reason, {"Retry-After": str(self.config.retry_after_s)})

    def _door(self) -> asyncio.BaseProtocol:
        """A new connection's protocol: the guard's, behind target mode's door (``admission.DoorKeeper``)."""
        assert self.guard is not None
        inner = self.guard()
        if not isinstance(inner, GuardedConnection):
            return inner
        control = self.wiring.control
        return DoorKeeper(
            inner,
            lambda: control.policy_code == TARGET_CODE,
            self._target_refusal,
            lambda: self._record(503, time.perf_counter()),
            self.config.retry_after_s,
        )

    async def handle_health(self, request: web.Request) -> web.Response:
        ready = self.wiring.replicas_ready()
        state = "draining" if self.router.draining else "ok" if self.wiring.ready() else "starting"
        body = {
            "status": state,
            "replicas_ready": ready,
            "replicas": self.wiring.replicas.replicas,
            "inflight_items": len(self.router.pending),
            "backlog_items": len(self.router.backlog),
            "pid": os.getpid(),
        }
        if self.guard is not None:
            body.update(
                connections=self.guard.open_connections,
                head_timeouts=self.guard.head_timeouts,
                connections_refused=self.guard.refused,
                idle_connections_closed=self.guard.evicted,
            )
        return json_response(200 if state == "ok" else 503, json.dumps(body))

    async def handle_metrics(self, request: web.Request) -> web.Response:
        text = metrics.render(
            self.wiring.tally.merged(self.index, self.traffic),
            self.wiring.depths(),
            self.wiring.bounds(),
            {
                "inflight_items": len(self.router.pending),
                "backlog_items": len(self.router.backlog),
                "max_batch": self.wiring.control.max_batch,
                "max_delay_ms": self.wiring.control.max_delay_ms,
            },
            self.wiring.report.read(),
        )
        return web.Response(
            text=text, content_type="text/plain", charset="utf-8", headers={"X-Content-Type-Options": "nosniff"}
        )

    # -- bookkeeping ------------------------------------------------------------------------------------
    def _request_started(self, request: web.Request) -> None:
        connection = self.guard.connection_of(request.protocol) if self.guard else None
        if connection is not None:
            connection.mark_busy()

    def _request_ended(self, request: web.Request) -> None:
        connection = self.guard.connection_of(request.protocol) if self.guard else None
        if connection is not None:
            connection.mark_idle()

    def _record(self, status: int, started: float) -> None:
        seconds = time.perf_counter() - started
        self.traffic.requests_by_status[status] += 1
        if status == 200:
            self.traffic.latency.observe(seconds)
            self.recent_latency_ms.append((time.monotonic(), seconds * 1000.0))
        self.reporter.add(
            items_out=int(status == 200), errors=int(status >= 500 and status != 503), **{f"requests_{status}": 1}
        )

    def _on_batch(self, reason: str, size: int) -> None:
        if size == 0:  # another ingress's share of a batch: that ingress counts it
            return
        self.traffic.batches_by_reason[reason] += 1
        self.traffic.batch_size.observe(size)

    # -- status and drain --------------------------------------------------------------------------------
    def _report(self) -> None:
        now = time.monotonic()
        while self.recent_latency_ms and now - self.recent_latency_ms[0][0] > LATENCY_WINDOW_S:
            self.recent_latency_ms.popleft()
        rep = self.reporter
        values = np.fromiter((ms for _, ms in self.recent_latency_ms), dtype=float)
        percentiles = np.percentile(values, [50, 95, 99]) if len(values) else (0.0, 0.0, 0.0)
        for key, value in zip(("latency_p50_ms", "latency_p95_ms", "latency_p99_ms"), percentiles, strict=True):
            rep.set_counter(key, float(value))
        rep.set_counter("inflight_items", len(self.router.pending))
        for name, value in self.gate.figures(now, self.wiring.control.target_p99_ms).items():
            rep.set_counter(name, value)
        for reason, count in self.traffic.batches_by_reason.items():
            rep.set_counter(f"flush_{reason}", count)
        rep.set_queue(len(self.router.backlog), self.config.max_inflight_items)
        self.wiring.tally.publish(self.index, self.traffic)
        # An event loop has no "busy" span to time: its CPU time (all threads) is the honest measure.
        rep.busy_s = time.process_time()
        rep.tick()

    def _advance_drain(self) -> None:
        if not self.router.draining:
            return
        if self.router.backlog:
            self.router.schedule_dispatch()
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
        self.router.start_reader()
        control = self.wiring.control
        self.gate.lag.start(lambda: control.policy_code == TARGET_CODE)  # only target mode reads it
        config = self.config
        runner = web.AppRunner(
            self.app(), handler_cancellation=True, access_log=None, keepalive_timeout=config.keepalive_timeout_s
        )
        await runner.setup()
        assert runner.server is not None
        max_connections = room_for_connections(config.max_connections)
        if max_connections < config.max_connections:
            limits = dict(index=self.index, allowed=max_connections, wanted=config.max_connections)
            self.ctx.log_coded("warning", "ingress_connection_limit", **limits)
        self.guard = ConnectionGuard(
            runner.server, max_connections, config.header_timeout_s, config.keepalive_timeout_s
        )
        # The guard stands between the socket and aiohttp (aiohttp's sites take no protocol factory).
        # A deep accept backlog: under a burst of new connections a full one drops SYNs, and the
        # client's retransmission (1 s, 3 s, 7 s…) shows up as seconds of made-up latency.
        loop = asyncio.get_running_loop()
        if self.listener is not None:  # --ingress N without SO_REUSEPORT: the service's socket, shared
            server = await loop.create_server(self._door, sock=self.listener, backlog=LISTEN_BACKLOG)
        else:
            server = await loop.create_server(
                self._door, config.host, config.port, backlog=LISTEN_BACKLOG, reuse_port=config.ingress > 1
            )
        if config.defer_accept and not defer_accept(server.sockets, config.header_timeout_s):
            self.ctx.log_coded("info", "ingress_no_defer_accept", index=self.index)
        self.guard.start()
        # What exists now lives as long as the process: frozen, the full collections skip it (with 2,048
        # connections open, one stalled the loop for 90-125 ms of CPU, 36-93 ms frozen; issue 11).
        gc.collect()
        gc.freeze()
        where = dict(url=self.config.url, pid=os.getpid(), loop=event_loop.loop_name())
        self.ctx.log_coded("info", "ingress_listening", index=self.index, **where)
        drain_deadline = None
        try:
            while not self.finished.is_set():
                if not self.router.draining and self.ctx.stop_requested():
                    self.router.draining = True
                    drain_deadline = time.monotonic() + self.config.drain_timeout_s + 2.0
                if not parent_alive() or (drain_deadline is not None and time.monotonic() > drain_deadline):
                    break
                self._advance_drain()
                self._report()
                try:
                    await asyncio.wait_for(self.finished.wait(), STATUS_TICK_S)
                except TimeoutError:
                    pass
        finally:
            self.router.fail_all(503, "the service stopped before answering")
            await asyncio.sleep(0.05)  # let the handlers just answered write their responses
            self.guard.stop()
            server.close()
            await runner.cleanup()
            self.router.stop_reader()
            self.reporter.flush()


def ingress_role(config: PipelineConfig, index: int) -> str:
    """ "ingress" when there is one, "ingress-k" when there are several."""
    return "ingress" if config.ingress == 1 else f"ingress-{index}"


def ingress_main(
    ctx: JobContext,
    config: PipelineConfig,
    wiring: PipelineWiring,
    index: int = 0,
    listener: socket.socket | None = None,
) -> None:
    """Process target of ingress ``index`` (``listener``: the shared socket of the fallback, or None)."""
    stage_setup(ctx, ingress_role(config, index))
    event_loop.run(Ingress(ctx, config, wiring, index, listener).serve())
