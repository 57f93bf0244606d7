"""How a candidate sentence's features become its score: a logistic model fitted on the tuning sets
(eval/fit_ranker.py) and shipped in qa/data/sentence_ranker.json, read once."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RANKER_FILE = Path(__file__).with_name("data") / "sentence_ranker.json"

# What a candidate sentence is described by (qa.evidence.features computes them in this order).
FEATURES = (
    "match_sentence",  # share of the question's weighted words the sentence holds
    "match_path",  # share held only by its section heading
    "coverage",  # share of the question's (unweighted-by-role) content words, the heading at half
    "cosine",  # closeness in meaning to the question (0 without sentence vectors)
    "relative_cosine",  # the same, min-max scaled over the candidates (set-wise: see `relative`)
    "rank",  # 1 / (rank of its passage among the hits + 1)
    "dense_rank",  # 1 / (the passage's rank in dense search + 1), 0 when dense search missed it
    "keyword_rank",  # the same for keyword search
    "dense_score",  # the passage's cosine to the question
    "number",  # a number is asked and the sentence holds a digit
    "list_items",  # a list is asked and the sentence lists items (up to 3, scaled to 1)
    "whether_items",  # "is there" is asked (not a list) and the sentence lists items
    "kind_items",  # things of the kind asked the sentence names (up to 3, scaled to 1)
    "unit",  # the sentence gives a figure in the unit asked
    "short",  # a lead phrase alone, or a table's caption and unit line
    "length",  # characters / 100, at most 3
    "first",  # the first sentence of its passage (a section's opening states its subject)
    "past",  # a target is asked and the sentence reports the last period's results
    "glossary",  # a definition is asked and the sentence is a glossary entry
    "head",  # share of the words naming what is asked for (哪些医院: 医院) the sentence holds
    "focus",  # share of the question's two most specific plan words in the sentence or its heading
    "bigrams",  # weighted share of the two-character pieces of the question's words it holds
    "year",  # it names a year the question names
    "results",  # it reports the last period's results and the question does not ask about them
)

# The hand-set weights this model replaced (the baseline eval/fit_ranker.py measures it against).
HAND_WEIGHTS = {
    "match_sentence": 1.0,
    "match_path": 0.5,
    "relative_cosine": 0.3,
    "rank": 0.15,
    "number": 0.1,
    "list_items": 0.15,
    "whether_items": 0.1,
    "kind_items": 0.2,
    "unit": 0.1,
    "short": -0.1,
}


@dataclass(frozen=True, slots=True)
class Ranker:
    """A linear score of standardised features; logistic: a probability that the sentence answers."""

    weights: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    intercept: float = 0.0
    logistic: bool = True
    window: int = 5  # how many of the top hits' passages are read for candidate sentences
    close: float = 0.8  # a runner-up is quoted when it scores at least this share of the best
    close_many: float = 0.75  # the same for a list or a definition
    # How sharply scores part one question's candidates: softmax(sharpness × score) over them is the
    # probability that each is the one that answers (fitted on the tuning sets by eval/fit_ranker.py).
    sharpness: float = 1.0

    def score(self, row: Sequence[float]) -> float:
        """The score of one candidate's features (in FEATURES order)."""
        z = self.intercept + sum(
            w * (x - m) / s for w, x, m, s in zip(self.weights, row, self.mean, self.scale, strict=True)
        )
        # Equal evidence scores equal whatever order its parts were added in: the stable sort then keeps
        # the passages' order (as the hand-weighted sum did) instead of a rounding error's.
        z = round(z, 9)
        if not self.logistic:
            return z
        return 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0

    def certainty(self, scores: Sequence[float]) -> float:
        """The probability that the best of one question's candidate scores is the sentence that answers."""
        if not scores:
            return 0.0
        margins = self.margins(scores)
        top = max(margins)
        return 1.0 / sum(math.exp(self.sharpness * (m - top)) for m in margins)

    def margins(self, scores: Sequence[float]) -> list[float]:
        """Scores on the linear scale the sharpness applies to (a probability back to its log-odds)."""
        if not self.logistic:
            return list(scores)
        return [math.log(max(p, 1e-12) / max(1.0 - p, 1e-12)) for p in scores]

    def as_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "weights": list(self.weights),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "intercept": self.intercept,
            "logistic": self.logistic,
            "window": self.window,
            "close": self.close,
            "close_many": self.close_many,
            "sharpness": self.sharpness,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Ranker:
        """A ranker from its JSON form; features named differently from FEATURES are an error."""
        if data.get("features") != list(FEATURES):
            raise ValueError("sentence ranker: its features are not qa.ranker.FEATURES; refit it")
        n = len(FEATURES)
        weights, mean, scale = (_floats(data[k], n) for k in ("weights", "mean", "scale"))
        if any(s <= 0 for s in scale):
            raise ValueError("sentence ranker: a feature scale is not positive")
        return cls(
            weights,
            mean,
            scale,
            float(data["intercept"]),  # type: ignore[arg-type]
            bool(data.get("logistic", True)),
            int(data["window"]),  # type: ignore[call-overload]
            float(data["close"]),  # type: ignore[arg-type]
            float(data["close_many"]),  # type: ignore[arg-type]
            float(data.get("sharpness", 1.0)),  # type: ignore[arg-type]
        )


def _floats(value: object, n: int) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != n:
        raise ValueError(f"sentence ranker: expected {n} numbers, got {value!r}")
    return tuple(float(v) for v in value)


def hand_ranker(window: int = 5) -> Ranker:
    """The hand-weighted score used before the fitted model (the baseline it is measured against)."""
    weights = tuple(HAND_WEIGHTS.get(f, 0.0) for f in FEATURES)
    ones = (1.0,) * len(FEATURES)
    return Ranker(weights, (0.0,) * len(FEATURES), ones, 0.0, False, window, 0.8, 0.75)


@cache
def shipped(path: Path = RANKER_FILE) -> Ranker:
    """The fitted ranker, read once (a missing or malformed file is an error naming the file)."""
    try:
        return Ranker.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise RuntimeError(
            f"cannot read the sentence ranker {path}: {e} (run python -m eval.fit_ranker)"
        ) from e


def relative(cosines: Sequence[float]) -> list[float]:
    """Cosines min-max scaled over the candidates: no embedder's own scale is assumed."""
    low, high = min(cosines, default=0.0), max(cosines, default=0.0)
    spread = (high - low) or 1.0
    return [(c - low) / spread for c in cosines]


def save(ranker: Ranker, path: Path, about: dict[str, object]) -> None:
    """Write a fitted ranker with what it was fitted on."""
    data = {**about, **ranker.as_json()}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
