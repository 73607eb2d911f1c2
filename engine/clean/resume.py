"""``--resume``: may this output folder be continued with these settings?

Kept apart from the job (and light to import) because the CLI and the GUI ask it before any
process starts, to refuse a mismatch with one clear message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.clean.config import CleanConfig
from engine.clean.report import load_report
from engine.output_folder import previous_run


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


def remove_unadopted_outputs(report_path: Path, adopted: list[str]) -> None:
    """Remove the outputs the resumed run's report lists that this run does not take over (their
    segment is redone, or the inputs changed), so the folder holds this run's outputs only. Call
    before the new report replaces the old one."""
    earlier = previous_run(Path(report_path))
    kept = {Path(p).resolve() for p in adopted}
    for path in earlier.outputs if earlier is not None else ():
        if path.resolve() not in kept:
            path.unlink(missing_ok=True)
