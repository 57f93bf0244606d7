"""The JSON shape of an answer, shared by `planqa ask --json`, the /ask API and the evaluation report."""

from __future__ import annotations

from typing import Any

from qa.types import Answer, Citation, Hit

MIN_RETRIEVED = 10


def citation_json(citation: Citation) -> dict[str, Any]:
    """One citation: where the quote comes from and the chunk it is in."""
    chunk = citation.chunk
    return {
        "n": citation.n,
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "district": chunk.district,
        "section": chunk.section,
        "line": citation.line,
        "quote": citation.quote,
        "text": chunk.text,
    }


def hit_json(rank: int, hit: Hit) -> dict[str, Any]:
    """One retrieved passage with its rank and fused score."""
    return {
        "rank": rank,
        "doc_id": hit.chunk.doc_id,
        "section": hit.chunk.section,
        "line": hit.chunk.line_start,
        "score": round(hit.score, 6),
        "text": hit.chunk.text,
    }


def answer_json(answer: Answer) -> dict[str, Any]:
    """The `planqa ask --json` object."""
    timings = {"retrieve": 0.0, "answer": 0.0, "total": 0.0, **answer.timings_ms}
    return {
        "question": answer.question,
        "answer": answer.text,
        "refused": answer.refused,
        "backend": answer.backend,
        "citations": [citation_json(c) for c in answer.citations],
        "retrieved": [hit_json(i + 1, h) for i, h in enumerate(answer.retrieved)],
        "timings_ms": {k: round(float(timings[k]), 2) for k in ("retrieve", "answer", "total")},
    }
