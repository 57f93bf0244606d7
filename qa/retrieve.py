"""Hybrid retrieval: chunk vectors, keywords (bm25s) and closest sentences, fused by rank; routed by plan."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from qa.corpus import Corpus, LiveCorpus
from qa.english import english, expand_query
from qa.fusion import Fusion, Rankings, rrf
from qa.periods import Plan, across_periods, in_force, named_periods, plans, stated_periods
from qa.script import to_simplified
from qa.semantic import SentenceMatcher
from qa.types import Hit

_COMPARE = re.compile(r"比较|对比|分别|两区|两个区|两地|各自|异同|区别|compare|both|each district", re.I)


@dataclass(frozen=True, slots=True)
class Route:
    """Which plans a question is about, and whether it wants one answer part per plan."""

    doc_ids: tuple[str, ...]  # empty: all plans
    compare: bool = False
    glossary_ids: tuple[str, ...] = ()
    # Plans the question did not pick by period (the one in force where a district has several, or the only
    # one when the period asked is not indexed): the answer says which plan it quotes.
    announce: tuple[str, ...] = ()
    named: bool = False  # the question or the selector chose districts or plans


def scope(corpus: Corpus, choice: str | None) -> tuple[str, ...]:
    """The plans a selector or API choice stands for: a doc id, or a district's name or alias (all: none)."""
    value = to_simplified((choice or "").strip()).lower()
    if value in {"", "all", "全部"}:
        return ()
    by_id = tuple(d.doc_id for d in corpus.districts if d.doc_id.lower() == value)
    return by_id or tuple(d.doc_id for d in corpus.districts if value in {d.name, *d.aliases})


def route(corpus: Corpus, question: str, district: str | None = None, today: date | None = None) -> Route:
    """Restrict to the districts and periods a question names (or the selector chose); spot glossary terms.

    Where a district has plans of several periods, a question naming none is answered from the plan in force
    `today`, and one asking how they differ (比较, 变化, 十四五和十五五) from each of them side by side.
    """
    text = to_simplified(question).lower()
    known = plans(corpus)
    district_of = {p.doc_id: p.district for p in known}
    chosen = scope(corpus, district)
    mentioned = tuple(dict.fromkeys(d.doc_id for d in corpus.districts if any(a in text for a in d.aliases)))
    named = chosen or mentioned
    periods = named_periods(text, (p.period for p in known))
    across = not periods and across_periods(text)
    if chosen and (periods or across):  # a plan picked in the selector, a question about its other periods
        wanted = {district_of[c] for c in chosen}
        named = tuple(p.doc_id for p in known if p.district in wanted)
    pool = [p for p in known if not named or p.doc_id in named]
    current: list[str] = []
    if periods and any(p.period in periods for p in pool):
        pool = [p for p in pool if p.period in periods or not p.period]
    elif any(all(asked > p.period for p in pool if p.period) for asked in stated_periods(text)):
        # a later plan than any indexed (十五五 before it is in): the answer says which plan it quotes
        current = [p.doc_id for p in pool if p.period]
    series = _by_district(pool)
    if not periods and not across:
        for plans_of_district in series.values():
            now = in_force(plans_of_district, today or date.today())
            dropped = [p for p in plans_of_district if p.period and now is not None and p is not now]
            if dropped and now is not None:
                current.append(now.doc_id)
                gone = set(dropped)  # a set: 200 plans compared pairwise cost ~60 ms a question
                pool = [p for p in pool if p not in gone]
    several_periods = any(len({p.period for p in s if p.period}) > 1 for s in _by_district(pool).values())
    districts = {p.district for p in pool}
    compare = (len(districts) > 1 and bool(named)) or several_periods
    if not named and _COMPARE.search(text) and len(districts) > 1:
        compare = True  # 两区比较: every district, each from its plan in force
    doc_ids = tuple(p.doc_id for p in pool)
    if len(doc_ids) == len(known) and not named and not compare:
        doc_ids = ()  # all plans: no restriction
    glossary = tuple(
        chunk_id
        for term, chunk_id in corpus.glossary.items()
        if len(term) >= 2
        and _mentions(text, term)
        and (not doc_ids or corpus.chunks[chunk_id].doc_id in doc_ids)
    )
    return Route(doc_ids, compare, glossary, tuple(current), bool(named))


