"""A clean worker cleaning .xlsx into csv or parquet never loads pandas (its import is most of a
worker's start-up), and where an input needs pandas (.csv) it is loaded and the rows are right."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.clean.config import CleanRules, ColumnMap
from engine.clean.worker import CleanFileTask, PartFiles
from engine.context import JobContext
from engine.executor import TaskSpec
from engine.pool import ProcessPool
from tests import targets
from tests.clean_fixtures import write_good_inputs


@pytest.mark.timeout(120)
@pytest.mark.parametrize("out_format", ["parquet", "csv"])
def test_clean_worker_does_not_load_pandas_for_xlsx_but_does_for_csv(tmp_path, out_format):
    inputs = write_good_inputs(tmp_path / "in", 2, 200)  # good_000.xlsx, good_001.csv
    parts = tmp_path / "parts"
    parts.mkdir()

    def task(i: int, path: Path, rules: CleanRules = CleanRules()) -> TaskSpec:
        part = PartFiles.in_folder(parts, i, out_format)
        return TaskSpec(i, CleanFileTask(i, path, part, ColumnMap(), rules, False, out_format), path.name)

    ctx = JobContext("startup")
    with ProcessPool(targets.clean_task_and_pandas_loaded, 1, ctx) as pool:
        xlsx = next(iter(pool.map_unordered(iter([task(0, inputs[0])]))))
        assert xlsx.ok, xlsx.error
        counts, pandas_loaded = xlsx.value
        assert counts["rows_in"] == 200 and not pandas_loaded
        # the same worker then reads a .csv (pandas' reader) and dedupes run-wide (pandas' hashes)
        csv = next(iter(pool.map_unordered(iter([task(1, inputs[1], CleanRules(dedupe_scope="run"))]))))
        assert csv.ok, csv.error
        counts, pandas_loaded = csv.value
        assert counts["rows_in"] == 200 and pandas_loaded


@pytest.mark.timeout(120)
@pytest.mark.parametrize("out_format", ["parquet", "csv"])
def test_clean_worker_does_not_load_numpy_ma(tmp_path, out_format):
    """pa.array(ndarray) imports numpy.ma to check for a masked array (~10 ms of a worker's first
    file): the rules hand numpy to Arrow by buffer instead."""
    inputs = write_good_inputs(tmp_path / "in", 1, 300)
    parts = tmp_path / "parts"
    parts.mkdir()
    task = CleanFileTask(
        0, inputs[0], PartFiles.in_folder(parts, 0, out_format), ColumnMap(), CleanRules(), False, out_format
    )
    with ProcessPool(targets.clean_task_and_numpy_ma_loaded, 1, JobContext("startup")) as pool:
        [result] = list(pool.map_unordered([TaskSpec(0, task, inputs[0].name)]))
    assert result.ok, result.error
    counts, numpy_ma_loaded = result.value
    assert counts["rows_in"] == 300 and counts["dropped"].get("duplicate", 0) > 0  # the dedupe path ran
    assert not numpy_ma_loaded
