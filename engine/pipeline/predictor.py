"""The predictor replicas: the model is built here, inside its own process, and runs batches.

Data flow::

    batcher ──("batch", id, reason, [(item_id, features, deadline), …])──► predictor_in (shared)
        replica j: drop cancelled items ─► model.predict([features…]) ─► answers as JSON text
              ──("result", …, [(item_id, 200, answer_json)])──► results ──► ingress
        an exception or a wrong-length answer: every item of that batch gets (500, reason);
        the loop goes on.
    ReplicaBoard: busy while it holds a batch; free (and a wake-up to the batcher) once the model is
    done, with the batch's size, compute time and latency for the batcher's service-time fit.

Answers are encoded to JSON here, in parallel across replicas, so a model answer that JSON cannot
express fails its own batch with a clear reason instead of surfacing later in the network module.
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Callable
from typing import Any

from engine.coded_errors import english
from engine.context import JobContext, parent_alive
from engine.pipeline.config import PipelineConfig
from engine.pipeline.hops import inbox_messages
from engine.pipeline.log_lines import model_ready_params
from engine.pipeline.messages import STATUS_OK, STATUS_STAGE_FAILED, is_end
from engine.pipeline.stage import PipelineWiring, load_callable, stage_setup
from engine.status import format_exception


def build_model_from_spec(config: PipelineConfig) -> Any:
    """Call the ``--model`` factory, handing it the options it declares (index_dir, demo_rows)."""
    factory: Callable[..., Any] = load_callable(config.model)
    options = {"index_dir": config.index_dir, "demo_rows": config.demo_rows}
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        params = {}
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    kwargs = {k: v for k, v in options.items() if accepts_any or k in params}
    model = factory(**kwargs)
    if not callable(getattr(model, "predict", None)):
        raise TypeError(f"{config.model} returned {type(model).__name__}, which has no predict(batch) method")
    return model


def run_batch(model: Any, inputs: list[Any]) -> list[tuple[int, str]]:
    """(status, payload) per input: the JSON answer, or the batch's failure reason for every item."""
    try:
        answers = model.predict(inputs)
        if answers is None or not hasattr(answers, "__len__") or len(answers) != len(inputs):
            got = len(answers) if hasattr(answers, "__len__") else type(answers).__name__
            raise ValueError(f"model returned {got} answers for a batch of {len(inputs)}")
        encoded = [json.dumps(answer, ensure_ascii=False) for answer in answers]
    except Exception as exc:
        reason, _ = format_exception(exc)
        return [(STATUS_STAGE_FAILED, f"model failed on this batch: {reason}")] * len(inputs)
    return [(STATUS_OK, text) for text in encoded]


def predictor_main(ctx: JobContext, config: PipelineConfig, wiring: PipelineWiring, index: int) -> None:
    """Process target of predictor replica ``index``; ends on END_OF_STREAM or when orphaned."""
    role = f"predictor-{index}"
    stage_setup(ctx, role)
    reporter = ctx.reporter("predictor", str(index))
    reporter.begin(english("label_model_build", {}))
    started = time.perf_counter()
    try:
        model = build_model_from_spec(config)
    except Exception as exc:
        reason, tb = format_exception(exc)
        ctx.log_coded("error", "model_build_failed", worker=role, model=config.model, reason=reason, traceback=tb)
        raise
    wiring.replicas.ready[index] = 1
    reporter.set_counter("model_build_s", time.perf_counter() - started)
    reporter.end()
    size = len(model) if hasattr(model, "__len__") else None
    seconds = time.perf_counter() - started
    ctx.log_coded("info", "model_ready", worker=role, model=config.model, seconds=seconds, **model_ready_params(size))
    inbox = wiring.predictor_in
    slot = wiring.slots[role]
    cancels = wiring.cancel_board.reader()
    board = wiring.replicas
    timeout_s = config.request_timeout_s
    for message in inbox_messages(inbox, reporter, is_end):
        _, batch_id, reason, items = message
        board.start(index, len(items))
        slot.set(item[0] for item in items)
        reporter.begin(english("label_batch", {"n": len(items)}))
        cancels.refresh()
        live = [item for item in items if not cancels.is_cancelled(item[0])]
        reporter.add(items_in=len(items), drops_cancelled=len(items) - len(live))
        if live:
            compute_started = time.perf_counter()
            statuses = run_batch(model, [item[1] for item in live])
            compute_s = time.perf_counter() - compute_started
            outcomes = [(item[0], status, payload) for item, (status, payload) in zip(live, statuses)]
            failed = sum(1 for status, _ in statuses if status != STATUS_OK)
            reporter.end()  # busy time is the model's, not waiting for the results queue
            # Free before the answers travel: the batcher forms the next batch meanwhile.
            board.finish(index, len(live), compute_s, time.monotonic() - (live[0][2] - timeout_s))
            wiring.send_outcomes(role, batch_id, reason, compute_s, outcomes, parent_alive)
            reporter.add(
                items_out=len(live) - failed, errors=failed, batches=1, compute_s=compute_s, batch_items=len(live)
            )
            reporter.set_counter("last_batch_size", len(live))
        else:
            board.finish(index, 0, 0.0, 0.0)
        slot.clear()
        reporter.end()
    reporter.flush()
