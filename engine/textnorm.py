"""Text normalisation shared by every job (clean, dialogues, pipeline preprocessing).

One implementation, used everywhere, so that a message cleaned by the clean job and a message
normalised on the fly by the dialogues job or the inference service are byte-identical.

All functions are vectorised over pandas Series (pandas 2 and 3, object or pyarrow-backed strings):
per-row Python calls are reserved for the few rows that can hold an emoji.
"""

from __future__ import annotations

import re
from functools import lru_cache

import emoji
import numpy as np
import pandas as pd
import pyarrow as pa

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


def _trie_regex(words: list[str]) -> str:
    """A regex matching exactly ``words``, longest first, shaped as a trie (no backtracking blow-up)."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [(ch, sub) for ch, sub in node.items() if ch != ""]
        if not branches:
            return ""
        leaves = [re.escape(ch) for ch, sub in branches if list(sub) == [""]]
        alternatives = [re.escape(ch) + build(sub) for ch, sub in branches if list(sub) != [""]]
        alternatives += ["[" + "".join(leaves) + "]"] if len(leaves) > 1 else leaves
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


@lru_cache(maxsize=1)
def emoji_sequence_pattern() -> str:
    """Regex of every emoji sequence the ``emoji`` package knows (same matches as ``replace_emoji``).

    Run by pyarrow's RE2 over the candidate rows it is ~3x faster than per-row ``replace_emoji``
    with identical output (tests compare the two on every known emoji and random mixes).
    """
    return _trie_regex(list(emoji.EMOJI_DATA))


def remove_emoji_scalar(text: str) -> str:
    """Remove every emoji (multi-part sequences go whole) from one string."""
    return _EMOJI_DEBRIS.sub("", emoji.replace_emoji(text, replace=""))


def remove_emoji(texts: pd.Series) -> pd.Series:
    """Remove emoji from a Series of strings; NaN stays NaN, other rows are untouched."""
    mask = texts.str.contains(emoji_candidate_pattern(), regex=True, na=False)
    if not mask.any():
        return texts
    out = texts.copy()
    candidates = texts.loc[mask].astype(pd.ArrowDtype(pa.string()))  # RE2: linear, vectorised
    cleaned = candidates.str.replace(emoji_sequence_pattern(), "", regex=True)
    cleaned = cleaned.str.replace(_EMOJI_DEBRIS.pattern, "", regex=True)
    out.loc[mask] = cleaned.to_numpy(dtype=object)
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
