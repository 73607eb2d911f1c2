"""The demo-data job: deterministic per seed, readable, and dirty in every way the clean job expects."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from engine.demo.data import DIRT_KINDS, dirt_counts, make_chat_frame
from main import main


def read_all(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.name: pd.read_excel(p, engine="calamine") for p in sorted(folder.glob("*.xlsx"))}


@pytest.mark.timeout(120)
def test_cli_writes_deterministic_dirty_exports(tmp_path, capsys, no_leftover_children):
    args = ["--files", "2", "--rows", "3000", "--seed", "11", "--workers", "2", "--quiet"]
    assert main(["demo", str(tmp_path / "a"), *args]) == 0
    assert main(["demo", str(tmp_path / "b"), *args]) == 0
    out = capsys.readouterr().out
    assert "wrote 2 files, 6,000 rows" in out

    a, b = read_all(tmp_path / "a"), read_all(tmp_path / "b")
    assert list(a) == ["chat_0000.xlsx", "chat_0001.xlsx"]
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    both = pd.concat(a.values(), ignore_index=True)
    assert list(both.columns) == ["坐席id", "坐席昵称", "客户微信id", "是否客服", "消息类型", "消息内容", "消息时间"]
    assert len(both) == 6000
    counts = dirt_counts(both)
    # Whitespace-only cells come back as text; empty cells as NaN.
    for kind in DIRT_KINDS:
        assert counts[kind] > 0, f"no {kind} in the demo data: {counts}"
    assert set(both["是否客服"].dropna()) == {"是", "否"}
    # No temporary files left behind.
    assert not list((tmp_path / "a").glob(".*"))


@pytest.mark.timeout(120)
def test_another_seed_gives_other_data():
    assert not make_chat_frame(500, 1).equals(make_chat_frame(500, 2))
    assert not make_chat_frame(500, 1, 0).equals(make_chat_frame(500, 1, 1))
    assert make_chat_frame(500, 1, 3).equals(make_chat_frame(500, 1, 3))


@pytest.mark.timeout(120)
def test_formula_looking_text_is_stored_as_text(tmp_path):
    assert (
        main(["demo", str(tmp_path), "--files", "1", "--rows", "4000", "--seed", "3", "--workers", "1", "--quiet"]) == 0
    )
    book = openpyxl.load_workbook(tmp_path / "chat_0000.xlsx", read_only=True)  # read-only keeps the file open
    try:
        formula_like = [
            c
            for row in book.active.iter_rows(min_col=6, max_col=6)
            for c in row
            if isinstance(c.value, str) and c.value[:1] in "=+-@"
        ]
    finally:
        book.close()
    assert formula_like, "the demo data should hold formula-looking text"
    assert all(c.data_type == "s" for c in formula_like)


def test_unwritable_output_folder_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(["demo", str(blocker / "out"), "--files", "1", "--rows", "10", "--quiet"]) == 2
    assert "not writable" in capsys.readouterr().err


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "/tmp/x", "--files", "0"])
    assert exc.value.code == 2
