"""Evaluate the chain (and optionally the baselines) on a QA set and gather everything a report needs."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.baselines import NAIVE_DIRNAME, bm25_baseline, build_naive, dense_baseline, naive_baseline
from eval.dataset import Item, QASet
from eval.metrics import Outcome, latency, reachable
from eval.registry import Scores, score, score_by
from eval.systems import Baseline, chunk_passage, run_baseline, run_chain
from qa.chain import QAChain

LEAD_NOTE = (
    "Baselines are retrieval-only; their answer is the top passage's first sentences, verbatim "
    "(up to 360 characters), cited as one citation, and they never refuse. They see only an item's own "
    "question, never the earlier questions of its chat."
)
NOISE_NOTE = (
    "Latencies were measured on a shared 2-core machine while other work was running; "
    "treat them as rough. One untimed warm-up question precedes each system."
)


@dataclass(frozen=True, slots=True)
class SystemResult:
    """One system's scores overall, per question type, language and wording style, and its latency."""

    name: str
    description: str
    overall: Scores
    by_type: dict[str, Scores]
    by_lang: dict[str, Scores]
    by_style: dict[str, Scores]
    latency_ms: dict[str, dict[str, float | None]]
    evidence_reachable: float | None  # share of gold evidence inside some indexed passage


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Our system's result and records, the baselines' results, and the run's configuration."""

    ours: SystemResult
    records: list[dict[str, Any]]
    baselines: tuple[SystemResult, ...] = ()
    config: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def summarize(
    name: str,
    description: str,
    items: Sequence[Item],
    outcomes: Sequence[Outcome],
    universe: Sequence[str] = (),
) -> SystemResult:
    """Score one system's outcomes every way the report shows them."""
    return SystemResult(
        name=name,
        description=description,
        overall=score(items, outcomes),
        by_type=score_by(items, outcomes, lambda i: i.type),
        by_lang=score_by(items, outcomes, lambda i: i.lang),
        by_style=score_by(items, outcomes, lambda i: i.style),
        latency_ms=latency(outcomes),
        evidence_reachable=reachable(items, universe) if universe else None,
    )


def machine() -> str:
    """Where the numbers were measured: platform, cores, Python."""
    return f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def standard_baselines(
    chain: QAChain, index_dir: Path, plans_dir: Path, embedding_model: str, *, progress: bool = True
) -> list[Baseline]:
    """The naive, BM25-only and dense-only baselines over the same plans (naive is built or reused)."""
    from ingest.load import load_document, read_manifest

    corpus = chain.retriever.corpus
    texts = {info.id: load_document(path, info).text for path, info in read_manifest(plans_dir)}
    naive = build_naive(
        index_dir / NAIVE_DIRNAME,
        chain.retriever.embeddings,
        texts,
        namespace=embedding_model,
        progress=progress,
    )
    dense = dense_baseline(corpus, chain.retriever.embeddings)
    return [naive_baseline(naive.pipeline), bm25_baseline(corpus), dense]


def evaluate(
    chain: QAChain,
    items: Sequence[Item],
    *,
    k: int = 10,
    baselines: Sequence[Baseline] = (),
    config: dict[str, Any] | None = None,
    progress: bool = True,
) -> Evaluation:
    """Run our chain and each baseline over the items and score them all."""
    outcomes, records = run_chain(chain, items, progress=progress)
    universe = tuple(chunk_passage(c).match for c in chain.retriever.corpus.chunks.values())
    ours = summarize("ours", f"hybrid retrieval + {chain.backend} answers", items, outcomes, universe)
    results = []
    for baseline in baselines:
        found = run_baseline(baseline, items, k, progress=progress)
        results.append(summarize(baseline.name, baseline.description, items, found, baseline.universe))
    settings = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "items": len(items),
        "k": k,
        "backend": chain.backend,
        **(config or {}),
    }
    notes = (NOISE_NOTE, LEAD_NOTE) if baselines else (NOISE_NOTE,)
    return Evaluation(ours, records, tuple(results), settings, notes)


def evaluate_sets(
    chain: QAChain,
    sets: Sequence[QASet],
    *,
    k: int = 10,
    baselines: Sequence[Baseline] = (),
    config: dict[str, Any] | None = None,
    progress: bool = True,
) -> list[Evaluation]:
    """Evaluate each QA set on its own, all with the same chain, index and baselines."""
    return [
        evaluate(
            chain,
            qa.items,
            k=k,
            baselines=baselines,
            config={"qa": qa.path.name, **(config or {})},
            progress=progress,
        )
        for qa in sets
    ]
