"""The clean job's rules, one by one on small tables (Arrow string columns), and the count ledger."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from engine.clean.config import XLSX_MAX_CELL_CHARS, CleanConfig, CleanRules, ColumnMap, DropReason
from engine.clean.dedupe import SeenHashes
from engine.clean.rules import apply_rules
from engine.demo.data import make_chat_frame
from engine.system_messages import SYSTEM_MESSAGES

COLS = ColumnMap()
ALL_OFF = CleanRules(
    drop_missing=False,
    check_role=False,
    remove_emoji=False,
    collapse_whitespace=False,
    drop_system=False,
    drop_empty=False,
    min_length=0,
    drop_duplicates=False,
)


def frame(*rows: tuple) -> pa.Table:
    """Rows of (agent, customer, role, content[, time]) as the readers produce them: string columns."""
    rows = [r + (None,) * (5 - len(r)) for r in rows]
    return pa.table({name: pa.array([r[i] for r in rows], pa.string()) for i, name in enumerate(COLS.output)})


def only(**switches) -> CleanRules:
    return dataclasses.replace(ALL_OFF, **switches)


def test_missing_value_in_any_required_column_is_dropped():
    f = frame(
        ("a", "c", "是", "你好"),
        (None, "c", "是", "x"),
        ("a", "  ", "否", "y"),
        ("a", "c", None, "z"),
        ("a", "c", "是", None),
        ("a", "c", "是", "\t"),
    )
    out = apply_rules(f, COLS, only(drop_missing=True))
    assert out.dropped == {DropReason.MISSING_VALUE: 5}
    assert out.kept[COLS.content].to_pylist() == ["你好"]


def test_missing_time_is_not_a_missing_value():
    out = apply_rules(frame(("a", "c", "是", "hi", None)), COLS, CleanRules())
    assert out.rows_out == 1 and out.dropped == {}


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("是", "是"),
        ("否", "否"),
        ("客服", "是"),
        ("客户", "否"),
        ("True", "是"),
        ("false", "否"),
        ("1", "是"),
        ("0", "否"),
        (" 是 ", "是"),
    ],
)
def test_role_is_normalised(raw, expected):
    out = apply_rules(frame(("a", "c", raw, "hi")), COLS, only(check_role=True))
    assert out.kept[COLS.role].to_pylist() == [expected]


def test_unknown_role_is_a_counted_drop_not_a_crash():
    out = apply_rules(
        frame(("a", "c", "maybe", "hi"), ("a", "c", "是", "ok"), ("a", "c", "2", "x")), COLS, only(check_role=True)
    )
    assert out.dropped == {DropReason.UNKNOWN_ROLE: 2}
    assert out.kept[COLS.content].to_pylist() == ["ok"]


def test_role_left_alone_when_the_rule_is_off():
    out = apply_rules(frame(("a", "c", "maybe", "hi")), COLS, ALL_OFF)
    assert out.kept[COLS.role].to_pylist() == ["maybe"] and out.dropped == {}


def test_system_messages_exact_after_trimming_and_contains_list():
    f = frame(
        ("a", "c", "是", " 微信红包 "),
        ("a", "c", "是", "微信红包来了"),
        ("a", "c", "否", SYSTEM_MESSAGES[0]),
        ("a", "c", "否", "[撤回] 一条消息"),
        ("a", "c", "否", "正常"),
    )
    out = apply_rules(f, COLS, only(drop_system=True, system_contains=("[撤回]",)))
    assert out.dropped == {DropReason.SYSTEM_MESSAGE: 3}
    assert out.kept[COLS.content].to_pylist() == ["微信红包来了", "正常"]


def test_system_message_list_is_editable():
    out = apply_rules(
        frame(("a", "c", "是", "微信红包"), ("a", "c", "是", "自定义系统提示")),
        COLS,
        only(drop_system=True, system_messages=("自定义系统提示",)),
    )
    assert out.kept[COLS.content].to_pylist() == ["微信红包"]


def test_emoji_removed_whole_including_multi_part_sequences():
    f = frame(
        ("a", "c", "是", "好的👍🏽"),
        ("a", "c", "是", "家👨‍👩‍👧人"),
        ("a", "c", "是", "🇨🇳中国"),
        ("a", "c", "是", "选1️⃣"),
        ("a", "c", "是", "no emoji"),
    )
    out = apply_rules(f, COLS, only(remove_emoji=True))
    assert out.kept[COLS.content].to_pylist() == ["好的", "家人", "中国", "选", "no emoji"]


def test_newlines_and_surrounding_whitespace_collapsed():
    out = apply_rules(
        frame(("a", "c", "是", "  第一行\r\n第二行\n\n 第三\t行  ")), COLS, only(collapse_whitespace=True)
    )
    assert out.kept[COLS.content].to_pylist() == ["第一行 第二行 第三 行"]


def test_message_empty_after_cleaning_is_dropped():
    f = frame(("a", "c", "是", "🎉🎉"), ("a", "c", "是", "有字🎉"))
    out = apply_rules(f, COLS, only(remove_emoji=True, collapse_whitespace=True, drop_empty=True))
    assert out.dropped == {DropReason.EMPTY_AFTER_CLEAN: 1}
    assert out.kept[COLS.content].to_pylist() == ["有字"]


def test_min_length():
    out = apply_rules(
        frame(("a", "c", "是", "嗯"), ("a", "c", "是", "好的"), ("a", "c", "是", "好的呀")), COLS, only(min_length=2)
    )
    assert out.dropped == {DropReason.TOO_SHORT: 1}
    assert out.kept[COLS.content].to_pylist() == ["好的", "好的呀"]


def test_xlsx_output_drops_messages_longer_than_a_cell_and_counts_them():
    config = CleanConfig(inputs=("x",), out_dir="y", out_format="xlsx")
    assert config.effective_rules.max_length == XLSX_MAX_CELL_CHARS
    assert CleanConfig(inputs=("x",), out_dir="y", out_format="csv").effective_rules.max_length is None
    long_text = "长" * (XLSX_MAX_CELL_CHARS + 1)
    # Excel counts UTF-16 units: a character outside the BMP (𠀀, CJK extension B) counts twice.
    astral = "𠀀" * (XLSX_MAX_CELL_CHARS // 2 + 1)
    fits = "长" * XLSX_MAX_CELL_CHARS
    out = apply_rules(
        frame(("a", "c", "是", long_text), ("a", "c", "是", "短"), ("a", "c", "是", astral), ("a", "c", "是", fits)),
        COLS,
        config.effective_rules,
    )
    assert out.dropped == {DropReason.TOO_LONG_FOR_XLSX: 2}
    assert [len(t) for t in out.kept[COLS.content].to_pylist()] == [1, XLSX_MAX_CELL_CHARS]


def test_exact_duplicates_within_a_file_keep_the_first():
    f = frame(
        ("a", "c", "是", "hi", "t1"),
        ("a", "c", "是", "hi", "t1"),
        ("a", "c", "是", "hi", "t2"),
        ("a", "c", "否", "hi", "t1"),
    )
    out = apply_rules(f, COLS, only(drop_duplicates=True))
    assert out.dropped == {DropReason.DUPLICATE: 1}
    assert out.kept[COLS.time].to_pylist() == ["t1", "t2", "t1"]


def test_duplicates_compare_cleaned_text():
    out = apply_rules(frame(("a", "c", "是", "你好"), ("a", "c", "是", " 你好👍\n")), COLS, CleanRules())
    assert out.dropped == {DropReason.DUPLICATE: 1}


def test_first_matching_rule_takes_the_row_and_counts_reconcile_on_demo_data():
    f = make_chat_frame(3000, seed=5)
    strings = pa.table({c: pa.array(f[c].astype("string").array).cast(pa.string()) for c in COLS.output})
    out = apply_rules(strings, COLS, CleanRules(min_length=2))
    assert out.reconciles()
    assert out.rows_in == 3000
    for reason in (DropReason.MISSING_VALUE, DropReason.SYSTEM_MESSAGE, DropReason.DUPLICATE):
        assert out.dropped.get(reason, 0) > 0, out.dropped
    kept = out.kept.to_pandas()[COLS.content]
    assert not kept.str.contains("\n", regex=False).any()
    assert not kept.isin(SYSTEM_MESSAGES).any()
    assert not out.kept.to_pandas().duplicated().any()
    assert (kept.str.len() >= 2).all()


def test_row_order_is_kept():
    f = frame(*[("a", "c", "是", f"第{i}句") for i in range(50)], ("a", "c", "是", "微信红包"))
    out = apply_rules(f, COLS, CleanRules())
    assert out.kept[COLS.content].to_pylist() == [f"第{i}句" for i in range(50)]


def test_column_map_parse():
    cols = ColumnMap.parse("agent=坐席,content=内容,time=")
    assert cols.agent == "坐席" and cols.content == "内容" and cols.time == ""
    assert cols.output == ("坐席", "客户微信id", "是否客服", "内容")
    with pytest.raises(ValueError, match="bad column spec"):
        ColumnMap.parse("nope=x")
    with pytest.raises(ValueError, match="needs a name"):
        ColumnMap.parse("agent=")


def test_run_wide_seen_hashes():
    seen = SeenHashes()
    first = np.array([5, 7, 9], dtype=np.uint64)
    assert seen.take_new(first).tolist() == []
    assert seen.take_new(np.array([7, 11, 11, 12, 5], dtype=np.uint64)).tolist() == [0, 2, 4]
    for i in range(20):  # many chunks are merged, answers stay right
        seen.take_new(np.array([100 + i], dtype=np.uint64))
    assert seen.take_new(np.array([105, 999], dtype=np.uint64)).tolist() == [0]
    assert len(seen) == len(set(seen.to_array().tolist()))


def test_whitespace_class_is_exactly_pythons_backslash_s():
    """collapse_whitespace spells \\s out for RE2; it must match the same characters as Python's \\s."""
    import re

    from engine.textnorm import _WHITESPACE_RUN

    python_space = {chr(i) for i in range(0x110000) if re.match(r"\s", chr(i))}
    ours = {chr(i) for i in range(0x110000) if _WHITESPACE_RUN.fullmatch(chr(i))}
    assert ours == python_space


