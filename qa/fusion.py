"""How retrieval's ranked lists are fused: reciprocal rank fusion, weighted as eval/fit_retrieval.py fits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

FUSION_FILE = Path(__file__).with_name("data") / "retrieval.json"


@dataclass(frozen=True, slots=True)
class Rankings:
    """What one search found, best first in each list: (chunk id, cosine or BM25 score)."""

    dense: list[tuple[str, float]]
    keyword: list[tuple[str, float]]
    sentence: list[tuple[str, float]]

    def ids(self) -> list[list[str]]:
        """The chunk ids of each list, in the order Fusion.weights gives their weights."""
        return [[c for c, _ in found] for found in (self.dense, self.keyword, self.sentence)]


@dataclass(frozen=True, slots=True)
class Fusion:
    """The weight of each ranked list (dense chunk vectors count 1) and the rank offset k of RRF.

    An English question has weights of its own: its keywords are dictionary guesses at the plans' words.
    The defaults are the hand-set constants that served before any fit (measured on eval/qa.jsonl:
    k=60 with equal weights recall@5 0.864, k=5 with keyword weight 2 0.937; English 0.782 → 0.816 at
    keyword weight 1), with no sentence list.
    """

    rrf_k: float = 5.0
    keyword: float = 2.0
    sentence: float = 0.0
    keyword_en: float = 1.0
    sentence_en: float = 0.0

    def weights(self, english: bool) -> tuple[float, float, float]:
        """Weights of the dense, keyword and sentence lists for a question in English or not."""
        if english:
            return 1.0, self.keyword_en, self.sentence_en
        return 1.0, self.keyword, self.sentence

    @classmethod
    def load(cls, path: Path = FUSION_FILE) -> Fusion:
        """The fitted fusion (the defaults where the file is missing)."""
        if not path.exists():
            return cls()
        saved = json.loads(path.read_text(encoding="utf-8"))["fusion"]
        return cls(**{f.name: float(saved[f.name]) for f in fields(cls) if f.name in saved})

    def save(self, path: Path, about: dict[str, object]) -> None:
        """Write the fusion with what it was fitted on and how it scored."""
        text = json.dumps({"fusion": asdict(self), **about}, ensure_ascii=False, indent=2)
        path.write_text(text + "\n", encoding="utf-8")


def rrf(
    rankings: Sequence[Sequence[str]], k: float = 60, weights: Sequence[float] | None = None
) -> dict[str, float]:
    """Reciprocal rank fusion of several ranked id lists."""
    scores: dict[str, float] = {}
    for i, ranking in enumerate(rankings):
        weight = weights[i] if weights else 1.0
        if not weight:
            continue
        for rank, chunk_id in enumerate(ranking):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (k + rank + 1)
    return scores
