"""Fit the answerability model on the tuning QA sets (never a holdout) and write qa/data/answerability.json.

    python -m eval.calibrate --index DIR [--qa FILE ...]  # default: the tuning sets of eval/roles.py

Every part of every item is read by the chain as it answers (understanding, retrieval, evidence), its
signals are labelled with whether the item is answerable, and a logistic regression is fitted whose
weights keep the direction each signal declares (qa.answerability.Signals): more of the question found
never lowers the probability of answering, less never raises it, whatever the tuning sets happen to pair
with their wording. Its regularisation, its signals and its refusal threshold are chosen on leave-one-set-out
probabilities (each set's parts scored by a model fitted on the other sets only): fresh questions differ
from the tuning ones the way one set, written apart, differs from another, and 5-fold cross-validation
within the pooled sets, used before, chose a model that refused 96% of a tuning set's near-misses and
68-86% of fresh sets'. The file records how the held-out models refused each set's questions
(`..._fitted_on_others`) and which signals were dropped.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from eval.dataset import Item, load_items
from eval.monotone import MonotoneLogistic
from eval.roles import TUNING_SETS, never_fitted
from qa.answerability import EMBEDDING_SIGNALS, LEXICAL, MODEL_FILE, Answerability, Signals, save_models
from qa.chain import QAChain

# Issue 11 allows at most 10% of answerable questions refused.
REFUSAL_BUDGET = 0.10
REFUSAL_FLOOR = 0.85  # and at least 85% of near-misses
REPEATS = 10  # shuffles of the cross-validation folds, when the parts name a single set
REGULARISATION = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # inverse L2 strengths tried (on standard scores)


def collect(chain: QAChain, items: Sequence[Item]) -> tuple[list[list[float]], list[int], list[str]]:
    """Signals of every part of every item, labelled 1 for answerable items, with the item each came from."""
    rows: list[list[float]] = []
    labels: list[int] = []
    groups: list[str] = []
    for item in items:
        history = tuple((q, "") for q in item.history)
        for part in chain.read(item.question, history):
            if part.draft.signals is None or part.probability == 0.0:
                # Nothing to quote, or a district no plan covers: refused by rule whatever the model says
                # (a sigmoid is never exactly 0), so these parts would only teach it noise.
                continue
            rows.append(part.draft.signals.vector())
            labels.append(1 if item.answerable else 0)
            groups.append(item.id)
    return rows, labels, groups


def best_threshold(
    probabilities: np.ndarray,
    labels: np.ndarray,
    groups: Sequence[str] | None = None,
    budget: float = REFUSAL_BUDGET,
    floor: float = REFUSAL_FLOOR,
) -> float:
    """The cut-off that comes nearest to both of issue 11's targets in every set: at most `budget` of its
    answerable questions refused and at least `floor` of its unanswerable ones (a question is refused when
    every part of it is below the cut-off; a group key "set:item" names its set). Nearest: the smallest
    shortfall on the worst set; among cut-offs meeting both everywhere, the best refusal F1.

    Per set, because pooled, the many easy questions worded like the plan would hide residents' own
    questions turned away. Both targets, because on sets the model was not fitted on no cut-off meets the
    budget without passing half the near-misses (a 10% budget alone then chose a cut-off that answered
    them), nor refuses 85% of them within the budget.
    """
    keys = list(groups) if groups is not None else [str(i) for i in range(len(labels))]
    best_p = questions(probabilities, labels, keys)
    by_set: dict[str, list[tuple[int, float]]] = {}
    for question, value in best_p.items():
        by_set.setdefault(set_of(question), []).append(value)
    unanswerable = sum(1 for lab, _ in best_p.values() if lab == 0)
    best, best_key = 0.5, (-2.0, -1.0, -1.0)
    for threshold in np.round(np.arange(0.05, 0.951, 0.01), 2):  # decided as the chain will apply it
        shortfall = 0.0
        for values in by_set.values():
            answerable = [p < threshold for lab, p in values if lab == 1]
            near_misses = [p < threshold for lab, p in values if lab == 0]
            if answerable:
                shortfall = max(shortfall, float(np.mean(answerable)) - budget)
            if near_misses:
                shortfall = max(shortfall, floor - float(np.mean(near_misses)))
        refused = [lab for lab, p in best_p.values() if p < threshold]
        right = refused.count(0)
        precision = right / max(len(refused), 1)
        recall = right / max(unanswerable, 1)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        key = (-max(shortfall, 0.0), float(f1), float(recall))
        if key > best_key:
            best, best_key = float(threshold), key
    return best


def _log_loss(probabilities: np.ndarray, labels: np.ndarray) -> float:
    p = np.clip(probabilities, 1e-9, 1 - 1e-9)
    return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))


def set_of(key: str) -> str:
    """The set a group key "set:item" names ("" for a bare key)."""
    return key.partition(":")[0] if ":" in key else ""


Splits = list[list[tuple[np.ndarray, np.ndarray]]]  # per repeat, (train, test) index pairs


def splits(y: np.ndarray, keys: Sequence[str], repeats: int = REPEATS, folds: int = 5) -> Splits:
    """Leave one set out when the keys name two sets or more and each set's others hold both labels: fresh
    questions differ from the tuning ones the way one set, written apart, differs from another, and folds
    drawn within the pooled sets put every set's wording in every fold. Else grouped k-fold (an item's
    parts in one fold), over several shuffles: with one split the cut-off moved with the fold lottery."""
    from sklearn.model_selection import StratifiedGroupKFold

    sets = np.array([set_of(k) for k in keys])
    names = sorted(set(sets))
    if len(names) >= 2 and "" not in names and all(len(set(y[sets != n])) == 2 for n in names):
        return [[(np.flatnonzero(sets != n), np.flatnonzero(sets == n)) for n in names]]
    return [
        list(StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(y, y, list(keys)))
        for seed in range(repeats)
    ]


def held_out(x: np.ndarray, y: np.ndarray, directions: Sequence[int], split: Splits, c: float) -> np.ndarray:
    """Each part's probability from models fitted without it (`splits`), averaged over the repeats."""
    out = np.zeros(len(y))
    for pairs in split:
        for train, test in pairs:
            out[test] += MonotoneLogistic(directions, c).fit(x[train], y[train]).predict_proba(x[test])
    return out / len(split)


