"""The signals the answerability model reads from the evidence a question was answered from."""

from __future__ import annotations

import re
from collections.abc import Mapping

from qa.absence import absent, unquoted, unseen_year
from qa.answerability import Signals
from qa.corpus import Corpus
from qa.evidence import Query, Sentence
from qa.script import to_simplified
from qa.types import Hit


def signals(
    corpus: Corpus,
    query: Query,
    terms: Mapping[str, float],
    hits: list[Hit],
    scored: list[Sentence],
    chosen: list[Sentence],
    gives: bool,
    focus: tuple[str, ...],
) -> Signals:
    """What the answerability model reads about this evidence."""
    top = hits[0] if hits else None
    seen = "\n".join(h.chunk.norm_path + h.chunk.norm for h in hits[:5]).lower()
    known = {t: w for t, w in terms.items() if t in corpus.idf}  # words the plans use somewhere
    quoted = "\n".join(
        to_simplified(s.chunk.text[s.start : s.end]) + s.chunk.norm_path for s in chosen
    ).lower()
    unseen = [w for t, w in known.items() if t not in seen]
    return Signals(
        coverage=min(max(s.coverage for s in chosen), 1.0),
        semantic=max((s.semantic for s in scored), default=0.0),
        dense=max((h.dense_score for h in hits[:5]), default=0.0),
        gives=1.0 if gives else 0.0,
        agree=1.0
        if top and top.dense_rank is not None and top.dense_rank < 3 and (top.keyword_rank or 99) < 3
        else 0.0,
        focus=sum(1 for t in focus if t in quoted) / len(focus) if focus else 1.0,
        missing=sum(unseen) / (sum(known.values()) or 1.0),
        novel=_novel(corpus, query.text),
        absent=absent(corpus, query, terms, hits),
        unquoted=unquoted(corpus, query, terms, hits, chosen),
        year=unseen_year(query.text, hits, chosen),
        english=1.0 if query.script == "en" else 0.0,
    )


_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")


def _novel(corpus: Corpus, question: str) -> float:
    """Share of a question's Han character pairs found in no plan: names and details the plans lack."""
    pairs = {run[i : i + 2] for run in _HAN_RUN.findall(question) for i in range(len(run) - 1)}
    if not pairs:
        return 0.0
    known = corpus.pairs
    return sum(1 for p in pairs if p not in known) / len(pairs)
