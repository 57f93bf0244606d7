"""The fusion fit: folds keep a gold passage's items together; a fold is scored by a fit made without it."""

from __future__ import annotations

import numpy as np

from eval.fusion_grid import (
    FOLDS,
    KEYWORD,
    RRF_KS,
    SENTENCE,
    choose,
    cross_validated,
    folds,
    grid,
    set_weights,
    sets_out,
)
from qa.chain import interleave
from qa.fusion import Fusion
from qa.types import Chunk, Hit

WIDTH = len(KEYWORD) * len(SENTENCE)  # grid entries per RRF k


def test_every_item_of_a_gold_passage_is_in_one_fold() -> None:
    groups = [f"chunk-{i % 13}" for i in range(60)]
    fold = folds(groups, seed=3)
    for group in set(groups):
        assert len({int(f) for f, g in zip(fold, groups, strict=True) if g == group}) == 1
    assert set(fold.tolist()) == set(range(FOLDS))


def table(best: list[int], size: int) -> np.ndarray:
    """Cases scoring 1 (recall and RR) only under their own grid entry."""
    out = np.zeros((len(best), size, 2))
    for i, j in enumerate(best):
        out[i, j] = 1.0
    return out


def test_the_chosen_entries_share_one_rrf_k() -> None:
    size = len(RRF_KS) * WIDTH
    zh = table([WIDTH + 3] * 4, size)  # Chinese best at the second k
    en = table([2 * WIDTH + 5] * 3 + [WIDTH + 1] * 4, size)  # English: more cases at the second k
    zi, ei = choose(zh, en, np.ones(4, bool), np.ones(7, bool))
    assert zi == WIDTH + 3 and ei == WIDTH + 1


def test_cross_validation_scores_each_passage_by_a_fit_made_without_it() -> None:
    size = len(RRF_KS) * WIDTH
    # every passage wants a weighting of its own: fitted on all, each case is served; unseen, none is
    own = [i % size for i in range(40)]
    zh = table(own, size)
    en = np.zeros((0, size, 2))
    groups = [f"p{i}" for i in range(40)]
    assert cross_validated(zh, en, groups, []) == (0.0, 0.0)
    # one weighting that serves every passage is found whichever fold is held out
    shared = table([7] * 40, size)
    assert cross_validated(shared, en, groups, []) == (1.0, 1.0)


def test_each_tuning_set_is_scored_by_a_fit_made_on_the_other_sets() -> None:
    size = len(RRF_KS) * WIDTH
    # sets a and b want the same weighting, set c another: left out, c is served by a's and b's choice
    zh = table([3] * 4 + [3] * 4 + [5] * 2, size)
    en = np.zeros((0, size, 2))
    sets = ["a"] * 4 + ["b"] * 4 + ["c"] * 2
    assert sets_out(zh, en, sets, [], balanced=False) == {
        "a": (1.0, 1.0),
        "b": (1.0, 1.0),
        "c": (0.0, 0.0),
    }


def test_sets_alike_weighs_a_small_set_as_much_as_a_large_one() -> None:
    sources = np.asarray(["big"] * 4 + ["small"])
    assert set_weights(sources, sources, balanced=True).tolist() == [0.25] * 4 + [1.0]
    assert set_weights(sources, sources, balanced=False).tolist() == [1.0] * 5
    size = len(RRF_KS) * WIDTH
    zh, en = table([2, 2, 2, 6, 6], size), np.zeros((0, size, 2))  # three of the big set want entry 2
    assert choose(zh, en, set_weights(sources, sources, balanced=False), np.ones(0))[0] == 2
    assert choose(zh, en, set_weights(sources, sources, balanced=True), np.ones(0))[0] == 6


def test_the_grid_varies_one_languages_weights_only() -> None:
    base = Fusion()
    english = grid(base, english_side=True)
    assert {(f.keyword, f.sentence) for f in english} == {(base.keyword, base.sentence)}
    assert len(english) == len(RRF_KS) * WIDTH and len(set(english)) == len(english)


def hit(chunk_id: str) -> Hit:
    return Hit(Chunk(chunk_id, "d", "t", "d", (), 1, 1, 0, 1, "x", "x", ""), 1.0)


def test_parts_are_interleaved_best_first_without_repeats() -> None:
    rows = [[hit("a"), hit("b"), hit("c")], [hit("b"), hit("d")]]
    assert [h.chunk.id for h in interleave(rows)] == ["a", "b", "d", "c"]
