"""``--resume``: may this output folder be continued with these settings?

Kept apart from the job (and light to import) because the CLI and the GUI ask it before any
process starts, to refuse a mismatch with one clear message.
"""

from __future__ import annotations

from typing import Any

from engine.clean.config import CleanConfig
from engine.clean.report import load_report


class ResumeMismatch(ValueError):
    """``--resume`` on an output folder written with other settings."""


def check_resume(config: CleanConfig) -> dict[str, Any] | None:
    """The previous report a ``--resume`` continues (None: nothing to resume); raises
    ``ResumeMismatch`` when it was written with different settings."""
    if not config.resume:
        return None
    previous = load_report(config.out_dir)
    if previous is None:
        return None
    if previous.get("fingerprint") != config.fingerprint():
        raise ResumeMismatch(
            f"{config.out_dir / 'report.json'} was written with different settings "
            f"(format, segment size, columns or rules); run without --resume or choose another --out"
        )
    return previous
