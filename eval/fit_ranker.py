"""Fit the sentence ranker on the tuning sets (never a holdout) and write qa/data/sentence_ranker.json.

    python -m eval.fit_ranker --index DIR [--qa FILE ...]  # default: the tuning sets of eval/roles.py

Every answerable item is read by the chain as it answers (understanding, retrieval); the sentences of its
top passages (a comparison: of each side's top 3) are described by qa.evidence.features and labelled 1 when
they hold one of the item's gold evidence strings (or lie inside one) and one of the strings a right answer
must include, all Simplified. A conditional logit (softmax over an item's candidates) anchored at the hand
weights is fitted; its regularisation and the number of passages read (the window) are chosen by
cross-validation on hit@1 (how often the best-scored sentence is labelled 1), leaving one QA set out at a
time (grouped 5-fold when one set is given). The hand-weighted score is measured in the same run on the
same items. The shares a runner-up
must reach to be quoted too (close, close_many) are chosen on the cross-validated scores: the most gold
quoted while quoting no more sentences per answer than the hand-weighted score did. The fitted model is
written only when the whole procedure's nested-CV hit@1 (window and C chosen inside each outer fold) beats
the hand weights' by MIN_GAIN; otherwise the hand weights are, with the figures that kept them. Last, the
sharpness that makes a softmax of the written model's scores over one item's candidates the probability
that each is the answering one is fitted (the answer reads it to tell a near tie, qa.extractive.unsure).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import numpy as np

from eval.dataset import Item, load_items
from eval.roles import TUNING_SETS, never_fitted
from qa.ask import parse_ask
from qa.chain import QAChain
from qa.evidence import MAX_CHARS, MAX_QUOTES, Sentence, features, pick
from qa.ranker import FEATURES, RANKER_FILE, Ranker, hand_ranker, save
from qa.script import to_simplified

WINDOWS = (5, 8, 10)  # passages read for candidates (the chain retrieves 10)
REGULARISATION = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)  # inverse L2 strengths tried (on standard scores)
CLOSES = tuple(round(c, 2) for c in np.arange(0.3, 0.96, 0.05))
FOLDS = 5
MIN_GAIN = 0.01  # nested-CV hit@1 above the hand weights' a fitted model must reach to replace them
MIN_SENTENCE = 4  # a shorter "sentence" (a numbering, a bracket) lies inside any evidence string


@dataclass(frozen=True, slots=True)
class Group:
    """One item's candidate sentences per window, labelled by its gold evidence."""

    key: str
    many: bool  # a list or definition question: its runner-ups are chosen with close_many
    side: bool  # one side of a comparison (left out when the runner-up shares are chosen)
    by_window: dict[int, tuple[list[Sentence], np.ndarray]]  # window → (sentences, labels)


def holds_gold(sentence: str, gold: Sequence[str], must: Sequence[str] = ()) -> bool:
    """Whether a sentence holds a gold evidence string, or lies inside one, and says one of the things a
    right answer must include (all Simplified): a long sentence holding the evidence among much else (a
    table's caption with its rows) is not the quote that answers."""
    inner = sentence.strip("。；;，, \n")
    evidence = any(g in sentence or (len(inner) >= MIN_SENTENCE and inner in g) for g in gold)
    return evidence and (not must or any(m in sentence for m in must))


def collect(chain: QAChain, items: Sequence[Item], name: str) -> list[Group]:
    """The labelled candidates of every answerable item, read as the chain reads it: a comparison's
    sides one group each (its top 3 passages in that plan, as qa.extractive reads a side)."""
    corpus = chain.corpus
    out: list[Group] = []
    for item in items:
        if not item.answerable:
            continue
        parts = chain.read(item.question, tuple((q, "") for q in item.history))
        query = parts[0].draft.query if parts else None  # the first part is what the evidence is for
        if query is None:
            continue
        gold = [to_simplified(e) for e in item.evidence]
        must = [to_simplified(m) for m in item.must_include]
        hits = list(parts[0].hits)
        docs = list(dict.fromkeys(h.chunk.doc_id for h in hits))
        if item.type == "compare" and len(docs) > 1:
            sides = [[h for h in hits if h.chunk.doc_id == d][:3] for d in docs]
            for side in sides:
                found = features(
                    corpus,
                    query.text,
                    side,
                    script=query.script,
                    alternatives=query.alternatives,
                    similarity=query.similarity,
                )
                labelled = (found, _labels(found, gold, must))
                out.append(Group(f"{name}:{item.id}", False, True, {n: labelled for n in WINDOWS}))
            continue
        windows: dict[int, tuple[list[Sentence], np.ndarray]] = {}
        for n in WINDOWS:
            found = features(
                corpus,
                query.text,
                hits[:n],
                n,
                query.script,
                alternatives=query.alternatives,
                similarity=query.similarity,
                asked=query.asked,
            )
            windows[n] = (found, _labels(found, gold, must))
        ask = parse_ask(query.text)
        out.append(Group(f"{name}:{item.id}", ask.listing or ask.definition, False, windows))
    return out