def questions(
    probabilities: np.ndarray, labels: np.ndarray, keys: Sequence[str]
) -> dict[str, tuple[int, float]]:
    """Each question's label and best part probability (a question is answered when any part of it is)."""
    best: dict[str, tuple[int, float]] = {}
    for key, label, p in zip(keys, labels, probabilities, strict=True):
        best[key] = (int(label), max(best.get(key, (0, 0.0))[1], float(p)))
    return best


def question_auc(probabilities: np.ndarray, labels: np.ndarray, keys: Sequence[str]) -> float:
    """Mean over sets of how well the best part probability orders a set's answerable questions above its
    unanswerable ones (ROC AUC): the order a refusal cut-off is drawn in, set by set as fresh sets come."""
    from sklearn.metrics import roc_auc_score

    by_set: dict[str, list[tuple[int, float]]] = {}
    for key, value in questions(probabilities, labels, keys).items():
        by_set.setdefault(set_of(key), []).append(value)
    scores = [
        roc_auc_score([lab for lab, _ in vs], [p for _, p in vs])
        for vs in by_set.values()
        if len({lab for lab, _ in vs}) == 2
    ]
    return float(np.mean(scores)) if scores else 0.5


@dataclass(frozen=True, slots=True)
class Fitted:
    """A fitted model, how it did on parts it was not fitted on, and the signals the selection dropped."""

    model: Answerability
    stats: dict[str, float]
    dropped: tuple[str, ...]


