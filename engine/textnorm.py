"""Text normalisation shared by every job (clean, dialogues, pipeline preprocessing).

One implementation, used everywhere, so that a message cleaned by the clean job and a message
normalised on the fly by the dialogues job or the inference service are byte-identical.

All functions are vectorised over pandas Series (pandas 2 and 3, object or pyarrow-backed strings):
per-row Python calls are reserved for the few rows that can hold an emoji.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import emoji
import numpy as np
import pandas as pd

from engine.system_messages import SYSTEM_MESSAGES

AGENT_ROLE = "是"
CUSTOMER_ROLE = "否"

_AGENT_VALUES = {"是", "客服", "坐席", "true", "1", "1.0", "y", "yes", "agent"}
_CUSTOMER_VALUES = {"否", "客户", "用户", "false", "0", "0.0", "n", "no", "customer"}

# Exactly the characters Python's \s matches, spelled out: the same class in RE2 (pyarrow strings) as
# in Python re, so pandas keeps the vectorised Arrow path (4x faster than \s+, which falls back).
_WHITESPACE_RUN = re.compile("[\t\n\x0b\x0c\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# Left-overs of emoji sequences that replace_emoji may leave when a sequence is malformed.
_EMOJI_DEBRIS = re.compile("[\u200d\ufe0e\ufe0f\u20e3]")


def _char_class(chars: set[str]) -> str:
    """A compact regex character class ([a-cx...]) that matches exactly ``chars``."""
    points = sorted(ord(c) for c in chars)
    parts: list[str] = []
    start = prev = points[0]
    for p in points[1:] + [-1]:
        if p == prev + 1:
            prev = p
            continue
        parts.append(re.escape(chr(start)) if start == prev else f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
        start = prev = p
    return "[" + "".join(parts) + "]"


@lru_cache(maxsize=1)
def emoji_candidate_pattern() -> str:
    """Regex matching any non-ASCII character that occurs in some emoji.

    Every emoji the ``emoji`` package knows contains at least one such character (keycaps such as
    ``1️⃣`` carry U+20E3), so rows without a match cannot change under ``replace_emoji`` and skip
    the slow per-row call. Measured: 5.0 s → 0.9 s on 200k rows with identical output.
    """
    chars = {c for key in emoji.EMOJI_DATA for c in key if ord(c) > 0x7F}
    return _char_class(chars)


@lru_cache(maxsize=1)
def emoji_trie() -> tuple[dict, Callable[..., re.Match | None]]:
    """Every emoji sequence the ``emoji`` package knows, as a trie of characters (a sequence ends
    at a node holding the key ""), and the ``search`` of a regex finding where one can start."""
    trie: dict = {}
    for word in emoji.EMOJI_DATA:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return trie, re.compile(_char_class(set(trie))).search


def strip_emoji_sequences(text: str) -> str:
    """``text`` without its emoji sequences: scanning left to right, the longest known sequence
    starting at each position goes (what ``replace_emoji`` removes; tests compare the two on every
    known emoji and random mixes).

    A walk down the trie from each possible start, in Python: for the few rows that hold an emoji
    this is ~8x cheaper than one RE2 replace over a regex of every sequence, whose compilation
    alone (~27 ms, on every call) cost more than the matching.
    """
    trie, find_start = emoji_trie()
    n = len(text)
    pieces: list[str] = []
    kept_from = 0
    match = find_start(text)
    while match is not None:
        start = match.start()
        node, end, j = trie, -1, start
        while j < n:
            node = node.get(text[j])
            if node is None:
                break
            j += 1
            if "" in node:
                end = j
        if end < 0:
            match = find_start(text, start + 1)
        else:
            pieces.append(text[kept_from:start])
            kept_from = end
            match = find_start(text, end)
    if not pieces:
        return text
    pieces.append(text[kept_from:])
    return "".join(pieces)


def remove_emoji_scalar(text: str) -> str:
    """Remove every emoji (multi-part sequences go whole) from one string."""
    return _EMOJI_DEBRIS.sub("", emoji.replace_emoji(text, replace=""))


def remove_emoji(texts: pd.Series) -> pd.Series:
    """Remove emoji from a Series of strings; NaN stays NaN, other rows are untouched."""
    mask = texts.str.contains(emoji_candidate_pattern(), regex=True, na=False)
    if not mask.any():
        return texts
    out = texts.copy()
    debris = _EMOJI_DEBRIS.sub
    out.loc[mask] = [debris("", strip_emoji_sequences(text)) for text in texts.loc[mask]]
    return out


def collapse_whitespace(texts: pd.Series) -> pd.Series:
    """Newlines, tabs and runs of spaces become one space; leading/trailing whitespace goes."""
    return texts.str.replace(_WHITESPACE_RUN.pattern, " ", regex=True).str.strip()


def normalise_text(texts: pd.Series, *, strip_emoji: bool = True, collapse: bool = True) -> pd.Series:
    """The message normalisation of every job: emoji removed, whitespace collapsed, trimmed.

    Non-string cells (numbers typed into the sheet) become their text; NaN stays NaN. An empty
    result is returned as "" (the caller decides whether that is a drop).
    """
    texts = as_text(texts)
    if strip_emoji:
        texts = remove_emoji(texts)
    if collapse:
        texts = collapse_whitespace(texts)
    else:
        texts = texts.str.strip()
    return texts


def normalise_text_scalar(text: str) -> str:
    """``normalise_text`` for a single string (the inference service's per-request path)."""
    return _WHITESPACE_RUN.sub(" ", remove_emoji_scalar(text)).strip()


def as_text(values: pd.Series) -> pd.Series:
    """A string Series: strings kept, numbers formatted (1.0 → "1"), booleans as "true"/"false"
    (as Arrow and the .xlsx reader write them), missing values stay NaN."""
    if pd.api.types.is_string_dtype(values.dtype) and not values.dtype == object:
        return values

    def to_text(v: object) -> object:
        if v is None or (isinstance(v, float) and v != v):
            return pd.NA
        if isinstance(v, (bool, np.bool_)):
            return "true" if v else "false"
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return v if isinstance(v, str) else str(v)

    return values.map(to_text).astype("string")


def normalise_role(values: pd.Series) -> pd.Series:
    """Map the role column to ``AGENT_ROLE`` ("是") / ``CUSTOMER_ROLE`` ("否"); unknown → NaN.

    Accepts 是/否, 客服/客户, True/False, 1/0 (as text or numbers), case- and space-insensitive.
    """
    text = as_text(values).str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    out[text.isin(_AGENT_VALUES).fillna(False).astype(bool)] = AGENT_ROLE
    out[text.isin(_CUSTOMER_VALUES).fillna(False).astype(bool)] = CUSTOMER_ROLE
    return out


def is_system_message(
    texts: pd.Series,
    exact: tuple[str, ...] | list[str] = SYSTEM_MESSAGES,
    contains: tuple[str, ...] | list[str] = (),
) -> pd.Series:
    """Boolean mask: the trimmed text equals a system message, or contains a "contains" marker."""
    trimmed = as_text(texts).str.strip()
    mask = trimmed.isin([s.strip() for s in exact]).fillna(False).astype(bool)
    for marker in contains:
        if marker:
            mask |= trimmed.str.contains(marker, regex=False, na=False).astype(bool)
    return mask
