"""Turn merging, role prefixes, ordering, split and output-format rules (no processes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from engine.clean.config import ColumnMap
from engine.dialogues.build import batch_offsets, iter_batches, layout_dialogues, render_pieces
from engine.dialogues.config import DEFAULT_PUNCTUATION
from engine.dialogues.rows import normalise_chunk
from engine.dialogues.shards import partition_count, partition_of, plan_build_groups
from engine.dialogues.split import choose_val_ordinals, is_val, val_count
from engine.dialogues.textfile import DialogueTextFile, reverse_dialogues
from engine.system_messages import SYSTEM_MESSAGES
from tests.dialogues_reference import merge_turns, read_like_gpt2_chitchat


def chat(rows: list[tuple], with_time: bool = True) -> pd.DataFrame:
    """rows: (agent, customer, role 是/否, text, time) → an export-shaped frame."""
    frame = pd.DataFrame(rows, columns=["坐席id", "客户微信id", "是否客服", "消息内容", "消息时间"])
    return frame if with_time else frame.drop(columns=["消息时间"])


def build_text(frames: list[pd.DataFrame], role_prefix: bool = True, min_turns: int = 1) -> list[list[str]]:
    tables = [normalise_chunk(f, ColumnMap(), SYSTEM_MESSAGES, src, 0)[0] for src, f in enumerate(frames)]
    table = pa.concat_tables(tables)
    layout = layout_dialogues(table, min_turns)
    pieces = render_pieces(table, layout, role_prefix, DEFAULT_PUNCTUATION)
    texts = list(iter_batches(pieces, np.array([0, layout.rows])))
    if not texts:
        return []
    assert texts[0].endswith("\n\n")
    return [d.split("\n") for d in texts[0][:-2].split("\n\n")]


def t(minute: int) -> str:
    return f"2024-01-01 10:{minute:02d}:00"


@pytest.mark.parametrize(
    ("messages", "role_prefix", "expected"),
    [
        pytest.param(
            [
                ("a", "c", "否", "你好", t(1)),
                ("a", "c", "否", "在吗", t(2)),
                ("a", "c", "是", "在的", t(3)),
                ("a", "c", "是", "请问有什么可以帮您", t(4)),
            ],
            True,
            [["客户:你好;在吗", "坐席:在的;请问有什么可以帮您"]],
            id="pieces_without_punctuation_are_joined_with_semicolon_and_none_ends_an_utterance",
        ),
        # The reference article chopped the last character of every utterance ("谢谢" and "不客气"
        # lost their marks); here the final characters are all real and all stay.
        pytest.param(
            [
                ("a", "c", "否", "好的。", t(1)),
                ("a", "c", "否", "谢谢!", t(2)),
                ("a", "c", "是", "不客气?", t(3)),
                ("a", "c", "否", "嗯~", t(4)),
                ("a", "c", "否", "再见", t(5)),
            ],
            True,
            [["客户:好的。谢谢!", "坐席:不客气?", "客户:嗯~再见"]],
            id="real_punctuation_is_kept_and_no_separator_is_added_after_it",
        ),
        pytest.param(
            [("a", "c", "否", "好", t(1)), ("a", "c", "是", "嗯", t(2))],
            True,
            [["客户:好", "坐席:嗯"]],
            id="final_character_of_a_single_message_turn_is_never_chopped",
        ),
        pytest.param(
            [("a", "c", "否", "你好", t(1)), ("a", "c", "是", "您好", t(2))],
            False,
            [["你好", "您好"]],
            id="role_prefix_off_gives_plain_utterances",
        ),
    ],
)
def test_one_dialogue_is_built_from_its_messages(messages: list[tuple], role_prefix: bool, expected: list) -> None:
    assert build_text([chat(messages)], role_prefix=role_prefix) == expected


def test_article_example_matches_the_readable_reference_rule():
    turns = [
        (0, "你好,在吗"),
        (0, "我想咨询一下"),
        (1, "您好,在的,请问有什么可以帮您?"),
        (1, "亲,有货的"),
        (0, "好的。"),
        (0, "谢谢"),
    ]
    frame = chat([("a", "c", "是" if r else "否", x, t(i)) for i, (r, x) in enumerate(turns)])
    expected = merge_turns(turns)
    assert build_text([frame]) == [expected]
    assert expected == ["客户:你好,在吗;我想咨询一下", "坐席:您好,在的,请问有什么可以帮您?亲,有货的", "客户:好的。谢谢"]


def test_messages_are_ordered_by_time_across_files_and_by_input_order_without_time():
    first = chat([("a", "c", "否", "第三", t(30)), ("a", "c", "否", "第一", t(10))])
    second = chat([("a", "c", "是", "第二", t(20))])
    assert build_text([first, second]) == [["客户:第一", "坐席:第二", "客户:第三"]]
    untimed = [
        chat([("a", "c", "否", "一", None), ("a", "c", "是", "二", None)], with_time=False),
        chat([("a", "c", "否", "三", None)], with_time=False),
    ]
    assert build_text(untimed) == [["客户:一", "坐席:二", "客户:三"]]


def test_dirt_is_dropped_with_its_reason_and_emoji_newlines_are_normalised():
    frame = chat(
        [
            ("a", "c", "否", "你好😀\n在吗", t(1)),
            ("a", "c", "否", "微信红包", t(2)),
            ("a", None, "否", "丢了id", t(3)),
            ("a", "c", "谁", "角色不明", t(4)),
            ("a", "c", "是", "  ", t(5)),
            ("a", "c", "是", "在的", t(6)),
            ("a", "c", "是", "在的", t(6)),
        ]
    )
    table, drops = normalise_chunk(frame, ColumnMap(), SYSTEM_MESSAGES, 0, 0)
    assert drops == {"missing_value": 1, "unknown_role": 1, "empty_after_clean": 1, "system_message": 1}
    layout = layout_dialogues(table, 1)
    assert layout.duplicates == 1
    assert build_text([frame]) == [["客户:你好 在吗", "坐席:在的"]]


def test_min_turns_drops_short_dialogues_and_counts_their_rows():
    frame = chat(
        [
            ("a", "c", "否", "一", t(1)),
            ("a", "c", "否", "二", t(2)),
            ("b", "d", "否", "问", t(3)),
            ("b", "d", "是", "答", t(4)),
        ]
    )
    table, _ = normalise_chunk(frame, ColumnMap(), SYSTEM_MESSAGES, 0, 0)
    layout = layout_dialogues(table, 2)
    assert (layout.dialogues, layout.short_dialogues, layout.short_dialogue_rows) == (1, 1, 2)
    assert build_text([frame], min_turns=2) == [["客户:问", "坐席:答"]]


def test_reverse_dialogues_reverses_each_dialogue_and_is_its_own_inverse():
    std = "a1\na2\na3\n\nb1\nb2"
    assert reverse_dialogues(std) == "a3\na2\na1\n\nb2\nb1"
    assert reverse_dialogues(reverse_dialogues(std)) == std


def test_text_file_has_exactly_the_gpt2_chitchat_layout(tmp_path):
    path = tmp_path / "train.txt"
    with DialogueTextFile(path) as out:
        out.write_batch("客户:你好\n坐席:您好。\n\n客户:在吗\n坐席:在\n\n", 2, 4)
        out.write_batch("客户:谢谢\n坐席:不客气\n\n", 1, 2)
    assert path.read_bytes() == "客户:你好\n坐席:您好。\n\n客户:在吗\n坐席:在\n\n客户:谢谢\n坐席:不客气".encode()
    assert read_like_gpt2_chitchat(path) == [
        ["客户:你好", "坐席:您好。"],
        ["客户:在吗", "坐席:在"],
        ["客户:谢谢", "坐席:不客气"],
    ]
    with DialogueTextFile(tmp_path / "x.txt") as bad, pytest.raises(ValueError):
        bad.write_batch("no blank line at the end", 1, 1)


def test_batches_are_cut_only_at_dialogue_starts():
    starts = np.array([0, 3, 4, 9, 10, 15])
    offsets = batch_offsets(starts, 4)
    assert offsets[0] == 0 and offsets[-1] == 15
    assert set(offsets[:-1]) <= set(starts[:-1])


def test_val_count_is_a_count_or_a_fraction_capped_at_half():
    assert val_count(10000, 100) == (50, True)
    assert val_count(10, 100) == (10, False)
    assert val_count(0.1, 1000) == (100, False)
    assert val_count(0, 1000) == (0, False)
    assert val_count(0.9, 10) == (5, True)
    # The default, a fraction with a cap: proportionate on small inputs, bounded on large ones.
    assert val_count(0.05, 897, 10_000) == (45, False)
    assert val_count(0.05, 1_000_000, 10_000) == (10_000, False)
    assert val_count(0.05, 3, 10_000) == (1, False)


def test_val_choice_is_deterministic_per_seed_and_exact():
    a = choose_val_ordinals(1000, 50, seed=1)
    assert np.array_equal(a, choose_val_ordinals(1000, 50, seed=1))
    assert not np.array_equal(a, choose_val_ordinals(1000, 50, seed=2))
    assert len(np.unique(a)) == 50
    mask = np.concatenate([is_val(0, 400, a), is_val(400, 600, a)])
    assert np.array_equal(np.flatnonzero(mask), a)


def test_partitions_are_hash_ranges_and_grow_with_the_input():
    h = np.sort(np.random.default_rng(0).integers(0, 2**63, 10000, dtype=np.uint64) * np.uint64(2))
    parts = partition_of(h, 7)
    assert np.all(np.diff(parts) >= 0) and parts.min() == 0 and parts.max() == 6
    small = partition_count([(".xlsx", 50 * 1024**2)], 512 * 1024**2)
    large = partition_count([(".xlsx", 50 * 1024**2)] * 4, 512 * 1024**2)
    assert large > 3 * small


def test_build_groups_merge_neighbours_by_actual_size_and_cover_every_partition():
    rows = np.array([100, 100, 100, 5000, 100, 0, 100, 100])
    text = rows * 60
    per_row = 300 + 4 * 60
    groups = plan_build_groups(rows, text, 350 * per_row)
    assert groups[0] == (0, 3) and (3, 4) in groups, groups
    assert [a for a, _ in groups][1:] == [b for _, b in groups][:-1] and groups[-1][1] == len(rows)
