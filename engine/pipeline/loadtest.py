"""Open-loop load generator: Poisson arrivals at a rate, independent of how fast answers come back.

Data flow::

    arrival clock (exponential gaps at rate R, R re-read every arrival — live from a slider)
        └─► if fewer than ``concurrency`` requests are open: POST {"text": …}
            else: counted as ``skipped_at_cap`` (open loop: arrivals never wait for answers)
    (a small keep-alive HTTP client, ``http_client``: aiohttp's would eat half the CPU it measures)
    each answer ─► status counts, latency (client side: from the write of the request to the last byte
                   of its answer), answer ids (duplicates counted)
    the generator's own lag (an arrival's due time → its request written) ─► ``client_lag_p99_ms``
        └─► StatusReporter "loadgen" snapshots (≤ 10/s) for the GUI; a LoadtestResult at the end

A closed loop (send, wait, send) would slow down with the server and hide queueing; an open loop
keeps offering the load, which is what real traffic does and what overload tests need.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from engine.coded_errors import CodedText, english, inner, inner_coded, inner_exception, inner_lines
from engine.context import JobContext
from engine.pipeline import event_loop
from engine.pipeline.gc_pause import frozen_heap
from engine.pipeline.http_client import KeepAliveClient
from engine.pipeline.load_tally import LatencySample, RecentIds, TimingSample
from engine.status import StatusReporter

LATENCY_WINDOW_S = 2.0
ARRIVAL_TICK_S = 0.001
#: Distinct error messages kept with their counts; any further kind is counted under "other errors".
MAX_ERROR_KINDS = 20
#: How long ``probe`` keeps trying to connect before it says nothing answers.
PROBE_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class LoadtestConfig:
    url: str
    rate_per_s: float
    duration_s: float  # 0 → until stopped
    concurrency: int = 256
    seed: int = 1
    timeout_s: float = 30.0
    demo_rows: int = 3000
    #: 1: ``{"text": …}`` requests; more: ``{"texts": [… n …]}`` (the batch API), n answers each.
    texts_per_request: int = 1
    #: Bearer token sent with every request (a service started with ``--token``).
    token: str | None = field(default=None, repr=False)
    #: Connections opened before the clock starts (``KeepAliveClient.preconnect``; 0: on demand).
    preconnect: int = 0


@dataclass(frozen=True)
class LoadtestResult:
    """What happened: counts by HTTP status (0 = connection error), latencies of 200s, throughput."""

    offered_rate_per_s: float
    duration_s: float
    sent: int
    answered: int
    skipped_at_cap: int
    by_status: Mapping[int, int] = field(default_factory=dict)
    throughput_per_s: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    #: p99 of the ``latency_ms`` the service reports (admission to answer): what the client saw
    #: beyond it was spent before the service's handler ran (kernel queues, HTTP parsing).
    server_p99_ms: float = 0.0
    #: p99 of the generator's own lag: from an arrival's due time to its request being written
    #: (a starved or slow generator shows here, not in the latencies, which start at the write).
    client_lag_p99_ms: float = 0.0
    #: Where accepted requests' time went (``load_tally.TimingSample.parts``): per part its name,
    #: p50, p99 and mean over the slowest 1 % (ms); empty when the answers carry no clock.
    timing_parts: tuple[tuple[str, float, float, float], ...] = ()
    duplicate_ids: int = 0
    wrong_answers: int = 0
    #: Each distinct error (HTTP status and the service's reason, or the connection error) and how
    #: often it happened, most frequent first.
    errors: tuple[tuple[str, int], ...] = ()
    texts_per_request: int = 1
    #: Each error's text as a code and params (engine/coded_errors.py), for a window's language; not
    #: part of ``as_dict`` (a report keeps the texts).
    error_codes: Mapping[str, tuple[str, Mapping[str, Any]]] = field(default_factory=dict, repr=False)

    @property
    def items_per_s(self) -> float:
        """Texts answered per second (requests answered × texts per request)."""
        return self.throughput_per_s * self.texts_per_request

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        del out["error_codes"]
        out["by_status"] = {str(k): v for k, v in self.by_status.items()}
        return out

    def lines(self) -> list[tuple[str, dict[str, Any]]]:
        """The summary's lines as (code, params) (engine/coded_errors.py): ``describe()`` in English,
        a window's log in its language."""
        counts = [
            ("load_conn_errors", {"count": v}) if k == 0 else ("load_status_count", {"http_status": k, "count": v})
            for k, v in sorted(self.by_status.items())
        ]
        skipped = inner_coded("skipped", "load_skipped", skipped=self.skipped_at_cap) if self.skipped_at_cap else {}
        offered = dict(rate=self.offered_rate_per_s, duration_s=self.duration_s, sent=self.sent)
        offered.update(inner_lines("statuses", counts, ", "))
        texts = self.items_per_s, self.texts_per_request
        per_text = inner_coded("texts", "load_texts", items=texts[0], per_request=texts[1]) if texts[1] > 1 else {}
        lines = [
            ("load_offered", {"answered": self.answered, "skipped": "", **offered, **skipped}),
            ("load_throughput", {"throughput": self.throughput_per_s, "texts": "", **per_text}),
        ]
        if self.by_status.get(200):
            latency = dict(p50=self.p50_ms, p95=self.p95_ms, p99=self.p99_ms, max=self.max_ms)
            lines.append(("load_latency", dict(server=self.server_p99_ms, lag=self.client_lag_p99_ms, **latency)))
        else:
            lines.append(("load_no_latency", {}))
        if self.duplicate_ids:
            lines.append(("load_duplicates", {"duplicates": self.duplicate_ids}))
        for text, count in self.errors:
            code, params = self.error_codes.get(text, ("", {}))
            lines.append(("load_error", {"count": count, **inner("error", text, code, params)}))
        return lines

    def describe(self) -> str:
        return "\n".join(english(code, params) for code, params in self.lines())


