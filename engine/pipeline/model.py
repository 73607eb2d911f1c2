"""The default model: reply suggestion by retrieval, vectorised over the batch.

Data flow::

    index (built once, inside the predictor process)
      dialogues dir OUT/std/train.txt ─┐
      or demo chat made on the spot ───┴─► (customer utterance → next agent utterance) pairs
          └─► hashed character 1-3-grams ─► TF-IDF rows, L2-normalised ─► Qᵀ  (features × pairs, CSR)

    predict(batch of b items)
      items (normalised text, grams bytes) ─► X (b × features, CSR) ─► S = X · Qᵀ (b × pairs, sparse)
          ─► best pair per row (vectorised arg-max over CSR rows) ─► {"reply", "score", "matched"}

One sparse product serves the whole batch, so the fixed cost of a call (building X, the SciPy
call, the arg-max) is paid once per batch instead of once per request: batching genuinely pays.
The hash is a fixed polynomial over code points, identical in every process (Python's ``hash`` is
salted per process and would make the preprocess workers and the predictors disagree).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from engine.output_folder import dialogue_train_file
from engine.textnorm import (
    AGENT_ROLE,
    CUSTOMER_ROLE,
    is_system_message,
    normalise_role,
    normalise_text,
    normalise_text_scalar,
)

log = logging.getLogger(__name__)

HASH_BITS = 18
N_FEATURES = 1 << HASH_BITS
NGRAM_SIZES = (1, 2, 3)
_POSITION_PRIMES = (np.uint64(0x100000001B3), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SEPARATOR = "\x00"

AGENT_PREFIX = "坐席:"
CUSTOMER_PREFIX = "客户:"


# --- featurisation (shared with the preprocess workers) --------------------------------------------
def hashed_ngrams(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hashed character n-grams of every text at once: (row index, bucket) int arrays.

    Texts are joined with NUL (which normalised text never contains) and each n-gram is a
    polynomial of its code points; an n-gram that would span a NUL is dropped.
    """
    if not texts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    joined = _SEPARATOR.join(t.replace(_SEPARATOR, " ").lower() for t in texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    is_sep = codes == 0
    row_of = np.cumsum(is_sep)  # row index of each position (a separator belongs to the next row)
    rows_out: list[np.ndarray] = []
    buckets_out: list[np.ndarray] = []
    for n in NGRAM_SIZES:
        if len(codes) < n:
            continue
        span = len(codes) - n + 1
        h = np.full(span, np.uint64(n), dtype=np.uint64)
        valid = np.ones(span, dtype=bool)
        for j in range(n):
            h = h + codes[j : j + span] * _POSITION_PRIMES[j]
            valid &= ~is_sep[j : j + span]
        bucket = ((h * _MIX) >> np.uint64(64 - HASH_BITS)).astype(np.int64)
        rows_out.append(row_of[:span][valid])
        buckets_out.append(bucket[valid])
    if not rows_out:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(rows_out).astype(np.int64), np.concatenate(buckets_out)


def featurise(texts: Sequence[str]) -> list[bytes]:
    """Per text, its n-gram buckets as int32 bytes (cheap to pickle between processes)."""
    rows, buckets = hashed_ngrams(texts)
    order = np.argsort(rows, kind="stable")
    rows, buckets = rows[order], buckets[order].astype(np.int32)
    bounds = np.searchsorted(rows, np.arange(len(texts) + 1))
    return [buckets[bounds[i] : bounds[i + 1]].tobytes() for i in range(len(texts))]


def _tfidf_rows(rows: np.ndarray, buckets: np.ndarray, n_rows: int, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear TF × IDF, each row L2-normalised (a row without n-grams stays zero)."""
    counts = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, buckets)), shape=(n_rows, N_FEATURES))
    counts.sum_duplicates()
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ counts, dtype=np.float32)


def best_per_row(scores: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """(column of the largest value, that value) per row of a CSR matrix; (-1, 0) for an empty row."""
    n_rows = scores.shape[0]
    best_col = np.full(n_rows, -1, dtype=np.int64)
    scores.sum_duplicates()  # canonical: sorted column indices, so ties go to the first column
    best_val = np.zeros(n_rows, dtype=scores.data.dtype)
    lengths = np.diff(scores.indptr)
    nonempty = np.flatnonzero(lengths > 0)
    if len(nonempty) == 0:
        return best_col, best_val
    best_val[nonempty] = np.maximum.reduceat(scores.data, scores.indptr[nonempty])
    row_of = np.repeat(np.arange(n_rows), lengths)
    hits = np.flatnonzero(scores.data == best_val[row_of])
    hit_rows = row_of[hits]
    first_rows, first_pos = np.unique(hit_rows, return_index=True)
    best_col[first_rows] = scores.indices[hits[first_pos]]
    return best_col, best_val


# --- the index ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PairIndex:
    """Question → reply pairs; each question once, with its most frequent reply."""

    questions: tuple[str, ...]
    replies: tuple[str, ...]
    source: str

    @classmethod
    def from_pairs(cls, questions: Sequence[str], replies: Sequence[str], source: str) -> PairIndex:
        frame = pd.DataFrame({"q": list(questions), "r": list(replies)}, dtype=object)
        frame = frame[(frame["q"].str.len() > 0) & (frame["r"].str.len() > 0)]
        counted = frame.value_counts(["q", "r"], sort=True).reset_index()
        best = counted.drop_duplicates("q", keep="first").sort_values("q", kind="stable")
        return cls(tuple(best["q"]), tuple(best["r"]), source)


def pairs_from_dialogue_text(text: str) -> tuple[list[str], list[str]]:
    """(customer utterance, next agent utterance) pairs of a dialogues-job std file.

    Dialogues are separated by a blank line, utterances by a line break. With role prefixes
    (``客户:``/``坐席:``) a pair is a customer line directly followed by an agent line; without
    prefixes roles are unknown and every utterance is paired with the one after it.
    """
    questions: list[str] = []
    replies: list[str] = []
    for dialogue in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in dialogue.split("\n") if line.strip()]
        prefixed = any(line.startswith((AGENT_PREFIX, CUSTOMER_PREFIX)) for line in lines)
        for first, second in zip(lines, lines[1:]):
            if prefixed:
                if first.startswith(CUSTOMER_PREFIX) and second.startswith(AGENT_PREFIX):
                    questions.append(normalise_text_scalar(first[len(CUSTOMER_PREFIX) :]))
                    replies.append(second[len(AGENT_PREFIX) :].strip())
            else:
                questions.append(normalise_text_scalar(first))
                replies.append(second.strip())
    return questions, replies


def load_dialogue_index(index_dir: str | Path) -> PairIndex:
    """Pairs from a dialogues-job output folder (``dialogue_train_file``) or that file itself."""
    path = dialogue_train_file(index_dir)
    questions, replies = pairs_from_dialogue_text(path.read_text(encoding="utf-8"))
    if not questions:
        raise ValueError(f"{path}: no (customer → agent) pairs found")
    return PairIndex.from_pairs(questions, replies, source=str(path))


def demo_index(rows: int = 20_000, seed: int = 7) -> PairIndex:
    """Pairs from demo chat made on the spot, cleaned with the shared text normalisation."""
    from engine.demo.data import make_chat_frame

    frame = make_chat_frame(rows, seed)
    text = normalise_text(frame["消息内容"])
    role = normalise_role(frame["是否客服"])
    keep = (text.fillna("").str.len() > 0) & ~is_system_message(text) & role.notna()
    keep &= frame["客户微信id"].notna() & frame["坐席id"].notna()
    chat = pd.DataFrame(
        {
            "conv": (frame["坐席id"].astype(str) + "|" + frame["客户微信id"].astype(str)),
            "time": frame["消息时间"],
            "role": role,
            "text": text,
        }
    )[keep.fillna(False).astype(bool)]
    chat = chat.drop_duplicates().sort_values(["conv", "time"], kind="stable")
    same_conv = chat["conv"].to_numpy()[:-1] == chat["conv"].to_numpy()[1:]
    roles = chat["role"].to_numpy(dtype=object)
    is_pair = same_conv & (roles[:-1] == CUSTOMER_ROLE) & (roles[1:] == AGENT_ROLE)
    texts = chat["text"].to_numpy(dtype=object)
    return PairIndex.from_pairs(
        list(texts[:-1][is_pair]), list(texts[1:][is_pair]), source=f"demo chat ({rows} rows, seed {seed})"
    )


# --- the model ------------------------------------------------------------------------------------
class RetrievalModel:
    """``predict(batch) -> answers``: for each item the reply of the most similar indexed question.

    An item is ``(normalised text, grams bytes)`` as the default preprocess makes it, or a plain
    string (featurised here). The answer is ``{"reply", "score", "matched"}``; with no shared
    n-gram at all, ``reply`` and ``matched`` are None and ``score`` is 0.
    """

    def __init__(self, index: PairIndex) -> None:
        self.index = index
        rows, buckets = hashed_ngrams(index.questions)
        doc_freq = np.bincount(np.unique(rows * N_FEATURES + buckets) % N_FEATURES, minlength=N_FEATURES)
        n_docs = len(index.questions)
        self.idf = (np.log((1.0 + n_docs) / (1.0 + doc_freq)) + 1.0).astype(np.float32)
        questions = _tfidf_rows(rows, buckets, n_docs, self.idf)
        self.questions_t = questions.T.tocsr()

    def __len__(self) -> int:
        return len(self.index.questions)

    def _batch_matrix(self, batch: Sequence[Any]) -> sparse.csr_matrix:
        if all(isinstance(item, tuple) for item in batch):
            grams = [np.frombuffer(item[1], dtype=np.int32) for item in batch]
            lengths = np.fromiter((len(g) for g in grams), dtype=np.int64, count=len(grams))
            buckets = np.concatenate(grams).astype(np.int64) if grams else np.zeros(0, np.int64)
            rows = np.repeat(np.arange(len(batch)), lengths)
        else:
            texts = [item[0] if isinstance(item, tuple) else normalise_text_scalar(str(item)) for item in batch]
            rows, buckets = hashed_ngrams(texts)
        return _tfidf_rows(rows, buckets, len(batch), self.idf)

    def predict(self, batch: Sequence[Any]) -> list[dict[str, Any]]:
        if not batch:
            return []
        scores = self._batch_matrix(batch) @ self.questions_t
        best, value = best_per_row(scores.tocsr())
        answers = []
        for col, score in zip(best.tolist(), value.tolist()):
            if col < 0:
                answers.append({"reply": None, "score": 0.0, "matched": None})
            else:
                answers.append(
                    {
                        "reply": self.index.replies[col],
                        "score": round(float(score), 4),
                        "matched": self.index.questions[col],
                    }
                )
        return answers


def build_model(index_dir: str | None = None, demo_rows: int = 20_000) -> RetrievalModel:
    """The default model factory (``--model engine.pipeline.model:build_model``)."""
    index = load_dialogue_index(index_dir) if index_dir else demo_index(demo_rows)
    return RetrievalModel(index)
