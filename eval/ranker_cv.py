"""Fit the sentence ranker and cross-validate it leaving one set out; fit and tabulate its sharpness."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from eval.ranker_candidates import WINDOWS, Group
from qa.ranker import Ranker, hand_ranker

REGULARISATION = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)  # inverse L2 strengths tried (on standard scores)
FOLDS = 5


def fit_model(groups: Sequence[Group], window: int, c: float) -> Ranker:
    """A conditional logit (softmax over each item's candidates) that starts from the hand weights: the
    score is t × (hand score) + d · (standardised features), with an L2 penalty on d only, so the data
    move the ranking away from the hand weights only as far as cross-validation finds it pays (C).
    Learning which of one question's sentences answers, not which questions are easy. The scores are then
    made probabilities by a one-variable logistic fit (Platt), so a runner-up's share of the best means the
    same across questions."""
    from scipy.optimize import minimize
    from sklearn.linear_model import LogisticRegression

    rows = [
        (np.asarray([s.features for s in g.by_window[window][0]]), g.by_window[window][1]) for g in groups
    ]
    rows = [(x, y) for x, y in rows if len(y)]
    x_all = np.vstack([x for x, _ in rows])
    mean = x_all.mean(axis=0)
    spread = x_all.std(axis=0)
    scale = np.where(spread == 0, 1.0, spread)
    hand = np.asarray(hand_ranker().weights) * scale  # the hand score on standardised features (+ a constant)
    answered = [((x - mean) / scale, y.astype(bool)) for x, y in rows if y.any()]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        t, d = theta[0], theta[1:]
        w = t * hand + d
        value, grad_w = 0.5 * d @ d / c, np.zeros_like(d)
        for z, pos in answered:
            s = z @ w
            e = np.exp(s - s.max())
            value -= np.log(e[pos].sum()) - np.log(e.sum())
            grad_w -= (e[pos] / e[pos].sum()) @ z[pos] - (e / e.sum()) @ z
        return float(value), np.append(grad_w @ hand, grad_w + d / c)

    theta = minimize(loss, np.append(1.0, np.zeros(len(hand))), jac=True, method="L-BFGS-B").x
    w = theta[0] * hand + theta[1:]
    z = ((x_all - mean) / scale) @ w
    platt = LogisticRegression(C=1e6).fit(z[:, None], np.concatenate([y for _, y in rows]))
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    return Ranker(
        tuple(round(float(v) * a, 5) for v in w),
        tuple(round(float(m), 5) for m in mean),
        tuple(round(float(s), 5) for s in scale),
        round(b, 5),
        True,
        window,
    )


def hits_at(groups: Sequence[Group], scores: Sequence[np.ndarray], window: int) -> tuple[float, float]:
    """Share of items whose best-scored sentence holds gold evidence, and whose top three do."""
    one = three = 0
    for g, s in zip(groups, scores, strict=True):
        labels = g.by_window[window][1]
        order = np.argsort(-s, kind="stable")
        one += int(len(order) > 0 and labels[order[0]] == 1)
        three += int(labels[order[:3]].any()) if len(order) else 0
    return one / len(groups), three / len(groups)


def score_with(ranker: Ranker, group: Group, window: int) -> np.ndarray:
    return np.asarray([ranker.score(s.features) for s in group.by_window[window][0]])


def folds(groups: Sequence[Group], seed: int = 0) -> dict[int, int]:
    """Each group's fold: its QA set when there are several (leave one set out: a setting must carry to a
    set written by other hands, not only to other items of the same set), else one of FOLDS grouped folds
    (a comparison's sides are one item: one fold)."""
    sets = list(dict.fromkeys(set_of(g) for g in groups))
    if len(sets) > 1:
        return {i: sets.index(set_of(g)) for i, g in enumerate(groups)}
    keys = list(dict.fromkeys(g.key for g in groups))
    order = np.random.default_rng(seed).permutation(len(keys))
    of_key = {keys[int(i)]: k % FOLDS for k, i in enumerate(order)}
    return {i: of_key[g.key] for i, g in enumerate(groups)}


def set_of(group: Group) -> str:
    """Name the QA set a group's item comes from."""
    return group.key.split(":", 1)[0]


def selected(groups: Sequence[Group]) -> tuple[tuple[int, float], dict[tuple[int, float], list[np.ndarray]]]:
    """The window and regularisation with the best CV hit@1 (then hit@3; then the smaller), and every
    setting's cross-validated scores."""
    cv = {(w, c): cross_validated(groups, w, c) for w in WINDOWS for c in REGULARISATION}
    tried = {k: hits_at(groups, v, k[0]) for k, v in cv.items()}
    return max(tried, key=lambda k: (tried[k], -k[0], -k[1])), cv


def nested(groups: Sequence[Group]) -> float:
    """Hit@1 of the whole procedure (window and C chosen by inner CV, then fitted) on outer folds it never
    saw: the best of a grid of CV figures flatters the setting chosen."""
    fold = folds(groups, seed=1)
    hit = 0
    for k in sorted(set(fold.values())):
        inner = [g for i, g in enumerate(groups) if fold[i] != k]
        (window, c), _ = selected(inner)
        ranker = fit_model(inner, window, c)
        outer = [g for i, g in enumerate(groups) if fold[i] == k]
        hit += round(hits_at(outer, [score_with(ranker, g, window) for g in outer], window)[0] * len(outer))
    return hit / len(groups)


def cross_validated(groups: Sequence[Group], window: int, c: float) -> list[np.ndarray]:
    """Every item's candidate scores from a model fitted without it (grouped folds, fixed shuffle)."""
    fold = folds(groups)
    out: list[np.ndarray] = [np.zeros(0)] * len(groups)
    for k in sorted(set(fold.values())):
        ranker = fit_model([g for i, g in enumerate(groups) if fold[i] != k], window, c)
        for i, g in enumerate(groups):
            if fold[i] == k:
                out[i] = score_with(ranker, g, window)
    return out


def fit_sharpness(groups: Sequence[Group], ranker: Ranker) -> float:
    """The sharpness t for which softmax(t × margin) over each item's candidates is the probability that each
    is the answering one (a one-variable conditional logit on the items with a labelled candidate)."""
    from scipy.optimize import minimize_scalar

    window = ranker.window
    rows = [
        (np.asarray(ranker.margins(list(score_with(ranker, g, window)))), g.by_window[window][1].astype(bool))
        for g in groups
    ]
    rows = [(s, y) for s, y in rows if y.any()]

    def loss(u: float) -> float:
        value = 0.0
        for s, y in rows:
            z = np.exp(u) * (s - s.max())
            value -= float(np.log(np.exp(z[y]).sum() / np.exp(z).sum()))
        return value

    return float(np.exp(minimize_scalar(loss, bounds=(-5.0, 8.0), method="bounded").x))


BANDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)  # of certainty, for the table the fit prints


def certainty_table(groups: Sequence[Group], ranker: Ranker) -> list[tuple[float, int, float, float]]:
    """Per band of the ranker's certainty in its best sentence: items, how often the best holds the gold,
    and how often the runner-up does when the best does not."""
    rows = []
    for g in groups:
        labels = g.by_window[ranker.window][1]
        s = score_with(ranker, g, ranker.window)
        if len(s) < 2:
            continue
        first, second = np.argsort(-s, kind="stable")[:2]
        rows.append(
            (ranker.certainty(list(s)), labels[first] == 1, labels[first] != 1 and labels[second] == 1)
        )
    out = []
    for low, high in pairwise(BANDS):
        band = [r for r in rows if low <= r[0] < high]
        if band:
            n = len(band)
            out.append((low, n, sum(r[1] for r in band) / n, sum(r[2] for r in band) / n))
    return out