def _labels(found: Sequence[Sentence], gold: Sequence[str], must: Sequence[str]) -> np.ndarray:
    marks = [holds_gold(to_simplified(s.chunk.text[s.start : s.end]), gold, must) for s in found]
    return np.asarray(marks, dtype=int)


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
    sets = list(dict.fromkeys(_set(g) for g in groups))
    if len(sets) > 1:
        return {i: sets.index(_set(g)) for i, g in enumerate(groups)}
    keys = list(dict.fromkeys(g.key for g in groups))
    order = np.random.default_rng(seed).permutation(len(keys))
    of_key = {keys[int(i)]: k % FOLDS for k, i in enumerate(order)}
    return {i: of_key[g.key] for i, g in enumerate(groups)}


def _set(group: Group) -> str:
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


def quoting(
    groups: Sequence[Group], scores: Sequence[np.ndarray], window: int, close: float
) -> tuple[float, float]:
    """With runner-ups quoted at `close` of the best score: share of items quoting gold, sentences quoted."""
    gold = quoted = 0
    for g, s in zip(groups, scores, strict=True):
        found, labels = g.by_window[window]
        ranked = sorted(
            ((replace(x, score=float(v)), int(m)) for x, v, m in zip(found, s, labels, strict=True)),
            key=lambda p: -p[0].score,
        )
        label = {id(x): m for x, m in ranked}
        budget = (MAX_QUOTES + 1, MAX_CHARS + 140) if g.many else (MAX_QUOTES, MAX_CHARS)
        chosen = pick([x for x, _ in ranked], *budget, close=close)
        gold += int(any(label[id(x)] for x in chosen))
        quoted += len(chosen)
    return gold / max(len(groups), 1), quoted / max(len(groups), 1)


