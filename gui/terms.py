"""The engine's words as a person reads them, in the current UI language.

The engine names things with stable keys (drop reasons ``missing_value``, flush reasons ``idle``,
units ``rows``, worker states ``busy``); reports and tests rely on those keys, so they never change.
Views show ``term(key)`` instead: the key's English text through the translator (context
``Terms``), or the key itself when it has no entry (a new reason still shows, untranslated).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

TERMS = {
    # clean: drop reasons (engine.clean.config.DropReason), short forms for chart axes
    "missing_value": QT_TRANSLATE_NOOP("Terms", "missing value"),
    "unknown_role": QT_TRANSLATE_NOOP("Terms", "unknown role"),
    "system_message": QT_TRANSLATE_NOOP("Terms", "system message"),
    "empty_after_clean": QT_TRANSLATE_NOOP("Terms", "empty after clean"),
    "too_short": QT_TRANSLATE_NOOP("Terms", "too short"),
    "too_long_for_xlsx": QT_TRANSLATE_NOOP("Terms", "too long for xlsx"),
    "duplicate": QT_TRANSLATE_NOOP("Terms", "duplicate"),
    "duplicate_in_run": QT_TRANSLATE_NOOP("Terms", "duplicate in run"),
    "short_dialogue": QT_TRANSLATE_NOOP("Terms", "short dialogue"),
    "empty": QT_TRANSLATE_NOOP("Terms", "empty"),
    # units of progress bars
    "rows": QT_TRANSLATE_NOOP("Terms", "rows"),
    "rows written": QT_TRANSLATE_NOOP("Terms", "rows written"),
    "files": QT_TRANSLATE_NOOP("Terms", "files"),
    "items": QT_TRANSLATE_NOOP("Terms", "items"),
    "it": QT_TRANSLATE_NOOP("Terms", "it"),
    # clean phases
    "cleaning": QT_TRANSLATE_NOOP("Terms", "cleaning"),
    "writing": QT_TRANSLATE_NOOP("Terms", "writing"),
    # worker and process states
    "busy": QT_TRANSLATE_NOOP("Terms", "busy"),
    "idle": QT_TRANSLATE_NOOP("Terms", "idle"),
    "died": QT_TRANSLATE_NOOP("Terms", "died"),
    "exited": QT_TRANSLATE_NOOP("Terms", "exited"),
    "running": QT_TRANSLATE_NOOP("Terms", "running"),
    # file table status
    "ok": QT_TRANSLATE_NOOP("Terms", "ok"),
    "failed": QT_TRANSLATE_NOOP("Terms", "failed"),
    # pipeline: batcher flush reasons (engine.pipeline.progress.FLUSH_REASONS)
    "size": QT_TRANSLATE_NOOP("Terms", "size"),
    "deadline": QT_TRANSLATE_NOOP("Terms", "deadline"),
    "shed": QT_TRANSLATE_NOOP("Terms", "shed"),
    "shutdown": QT_TRANSLATE_NOOP("Terms", "shutdown"),
    # pipeline stages (as they name themselves in snapshots)
    "ingress": QT_TRANSLATE_NOOP("Terms", "A ingress"),
    "preprocess": QT_TRANSLATE_NOOP("Terms", "B preprocess"),
    "receiver": QT_TRANSLATE_NOOP("Terms", "C receivers"),
    "batcher": QT_TRANSLATE_NOOP("Terms", "batcher"),
    "predictor": QT_TRANSLATE_NOOP("Terms", "predictor"),
    "conn error": QT_TRANSLATE_NOOP("Terms", "conn error"),
    # chart series (as the engine's progress trackers name them)
    "read + cleaned": QT_TRANSLATE_NOOP("Terms", "read + cleaned"),
    "written": QT_TRANSLATE_NOOP("Terms", "written"),
    "rows/s": QT_TRANSLATE_NOOP("Terms", "rows/s"),
    "std lines/s": QT_TRANSLATE_NOOP("Terms", "std lines/s"),
    "mmi lines/s": QT_TRANSLATE_NOOP("Terms", "mmi lines/s"),
    "depth": QT_TRANSLATE_NOOP("Terms", "depth"),
    "bound": QT_TRANSLATE_NOOP("Terms", "bound"),
    "mean batch": QT_TRANSLATE_NOOP("Terms", "mean batch"),
    "max batch": QT_TRANSLATE_NOOP("Terms", "max batch"),
}


def term(key: str) -> str:
    """``key``'s text in the current language (the key itself when it is not a known term)."""
    source = TERMS.get(key)
    return QCoreApplication.translate("Terms", source) if source else key


# The engine's process roles (``ProcessStarted.role``, a worker's name): a kind, then an optional
# number ("writer 1", "predictor-0") or, for a Dask worker, its address ("dask worker tcp://…"). The
# English text is the engine's own word (tests and logs know the processes by it).
ROLES = {
    "coordinator": QT_TRANSLATE_NOOP("Roles", "coordinator"),
    "worker": QT_TRANSLATE_NOOP("Roles", "worker"),
    "clean": QT_TRANSLATE_NOOP("Roles", "clean"),
    "writer": QT_TRANSLATE_NOOP("Roles", "writer"),
    "reader": QT_TRANSLATE_NOOP("Roles", "reader"),
    "mmi-writer": QT_TRANSLATE_NOOP("Roles", "mmi-writer"),
    "ingress": QT_TRANSLATE_NOOP("Roles", "ingress"),
    "preprocess": QT_TRANSLATE_NOOP("Roles", "preprocess"),
    "batcher": QT_TRANSLATE_NOOP("Roles", "batcher"),
    "predictor": QT_TRANSLATE_NOOP("Roles", "predictor"),
    "receiver": QT_TRANSLATE_NOOP("Roles", "receiver"),
    "loadgen": QT_TRANSLATE_NOOP("Roles", "loadgen"),
    "dask worker": QT_TRANSLATE_NOOP("Roles", "dask worker"),
}
_ROLE_SHAPE = re.compile(r"(?P<kind>dask worker|[a-z-]+?)(?P<rest>(?:[ -]\d+)?|(?: .+)?)")


def process_role(role: str) -> str:
    """``role`` in the current language: its kind translated, its number or address kept
    ("writer 1" → "写入进程 1"); an unknown role is shown as it is."""
    match = _ROLE_SHAPE.fullmatch(role)
    source = ROLES.get(match["kind"]) if match else None
    if source is None:
        return role
    return QCoreApplication.translate("Roles", source) + match["rest"]