def test_vectorised_emoji_removal_equals_replace_emoji_on_every_known_emoji():
    """remove_emoji (RE2 over a trie of all emoji) must give exactly what emoji.replace_emoji gives."""
    import random

    import emoji

    from engine.textnorm import remove_emoji, remove_emoji_scalar

    keys = list(emoji.EMOJI_DATA)
    rng = random.Random(7)
    texts = [f"前{k}后" for k in keys]
    texts += [
        "".join(rng.choice(keys + ["好", "\u200d", " ", "a", "1", "#"]) for _ in range(rng.randint(1, 6)))
        for _ in range(5000)
    ]
    texts += ["👨‍👩‍👧‍👦x", "🏳️‍🌈y", "👍🏿z", "#️⃣a", "1️⃣b", "🇨🇳🇺🇸c", "😀‍😀h", "🏴󠁧󠁢󠁳󠁣󠁴󠁿l", "🙂\ufe0e o", "no emoji"]
    got = remove_emoji(pd.Series(texts, dtype="str")).tolist()
    assert got == [remove_emoji_scalar(t) for t in texts]


def test_emoji_removal_remembers_texts_within_its_bound(monkeypatch):
    """Stripped texts are remembered per process (files repeat each other's emoji messages); a
    remembered answer is the one computed, a long text is not kept, and a full memory starts over."""
    from engine import textnorm

    monkeypatch.setattr(textnorm, "_STRIPPED", {})
    monkeypatch.setattr(textnorm, "_STRIPPED_MAX_ENTRIES", 3)
    long_text = "长" * (textnorm._STRIPPED_MAX_CHARS + 1) + "👍"
    texts = pa.array(["好的👍", "家👨‍👩‍👧人", long_text, None, "plain"])
    first = textnorm.remove_emoji_arrow(texts).to_pylist()
    assert first == ["好的", "家人", long_text[:-1], None, "plain"]
    assert textnorm._STRIPPED == {"好的👍": "好的", "家👨‍👩‍👧人": "家人"}
    assert textnorm.remove_emoji_arrow(texts).to_pylist() == first  # answered from memory, the same
    textnorm.remove_emoji_arrow(pa.array(["a🙂", "b🙂"]))  # the third entry fills it, the fourth starts over
    assert textnorm._STRIPPED == {"b🙂": "b"}


