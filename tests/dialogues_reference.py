"""Test support for the Dialogues job: a GPT2-chitchat-style reader and a plain in-memory reference.

The reference builds dialogues the slow, obvious way (dicts and loops over rows), independently of
the job's sorted-array code, so that comparing the two checks the partitioned build.
"""

from __future__ import annotations

import codecs
from collections import Counter
from datetime import datetime
from pathlib import Path

import pandas as pd

from engine.system_messages import SYSTEM_MESSAGES
from engine.textnorm import normalise_role, normalise_text

PUNCT = set("，。！？；：、…,.!?;:~～—·)）」』】》”’\"'")


def read_like_gpt2_chitchat(path: Path) -> list[list[str]]:
    """Split as GPT2-chitchat's preprocess does, after asserting every format rule it relies on."""
    data = Path(path).read_bytes()
    assert not data.startswith(codecs.BOM_UTF8), f"{path}: BOM"
    text = data.decode("utf-8")  # strict, as GPT2-chitchat
    if not text:
        return []
    assert "\r" not in text, f"{path}: carriage return"
    assert not text.endswith("\n"), f"{path}: trailing newline"
    assert not text.startswith("\n"), f"{path}: leading newline"
    assert "\n\n\n" not in text, f"{path}: more than one blank line"
    dialogues = [d.split("\n") for d in text.split("\n\n")]
    for d in dialogues:
        assert d and all(u for u in d), f"{path}: empty utterance in {d!r}"
        assert all(u.strip() == u and u.strip() for u in d), f"{path}: blank/space-padded utterance in {d!r}"
    return dialogues


def merge_turns(turns: list[tuple[int, str]], role_prefix: bool = True) -> list[str]:
    """(role, text) in time order → utterances by the issue's rule (the slow, readable version)."""
    utterances: list[str] = []
    current_role = None
    pieces: list[str] = []

    def close() -> None:
        if pieces:
            body = ""
            for i, piece in enumerate(pieces):
                body += piece
                if i < len(pieces) - 1 and piece[-1] not in PUNCT:
                    body += ";"
            prefix = ("坐席:" if current_role == 1 else "客户:") if role_prefix else ""
            utterances.append(prefix + body)

    for role, text in turns:
        if role != current_role:
            close()
            pieces = []
            current_role = role
        pieces.append(text)
    close()
    return utterances


def reference_dialogues(frames: list[pd.DataFrame], min_turns: int = 2, role_prefix: bool = True) -> Counter:
    """Multiset of dialogues (tuples of utterances) the job must produce from ``frames`` (file order)."""
    rows = []
    for src, frame in enumerate(frames):
        texts = normalise_text(frame["消息内容"])
        roles = normalise_role(frame["是否客服"])
        for i in range(len(frame)):
            agent, customer = frame["坐席id"].iloc[i], frame["客户微信id"].iloc[i]
            text, role = texts.iloc[i], roles.iloc[i]
            if any(pd.isna(v) or str(v).strip() == "" for v in (agent, customer)):
                continue
            if pd.isna(role) or pd.isna(text) or text == "" or text in SYSTEM_MESSAGES:
                continue
            raw_time = frame["消息时间"].iloc[i] if "消息时间" in frame else None
            when = datetime.strptime(raw_time, "%Y-%m-%d %H:%M:%S") if isinstance(raw_time, str) else datetime.max
            rows.append(((str(agent).strip(), str(customer).strip()), when, src, i, 1 if role == "是" else 0, text))
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
    by_key: dict[tuple[str, str], list[tuple[int, str]]] = {}
    seen: set = set()
    for key, when, _src, _i, role, text in rows:
        if (key, when, role, text) in seen:
            continue
        seen.add((key, when, role, text))
        by_key.setdefault(key, []).append((role, text))
    out: Counter = Counter()
    for turns in by_key.values():
        utterances = merge_turns(turns, role_prefix)
        if len(utterances) >= min_turns:
            out[tuple(utterances)] += 1
    return out
