"""Fit the answerability model on the tuning QA sets (never a holdout) and write qa/data/answerability.json.

    python -m eval.calibrate --index DIR [--qa eval/qa.jsonl --qa eval/resident.jsonl]

Every part of every item is read by the chain as it answers (understanding, retrieval, evidence), its
signals are labelled with whether the item is answerable, and a logistic regression is fitted whose
weights keep the direction each signal declares (qa.answerability.Signals): more of the question found
never lowers the probability of answering, less never raises it, whatever the tuning sets happen to pair
with their wording. The refusal threshold is the refusal-F1-best one (over questions) among those
refusing at most 10% of the answerable ones, on 5-fold cross-validated probabilities (an item's parts in
one fold; averaged over 10 shuffles of the folds), so it is not chosen on the predictions it was fitted to.
Beside those figures the file records how a model fitted on the other tuning sets refuses each set's
questions (`..._fitted_on_others`): near-misses of kinds one set lacks are what fresh questions bring.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from eval.dataset import Item, load_items
from qa.answerability import EMBEDDING_SIGNALS, LEXICAL, MODEL_FILE, Answerability, Signals, save_models
from qa.chain import QAChain

TUNING_SETS = ("eval/qa.jsonl", "eval/resident.jsonl")
HOLDOUTS = ("holdout", "resident_val")  # never fitted on: the holdouts and the validation set
# Issue 11 allows at most 10% of answerable questions refused.
REFUSAL_BUDGET = 0.10
REPEATS = 10  # shuffles of the cross-validation folds the threshold is chosen over
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
) -> float:
    """The cut-off with the best refusal F1 over questions among those refusing at most `budget` of the
    answerable ones of every tuning set (a question is refused when every part of it is below the cut-off;
    a group key "set:item" names its set).

    Residents may be wrongly turned away at most this often (the product's requirement), in each set: pooled,
    the many easy questions worded like the plan would hide residents' own questions turned away. Within
    that, the cut-off balances refusing unanswerable questions against answering answerable ones.
    """
    keys = list(groups) if groups is not None else [str(i) for i in range(len(labels))]
    order = list(dict.fromkeys(keys))
    label = {k: int(y) for k, y in zip(keys, labels, strict=True)}
    answerable_by_set: dict[str, list[str]] = {}
    for k in order:
        if label[k] == 1:
            answerable_by_set.setdefault(k.partition(":")[0] if ":" in k else "", []).append(k)
    best, best_key = 0.5, (-1.0, -1.0)
    for threshold in np.arange(0.05, 0.951, 0.01):
        kept = {k for k, p in zip(keys, probabilities, strict=True) if p >= threshold}
        refused = [k for k in order if k not in kept]
        unanswerable = [k for k in order if label[k] == 0]
        wrongly = max(
            (sum(k not in kept for k in ks) / len(ks) for ks in answerable_by_set.values()), default=0.0
        )
        if wrongly > budget:
            continue
        right = sum(1 for k in refused if label[k] == 0)
        precision = right / max(len(refused), 1)
        recall = right / max(len(unanswerable), 1)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        key = (float(f1), float(recall))
        if key > best_key:
            best, best_key = float(round(threshold, 2)), key
    return best


class MonotoneLogistic:
    """A class-balanced, L2-regularised logistic regression whose weights keep their signals' directions.

    Fitted on standard scores (so the penalty treats a cosine that varies by hundredths like a 0/1 flag);
    a weight whose sign a signal forbids is held at zero by the bounds of L-BFGS-B instead.
    """

    def __init__(self, directions: Sequence[int], c: float = 1.0) -> None:
        self.directions = list(directions)
        self.c = c
        self.mean = np.zeros(len(self.directions))
        self.scale = np.ones(len(self.directions))
        self.coef = np.zeros(len(self.directions))
        self.intercept = 0.0

    def fit(self, x: np.ndarray, y: np.ndarray) -> MonotoneLogistic:
        """Fit on rows of signals and 0/1 labels."""
        from scipy.optimize import minimize

        self.mean = x.mean(axis=0)
        spread = x.std(axis=0)
        self.scale = np.where(spread == 0, 1.0, spread)
        z = (x - self.mean) / self.scale
        counts = np.bincount(y, minlength=2)
        weight = np.where(y == 1, len(y) / (2 * max(counts[1], 1)), len(y) / (2 * max(counts[0], 1)))
        sign = 2.0 * y - 1.0

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            margin = sign * (z @ theta[:-1] + theta[-1])
            value = self.c * np.sum(weight * np.logaddexp(0.0, -margin)) + 0.5 * theta[:-1] @ theta[:-1]
            slope = -self.c * weight * sign / (1.0 + np.exp(margin))
            grad = np.append(z.T @ slope + theta[:-1], np.sum(slope))
            return float(value), grad

        bounds = [(0.0, None) if d > 0 else (None, 0.0) if d < 0 else (None, None) for d in self.directions]
        found = minimize(
            loss, np.zeros(z.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=[*bounds, (None, None)]
        )
        self.coef, self.intercept = found.x[:-1], float(found.x[-1])
        return self

    def plain(self) -> tuple[np.ndarray, float]:
        """Weights and bias on the raw signal values (the standardisation folded back in)."""
        raw = self.coef / self.scale
        return raw, float(self.intercept - np.sum(self.coef * self.mean / self.scale))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """P(answerable) of each row."""
        raw, bias = self.plain()
        return 1.0 / (1.0 + np.exp(-np.clip(x @ raw + bias, -60.0, 60.0)))


def cross_validated(
    x: np.ndarray,
    y: np.ndarray,
    directions: Sequence[int],
    groups: Sequence[str],
    folds: int = 5,
    repeats: int = REPEATS,
    c: float = 1.0,
) -> np.ndarray:
    """Each part's probability from models fitted without its item (all parts of an item in one fold),
    averaged over several shuffles of the folds: with one split the cut-off moved with the fold lottery."""
    from sklearn.model_selection import StratifiedGroupKFold

    out = np.zeros(len(y))
    for seed in range(repeats):
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train, test in splitter.split(x, y, groups=list(groups)):
            out[test] += MonotoneLogistic(directions, c).fit(x[train], y[train]).predict_proba(x[test])
    return out / repeats


def _log_loss(probabilities: np.ndarray, labels: np.ndarray) -> float:
    p = np.clip(probabilities, 1e-9, 1 - 1e-9)
    return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))


def fit(
    rows: list[list[float]],
    labels: list[int],
    sources: Sequence[str],
    groups: Sequence[str] | None = None,
    leave_out: Sequence[str] = (),
    repeats: int = REPEATS,
) -> tuple[Answerability, dict[str, float]]:
    """A sign-constrained logistic regression, its regularisation and its threshold chosen on cross-validated
    probabilities (signals in `leave_out` get no weight: the lexical model leaves out the embedding ones)."""
    names = [n for n in Signals.names() if n not in leave_out]
    keep = [Signals.names().index(n) for n in names]
    directions = [Signals.directions()[n] for n in names]
    x, y = np.asarray(rows, dtype=float)[:, keep], np.asarray(labels, dtype=int)
    keys = list(groups) if groups is not None else [str(i) for i in range(len(y))]
    # The strength of regularisation is the one whose cross-validated probabilities fit best (log loss).
    tried = {c: cross_validated(x, y, directions, keys, repeats=repeats, c=c) for c in REGULARISATION}
    c = min(tried, key=lambda c: _log_loss(tried[c], y))
    cross = tried[c]
    threshold = best_threshold(cross, y, keys)
    raw, bias = MonotoneLogistic(directions, c).fit(x, y).plain()
    weights = {name: round(float(w), 4) + 0.0 for name, w in zip(names, raw, strict=True)}  # no -0.0
    refused = cross < threshold
    stats = {
        "parts": float(len(y)),
        "regularisation_c": c,
        "answerable_refused_cv": round(float(np.mean(refused[y == 1])), 4),
        "unanswerable_refused_cv": round(float(np.mean(refused[y == 0])), 4),
    }
    stats.update(transfer(x, y, directions, keys, c))
    answerability = Answerability(weights, round(bias, 4), threshold, tuple(sources))
    return answerability, stats


def transfer(
    x: np.ndarray, y: np.ndarray, directions: Sequence[int], keys: Sequence[str], c: float
) -> dict[str, float]:
    """How a model fitted on the other tuning sets (its threshold chosen on them) refuses each set's
    questions: whether the decision carries to questions written apart from those it was fitted on, which
    cross-validation within the pooled sets cannot tell (a set's own kinds are in every fold)."""
    sets = np.array([k.partition(":")[0] if ":" in k else "" for k in keys])
    out: dict[str, float] = {}
    for name in sorted(set(sets)):
        train, test = sets != name, sets == name
        if not name or not train.any() or len(set(y[train])) < 2:
            continue
        model = MonotoneLogistic(directions, c).fit(x[train], y[train])
        threshold = best_threshold(
            model.predict_proba(x[train]), y[train], [k for k, t in zip(keys, train, strict=True) if t]
        )
        best: dict[str, tuple[int, float]] = {}  # a question is answered when any part of it is
        for key, label, p in zip(np.array(keys)[test], y[test], model.predict_proba(x[test]), strict=True):
            best[key] = (int(label), max(best.get(key, (0, 0.0))[1], float(p)))
        for label, what in ((1, "answerable"), (0, "unanswerable")):
            ps = [p for lab, p in best.values() if lab == label]
            if ps:
                stem = name.removesuffix(".jsonl")
                out[f"{what}_refused_on_{stem}_fitted_on_others"] = round(
                    float(np.mean(np.array(ps) < threshold)), 4
                )
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
    if any(h in p.name for p in paths for h in HOLDOUTS):
        parser.error("holdout and validation sets are never used for fitting")
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
    full, full_stats = fit(rows, labels, sources, groups)
    lexical, lexical_stats = fit(rows, labels, sources, groups, leave_out=EMBEDDING_SIGNALS)
    save_models(
        args.out,
        {settings.embedding_model: full, LEXICAL: lexical},
        fitted=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        cross_validated={settings.embedding_model: full_stats, LEXICAL: lexical_stats},
    )
    for name, model, stats in (
        (settings.embedding_model, full, full_stats),
        (LEXICAL, lexical, lexical_stats),
    ):
        print(f"{name}: threshold {model.threshold}, {stats}, weights {model.weights}, bias {model.bias}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
