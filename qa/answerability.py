"""Whether the retrieved evidence answers a question: a logistic model over a few measured signals.

The weights are learned and calibrated by `python -m eval.calibrate` on the tuning QA sets only (never on
a holdout) and shipped in `qa/data/answerability.json`; a refusal is a probability below the threshold
stored beside them, not a hand-set coverage cut-off.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

MODEL_FILE = Path(__file__).with_name("data") / "answerability.json"
LEXICAL = "lexical"  # the model without embedding signals, for embedders no model was fitted with
EMBEDDING_SIGNALS = ("semantic", "dense")


# Which way each signal may move the probability of answering: +1 only up, -1 only down, 0 either way.
# A fit (eval.calibrate) keeps every weight on its signal's side, so a wording style that happens to go with
# answerable questions in the tuning sets (many words the plans lack) cannot teach the model to answer more
# when less of the question is found.
UP, DOWN, EITHER = 1, -1, 0


def _signal(direction: int) -> Any:
    return field(metadata={"direction": direction})


@dataclass(frozen=True, slots=True)
class Signals:
    """What the evidence for one question (or one part of it) looks like; every value in [0, 1]."""

    coverage: float = _signal(UP)  # share of the question's weighted words (or synonyms) in the best sentence
    semantic: float = _signal(UP)  # cosine of the question and its most similar candidate sentence (e5)
    dense: float = _signal(UP)  # cosine of the question and the best-ranked passage
    gives: float = _signal(
        UP
    )  # how far a quoted clause gives the kind asked (figure, year, place) of the thing asked
    absent: float = _signal(DOWN)  # weighted share of the question's concepts (word, synonyms) in no plan
    year: float = _signal(DOWN)  # 1: the question names a year no top passage mentions; 0.5: none quoted
    english: float = _signal(EITHER)  # 1 for an English question (its words reach the plans by dictionary)

    def vector(self) -> list[float]:
        """The values in field order."""
        return [float(getattr(self, f.name)) for f in fields(self)]

    @classmethod
    def names(cls) -> list[str]:
        """The field names, in the order of `vector`."""
        return [f.name for f in fields(cls)]

    @classmethod
    def directions(cls) -> dict[str, int]:
        """Each signal's allowed direction (UP, DOWN or EITHER), by name."""
        return {f.name: int(f.metadata["direction"]) for f in fields(cls)}

    def as_dict(self) -> dict[str, float]:
        """The values by name (for logs and the eval records)."""
        return {k: round(float(v), 4) for k, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class Answerability:
    """A logistic model: P(answerable) = σ(bias + Σ weight·signal); refuse below `threshold`."""

    weights: dict[str, float]
    bias: float
    threshold: float = 0.5
    trained_on: tuple[str, ...] = ()

    def probability(self, signals: Signals) -> float:
        """The calibrated probability that the evidence answers the question."""
        values = dict(zip(Signals.names(), signals.vector(), strict=True))
        z = self.bias + sum(self.weights.get(name, 0.0) * value for name, value in values.items())
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def answerable(self, signals: Signals) -> bool:
        """Whether to answer."""
        return self.probability(signals) >= self.threshold

    @classmethod
    def load(cls, path: Path = MODEL_FILE, embedding_model: str | None = None) -> Answerability:
        """Read the shipped (or a retrained) model fitted for this embedding model.

        Cosines mean different things under different embedders, so a file holds one model per embedder it
        was fitted with, and a "lexical" one without the embedding signals for any other (a test fake too).
        """
        data = json.loads(path.read_text(encoding="utf-8"))
        models = data.get("models", {LEXICAL: data})
        chosen = models.get(embedding_model or "", models.get(LEXICAL))
        if chosen is None:
            raise ValueError(f"{path.name}: no model for {embedding_model!r} and no {LEXICAL!r} one")
        unknown = set(chosen["weights"]) - set(Signals.names())
        if unknown:
            raise ValueError(f"{path.name}: weights for unknown signals {sorted(unknown)}")
        directions = Signals.directions()
        wrong = sorted(k for k, v in chosen["weights"].items() if directions[k] * float(v) < 0)
        if wrong:
            raise ValueError(f"{path.name}: weights against their signals' directions {wrong}")
        return cls(
            weights={k: float(v) for k, v in chosen["weights"].items()},
            bias=float(chosen["bias"]),
            threshold=float(chosen.get("threshold", 0.5)),
            trained_on=tuple(chosen.get("trained_on", data.get("trained_on", ()))),
        )

    def as_json(self) -> dict[str, object]:
        """The model's numbers as the file stores them."""
        return {
            "weights": self.weights,
            "bias": self.bias,
            "threshold": self.threshold,
            "trained_on": list(self.trained_on),
        }

    def save(self, path: Path, **about: object) -> None:
        """Write this one model (as the lexical one) with notes on how it was fitted."""
        save_models(path, {LEXICAL: self}, **about)


def save_models(path: Path, models: dict[str, Answerability], **about: object) -> None:
    """Write models by embedding model name (and "lexical") with notes on how they were fitted."""
    data = {**about, "models": {name: model.as_json() for name, model in models.items()}}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