def _by_district(pool: list[Plan]) -> dict[str, list[Plan]]:
    grouped: dict[str, list[Plan]] = {}
    for plan in pool:
        grouped.setdefault(plan.district or plan.doc_id, []).append(plan)
    return grouped


_QUOTED_TERM = re.compile(r"([“\"「『][^”\"」』]*[”\"」』])|[^“\"「『]+|.")


def _unnamed(corpus: Corpus, words: str, doc_ids: tuple[str, ...]) -> str:
    """Keyword search words without the names of the districts searched: within a district's own plan its
    name says nothing about the topic, yet it pulls up the title page and every passage that names it."""
    names = sorted(
        {a for d in corpus.districts if d.doc_id in doc_ids for a in d.aliases}, key=len, reverse=True
    )
    if not names:
        return words
    pattern = re.compile("|".join(re.escape(n) for n in names), re.I)
    # A quoted term keeps its name (“智慧某某” is a term, not a mention of the district)
    return _QUOTED_TERM.sub(lambda m: m.group(0) if m.group(1) else pattern.sub(" ", m.group(0)), words)


def _mentions(text: str, term: str) -> bool:
    if term.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", text) is not None
    return term in text


class HybridRetriever(BaseRetriever):
    """Dense, keyword and closest-sentence retrieval over plan chunks, returning Documents with citations.

    `source` is a fixed Corpus, or a LiveCorpus that follows what later ingests publish.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    source: Corpus | LiveCorpus
    embeddings: Embeddings
    k: int = 10
    candidates: int = 40
    fusion: Fusion = Field(default_factory=Fusion.load)  # fitted by eval/fit_retrieval.py
    # Sentence vectors of the corpus: chunks ranked by their closest sentence are a third list (none without)
    sentences: SentenceMatcher | None = None
    reranker: Any = None  # a sentence-transformers CrossEncoder, when configured

    @property
    def corpus(self) -> Corpus:
        """The current snapshot of the index; take it once per question and pass it on."""
        return self.source.current()

    def embed(self, question: str) -> list[float]:
        """The question's vector (what dense search and sentence matching compare against)."""
        return self.embeddings.embed_query(to_simplified(question))

    def search(
        self,
        question: str,
        k: int | None = None,
        district: str | None = None,
        corpus: Corpus | None = None,
        *,
        vector: list[float] | None = None,
        keywords: str | None = None,
        plan: Route | None = None,
        context: str | None = None,
    ) -> list[Hit]:
        """Ranked hits for a question from one snapshot (the current one unless given).

        `vector` is the question's embedding when the caller has it already; `keywords` what keyword search
        reads when it differs from the question (the question with synonyms and plan words added); `plan`
        the question's route when the caller has worked it out (then `district` is not read); `context` the
        message's first part, for a later part that asks something of its own about the same subject.
        """
        k = k or self.k
        corpus = corpus if corpus is not None else self.corpus
        question = expand_query(corpus, question)
        plan = plan if plan is not None else route(corpus, question, district)
        if vector is None:
            vector = self.embed(question)  # once, even for one search per plan
        # An English question's keyword search reads its Chinese terms (added by expand_query), which the
        # reading of its English words lacks.
        words = question if english(question) else keywords or question
        if plan.named and plan.doc_ids:
            words = _unnamed(corpus, words, plan.doc_ids)
        shared = self._shared(corpus, question, words, context, plan)
        if plan.compare and len(plan.doc_ids) > 1:
            per_doc = [
                self._search(corpus, question, vector, k, (doc_id,), plan.glossary_ids, words, shared)
                for doc_id in plan.doc_ids
            ]
            merged: list[Hit] = []
            for row in zip(*per_doc, strict=False):
                merged.extend(row)
            seen = {h.chunk.id for h in merged}  # a set: 200 plans' hits compared pairwise took seconds
            for hits in per_doc:
                merged.extend(h for h in hits if h.chunk.id not in seen)
            return merged[:k]
        return self._search(
            corpus, question, vector, k, plan.doc_ids or None, plan.glossary_ids, words, shared
        )

    def _shared(
        self, corpus: Corpus, question: str, words: str, context: str | None, plan: Route
    ) -> tuple[list[float], str] | None:
        """The vector and keywords of a later part read together with its message's first part (None
        without one): "某区的旅游排第几？以后还想争取什么示范区？" asks about tourism's 示范区."""
        if not context or to_simplified(context) in to_simplified(question):
            return None
        joined = f"{context} {question}"
        together = f"{context} {words}"
        if plan.named and plan.doc_ids:
            together = _unnamed(corpus, together, plan.doc_ids)
        return self.embed(joined), together

    def _search(
        self,
        corpus: Corpus,
        question: str,
        vector: list[float],
        k: int,
        doc_ids: tuple[str, ...] | None,
        glossary_ids: tuple[str, ...],
        words: str,
        shared: tuple[list[float], str] | None = None,
    ) -> list[Hit]:
        lists = self.rankings(corpus, vector, doc_ids, words)
        weights: tuple[float, ...] = self.fusion.weights(english(question))
        ranked_ids = lists.ids()
        if shared is not None:
            # The part's own lists and those read with the first part count alike: a passage both find
            # comes first, one only the part's own words find still ranks beside one only the subject finds.
            ranked_ids += self.rankings(corpus, shared[0], doc_ids, shared[1]).ids()
            weights = (*weights, *weights)
        fused = rrf(ranked_ids, k=self.fusion.rrf_k, weights=weights)
        boost = max(fused.values(), default=0.0) + 1.0
        for rank, chunk_id in enumerate(
            i for i in glossary_ids if doc_ids is None or corpus.chunks[i].doc_id in doc_ids
        ):
            fused[chunk_id] = boost - rank * 1e-3  # a defined term's own definition comes first
        dense_score = dict(lists.dense)
        keyword_score = dict(lists.keyword)
        dense_rank = {c: r for r, (c, _) in enumerate(lists.dense)}
        keyword_rank = {c: r for r, (c, _) in enumerate(lists.keyword)}
        ranked = sorted(fused, key=lambda c: -fused[c])
        if self.reranker is not None:
            ranked = self._rerank(corpus, to_simplified(question), ranked[: self.candidates])
        return [
            Hit(
                chunk=corpus.chunks[c],
                score=fused[c],
                dense_rank=dense_rank.get(c),
                keyword_rank=keyword_rank.get(c),
                dense_score=dense_score.get(c, 0.0),
                keyword_score=keyword_score.get(c, 0.0),
            )
            for c in [c for c in ranked if c in corpus.chunks][:k]  # only the k returned are built
        ]

    def rankings(
        self, corpus: Corpus, vector: list[float], doc_ids: tuple[str, ...] | None, words: str
    ) -> Rankings:
        """The ranked lists one search fuses: chunk vectors, keywords, and closest sentences."""
        dense = corpus.store.query(vector, self.candidates, doc_ids)
        keyword = [
            (h.chunk_id, h.score)
            for h in corpus.keyword.search(to_simplified(words), self.candidates, doc_ids)
        ]
        sentence: list[tuple[str, float]] = []
        index = (
            self.sentences.index(corpus.version, lambda: list(corpus.chunks.values()))
            if self.sentences
            else None
        )
        if index is not None:
            found = [c for c, _ in dense] + [c for c, _ in keyword]
            sentence = index.search(vector, self.candidates, doc_ids, candidates=found)
        return Rankings(dense, keyword, sentence)

    def _rerank(self, corpus: Corpus, question: str, ranked: list[str]) -> list[str]:
        pairs = [(question, corpus.chunks[c].embed_text) for c in ranked if c in corpus.chunks]
        scores = self.reranker.predict(pairs)
        order = sorted(range(len(pairs)), key=lambda i: -float(scores[i]))
        return [ranked[i] for i in order]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [to_document(hit) for hit in self.search(query)]


def to_document(hit: Hit) -> Document:
    """A LangChain Document carrying the chunk's citation metadata and its retrieval score."""
    meta: dict[str, Any] = {"id": hit.chunk.id, **hit.chunk.metadata(), "score": hit.score}
    return Document(page_content=hit.chunk.text, metadata=meta, id=hit.chunk.id)
