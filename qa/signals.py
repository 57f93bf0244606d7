"""The signals the answerability model reads from the evidence a question was answered from."""

from __future__ import annotations

from collections.abc import Mapping

from qa.absence import absent, unseen_year
from qa.answerability import Signals
from qa.corpus import Corpus
from qa.evidence import Query, Sentence
from qa.giving import giving
from qa.types import Hit


def signals(
    corpus: Corpus,
    query: Query,
    terms: Mapping[str, float],
    hits: list[Hit],
    scored: list[Sentence],
    chosen: list[Sentence],
    gives: bool,
) -> Signals:
    """What the answerability model reads about this evidence (`gives`: a quoted sentence gives the kind of
    answer asked, as qa.ask.answered judges it)."""
    return Signals(
        coverage=min(max(s.coverage for s in chosen), 1.0),
        semantic=max((s.semantic for s in scored), default=0.0),
        dense=max((h.dense_score for h in hits[:5]), default=0.0),
        gives=giving(corpus, query, terms, hits, chosen, gives),
        absent=absent(corpus, query, terms, hits),
        year=unseen_year(query.text, hits, chosen),
        english=1.0 if query.script == "en" else 0.0,
    )
