"""Test models and a harness for the pipeline tests (importable by the spawn children)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from engine.context import SPAWN, JobContext, StopFlag
from engine.pipeline.config import PipelineConfig
from engine.pipeline.service import PipelineService
from engine.status import Snapshot


# --- models (factories named in --model) -----------------------------------------------------------
class EchoModel:
    """Answers each input with itself, so a test can check every answer belongs to its request."""

    def predict(self, batch: list) -> list:
        return [{"echo": item} for item in batch]


class FaultyModel:
    """Echo, except: "boom" raises, "short" answers one item too few, "slow:S" holds the batch S s."""

    def predict(self, batch: list) -> list:
        texts = [str(item) for item in batch]
        for text in texts:
            if text.startswith("slow:"):
                time.sleep(float(text.split(":", 1)[1]))  # a slow model holding its batch (test fixture)
        if any("boom" in t for t in texts):
            raise ValueError("boom in the batch")
        answers = [{"echo": t} for t in texts]
        return answers[:-1] if any("short" in t for t in texts) else answers


def echo_model() -> EchoModel:
    return EchoModel()


# --- preprocess plug-ins (named in --preprocess) -------------------------------------------------------
#: How long ``cold_start_preprocess`` takes on its first call in a process.
COLD_START_S = 1.5
_cold = [True]


def cold_start_preprocess(texts: list[str]) -> list[str]:
    """Texts unchanged, except that the first call in a process takes ``COLD_START_S`` (a plug-in
    that loads a vocabulary or a framework on first use; the warm-up must pay it, not a request)."""
    if _cold[0]:
        time.sleep(COLD_START_S)  # the load on first use (test fixture)
        _cold[0] = False
    return list(texts)


def faulty_model() -> FaultyModel:
    return FaultyModel()


#: ``running_service(model=FAULTY_MODEL)``: the service loads ``faulty_model`` above.
FAULTY_MODEL = "tests.pipeline_support:faulty_model"


# --- HTTP helpers -------------------------------------------------------------------------------------
@dataclass
class Reply:
    status: int
    body: dict
    headers: dict = field(default_factory=dict)
    seconds: float = 0.0


def post(url: str, payload: Any = None, raw: bytes | None = None, timeout: float = 30.0) -> Reply:
    data = raw if raw is not None else json.dumps(payload).encode()
    request = urllib.request.Request(
        url + "/v1/predict", data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(
                response.status, json.loads(response.read()), dict(response.headers), time.monotonic() - started
            )
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = {"raw": body.decode("utf-8", "replace")}
        return Reply(exc.code, parsed, dict(exc.headers), time.monotonic() - started)


class PostInThread:
    """A POST sent from a thread of its own: the test goes on (kills a stage, retunes, stops the
    service) while the service holds the request, then takes the reply with ``wait``."""

    def __init__(self, url: str, payload: Any) -> None:
        self.reply: Reply | None = None
        self._thread = threading.Thread(target=self._send, args=(url, payload), daemon=True)
        self._thread.start()

    def _send(self, url: str, payload: Any) -> None:
        self.reply = post(url, payload)

    def wait(self, timeout: float) -> Reply:
        """The reply; fails the test when none came within ``timeout`` seconds."""
        self._thread.join(timeout)
        assert self.reply is not None, f"no reply within {timeout} s"
        return self.reply


def get(url: str, path: str, timeout: float = 10.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url + path, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def post_many(url: str, payloads: list[Any], concurrency: int = 200, timeout: float = 60.0) -> list[Reply]:
    """POST every payload with up to ``concurrency`` open at once; replies in payload order."""
    import aiohttp

    async def run() -> list[Reply]:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as s:

            async def one(payload: Any) -> Reply:
                async with s.post(url + "/v1/predict", json=payload) as response:
                    return Reply(response.status, await response.json(content_type=None), dict(response.headers))

            return list(await asyncio.gather(*(one(p) for p in payloads)))

    return asyncio.run(run())


# --- a running service in this process ----------------------------------------------------------------
@dataclass
class RunningService:
    service: PipelineService
    events: list = field(default_factory=list)
    snapshots: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.service.url

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return False

    def wait_until_holding(self, role: str, timeout: float = 20.0) -> None:
        """Until stage process ``role`` ("predictor-0", "batcher") holds items: a request sent before
        is inside the service now, not on its way (fails the test after ``timeout`` seconds)."""
        slot = self.service.wiring.slots[role]
        assert self.wait_for(lambda: slot.read(), timeout), f"{role} held nothing within {timeout} s"


def _drain(status_queue: Any, running: RunningService) -> None:
    while True:
        try:
            message = status_queue.get_nowait()
        except Exception:
            return
        if isinstance(message, Snapshot):
            running.snapshots[(message.stage, message.worker)] = message
        else:
            running.events.append(message)


@contextmanager
def running_service(**overrides: Any) -> Iterator[RunningService]:
    """Start the service (owner loop in a thread of this process); stop it and drain at exit."""
    settings = dict(
        port=0,
        preprocess_workers=1,
        receivers=1,
        replicas=1,
        max_delay_ms=20.0,
        model="tests.pipeline_support:echo_model",
        preprocess="engine.pipeline.preprocess:normalise_only",
    )
    settings.update(overrides)
    config = PipelineConfig(**settings)
    status_queue = SPAWN.Queue(50_000)
    ctx = JobContext("pipeline-test", status_queue, StopFlag())
    service = PipelineService(config, ctx)
    running = RunningService(service)
    polling = threading.Event()
    polling.set()
    errors: list[BaseException] = []

    def owner_loop() -> None:
        while polling.is_set():
            try:
                service.poll(0.05)
            except BaseException as exc:  # surfaced by the test at exit
                errors.append(exc)
                return
            _drain(status_queue, running)

    service.start()
    thread = threading.Thread(target=owner_loop, name="service-owner", daemon=True)
    thread.start()
    try:
        ready = running.wait_for(
            lambda: get(service.url, "/healthz")[0] == 200 if _listening(service) else False, timeout=60.0
        )
        assert ready, "service did not become ready within 60 s"
        yield running
    finally:
        polling.clear()
        thread.join(timeout=10)
        service.stop()
        _drain(status_queue, running)
        assert not errors, errors


def _listening(service: PipelineService) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((service.config.host, service.config.port)) == 0
