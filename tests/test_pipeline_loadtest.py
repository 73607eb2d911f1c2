"""The load generator's bookkeeping stays bounded however long it runs, and stays right."""

from __future__ import annotations

import random
import time

import numpy as np
import pytest

from engine.pipeline.loadtest import LatencySample, RecentIds


def test_latency_sample_is_bounded_and_its_percentiles_stay_close():
    rng = random.Random(3)
    values = [rng.expovariate(1 / 20.0) for _ in range(50_000)]
    sample = LatencySample(capacity=5_000, seed=1)
    for v in values:
        sample.add(v)
    assert len(sample.values) == 5_000 and sample.count == 50_000
    assert sample.max == max(values)  # the maximum is exact, not sampled
    exact = np.percentile(values, [50, 95, 99])
    for got, want in zip(sample.percentiles(50, 95, 99), exact):
        assert got == pytest.approx(want, rel=0.1)
    assert LatencySample().percentiles(50, 99) == [0.0, 0.0]


def test_recent_ids_count_a_repeat_and_forget_what_is_older_than_the_window():
    ids = RecentIds(window_s=0.2)
    assert not ids.seen_before(1) and not ids.seen_before(2)
    assert ids.seen_before(1)  # answered twice
    time.sleep(0.3)
    assert not ids.seen_before(3)  # arriving now purges 1 and 2
    assert len(ids) == 1