def choose_close(
    groups: Sequence[Group],
    scores: Sequence[np.ndarray],
    window: int,
    base: Sequence[np.ndarray],
    base_close: float,
) -> tuple[float, dict[str, float]]:
    """The share quoting the most gold among those quoting no more sentences per item than the baseline."""
    base_gold, base_quoted = quoting(groups, base, 5, base_close)
    best, best_key = CLOSES[-1], (-1.0, 0.0)
    for c in CLOSES:
        gold, quoted = quoting(groups, scores, window, c)
        if quoted <= base_quoted + 1e-9 and (gold, -quoted) > best_key:
            best, best_key = c, (gold, -quoted)
    return best, {
        "hand_gold_quoted": round(base_gold, 4),
        "hand_quotes_per_answer": round(base_quoted, 3),
        "gold_quoted_cv": round(best_key[0], 4),
        "quotes_per_answer_cv": round(-best_key[1], 3),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Fit on the tuning sets, print CV figures against the hand weights and write the ranker file."""
    from qa.build import build_chain
    from qa.settings import Settings

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, required=True, help="an index of the plans (planqa ingest)")
    parser.add_argument("--qa", type=Path, action="append", help="tuning QA file (repeatable)")
    parser.add_argument("--out", type=Path, default=RANKER_FILE, help="where to write the ranker")
    parser.add_argument(
        "--hand", action="store_true", help="write the hand weights instead (when FEATURES changed)"
    )
    parser.add_argument(
        "--keep-hand",
        action="store_true",
        help="fit and print as usual, but write the hand weights (with their sharpness) whatever the fit",
    )
    args = parser.parse_args(argv)
    if args.hand:  # the chain reads the ranker file: one naming other features must be replaced first
        save(hand_ranker(), args.out, {"fitted": "hand weights (the baseline), not fitted"})
        print(f"wrote {args.out}")
        return 0
    paths = args.qa or [Path(p) for p in TUNING_SETS]
    if refused := never_fitted(paths):
        parser.error(f"holdout, validation and blind sets are never used for fitting: {', '.join(refused)}")
    chain = build_chain(Settings(), args.index.resolve())
    groups = [g for p in paths for g in collect(chain, load_items(p), p.name)]
    hand = hand_ranker()
    base = [score_with(hand, g, 5) for g in groups]
    h1, h3 = hits_at(groups, base, 5)
    print(f"{len(groups)} items; hand weights, 5 passages: hit@1 {h1:.3f} hit@3 {h3:.3f}")
    (window, c), cv = selected(groups)
    tried = {k: hits_at(groups, v, k[0]) for k, v in cv.items()}
    for (w, r), (one, three) in tried.items():
        print(f"fitted, {w} passages, C={r}: CV hit@1 {one:.3f} hit@3 {three:.3f}")
    honest = nested(groups)
    print(f"nested CV hit@1 of the whole procedure: {honest:.3f} (hand {h1:.3f})")
    many = [i for i, g in enumerate(groups) if g.many and not g.side]
    few = [i for i, g in enumerate(groups) if not g.many and not g.side]
    sides = [i for i, g in enumerate(groups) if g.side]
    close, few_stats = choose_close(
        [groups[i] for i in few], [cv[window, c][i] for i in few], window, [base[i] for i in few], hand.close
    )
    close_many, many_stats = choose_close(
        [groups[i] for i in many],
        [cv[window, c][i] for i in many],
        window,
        [base[i] for i in many],
        hand.close_many,
    )
    ranker = replace(fit_model(groups, window, c), close=close, close_many=close_many)
    for label, chosen in (("single", [i for i, g in enumerate(groups) if not g.side]), ("sides", sides)):
        one, three = hits_at([groups[i] for i in chosen], [cv[window, c][i] for i in chosen], window)
        b1, b3 = hits_at([groups[i] for i in chosen], [base[i] for i in chosen], 5)
        print(f"{label} ({len(chosen)}): fitted CV hit@1 {one:.3f} hit@3 {three:.3f}; hand {b1:.3f} {b3:.3f}")
    # The best of the grid is an optimistic estimate: the fitted model replaces the hand weights only when
    # it beats them by a clear margin, else the hand weights are written (with these figures beside them).
    # Hit@1 is not answer accuracy: a model beating the hand weights on it may still answer worse, and the
    # answerability model was fitted on what the hand weights quote. --keep-hand writes the hand weights then.
    adopted = honest >= h1 + MIN_GAIN and not args.keep_hand
    about = {
        "fitted": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "sets": [p.name for p in paths],
        "items": len(groups),
        "model": "fitted"
        if adopted
        else "hand weights: kept (--keep-hand)"
        if args.keep_hand
        else f"hand weights: nested CV hit@1 is not {MIN_GAIN} above theirs",
        "cross_validated": {
            "hand_hit_at_1": round(h1, 4),
            "hand_hit_at_3": round(h3, 4),
            "hit_at_1": round(tried[window, c][0], 4),
            "nested_hit_at_1": round(honest, 4),
            "hit_at_3": round(tried[window, c][1], 4),
            "regularisation_c": c,
            "close": few_stats,
            "close_many": many_stats,
        },
    }
    written = ranker if adopted else hand
    sets = list(dict.fromkeys(_set(g) for g in groups))
    for name in sets if len(sets) > 1 else ():  # the sharpness fitted without each set: is it stable?
        alone = fit_sharpness([g for g in groups if _set(g) != name], written)
        print(f"sharpness fitted without {name}: {alone:.2f}")
    written = replace(written, sharpness=round(fit_sharpness(groups, written), 3))
    print(f"sharpness {written.sharpness}; by certainty band (from, items, best holds gold, runner-up does):")
    for low, n, best, runner in certainty_table(groups, written):
        print(f"  {low:.1f}: {n:4d}  {best:.2f}  {runner:.2f}")
    save(written, args.out, about)
    print(f"{'adopted' if adopted else 'NOT adopted (hand weights written)'}: {window} passages, C={c}")
    print(f"close {close} {few_stats}, close_many {close_many} {many_stats}")
    print(dict(zip(FEATURES, ranker.weights, strict=True)))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
