"""Numbers as the window shows them."""

from __future__ import annotations

from gui.formatting import MAX_ETA_S, format_eta


def test_eta_reads_as_a_clock_and_an_absurd_one_as_unknown():
    assert format_eta(75) == "1:15" and format_eta(3 * 3600 + 61) == "3:01:01"
    assert format_eta(None) == format_eta(float("nan")) == format_eta(float("inf")) == "–"
    assert format_eta(MAX_ETA_S) == "100:00:00"
    assert format_eta(1.9e10) == "–"  # a rate that has barely started: no forecast
