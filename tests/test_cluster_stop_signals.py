"""A run on a LocalCluster it started (``--cluster local:2``) stops on SIGINT, SIGTERM and SIGHUP like a
local run: the exit code of the signal, one honest line, complete segments only, and no process of
the cluster (scheduler, nannies, workers) left behind. Real commands, real signals."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.stop_signal_support import leftovers
from tests.test_stop_signals import (  # the local run's fixture and checks: the cluster must meet the same
    EXIT,
    NAMES,
    assert_segments_complete,
    clean,
    inputs,  # noqa: F401 - a fixture
    written_segments,
)

#: The cluster's own shutdown (close the client, retire the workers, end the nannies) comes on top
#: of the job's drain; measured 1.5-3 s here.
CLUSTER_DRAIN_S = 15.0


@pytest.mark.timeout(180)
@pytest.mark.parametrize(
    ("signum", "group"),
    [(signal.SIGTERM, True), (signal.SIGINT, False), (signal.SIGHUP, True)],
    ids=["term-group", "int-pid", "hup-group"],
)
def test_a_cluster_run_stops_on_signal_and_leaves_no_process(inputs, tmp_path: Path, signum, group) -> None:  # noqa: F811
    out = tmp_path / "out"
    command = clean(inputs, out, "--cluster", "local:2", workers=None, env={"MPWATCH_PROGRESS_EVERY_S": "600"})
    ended = command.end_when(
        lambda: len(written_segments(out)) >= 1, signum, group, ready_timeout_s=120, timeout_s=CLUSTER_DRAIN_S + 15
    )
    assert ended.code == EXIT[signum], ended.stderr
    assert ended.seconds < CLUSTER_DRAIN_S, f"{ended.seconds:.1f} s from the signal to the exit"
    assert not ended.alive_after(), ended.stderr
    assert not ended.noise(), ended.stderr
    assert not leftovers(out)
    assert_segments_complete(out)
    lines = [text for text in ended.stderr.splitlines() if text.strip() and not text.startswith("clean: ")]
    assert len(lines) == 1 and lines[0].startswith(f"interrupted ({NAMES[signum]}): "), ended.stderr
