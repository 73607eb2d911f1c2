"""The clean job (issue 3): parallel cleaning of chat-log exports into segments, nothing lost.

Modules, one job each: ``config`` (what to do), ``inputs`` (which files), ``readers`` (one file →
frame, or the reason it cannot be read), ``rules`` (which rows stay and why the others went),
``writers`` (segment files), ``worker`` (pool tasks), ``dedupe`` (run-wide duplicates),
``report`` (report.json), ``job`` (the coordinator, ``run_clean``).
"""

from engine.clean.config import CleanConfig, CleanRules, ColumnMap, DropReason
from engine.clean.job import run_clean

__all__ = ["CleanConfig", "CleanRules", "ColumnMap", "DropReason", "run_clean"]