def test_ids_and_times_are_trimmed_exactly_as_the_trim_kernel_does():
    """``_trimmed`` skips the kernel when no value can start or end with whitespace: on every mix of
    ASCII and Unicode whitespace, CJK, empty, null and sliced values it equals the kernel, and the
    blank values it reads from the buffers on the way are exactly the missing or empty ones."""
    import random

    import pyarrow.compute as pc

    from engine.clean.rules import _trimmed

    rng = random.Random(5)
    pieces = ["a", "1", "文", "是", " ", "\t", "\n", "\x1c", "\x7f", "\xa0", "\u3000", "\u2028", "\u205f", "😀", ""]
    mixed = [None if rng.random() < 0.05 else "".join(rng.choices(pieces, k=rng.randint(0, 4))) for _ in range(5000)]
    cases = {
        "mixed": pa.array(mixed, pa.string()),
        "ids": pa.array([f"wxid_{i:05d}" for i in range(500)] + [None], pa.string()),
        "one edge space": pa.array(["kf001"] * 300 + ["kf002 "] + ["kf003"] * 10, pa.string()),
        "cjk": pa.array(["坐席一", "坐席二"] * 50, pa.string()),
        "all null": pa.nulls(10, pa.string()),
        "sliced": pa.array(["  x", "y", "z", "w  "] * 10, pa.string()).slice(1, 38),
        "large": pa.array(["a ", "b"] * 10, pa.large_string()),
    }
    cases["ids with empty"] = pa.array(["kf001", "", None, "kf002"] * 20, pa.string()).slice(3, 70)
    for name, column in cases.items():
        trimmed, blank = _trimmed(column)
        expected = pc.utf8_trim_whitespace(column).to_pylist()
        assert trimmed.to_pylist() == expected, name
        if blank is not None:
            assert blank.tolist() == [value is None or value == "" for value in expected], name


