"""The default retrieval model: vectorised answers equal one-at-a-time answers, index loading, hashing."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from engine.context import SPAWN
from engine.pipeline.model import (
    PairIndex,
    RetrievalModel,
    best_per_row,
    build_model,
    featurise,
    load_dialogue_index,
    pairs_from_dialogue_text,
)
from engine.pipeline.predictor import run_batch
from engine.pipeline.preprocess import normalise_and_featurise

QUESTIONS = ("请问这个还有货吗", "能开发票吗", "想问下怎么退款", "快递一直没更新", "包邮吗", "买两件能便宜点吗")
REPLIES = ("亲,有货的。", "可以开发票的。", "退款一到三个工作日到账。", "我帮您催一下。", "全国包邮。", "两件打九折。")


@pytest.fixture(scope="module")
def model() -> RetrievalModel:
    return RetrievalModel(PairIndex.from_pairs(QUESTIONS, REPLIES, "test"))


def test_exact_question_gets_its_reply(model: RetrievalModel) -> None:
    answers = model.predict(list(QUESTIONS))
    assert [a["reply"] for a in answers] == list(REPLIES)
    assert all(a["score"] == pytest.approx(1.0, abs=1e-3) for a in answers)
    assert [a["matched"] for a in answers] == list(QUESTIONS)


def test_batch_answers_equal_one_at_a_time(model: RetrievalModel) -> None:
    rng = np.random.default_rng(3)
    pieces = list("请问有货吗能开发票退款快递包邮两件便宜点没更新😀 \n") + ["", "xyz"]
    texts = ["".join(rng.choice(pieces, size=rng.integers(0, 12))) for _ in range(200)]
    items = normalise_and_featurise(texts)
    batched = model.predict(items)
    single = [model.predict([item])[0] for item in items]
    assert batched == single
    assert model.predict(texts) == batched  # raw strings are normalised and featurised the same way


def test_no_shared_ngram_gives_no_reply(model: RetrievalModel) -> None:
    assert model.predict(["zzz"])[0] == {"reply": None, "score": 0.0, "matched": None}
    assert model.predict([""])[0]["reply"] is None


def test_best_per_row_matches_dense_argmax() -> None:
    rng = np.random.default_rng(5)
    dense = rng.random((50, 30)) * (rng.random((50, 30)) < 0.2)
    dense[7] = 0.0  # an empty row
    dense[9, [3, 11]] = 2.0  # a tie: the first column wins, as with numpy's argmax
    col, val = best_per_row(sparse.csr_matrix(dense))
    expected = np.where(dense.max(axis=1) > 0, dense.argmax(axis=1), -1)
    assert col.tolist() == expected.tolist()
    assert np.allclose(val, dense.max(axis=1))


def _featurise_in_child(texts: list[str], out: object) -> None:
    out.put(featurise(texts))


@pytest.mark.timeout(60)
def test_hashing_is_identical_in_another_process() -> None:
    texts = ["请问这个还有货吗", "abc ABC", ""]
    out = SPAWN.Queue()
    child = SPAWN.Process(target=_featurise_in_child, args=(texts, out))
    child.start()
    theirs = out.get(timeout=50)
    child.join(10)
    assert theirs == featurise(texts)


def test_dialogue_file_pairs_with_and_without_role_prefixes(tmp_path) -> None:
    prefixed = "客户:你好,在吗\n坐席:您好,在的\n客户:有货吗\n坐席:有的\n\n坐席:欢迎\n客户:包邮吗\n坐席:包邮"
    questions, replies = pairs_from_dialogue_text(prefixed)
    assert list(zip(questions, replies)) == [("你好,在吗", "您好,在的"), ("有货吗", "有的"), ("包邮吗", "包邮")]
    plain = "你好\n您好\n有货吗\n\n包邮吗\n包邮"
    assert list(zip(*pairs_from_dialogue_text(plain))) == [("你好", "您好"), ("您好", "有货吗"), ("包邮吗", "包邮")]
    (tmp_path / "std").mkdir()
    (tmp_path / "std" / "train.txt").write_text(prefixed, encoding="utf-8")
    index = load_dialogue_index(tmp_path)
    assert len(index.questions) == 3
    model = build_model(index_dir=str(tmp_path))
    assert model.predict(["有货吗?"])[0]["reply"] == "有的"


def test_missing_index_folder_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="train.txt"):
        load_dialogue_index(tmp_path)


def test_demo_index_serves_out_of_the_box() -> None:
    model = build_model(demo_rows=3000)
    assert len(model) > 20
    answer = model.predict(["请问这个还有货吗"])[0]
    assert answer["reply"] and answer["score"] > 0.5


def test_failing_or_wrong_length_model_fails_the_batch_with_a_reason() -> None:
    class Broken:
        def predict(self, batch):
            raise RuntimeError("weights missing")

    class Short:
        def predict(self, batch):
            return batch[:-1]

    assert run_batch(Broken(), ["a", "b"]) == [(500, "model failed on this batch: RuntimeError: weights missing")] * 2
    statuses = run_batch(Short(), ["a", "b"])
    assert {s for s, _ in statuses} == {500} and "1 answers for a batch of 2" in statuses[0][1]
    assert run_batch(Short(), []) == []
