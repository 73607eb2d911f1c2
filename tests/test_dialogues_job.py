"""The Dialogues job end to end on demo data: files, format, reversal, split, reference equality."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from engine.context import JobContext
from engine.demo.data import make_chat_frame
from engine.dialogues.config import DialoguesConfig
from engine.dialogues.job import run_dialogues
from engine.dialogues.layout import OUTPUT_FILES, REPORT_NAME, WORK_PREFIX
from tests.dialogues_reference import read_like_gpt2_chitchat, reference_dialogues

ROWS = 1500


@pytest.fixture(scope="module")
def demo_inputs(tmp_path_factory) -> tuple[list[Path], list[pd.DataFrame]]:
    folder = tmp_path_factory.mktemp("dialogue-inputs")
    frames = [make_chat_frame(ROWS, seed=11, file_index=i) for i in range(3)]
    paths = [folder / "a.csv", folder / "b.xlsx", folder / "c.parquet"]
    frames[0].to_csv(paths[0], index=False)
    frames[1].to_excel(
        paths[1],
        index=False,
        engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    )
    frames[2].to_parquet(paths[2])
    return paths, frames


def run(paths: list[Path], out: Path, **options) -> dict:
    config = DialoguesConfig(inputs=tuple(paths), out_dir=out, **options)
    return run_dialogues(config, JobContext("dialogues-test"))


def outputs(out: Path) -> dict[tuple[str, str], list[list[str]]]:
    return {key: read_like_gpt2_chitchat(out / rel) for key, rel in OUTPUT_FILES.items()}


@pytest.fixture(scope="module")
def default_run(demo_inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("dialogues-out")
    summary = run(demo_inputs[0], out, val_size=40)
    return out, summary


@pytest.mark.timeout(120)
def test_four_files_in_gpt2_chitchat_format_and_a_report(default_run):
    out, summary = default_run
    files = outputs(out)
    assert all(files[key] for key in OUTPUT_FILES), "every file has dialogues"
    report = json.loads((out / REPORT_NAME).read_text(encoding="utf-8"))
    assert report["rows"]["reconciles"] is True
    assert report["rows"]["read"] == 3 * ROWS == summary["rows_read"]
    assert report["rows"]["read"] == report["rows"]["in_dialogues"] + sum(report["rows"]["dropped"].values())
    assert report["dialogues"]["train"] == len(files[("std", "train")])
    assert report["dialogues"]["val"] == len(files[("std", "val")]) == 40
    assert report["utterances"]["total"] == sum(
        len(d) for key in (("std", "train"), ("std", "val")) for d in files[key]
    )
    assert {"coordinator", "mmi_writer"} <= set(report["peak_rss_bytes"])
    assert any(k.startswith("reader") for k in report["peak_rss_bytes"]), "every process is measured"
    assert all(v > 0 for v in report["peak_rss_bytes"].values())
    assert report["writer_queue"]["max_depth"] <= report["writer_queue"]["bound"]
    assert not list(out.glob(f"{WORK_PREFIX}*")), "work folder removed"
    assert not list(out.rglob("*.part-*"))


@pytest.mark.timeout(120)
def test_mmi_is_std_reversed_per_dialogue_in_the_same_order(default_run):
    files = outputs(default_run[0])
    for split in ("train", "val"):
        std, mmi = files[("std", split)], files[("mmi", split)]
        assert len(std) == len(mmi)
        assert all(m == s[::-1] for s, m in zip(std, mmi))


@pytest.mark.timeout(120)
def test_dialogues_equal_the_plain_in_memory_reference(default_run, demo_inputs):
    files = outputs(default_run[0])
    produced = Counter(tuple(d) for key in (("std", "train"), ("std", "val")) for d in files[key])
    assert produced == reference_dialogues(demo_inputs[1])
    train, val = Counter(map(tuple, files[("std", "train")])), Counter(map(tuple, files[("std", "val")]))
    assert sum(train.values()) + sum(val.values()) == sum(produced.values())


@pytest.mark.timeout(180)
def test_partitioned_build_is_byte_identical_and_split_deterministic_per_seed(default_run, demo_inputs, tmp_path):
    out1 = default_run[0]
    many = run(demo_inputs[0], tmp_path / "many", val_size=40, partitions=5, writer_batch_rows=300)
    assert many["partitions"] == 5
    for rel in OUTPUT_FILES.values():
        assert (out1 / rel).read_bytes() == (tmp_path / "many" / rel).read_bytes(), rel
    run(demo_inputs[0], tmp_path / "seed2", val_size=40, seed=2)
    val1 = read_like_gpt2_chitchat(out1 / "std/val.txt")
    val2 = read_like_gpt2_chitchat(tmp_path / "seed2" / "std/val.txt")
    assert len(val2) == 40 and val1 != val2
    all1 = sorted(map(tuple, val1 + read_like_gpt2_chitchat(out1 / "std/train.txt")))
    all2 = sorted(map(tuple, val2 + read_like_gpt2_chitchat(tmp_path / "seed2" / "std/train.txt")))
    assert all1 == all2, "the seed moves dialogues between train and val, nothing else"


@pytest.mark.timeout(120)
def test_val_fraction_min_turns_and_no_role_prefix(demo_inputs, tmp_path):
    summary = run(demo_inputs[0][:1], tmp_path, val_size=0.1, min_turns=4, role_prefix=False)
    files = outputs(tmp_path)
    total = summary["dialogues"]
    assert summary["val_dialogues"] == round(0.1 * total) == len(files[("std", "val")])
    assert summary["dialogues_dropped_short"] > 0
    for d in files[("std", "train")] + files[("std", "val")]:
        assert len(d) >= 4
        assert not any(u.startswith(("坐席:", "客户:")) for u in d)
    assert Counter(map(tuple, files[("std", "train")] + files[("std", "val")])) == reference_dialogues(
        demo_inputs[1][:1], min_turns=4, role_prefix=False
    )


@pytest.mark.timeout(120)
def test_bad_file_is_reported_and_the_rest_goes_on(demo_inputs, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    summary = run([demo_inputs[0][0], bad], tmp_path / "out", val_size=10)
    assert summary["files_failed"] == 1 and summary["files_ok"] == 1
    report = json.loads((tmp_path / "out" / REPORT_NAME).read_text(encoding="utf-8"))
    failure = report["files"]["failures"][0]
    assert failure["file"].endswith("bad.csv")
    assert "坐席id" in failure["reason"] and "found: a, b" in failure["reason"]


@pytest.mark.timeout(240)
def test_clean_job_output_gives_the_same_dialogues(demo_inputs, tmp_path, default_run):
    from engine.clean.config import CleanConfig
    from engine.clean.job import run_clean

    clean_out = tmp_path / "clean"
    run_clean(
        CleanConfig(inputs=tuple(demo_inputs[0]), out_dir=clean_out, workers=1, out_format="parquet", segment_files=2),
        JobContext("clean-for-dialogues"),
    )
    produced = list(clean_out.rglob("*.parquet"))
    assert produced
    run(produced, tmp_path / "from-clean", val_size=40)
    ours = outputs(tmp_path / "from-clean")
    direct = outputs(default_run[0])
    got = Counter(tuple(d) for k in (("std", "train"), ("std", "val")) for d in ours[k])
    want = Counter(tuple(d) for k in (("std", "train"), ("std", "val")) for d in direct[k])
    # Same normalisation (engine.textnorm) on both paths, so the dialogues are identical. (The clean
    # job de-duplicates per file, we per dialogue across files; demo files share no dialogue.)
    assert got == want
    assert ours[("std", "val")] == direct[("std", "val")], "same dialogues, same order, same split"
