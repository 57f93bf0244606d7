"""The sentence ranker: the shipped file loads and puts the answering sentence first on the bundled plans,
its features say what they name, a broken file is a clear error, and the fitting learns what it is shown."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from eval.fit_ranker import Group, cross_validated, fit_model, fit_sharpness, folds, hits_at, holds_gold
from qa.corpus import Corpus
from qa.evidence import Sentence, features, score_sentences
from qa.ranker import FEATURES, Ranker, hand_ranker, shipped
from qa.types import Chunk, Hit
from tests.ui_index import plans_chain


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index").corpus


def chunk_with(corpus: Corpus, text: str) -> Chunk:
    return next(c for c in corpus.chunks.values() if text in c.text)


def test_the_shipped_ranker_puts_the_answering_sentence_first(corpus: Corpus) -> None:
    ranker = shipped()
    assert ranker.window >= 5 and 0 < ranker.close <= 1 and 0 < ranker.close_many <= 1
    assert ranker.sharpness > 1  # fitted: the hand scores of one question's sentences lie within about 1
    # The answer lies among other sentences of its passage, and a passage about something else ranks higher.
    other = chunk_with(corpus, "完善农户信用信息档案")
    answer = chunk_with(corpus, "地区生产总值年均增长6%左右")
    scored = score_sentences(
        corpus,
        "从化“十四五”时期地区生产总值年均增长多少？",
        [Hit(other, 1.0), Hit(answer, 0.9)],
        ranker=ranker,
    )
    best = scored[0]
    assert "地区生产总值年均增长6%左右" in best.chunk.text[best.start : best.end]
    assert best.score > max(s.score for s in scored if s.chunk.id == other.id)


def column(s: Sentence, name: str) -> float:
    return s.features[FEATURES.index(name)]


def test_features_say_what_they_name(corpus: Corpus) -> None:
    text = "“十三五”期间新建公园12个。十四五时期新建莲麻公园、温泉公园、西塘公园。加强管理。"
    chunk = Chunk("c1", "doc", "plan", "区", ("第一章 公园",), 1, 1, 0, len(text), text, text, "第一章 公园")
    first = Chunk("c0", "doc", "plan", "区", ("第二章",), 1, 1, 0, 4, "无关内容。", "无关内容。", "第二章")

    def longer_is_closer(sentences: Sequence[str]) -> list[float]:
        return [len(s) / 100 for s in sentences]

    rows = features(
        corpus, "以后要新建哪些公园？", [Hit(first, 1.0), Hit(chunk, 0.5)], similarity=longer_is_closer
    )
    by_text = {r.chunk.text[r.start : r.end].strip(): r for r in rows}
    past, listing, short = (
        by_text["“十三五”期间新建公园12个。"],
        by_text["十四五时期新建莲麻公园、温泉公园、西塘公园。"],
        by_text["加强管理。"],
    )
    assert len(rows[0].features) == len(FEATURES)
    assert column(listing, "rank") == pytest.approx(1 / 2) and column(rows[0], "rank") == 1.0
    assert column(listing, "list_items") == pytest.approx(2 / 3)  # three items, two 、
    assert column(listing, "kind_items") > 0 and column(short, "kind_items") == 0  # 莲麻公园 names a 公园
    # A target is asked for (以后): a 十三五 sentence reports the past.
    assert column(past, "past") == 1.0 and column(listing, "past") == 0.0
    assert column(past, "results") == 1.0 and column(listing, "results") == 0.0
    assert column(listing, "match_sentence") > column(short, "match_sentence")
    assert column(short, "short") == 1.0 and column(listing, "short") == 0.0
    assert column(past, "first") == 1.0 and column(listing, "first") == 0.0
    assert column(listing, "relative_cosine") == 1.0  # the longest of the candidates, by the fake's measure
    assert min(column(r, "relative_cosine") for r in rows) == 0.0


def test_a_missing_or_malformed_ranker_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"missing\.json"):
        shipped(tmp_path / "missing.json")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(
        json.dumps({**hand_ranker().as_json(), "features": ["match_sentence"]}), encoding="utf-8"
    )
    with pytest.raises(RuntimeError, match="FEATURES"):
        shipped(wrong)


def test_a_ranker_survives_its_json_form() -> None:
    ranker = hand_ranker(8)
    assert Ranker.from_json(json.loads(json.dumps(ranker.as_json()))) == ranker


def test_a_ranker_file_without_a_sharpness_reads_as_one() -> None:
    data = hand_ranker().as_json()
    del data["sharpness"]
    assert Ranker.from_json(data).sharpness == 1.0


def test_certainty_is_the_softmax_chance_that_the_best_candidate_answers() -> None:
    sharp = replace(hand_ranker(), sharpness=10.0)
    assert sharp.certainty([1.0, 1.0, -5.0]) == pytest.approx(0.5, abs=1e-3)  # a tie of two
    assert sharp.certainty([1.0, 0.0, 0.0]) > 0.99  # one clearly best
    assert sharp.certainty([0.0] * 4) == pytest.approx(0.25)  # nothing to choose between four
    assert replace(sharp, sharpness=1.0).certainty([1.0, 0.0]) < 0.75  # the same gap, read less sharply
    assert sharp.certainty([]) == 0.0
    # A fitted (logistic) ranker's scores are probabilities: they are compared as log-odds.
    odds = replace(hand_ranker(), logistic=True)
    assert odds.certainty([0.9, 0.1]) == pytest.approx(81 / 82)


def test_the_sharpness_is_high_when_the_scores_single_out_the_answer() -> None:
    groups = synthetic(120, seed=2)
    weights = tuple(1.0 if f == "focus" else 0.0 for f in FEATURES)  # what labels the synthetic answer
    knowing = replace(hand_ranker(), weights=weights)
    assert fit_sharpness(groups, knowing) > 5 * fit_sharpness(groups, hand_ranker())


def test_with_several_sets_each_is_left_out_in_turn() -> None:
    groups = synthetic(4, seed=3)
    groups = [replace(g, key=f"{name}:{i}") for i, (g, name) in enumerate(zip(groups, "aaba", strict=True))]
    assert folds(groups) == {0: 0, 1: 0, 2: 1, 3: 0}
    assert len(set(folds(synthetic(40, seed=4)).values())) == 5  # one set: grouped 5-fold


def test_gold_is_the_evidence_saying_what_a_right_answer_must_include() -> None:
    gold = ["地区生产总值年均增长6%左右"]
    assert holds_gold("“十四五”时期,地区生产总值年均增长6%左右。", gold, ["6%"])
    assert not holds_gold("“十四五”时期,地区生产总值年均增长6%左右。", gold, ["8%"])
    assert holds_gold("年均增长6%左右", gold)  # a sentence inside the evidence
    assert not holds_gold("1.", ["1.整合资源"])  # a numbering lies inside anything


def synthetic(n: int, seed: int) -> list[Group]:
    """Items whose answering sentence is the one with the highest `focus`, a feature the hand weights ignore;
    `match_sentence` (which they weigh most) is noise."""
    rng = np.random.default_rng(seed)
    chunk = Chunk("c", "doc", "plan", "区", ("一",), 1, 1, 0, 2, "句子", "句子", "一")
    groups = []
    for i in range(n):
        rows = rng.random((6, len(FEATURES)))
        labels = (rows[:, FEATURES.index("focus")] == rows[:, FEATURES.index("focus")].max()).astype(int)
        sentences = [Sentence(0, chunk, 0, 2, 0.0, 0.0, 0.0, tuple(map(float, r))) for r in rows]
        groups.append(Group(f"s:{i}", False, False, {5: (sentences, labels)}))
    return groups


def test_the_fitting_learns_what_answers_where_the_hand_weights_do_not() -> None:
    groups = synthetic(120, seed=1)
    hand = hits_at(
        groups, [np.asarray([hand_ranker().score(s.features) for s in g.by_window[5][0]]) for g in groups], 5
    )
    fitted = hits_at(groups, cross_validated(groups, 5, 1.0), 5)
    assert fitted[0] > 0.75 and fitted[1] > 0.95  # cross-validated: on items it was not fitted to
    assert hand[0] < 0.3  # the hand weights find it about one time in six
    ranker = fit_model(groups, 5, 1.0)
    assert ranker.weights[FEATURES.index("focus")] > 0 and ranker.logistic