def demo_texts(rows: int = 3000, seed: int = 11) -> list[str]:
    """Customer messages from demo chat, raw (emoji, newlines and all: the service cleans them)."""
    from engine.demo.data import make_chat_frame

    frame = make_chat_frame(rows, seed)
    customer = frame[frame["是否客服"] == "否"]["消息内容"].dropna()
    texts = [str(t) for t in customer if str(t).strip()]
    return texts or ["你好"]


class LoadGenerator:
    """One load run; ``rate`` may be a shared value (``.value``) so a slider retunes it live."""

    def __init__(
        self,
        config: LoadtestConfig,
        texts: Sequence[str],
        reporter: StatusReporter | None = None,
        rate: Any = None,
        stop: Any = None,
        check_answer: Any = None,
    ) -> None:
        self.config = config
        self.texts = list(texts)
        self.reporter = reporter
        self.rate = rate
        self.stop = stop or (lambda: False)
        self.check_answer = check_answer
        self.rng = random.Random(config.seed)
        self.by_status: Counter[int] = Counter()
        self.latencies_ms = LatencySample(seed=config.seed)
        self.server_latencies_ms = LatencySample(seed=config.seed + 1)
        self.client_lag_ms = LatencySample(seed=config.seed + 2)
        self.timing = TimingSample(seed=config.seed + 3)
        self.recent: deque[tuple[float, float]] = deque(maxlen=100_000)
        self.ids = RecentIds(window_s=2 * config.timeout_s + 10.0)
        self.duplicates = 0
        self.wrong = 0
        self.sent = 0
        self.skipped = 0
        self.open = 0
        self.errors: Counter[str] = Counter()
        self.error_codes: dict[str, tuple[str, dict[str, Any]]] = {}

    def current_rate(self) -> float:
        return float(self.rate.value) if self.rate is not None else float(self.config.rate_per_s)

    def _request(self) -> tuple[bytes, list[str]]:
        n = self.config.texts_per_request
        texts = [self.texts[self.rng.randrange(len(self.texts))] for _ in range(n)]
        payload = {"text": texts[0]} if n == 1 else {"texts": texts}
        return json.dumps(payload).encode(), texts

    async def _one(self, client: KeepAliveClient, due: float, body: bytes, texts: list[str]) -> None:
        status = 0
        elapsed_s = 0.0
        try:
            status, body, sent_at, elapsed_s = await client.post(body, self.config.timeout_s)
            self.client_lag_ms.add(max(0.0, sent_at - due) * 1000.0)
            if status == 200:
                answer = json.loads(body)
                self.server_latencies_ms.add(float(answer.get("latency_ms", 0.0)))
                if "read_at" in answer:  # the service's clock: where this request's time went
                    self.timing.add(due, sent_at, answer["read_at"], answer["answered_at"], sent_at + elapsed_s)
                if self.ids.seen_before(answer["id"]):
                    self.duplicates += 1
                if len(answer.get("answers", [answer.get("answer")])) != len(texts):
                    self.wrong += 1
                elif len(texts) == 1 and self.check_answer is not None and not self.check_answer(texts[0], answer):
                    self.wrong += 1
            else:
                reason = inner("reason", *error_reason(body))  # said in a window's language by its code
                self._count_error(**inner_coded("text", "http_error", http_status=status, **reason))
        except (TimeoutError, OSError, ValueError) as exc:
            status = 0
            self._count_error(**inner_exception("text", type(exc).__name__, str(exc)))
        finally:
            self.open -= 1
        elapsed_ms = elapsed_s * 1000.0
        self.by_status[status] += 1
        if status == 200:
            self.latencies_ms.add(elapsed_ms)
            self.recent.append((time.monotonic(), elapsed_ms))

    def _count_error(self, text: str, text_code: str, text_params: dict[str, Any]) -> None:
        """Count the error ``text`` (said by ``text_code`` with ``text_params``: ``inner("text", …)``)."""
        if text not in self.errors and len(self.errors) >= MAX_ERROR_KINDS:
            text, text_code, text_params = english("load_other_errors", {}), "load_other_errors", {}
        self.errors[text] += 1
        self.error_codes.setdefault(text, (text_code, text_params))

    def _report(self, started: float) -> None:
        if self.reporter is None:
            return
        now = time.monotonic()
        while self.recent and now - self.recent[0][0] > LATENCY_WINDOW_S:
            self.recent.popleft()
        rep = self.reporter
        rep.items_in = self.sent
        rep.items_out = self.by_status.get(200, 0)
        rep.errors = sum(v for k, v in self.by_status.items() if k != 200)
        for status, count in self.by_status.items():
            rep.set_counter(f"status_{status}", count)
        rep.set_counter("skipped_at_cap", self.skipped)
        rep.set_counter("open_requests", self.open)
        rep.set_counter("rate_per_s", self.current_rate())
        if self.recent:
            p50, p95, p99 = np.percentile([ms for _, ms in self.recent], [50, 95, 99])
            rep.set_counter("latency_p50_ms", float(p50))
            rep.set_counter("latency_p95_ms", float(p95))
            rep.set_counter("latency_p99_ms", float(p99))
        rep.set_counter("elapsed_s", now - started)
        rep.tick()

    async def run(self) -> LoadtestResult:
        config = self.config
        tasks: set[asyncio.Task] = set()
        client = KeepAliveClient(config.url, limit=config.concurrency, token=config.token)
        if config.preconnect:
            await client.preconnect(config.preconnect, config.timeout_s)
        # Frozen: a full collection would stall this loop and read as the service's latency (gc_pause).
        with frozen_heap():
            started = time.monotonic()
            try:
                await self._send_arrivals(client, tasks, started)
                sent_for_s = time.monotonic() - started
                if tasks:
                    await asyncio.wait(tasks, timeout=config.timeout_s + 1.0)
                for task in tasks:
                    task.cancel()
            finally:
                client.close()
        self._report(started)
        if self.reporter is not None:
            self.reporter.flush()
        return self.result(sent_for_s)

    async def _send_arrivals(self, client: KeepAliveClient, tasks: set[asyncio.Task], started: float) -> None:
        """Send a request at each Poisson arrival (at ``current_rate()``) until the duration ends or
        ``stop()``; each request's task goes into ``tasks`` until it is done."""
        config = self.config
        end = started + config.duration_s if config.duration_s > 0 else float("inf")
        next_arrival = started
        last_report = 0.0
        while not self.stop():
            now = time.monotonic()
            if now >= end:
                return
            rate = self.current_rate()
            if rate <= 0:
                next_arrival = now + 0.05
                await asyncio.sleep(0.05)
                self._report(started)
                continue
            while next_arrival <= now:
                if self.open < config.concurrency:
                    self.open += 1
                    self.sent += 1
                    task = asyncio.create_task(self._one(client, next_arrival, *self._request()))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                else:
                    self.skipped += 1
                next_arrival += self.rng.expovariate(rate)
            if now - last_report >= 0.1:
                self._report(started)
                last_report = now
            # Wake at most once a millisecond and send every arrival that fell due: a timer per
            # arrival would cost the client as much CPU as the requests at thousands per second.
            await asyncio.sleep(max(ARRIVAL_TICK_S, min(next_arrival, end) - time.monotonic()))

    def result(self, duration_s: float) -> LoadtestResult:
        p50, p95, p99 = self.latencies_ms.percentiles(50, 95, 99)
        ok = self.by_status.get(200, 0)
        return LoadtestResult(
            offered_rate_per_s=self.current_rate(),
            duration_s=duration_s,
            sent=self.sent,
            answered=sum(self.by_status.values()),
            skipped_at_cap=self.skipped,
            by_status=dict(self.by_status),
            throughput_per_s=ok / duration_s if duration_s > 0 else 0.0,
            p50_ms=p50,
            p95_ms=p95,
            p99_ms=p99,
            max_ms=self.latencies_ms.max,
            server_p99_ms=self.server_latencies_ms.percentiles(99)[0],
            client_lag_p99_ms=self.client_lag_ms.percentiles(99)[0],
            timing_parts=self.timing.parts(),
            duplicate_ids=self.duplicates,
            wrong_answers=self.wrong,
            errors=tuple(self.errors.most_common()),
            texts_per_request=self.config.texts_per_request,
            error_codes=dict(self.error_codes),
        )


