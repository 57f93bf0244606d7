"""Fit the answerability model on the tuning QA sets (never a holdout) and write qa/data/answerability.json.

    python -m eval.calibrate --index DIR [--qa eval/qa.jsonl --qa eval/resident.jsonl]

Every part of every item is read by the chain as it answers (understanding, retrieval, evidence), its
signals are labelled with whether the item is answerable, and a logistic regression is fitted. The
refusal threshold is the one that maximises refusal F1 on 5-fold cross-validated probabilities, so it is
not chosen on the very predictions it was fitted to.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from eval.dataset import Item, load_items
from qa.answerability import MODEL_FILE, Answerability, Signals
from qa.chain import QAChain

TUNING_SETS = ("eval/qa.jsonl", "eval/resident.jsonl")
HOLDOUTS = ("qa_holdout", "resident_holdout")


def collect(chain: QAChain, items: Sequence[Item]) -> tuple[list[list[float]], list[int]]:
    """Signals of every part of every item, labelled 1 for answerable items."""
    rows: list[list[float]] = []
    labels: list[int] = []
    for item in items:
        history = tuple((q, "") for q in getattr(item, "history", ()))
        for part in chain.read(item.question, history):
            if part.draft.signals is None:
                continue  # nothing to quote: refused whatever the model says
            rows.append(part.draft.signals.vector())
            labels.append(1 if item.answerable else 0)
    return rows, labels


def best_threshold(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The cut-off maximising refusal F1 (refusing = probability below it)."""
    best, best_f1 = 0.5, -1.0
    for threshold in np.arange(0.2, 0.81, 0.01):
        refused = probabilities < threshold
        right = np.sum(refused & (labels == 0))
        precision = right / max(int(np.sum(refused)), 1)
        recall = right / max(int(np.sum(labels == 0)), 1)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(round(threshold, 2)), float(f1)
    return best


def fit(
    rows: list[list[float]], labels: list[int], sources: Sequence[str]
) -> tuple[Answerability, dict[str, float]]:
    """A class-balanced logistic regression and its cross-validated threshold."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = np.asarray(rows), np.asarray(labels)
    # Signals differ in spread (cosines vary by hundredths, flags by whole units): fit on standard scores so
    # regularisation treats them alike, then fold the scaling back into plain weights.
    model = make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", C=1.0, max_iter=1000))
    cross = cross_val_predict(model, x, y, cv=5, method="predict_proba")[:, 1]
    threshold = best_threshold(cross, y)
    model.fit(x, y)
    scaler, logistic = model[0], model[1]
    scale = np.where(scaler.scale_ == 0, 1.0, scaler.scale_)
    raw = logistic.coef_[0] / scale
    bias = float(logistic.intercept_[0] - np.sum(logistic.coef_[0] * scaler.mean_ / scale))
    weights = {name: round(float(w), 4) for name, w in zip(Signals.names(), raw, strict=True)}
    refused = cross < threshold
    stats = {
        "parts": float(len(y)),
        "answerable_refused_cv": round(float(np.mean(refused[y == 1])), 4),
        "unanswerable_refused_cv": round(float(np.mean(refused[y == 0])), 4),
    }
    answerability = Answerability(weights, round(bias, 4), threshold, tuple(sources))
    return answerability, stats


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
        parser.error("holdout sets are never used for fitting")
    chain = build_chain(Settings(), args.index.resolve())
    rows: list[list[float]] = []
    labels: list[int] = []
    for path in paths:
        found, marks = collect(chain, load_items(path))
        rows.extend(found)
        labels.extend(marks)
    model, stats = fit(rows, labels, [p.name for p in paths])
    model.save(args.out, fitted=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), cross_validated=stats)
    print(f"wrote {args.out}: threshold {model.threshold}, {stats}")
    print("weights:", model.weights, "bias:", model.bias)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
