"""C: the receivers, fanning the preprocess workers' output in to the one batcher.

Data flow::

    preprocess 0..n ──► receiver_in (shared) ──► receiver k ──► batcher_in ──► batcher
                                 receiver k drops items already cancelled or past their deadline

A receiver is where the service sheds work that can no longer be answered in time: a request
whose client left or whose timeout passed is not batched, so overload spends compute only on
requests that still have a caller.
"""

from __future__ import annotations

from engine.coded_errors import english
from engine.context import JobContext, parent_alive
from engine.pipeline.config import PipelineConfig
from engine.pipeline.hops import inbox_messages, live_items, put
from engine.pipeline.messages import is_end
from engine.pipeline.stage import PipelineWiring, stage_setup


def receiver_main(ctx: JobContext, config: PipelineConfig, wiring: PipelineWiring, index: int) -> None:
    """Process target of receiver ``index``; ends on END_OF_STREAM or when orphaned."""
    role = f"receiver-{index}"
    stage_setup(ctx, role)
    inbox = wiring.receiver_in
    slot = wiring.slots[role]
    cancels = wiring.cancel_board.reader()
    reporter = ctx.reporter("receiver", str(index))
    label = english("label_relay", {})  # made once: said per message
    for message in inbox_messages(inbox, reporter, is_end):
        slot.set(item[0] for item in message)
        reporter.begin(label)
        live = live_items(message, cancels, reporter)
        reporter.end()  # busy time is work, not waiting for room downstream (back-pressure)
        if live and put(wiring.batcher_in, live, parent_alive):
            reporter.add(items_out=len(live))
        slot.clear()
    reporter.flush()
