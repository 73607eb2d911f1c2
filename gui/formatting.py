"""How numbers read in the GUI: counts with separators, rates with k/M, ETAs as h:mm:ss."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

# ETAs beyond this are shown as unknown: the rate behind them has barely started (the first file of
# a run ending after a second gave "ETA 5487933:50:05"), not a forecast anyone can use.
MAX_ETA_S = 100 * 3600


def format_eta(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds > MAX_ETA_S:
        return "–"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_count(value: float) -> str:
    return f"{value:,.0f}"


def format_rate(value: float, unit: str) -> str:
    """``12.3 k rows/s`` (``unit`` already in the UI language; "/s" follows it)."""
    if value >= 1e6:
        number = f"{value / 1e6:.2f} M"
    elif value >= 1e4:
        number = f"{value / 1e3:.1f} k"
    else:
        number = f"{value:,.0f}"
    return QCoreApplication.translate("Formatting", "{value} {unit}/s").format(value=number, unit=unit)
