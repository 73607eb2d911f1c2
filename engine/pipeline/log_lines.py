"""The pipeline service's log lines by code (engine/coded_errors.py): the params of the lines whose
English text has an optional or a named part, said as a message inside the line (``inner``) so that a
window translates that part too."""

from __future__ import annotations

from typing import Any

from engine.coded_errors import inner_coded
from engine.pipeline.config import PipelineConfig


def lock_params(lock: str) -> dict[str, Any]:
    """``lock``: a queue lock's name ("writer lock", as ``CountingQueue.release_orphaned_locks`` says it)."""
    return inner_coded("lock", lock.replace(" ", "_"))


def model_ready_params(size: int | None) -> dict[str, Any]:
    """``size``: " (N indexed pairs)" for a model that has a length, empty for one without."""
    return inner_coded("size", "model_size", size=size) if size is not None else {"size": ""}


def starting_params(config: PipelineConfig) -> dict[str, Any]:
    """The params of "pipeline starting: …" (its policy by name, its target p99 only in target mode)."""
    if config.batching == "target":
        target = inner_coded("target", "target_p99", target_p99_ms=config.target_p99_ms)
    else:
        target = {"target": ""}
    return dict(
        ingress=config.ingress,
        preprocess=config.preprocess_workers,
        receivers=config.receivers,
        replicas=config.replicas,
        max_batch=config.max_batch,
        max_delay_ms=config.max_delay_ms,
        url=config.url,
        **inner_coded("batching", f"batching_{config.batching}"),
        **target,
    )
