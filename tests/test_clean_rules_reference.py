"""The Arrow rule path against the pandas one it replaced (tests/clean_rules_reference.py): the same
kept rows in the same order, the same drops by reason, the same run-wide row hashes, on generated
exports full of dirt (emoji, system messages, blanks, duplicates, CJK, odd whitespace, mixed cells)."""

from __future__ import annotations

import dataclasses
import datetime
import random

import emoji
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from engine.clean.config import CleanRules, ColumnMap
from engine.clean.rules import apply_rules, repeated_rows, row_hashes
from engine.demo.data import make_chat_frame
from engine.system_messages import SYSTEM_MESSAGES
from engine.tables.readers import _text_column, frame_of
from engine.textnorm import normalise_role, normalise_text
from tests import clean_rules_reference as reference
from tests.test_clean_rules import ALL_OFF

COLS = ColumnMap()

_PIECES = [
    "你好",
    "好的",
    "请问",
    "😀",
    "👍🏽",
    "👨‍👩‍👧",
    "🇨🇳",
    "1️⃣",
    "\u200d",
    "\ufe0f",
    "\ufe0e",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\t",
    "\u3000",
    "\xa0",
    "\u2028",
    "\x1c",
    "…",
    "“引号”",
    "=1+1",
    "@人",
    "a",
    "B",
    "",
    "𠀀",
    "©",
]


def _messy_text(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.04:
        return None
    if roll < 0.08:
        return rng.choice(SYSTEM_MESSAGES) + rng.choice(["", " ", "\n", "。"])
    if roll < 0.1:
        return rng.choice(list(emoji.EMOJI_DATA))
    return "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 6)))


def messy_rows(n: int, seed: int) -> list[tuple]:
    """Rows of (agent, customer, role, content, time) with every kind of dirt, many repeated."""
    rng = random.Random(seed)
    roles = ["是", "否", " 是", "客服", "客户", "TRUE", "false", "1", "0.0", "yes", "maybe", "", None, " "]
    ids = ["a1", " a1", "a1 ", "a2", "", "  ", None, "坐席甲", "\ta3"]
    times = ["2024-01-01 10:00:00", " 2024-01-01 10:00:00", "2024-01-01 10:00:01", "", None]
    rows: list[tuple] = []
    for _ in range(n):
        if rows and rng.random() < 0.15:  # an exact repeat of an earlier row, or a near one
            row = rng.choice(rows)
            if rng.random() < 0.5:
                row = row[:3] + ((row[3] or "") + rng.choice([" ", "👍", "\n", ""]),) + row[4:]
            rows.append(row)
            continue
        rows.append((rng.choice(ids), rng.choice(ids), rng.choice(roles), _messy_text(rng), rng.choice(times)))
    return rows


def table_of(rows: list[tuple], columns: ColumnMap = COLS) -> pa.Table:
    return pa.table({name: pa.array([r[i] for r in rows], pa.string()) for i, name in enumerate(columns.output)})


def demo_table(n: int, seed: int) -> pa.Table:
    frame = make_chat_frame(n, seed=seed)
    return pa.table({c: _text_column(frame[c].tolist()) for c in COLS.output})


def _values(table: pa.Table) -> list[list]:
    return [table.column(c).to_pylist() for c in table.column_names]


def _frame_values(frame: pd.DataFrame) -> list[list]:
    return [[None if pd.isna(v) else v for v in frame[c].tolist()] for c in frame.columns]


RULE_SETS = {
    "default": CleanRules(),
    "xlsx": CleanRules(max_length=12, min_length=2, system_contains=("引号", "[撤回]")),
    "all off": ALL_OFF,
    "keep emoji and whitespace": CleanRules(remove_emoji=False, collapse_whitespace=False, min_length=1),
    "run dedupe": CleanRules(dedupe_scope="run", system_messages=("好的",)),
}


@pytest.mark.parametrize("rules_name", list(RULE_SETS))
@pytest.mark.parametrize("source", ["messy", "demo"])
def test_arrow_rules_equal_the_pandas_rules(rules_name, source):
    rules = RULE_SETS[rules_name]
    table = table_of(messy_rows(4000, seed=11)) if source == "messy" else demo_table(4000, seed=4)
    new = apply_rules(table, COLS, rules)
    old = reference.apply_rules(frame_of(table), COLS, rules)
    assert new.dropped == old.dropped
    assert new.rows_in == old.rows_in and new.reconciles() and old.reconciles()
    assert _values(new.kept) == _frame_values(old.kept)
    assert new.kept.column_names == list(old.kept.columns)
    assert (row_hashes(new.kept) == reference.row_hashes(old.kept)).all()


def test_without_a_time_column_the_rules_still_agree():
    columns = dataclasses.replace(COLS, time="")
    rows = [r[:4] for r in messy_rows(2000, seed=3)]
    table = table_of(rows, columns)
    new = apply_rules(table, columns, CleanRules())
    old = reference.apply_rules(frame_of(table), columns, CleanRules())
    assert new.dropped == old.dropped and _values(new.kept) == _frame_values(old.kept)


def test_repeated_rows_equal_pandas_duplicated():
    for seed in range(5):
        table = table_of(messy_rows(3000, seed))
        expected = frame_of(table).duplicated(keep="first").to_numpy()
        for order in ((), (COLS.time, COLS.content), (COLS.role,)):
            assert (repeated_rows(table, order=order) == expected).all()
        some = np.flatnonzero(np.arange(table.num_rows) % 3 != 1)  # a subset of the rows, as the alive ones
        sub_expected = frame_of(table.take(some)).duplicated(keep="first").to_numpy()
        assert (repeated_rows(table, some, (COLS.time,)) == sub_expected).all()
    empty = table_of([])
    assert repeated_rows(empty).tolist() == []


def test_pandas_text_functions_still_give_what_they_gave():
    """The dialogues job and the pipeline call the Series functions: now wrappers of the Arrow ones."""
    texts = pd.Series([r[3] for r in messy_rows(3000, seed=5)], dtype="string", index=range(100, 3100))
    roles = pd.Series([r[2] for r in messy_rows(3000, seed=6)], dtype="string")
    pd.testing.assert_series_equal(normalise_text(texts), reference.normalise_text(texts))
    pd.testing.assert_series_equal(
        normalise_text(texts, strip_emoji=False, collapse=False),
        reference.normalise_text(texts, strip_emoji=False, collapse=False),
    )
    pd.testing.assert_series_equal(normalise_role(roles), reference.normalise_role(roles))
    mixed = pd.Series([1, 1.0, 2.5, True, False, None, float("nan"), "是", " 否 ", 0], dtype=object)
    pd.testing.assert_series_equal(normalise_role(mixed), reference.normalise_role(mixed))


def test_mixed_cells_read_as_the_same_text():
    values = [1, 2.0, 2.5, True, False, None, float("nan"), "文本", datetime.datetime(2024, 1, 2, 3, 4, 5), -0.0]
    expected = reference.as_text(pd.Series(values, dtype=object))
    assert _text_column(values).to_pylist() == [None if pd.isna(v) else v for v in expected.tolist()]
