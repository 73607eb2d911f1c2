"""B: the preprocess workers (text normalisation + featurisation), one process and one queue each.

Data flow::

    ingress ──[(id, text, deadline), …]──► preprocess_in[i] ──► worker i
        worker i: drop cancelled/expired items ─► fn(texts) ─► [(id, features, deadline), …]
              ──► receiver_in (shared, fan-in)       failures ──► results (500 for that chunk)

Before its first message a worker runs ``fn`` once on a sample text (``warm_up``), so what the
function builds on first use is not paid by the first request of a run. The default ``fn`` is the clean job's ``normalise_text_scalar`` plus the default model's hashed
n-grams, so the CPU work that parallelises runs here rather than in the single batcher. Any
``package.module:function`` taking a list of texts and returning a list of the same length can
replace it (``--preprocess``); its outputs are what the model's ``predict`` receives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.coded_errors import english
from engine.context import JobContext, parent_alive
from engine.pipeline.config import PipelineConfig
from engine.pipeline.hops import inbox_messages, live_items, put
from engine.pipeline.messages import STATUS_STAGE_FAILED, is_end
from engine.pipeline.model import featurise
from engine.pipeline.stage import PipelineWiring, load_callable, stage_setup
from engine.status import format_exception
from engine.textnorm import normalise_text_scalar


def normalise_and_featurise(texts: list[str]) -> list[tuple[str, bytes]]:
    """The default preprocess: (normalised text, hashed n-gram bytes) per text."""
    normalised = [normalise_text_scalar(t) for t in texts]
    return list(zip(normalised, featurise(normalised)))


def normalise_only(texts: list[str]) -> list[str]:
    """A preprocess for custom models that want the normalised text alone."""
    return [normalise_text_scalar(t) for t in texts]


#: What a worker preprocesses once before its first message (Chinese, Latin, digits and an emoji:
#: every path of the default normalisation).
WARM_UP_TEXTS = ("您好，请问这个还有货吗？Hello 123 😀",)


def warm_up(fn: Callable[[list[str]], list[Any]]) -> None:
    """Run ``fn`` once on ``WARM_UP_TEXTS`` before any request needs it.

    The default preprocess builds the emoji library's search tree on its first call (8-30 ms of
    CPU, measured), which made the first request of every run about three times slower than the
    next ones (issue 11); a plug-in may import or load things on first use too. A plug-in that
    fails here is not reported now: its first real chunk fails with the reason.
    """
    try:
        apply_preprocess(fn, list(WARM_UP_TEXTS))
    except Exception:  # noqa: BLE001 - see the docstring
        pass


def apply_preprocess(fn: Callable[[list[str]], list[Any]], texts: list[str]) -> list[Any]:
    """``fn(texts)``, checked to return one output per text."""
    outputs = fn(texts)
    if not isinstance(outputs, list) or len(outputs) != len(texts):
        got = len(outputs) if hasattr(outputs, "__len__") else type(outputs).__name__
        raise ValueError(f"preprocess returned {got} outputs for {len(texts)} texts")
    return outputs


def preprocess_main(ctx: JobContext, config: PipelineConfig, wiring: PipelineWiring, index: int) -> None:
    """Process target of preprocess worker ``index``; ends on END_OF_STREAM or when orphaned."""
    role = f"preprocess-{index}"
    stage_setup(ctx, role)
    fn = load_callable(config.preprocess)
    warm_up(fn)
    wiring.preprocess_warm[index] = 1  # /healthz says ok once every worker got here (and a replica)
    inbox = wiring.preprocess_in[index]
    slot = wiring.slots[role]
    cancels = wiring.cancel_board.reader()
    reporter = ctx.reporter("preprocess", str(index))
    chunk_no = 0
    label = english("label_preprocess", {})  # made once: said per message
    for message in inbox_messages(inbox, reporter, is_end):
        slot.set(item[0] for item in message)
        reporter.begin(label)
        live = live_items(message, cancels, reporter)
        chunk_no += 1
        if live:
            try:
                outputs = apply_preprocess(fn, [item[1] for item in live])
            except Exception as exc:  # a bad plug-in fails this chunk only
                reason, _ = format_exception(exc)
                outcomes = [(item[0], STATUS_STAGE_FAILED, f"preprocess failed: {reason}") for item in live]
                wiring.send_outcomes(role, chunk_no, "", 0.0, outcomes, parent_alive)
                reporter.add(errors=len(live))
            else:
                chunk = [(item[0], out, item[2]) for item, out in zip(live, outputs)]
                reporter.end()  # busy time is work, not waiting for room downstream (back-pressure)
                if put(wiring.receiver_in, chunk, parent_alive):
                    reporter.add(items_out=len(chunk))
        slot.clear()
        reporter.end()
    reporter.flush()