def error_reason(body: bytes) -> tuple[str, str, dict[str, Any]]:
    """The service's reason from an error body: its ``error`` field (the same for every request
    refused the same way, unlike the request id beside it) with its ``code`` and ``params`` when
    coded (``engine.coded_errors.CodedText.read``), else ("", {}); or the body's start."""
    try:
        payload = json.loads(body)
        reason = payload.get("error")
    except (ValueError, AttributeError):
        payload, reason = {}, None
    if not reason:
        return body[:200].decode("utf-8", "replace"), "", {}
    coded = CodedText.read(payload)
    return (str(reason), coded.code, coded.params) if coded is not None else (str(reason), "", {})


async def probe(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> str | None:
    """None when something accepts connections at ``url``'s host and port within ``timeout_s``,
    else why not (refused, unreachable, no answer): a load test of nothing should end at once."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    deadline = time.monotonic() + timeout_s
    problem = "no answer"
    while time.monotonic() < deadline:
        try:
            left = max(0.1, deadline - time.monotonic())
            _, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, parts.port or 80), left)
            writer.close()
            return None
        except (TimeoutError, OSError) as exc:
            problem = str(exc) or type(exc).__name__
            await asyncio.sleep(0.25)
    return problem


def run_loadtest(
    config: LoadtestConfig,
    texts: Sequence[str] | None = None,
    reporter: StatusReporter | None = None,
    rate: Any = None,
    stop: Any = None,
) -> LoadtestResult:
    """Run one load test in this process (the CLI and the benchmark)."""
    texts = list(texts) if texts else demo_texts(config.demo_rows, config.seed)
    return event_loop.run(LoadGenerator(config, texts, reporter, rate, stop).run())


def loadtest_job(config: LoadtestConfig, ctx: JobContext, rate: Any = None) -> Mapping[str, Any]:
    """Job function (GUI: a JobRun in its own process); ``rate`` a shared value for the slider."""
    ctx.announce("loadgen")
    reporter = ctx.reporter("loadgen", "0")
    result = run_loadtest(config, None, reporter, rate, ctx.stop_requested)
    lines = [[code, params] for code, params in result.lines()]
    ctx.log_coded("info", "load_test", result=result.describe().replace("\n", "; "), result_lines=lines)
    return result.as_dict()