def fit(
    rows: list[list[float]],
    labels: list[int],
    sources: Sequence[str],
    groups: Sequence[str] | None = None,
    leave_out: Sequence[str] = (),
    repeats: int = REPEATS,
) -> Fitted:
    """A sign-constrained logistic regression whose regularisation, signals and threshold are chosen on
    held-out probabilities (signals in `leave_out` get no weight: the lexical model leaves out the embedding
    ones).

    The regularisation is the one whose held-out probabilities fit best (log loss). Then signals are
    dropped one at a time, each time the one without which held-out questions are ordered best
    (`question_auc`), as long as that is at least as well as with it: a signal that does not help on a set
    it was not fitted on only fits the others' wording. The regularisation is chosen again for the signals
    kept, and the threshold on their held-out probabilities (`best_threshold`).
    """
    every = Signals.names()
    directions = Signals.directions()
    x, y = np.asarray(rows, dtype=float), np.asarray(labels, dtype=int)
    keys = list(groups) if groups is not None else [str(i) for i in range(len(y))]
    split = splits(y, keys, repeats)

    def probabilities(names: Sequence[str], c: float) -> np.ndarray:
        cols = [every.index(n) for n in names]
        return held_out(x[:, cols], y, [directions[n] for n in names], split, c)

    def regularisation(names: Sequence[str]) -> tuple[float, np.ndarray]:
        tried = {c: probabilities(names, c) for c in REGULARISATION}
        c = min(tried, key=lambda c: _log_loss(tried[c], y))
        return c, tried[c]

    kept = [n for n in every if n not in leave_out]
    c, held = regularisation(kept)
    score = question_auc(held, y, keys)
    while len(kept) > 1:
        without = {n: question_auc(probabilities([k for k in kept if k != n], c), y, keys) for n in kept}
        name = max(without, key=lambda n: without[n])
        if without[name] < score:
            break
        kept.remove(name)
        score = without[name]
    c, held = regularisation(kept)
    threshold = best_threshold(held, y, keys)
    cols = [every.index(n) for n in kept]
    raw, bias = MonotoneLogistic([directions[n] for n in kept], c).fit(x[:, cols], y).plain()
    fitted = dict(zip(kept, raw, strict=True))
    weights = {n: round(float(fitted.get(n, 0.0)), 4) + 0.0 for n in every if n not in leave_out}  # no -0.0
    stats = {"parts": float(len(y)), "regularisation_c": c, "question_auc_held_out": round(score, 4)}
    stats.update(refusals(held, y, keys, threshold))
    answerability = Answerability(weights, round(bias, 4), threshold, tuple(sources))
    return Fitted(answerability, stats, tuple(n for n in every if n not in leave_out and n not in kept))


def refusals(
    probabilities: np.ndarray, labels: np.ndarray, keys: Sequence[str], threshold: float
) -> dict[str, float]:
    """The share of answerable and of unanswerable questions refused at `threshold`, over all sets and in
    each one (`..._on_<set>_fitted_on_others` when the probabilities are leave-one-set-out ones)."""
    best = questions(probabilities, labels, keys)
    sets = sorted({set_of(k) for k in best})
    out: dict[str, float] = {}
    for name in [None, *sets] if len(sets) > 1 else [None]:
        for label, what in ((1, "answerable"), (0, "unanswerable")):
            ps = [p for k, (lab, p) in best.items() if lab == label and name in (None, set_of(k))]
            if not ps:
                continue
            where = "held_out" if name is None else f"on_{name.removesuffix('.jsonl')}_fitted_on_others"
            out[f"{what}_refused_{where}"] = round(float(np.mean(np.array(ps) < threshold)), 4)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Fit on the tuning sets and write the model file."""
    from qa.build import build_chain
    from qa.settings import Settings

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, required=True, help="an index of the plans (planqa ingest)")
    parser.add_argument("--qa", type=Path, action="append", help="tuning QA file (repeatable)")
    parser.add_argument("--out", type=Path, default=MODEL_FILE, help="where to write the model")
    args = parser.parse_args(argv)
    paths = args.qa or [Path(p) for p in TUNING_SETS]
    if refused := never_fitted(paths):
        parser.error(f"holdout, validation and blind sets are never used for fitting: {', '.join(refused)}")
    settings = Settings()
    # The signals do not depend on the model; a neutral one lets a file whose weights no longer load be
    # refitted (the rule refusals still show as probability 0).
    chain = build_chain(settings, args.index.resolve(), answerability=Answerability({}, bias=0.0))
    rows: list[list[float]] = []
    labels: list[int] = []
    groups: list[str] = []
    for path in paths:
        found, marks, items = collect(chain, load_items(path))
        rows.extend(found)
        labels.extend(marks)
        groups.extend(f"{path.name}:{i}" for i in items)
    sources = [p.name for p in paths]
    fits = {
        settings.embedding_model: fit(rows, labels, sources, groups),
        LEXICAL: fit(rows, labels, sources, groups, leave_out=EMBEDDING_SIGNALS),
    }
    save_models(
        args.out,
        {name: f.model for name, f in fits.items()},
        fitted=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        held_out={name: {**f.stats, "dropped": list(f.dropped)} for name, f in fits.items()},
    )
    for name, f in fits.items():
        m = f.model
        print(f"{name}: threshold {m.threshold}, dropped {f.dropped}, {f.stats}")
        print(f"  weights {m.weights}, bias {m.bias}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
