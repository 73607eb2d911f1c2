"""Names a clean run gives its outputs and its files: shared by the job, the window and the tests,
and light to import (no pool, no readers)."""

from __future__ import annotations

from pathlib import Path


def segment_name(first: int, last: int, out_format: str) -> str:
    """Output file of the segment holding input files ``first``..``last`` (0-based indexes into the sorted input list)."""
    return f"clean_{first:05d}-{last:05d}.{out_format}"


def file_label(index: int, path: Path) -> str:
    return f"#{index + 1} {path.name}"
