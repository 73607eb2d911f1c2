"""Sizes and limits of one run of the inference service (a frozen dataclass, picklable as-is)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_MODEL = "engine.pipeline.model:build_model"
DEFAULT_PREPROCESS = "engine.pipeline.preprocess:normalise_and_featurise"

#: Hard upper bound of ``max_batch`` (live retuning included): it sizes the holding slots.
MAX_BATCH_LIMIT = 1024
#: Items per list sent between stages (the ingress cuts larger groups).
CHUNK_ITEMS = 64
#: ``{"texts": [...]}`` accepts at most this many texts.
MAX_TEXTS_PER_REQUEST = 64
#: Batching policies (``--batching``), in the order of the code ``BatchControl`` stores; see ``batcher``.
POLICIES = ("fixed", "idle", "target")
#: Item ids carry the ingress index in 4 bits (``stage.first_item_id``).
MAX_INGRESS = 16
#: Environment variable read for the bearer token when ``--token`` is not given.
TOKEN_ENV = "MPWATCH_TOKEN"


def _default_workers() -> int:
    return max(1, min(4, (os.cpu_count() or 2) // 2))


@dataclass(frozen=True)
class PipelineConfig:
    """Everything a run needs; the defaults suit a small machine and loopback traffic."""

    host: str = "127.0.0.1"
    port: int = 8000
    preprocess_workers: int = _default_workers()
    receivers: int = 1
    replicas: int = 1
    max_batch: int = 128
    max_delay_ms: float = 1000.0
    batching: str = "idle"
    target_p99_ms: float = 100.0
    ingress: int = 1
    model: str = DEFAULT_MODEL
    preprocess: str = DEFAULT_PREPROCESS
    index_dir: str | None = None
    demo_rows: int = 20_000
    # Limits of the network module.
    max_body_bytes: int = 64 * 1024
    max_inflight_items: int = 2048
    request_timeout_s: float = 10.0
    retry_after_s: int = 1
    # Hostile clients (see ``connection_guard``): a request head must arrive within header_timeout_s
    # of its first byte (or of connecting), a body within body_timeout_s; an idle keep-alive
    # connection is closed after keepalive_timeout_s; at most max_connections are open per ingress.
    header_timeout_s: float = 10.0
    body_timeout_s: float = 10.0
    keepalive_timeout_s: float = 15.0
    max_connections: int = 4096
    #: Linux: the kernel hands a connection to the ingress only once it has sent data (or after about
    #: header_timeout_s), so connections that send nothing cost the service no work.
    defer_accept: bool = True
    #: Bearer token required on /v1/predict and /metrics (None: no authentication). Not in repr:
    #: configs are logged and echoed.
    token: str | None = field(default=None, repr=False)
    # Bounds of the hops, in messages (each message is a list of up to CHUNK_ITEMS items).
    preprocess_queue_chunks: int = 16
    receiver_queue_chunks: int = 32
    batcher_queue_chunks: int = 32
    predictor_queue_batches: int = 4
    results_queue_batches: int = 256
    drain_timeout_s: float = 3.0

    def __post_init__(self) -> None:
        if not 1 <= self.max_batch <= MAX_BATCH_LIMIT:
            raise ValueError(f"max_batch must be between 1 and {MAX_BATCH_LIMIT}, got {self.max_batch}")
        if self.max_delay_ms < 0:
            raise ValueError(f"max_delay_ms must be ≥ 0, got {self.max_delay_ms}")
        if self.batching not in POLICIES:
            raise ValueError(f"batching must be one of {', '.join(POLICIES)}, got {self.batching!r}")
        if not self.target_p99_ms > 0:
            raise ValueError(f"target_p99_ms must be > 0, got {self.target_p99_ms}")
        if not 1 <= self.ingress <= MAX_INGRESS:
            raise ValueError(f"ingress must be between 1 and {MAX_INGRESS}, got {self.ingress}")
        for name in ("preprocess_workers", "receivers", "replicas"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be ≥ 1, got {getattr(self, name)}")
        for name in ("header_timeout_s", "body_timeout_s", "keepalive_timeout_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.max_connections < 1:
            raise ValueError(f"max_connections must be ≥ 1, got {self.max_connections}")
        if self.token is not None and not self.token.strip():
            raise ValueError("the token is empty")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {self.port}")

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine."""
    import ipaddress

    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_problem(config: PipelineConfig, allow_unauthenticated: bool = False) -> str | None:
    """Why serving ``config`` would be unsafe, or None: a non-loopback address without a token lets
    anyone who reaches the machine use the model. Every front end (CLI, GUI) asks this before starting."""
    if is_loopback(config.host) or config.token or allow_unauthenticated:
        return None
    return (
        f"binding {config.host} would let anyone who reaches this machine use the service: give a token "
        f"(--token or {TOKEN_ENV}; clients then send 'Authorization: Bearer TOKEN'), or pass "
        "--allow-unauthenticated if the network is trusted"
    )