def test_values_are_numbered_alike_whether_sorted_or_hashed():
    """``_codes`` numbers a sorted column from its neighbours and any other by hashing: either way,
    two rows share a number exactly when their values are equal (null equal to null)."""
    import random

    from engine.clean.rules import _codes

    rng = random.Random(11)
    times = sorted(f"2022-07-0{rng.randint(1, 3)} 00:0{rng.randint(0, 9)}" for _ in range(400))
    cases = {
        "sorted with repeats": pa.array(times, pa.string()),
        "sorted, all distinct": pa.array(sorted(set(times)), pa.string()),
        "unsorted": pa.array(rng.sample(times, len(times)), pa.string()),
        "sorted but a null": pa.array([*times[:10], None, *times[10:]], pa.string()),
        "one value": pa.array(["x"], pa.string()),
        "sorted slice": pa.array(["a", "b", "b", "c", "a"], pa.string()).slice(1, 3),
        "cjk sorted by bytes": pa.array(sorted(["是", "是", "否", "客服", "否"], key=str.encode), pa.string()),
    }
    for name, column in cases.items():
        codes = _codes(column)
        values = column.to_pylist()
        assert len(codes) == len(values) and codes.min() >= 0, name
        for i in range(len(values)):
            for j in range(i + 1, min(len(values), i + 40)):
                assert (codes[i] == codes[j]) == (values[i] == values[j]), (name, i, j)
