"""The weightings the retrieval fusion fit tries, and how one is chosen from their scores.

Scores come as arrays of shape (cases, weightings, 2): recall@5 and reciprocal rank of each tuning item under
each weighting of the grid. A choice is scored on items it was not made on: grouped by gold passage
(folds), or one tuning set left out at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import product

import numpy as np

from qa.fusion import Fusion

RRF_KS = (1.0, 2.0, 5.0, 10.0, 20.0, 40.0, 60.0)
KEYWORD = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
SENTENCE = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
FOLDS, REPEATS = 5, 10
SEED = 11


def grid(base: Fusion, english_side: bool) -> list[Fusion]:
    """Every weighting tried for one language (the other language's weights as in `base`)."""
    out = []
    for k, keyword, sentence in product(RRF_KS, KEYWORD, SENTENCE):
        if english_side:
            out.append(replace(base, rrf_k=k, keyword_en=keyword, sentence_en=sentence))
        else:
            out.append(replace(base, rrf_k=k, keyword=keyword, sentence=sentence))
    return out


def choose(zh: np.ndarray, en: np.ndarray, zh_rows: np.ndarray, en_rows: np.ndarray) -> tuple[int, int]:
    """The best Chinese and English grid entries on these rows, sharing k (recall@5 + MRR summed).

    A row mask may also be a weight per row (0 leaves the row out)."""
    zh_total = np.einsum("i,ijk->j", np.asarray(zh_rows, float), zh).reshape(len(RRF_KS), -1)
    en_total = np.einsum("i,ijk->j", np.asarray(en_rows, float), en).reshape(len(RRF_KS), -1)
    per_k = zh_total.max(axis=1) + en_total.max(axis=1)
    k = int(np.argmax(per_k))  # the first of ties: the smallest k
    width = zh_total.shape[1]
    return k * width + int(np.argmax(zh_total[k])), k * width + int(np.argmax(en_total[k]))


def folds(groups: Sequence[str], seed: int) -> np.ndarray:
    """A fold number for each case, all cases of a group in one fold."""
    names = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(names))
    fold_of = {names[i]: n % FOLDS for n, i in enumerate(order)}
    return np.asarray([fold_of[g] for g in groups])


def cross_validated(
    zh: np.ndarray, en: np.ndarray, zh_groups: Sequence[str], en_groups: Sequence[str]
) -> tuple[float, float]:
    """recall@5 and MRR over all cases, each scored by a fit made without its gold passage's fold."""
    recall, rr = [], []
    for seed in range(SEED, SEED + REPEATS):
        # one assignment of passages to folds for both languages: a passage is unseen by both fits
        every = folds([*zh_groups, *en_groups], seed)
        zh_fold, en_fold = every[: len(zh_groups)], every[len(zh_groups) :]
        for fold in range(FOLDS):
            zi, ei = choose(zh, en, zh_fold != fold, en_fold != fold)
            for cases, fold_of, j in ((zh, zh_fold, zi), (en, en_fold, ei)):
                held = cases[fold_of == fold, j]
                recall.extend(held[:, 0])
                rr.extend(held[:, 1])
    return float(np.mean(recall)), float(np.mean(rr))


def set_weights(sources: np.ndarray, everyone: np.ndarray, balanced: bool) -> np.ndarray:
    """A weight per row: 1 each, or 1 / the size of the row's set so that every set counts alike."""
    if not balanced:
        return np.ones(len(sources))
    names, counts = np.unique(everyone, return_counts=True)
    size = dict(zip(names.tolist(), counts.tolist(), strict=True))
    return np.asarray([1.0 / size[s] for s in sources.tolist()])


def sets_out(
    zh: np.ndarray, en: np.ndarray, zh_sets: Sequence[str], en_sets: Sequence[str], balanced: bool
) -> dict[str, tuple[float, float]]:
    """recall@5 and MRR of each tuning set's items with weights chosen on the other sets only."""
    zs, es = np.asarray(zh_sets), np.asarray(en_sets)
    everyone = np.concatenate([zs, es])
    zw, ew = set_weights(zs, everyone, balanced), set_weights(es, everyone, balanced)
    out: dict[str, tuple[float, float]] = {}
    for name in sorted(set(everyone.tolist())):
        zi, ei = choose(zh, en, zw * (zs != name), ew * (es != name))
        held = np.vstack([zh[zs == name, zi], en[es == name, ei]])
        out[name] = (float(held[:, 0].mean()), float(held[:, 1].mean()))
    return out
