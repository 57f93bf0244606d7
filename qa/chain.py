"""One LCEL chain: understand → retrieve → decide → answer → format.

Understanding standardises a resident's wording, mends typos in names, makes a real follow-up standalone
and splits a two-part message; each part is retrieved and read on its own, and a learned answerability
model decides whether its evidence answers it. Only then does the backend (extractive or a chat model,
behind `qa.backends.Answerer`) write the cited reply.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from langchain_core.runnables import Runnable, RunnableLambda

from qa.answerability import Answerability
from qa.backends import Answerer, ExtractiveAnswerer, Part, Reply, Request, timed
from qa.catalog import ask_about
from qa.corpus import Corpus
from qa.english import expand_query
from qa.evidence import Query, Similarity
from qa.extractive import extract
from qa.periods import quoted_from
from qa.prompts import PART_NOT_FOUND, TOO_LONG, phrase
from qa.question import Turn, carry_context, clean_question, has_words, parts, within_message
from qa.retrieve import HybridRetriever, Route, route
from qa.script import detect_script
from qa.semantic import SentenceMatcher, chunk_sentences
from qa.suggest import guide, refusal_text
from qa.terms import question_terms
from qa.types import Answer, Hit, Script
from qa.understand import Reading, Understanding
from qa.verify import MARKUP, QUOTE

PART_ECHO = 40  # characters of an unanswered part repeated in the reply


@dataclass(frozen=True, slots=True)
class Routed:
    """One part of a question as retrieval takes it: what to search for, and the plans it is about."""

    asked: str  # the part as asked
    standalone: str  # made standalone from the turns before
    search: str  # standardised, with Chinese terms for an English question
    keywords: str  # what keyword search reads
    route: Route


@dataclass(frozen=True, slots=True)
class State:
    """What flows through the chain."""

    question: str
    history: tuple[Turn, ...] = ()
    district: str | None = None
    script: Script = "zh-Hans"
    queries: tuple[tuple[str, str], ...] = ()  # (part as asked, standalone query) per part
    routed: tuple[Routed, ...] = ()  # each part's search and route, worked out once
    parts: tuple[Part, ...] = ()
    reply: Reply | None = None
    timings: dict[str, float] = field(default_factory=dict)
    started: float = 0.0
    corpus: Corpus | None = None  # the index snapshot the whole question is answered from


FOLLOW_UP_DEPTH = 3  # earlier questions read to make the last one standalone (each carries the one before)


class QAChain:
    """Answers questions over the plans with citations, through an injected answer backend."""

    def __init__(
        self,
        retriever: HybridRetriever,
        answerer: Answerer | None = None,
        *,
        max_question_chars: int = 500,
        answerability: Answerability | None = None,
        understanding: Understanding | None = None,
        sentences: SentenceMatcher | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.retriever = retriever
        self.today = today  # which plan is in force, where a district has several
        self.answerer: Answerer = answerer if answerer is not None else ExtractiveAnswerer()
        self.max_question_chars = max_question_chars
        self.answerability = answerability if answerability is not None else Answerability.load()
        self.understanding = understanding if understanding is not None else Understanding()
        self.sentences = sentences
        self.chain: Runnable[State, Answer] = (
            RunnableLambda(self._understand, name="understand")
            | RunnableLambda(self._route, name="route")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._answer, name="answer")
            | RunnableLambda(self._format, name="format")
        )

    @property
    def backend(self) -> str:
        """The answer backend's name (shown in the API and the page)."""
        return self.answerer.name

    @property
    def corpus(self) -> Corpus:
        """The index snapshot a question asked now is answered from (it follows new ingests)."""
        return self.retriever.corpus

    def ask(self, question: str, history: Sequence[Turn] = (), district: str | None = None) -> Answer:
        """Answer one question (after earlier turns, optionally within one district)."""
        state = self._start(question, history, district)
        if isinstance(state, Answer):
            return state
        return self.chain.invoke(state)

    def read(
        self, question: str, history: Sequence[Turn] = (), district: str | None = None
    ) -> tuple[Part, ...]:
        """The parts of a question with their evidence and answerability, without answering (calibration)."""
        state = self._start(question, history, district)
        return () if isinstance(state, Answer) else self._retrieve(self._route(self._understand(state))).parts

    def warm_up(self, question: str) -> Answer:
        """Load every lazy part with one question, the English term dictionary (~2 s) and the index's
        sentence vectors (~0.6 s, ~2 MB for the bundled plans) besides."""
        answer = self.ask(question)
        corpus = self.corpus
        expand_query(corpus, "warm up the dictionary for English questions")
        if self.sentences is not None:
            self.sentences.preload([s for c in corpus.chunks.values() for s in chunk_sentences(c)])
        return answer

    def stream(
        self, question: str, history: Sequence[Turn] = (), district: str | None = None
    ) -> Iterator[str | Answer]:
        """Yield answer text as it is produced, then the verified Answer with citations."""
        state = self._start(question, history, district)
        if isinstance(state, Answer):
            yield state
            return
        state = self._retrieve(self._route(self._understand(state)))
        begun = time.perf_counter()
        request = self._request(state)
        reply: Reply | None = None
        if request is not None:
            for piece in self.answerer.stream(request):
                if isinstance(piece, str):
                    yield piece
                else:
                    reply = piece
        yield self._format(replace(state, reply=reply, timings={**state.timings, "answer": timed(begun)}))

    def _start(self, question: str, history: Sequence[Turn], district: str | None) -> State | Answer:
        started = time.perf_counter()
        cleaned = clean_question(question)
        shown = cleaned[: self.max_question_chars]  # never echo an over-long question back in full
        script = detect_script(shown)
        if len(cleaned) > self.max_question_chars:
            message = phrase(TOO_LONG, script).format(limit=self.max_question_chars)
            return Answer(question=shown + "…", text=message, refused=True, backend=self.backend)
        if not has_words(cleaned):
            return Answer(
                question=cleaned, text=ask_about(self.retriever, script), refused=True, backend=self.backend
            )
        return State(
            question=cleaned,
            history=tuple(history),
            district=district,
            script=script,
            started=started,
            corpus=self.retriever.corpus,
        )

    def _understand(self, state: State) -> State:
        corpus = _snapshot(state)
        asked = parts(state.question)
        queries: list[tuple[str, str]] = []
        for i, part in enumerate(asked):
            terms = question_terms(corpus, self._read(corpus, part).text, state.script)
            if i > 0:  # a later part leans on the first by rule, as that part was made standalone
                queries.append((part, within_message(corpus, part, queries[0][1], len(terms))))
                continue
            # Only a real earlier turn goes to the backend's model.
            standalone = self.answerer.rewrite(part, state.history) if state.history else None
            if not standalone or len(standalone) > self.max_question_chars:
                standalone = carry_context(corpus, part, self._resolved(corpus, state.history), len(terms))
            queries.append((part, standalone))
        return replace(state, queries=tuple(queries))

    def _resolved(self, corpus: Corpus, history: Sequence[Turn]) -> tuple[Turn, ...]:
        """The earlier turns with the last question made standalone against those before it, so that
        "那某区呢？" after "那某区呢？" still asks the question both lean on."""
        if not history:
            return ()
        previous = ""
        for question, _ in history[-FOLLOW_UP_DEPTH:]:
            terms = question_terms(corpus, self._read(corpus, question).text, detect_script(question))
            previous = carry_context(corpus, question, [(previous, "")] if previous else [], len(terms))
        return (*history[:-1], (previous, history[-1][1]))

    def _read(self, corpus: Corpus, text: str) -> Reading:
        return self.understanding.read(text, corpus.idf, corpus.names, corpus.version, corpus.pairs)

    def _route(self, state: State) -> State:
        begun = time.perf_counter()
        corpus = _snapshot(state)
        today = self.today()
        routed: list[Routed] = []
        for asked, standalone in state.queries:
            reading = self._read(corpus, standalone)
            search = expand_query(corpus, reading.text if state.script != "en" else standalone)
            plan = route(corpus, search, state.district, today)
            first = routed[0].route if routed else None
            if first and first.named and len(first.doc_ids) == 1 and not plan.named:
                # "我家在某区，看病方便吗？以后会有新医院吗？": a part naming no plan asks about the first one
                plan = route(corpus, search, first.doc_ids[0], today)
            routed.append(Routed(asked, standalone, search, reading.search_text, plan))
        return replace(state, routed=tuple(routed), timings={**state.timings, "route": timed(begun)})

    def _retrieve(self, state: State) -> State:
        begun = time.perf_counter()
        corpus = _snapshot(state)
        found: list[Part] = []
        answer_ms = 0.0
        for i, part in enumerate(state.routed):
            search, plan = part.search, part.route
            vector = self.retriever.embed(search)
            # A later part standing on its own is also searched together with the first part's subject.
            context = state.routed[0].keywords if i and part.standalone == part.asked else None
            hits = self.retriever.search(
                search, corpus=corpus, vector=vector, keywords=part.keywords, plan=plan, context=context
            )
            reading_begun = time.perf_counter()
            alternatives = self.understanding.alternatives(question_terms(corpus, search), corpus.idf)
            similarity = self._similarity(vector)
            # A follow-up made standalone: its own words say what is asked now, the rest is the topic before.
            own = self._read(corpus, part.asked).text if part.standalone != part.asked else None
            query = Query(search, state.script, alternatives, similarity, asked=own)
            draft = extract(corpus, query, hits, plan)
            elsewhere = corpus.unknown_districts(part.standalone) and not (plan.named or plan.compare)
            probability = (
                self.answerability.probability(draft.signals) if draft.signals and not elsewhere else 0.0
            )
            answerable = bool(draft.citations) and probability >= self.answerability.threshold
            found.append(Part(part.asked, search, tuple(hits), draft, probability, answerable))
            answer_ms += timed(reading_begun)
        retrieve_ms = timed(begun) - answer_ms + state.timings.get("route", 0.0)
        timings = {**state.timings, "retrieve": round(retrieve_ms, 2), "read": round(answer_ms, 2)}
        return replace(state, parts=tuple(found), timings=timings)

    def _similarity(self, vector: list[float]) -> Similarity | None:
        """Sentence closeness to this question's vector (None without sentence vectors)."""
        matcher = self.sentences
        if matcher is None:
            return None
        return lambda texts: matcher.similarities(vector, texts)

    def _request(self, state: State) -> Request | None:
        answerable: list[Part] = []
        quoted: set[str] = set()
        for part in (p for p in state.parts if p.answerable):
            mine = set(QUOTE.findall(part.draft.text))
            if mine and mine <= quoted:
                continue  # "跟某区比呢？两个区各…？": a part that would only repeat an earlier part's quotes
            answerable.append(part)
            quoted |= mine
        return Request(state.question, state.script, tuple(answerable)) if answerable else None

    def _answer(self, state: State) -> State:
        begun = time.perf_counter()
        request = self._request(state)
        reply = self.answerer.answer(request) if request is not None else None
        answer_ms = timed(begun) + state.timings.get("read", 0.0)
        return replace(state, reply=reply, timings={**state.timings, "answer": round(answer_ms, 2)})

    def _format(self, state: State) -> Answer:
        reply = state.reply
        refused = reply is None or reply.refused
        citations = () if refused or reply is None else reply.citations
        retrieved = interleave([p.hits for p in state.parts])
        guidance = guide(
            _snapshot(state), state.question, state.district, state.script, retrieved, citations, refused
        )
        text = refusal_text(guidance, state.script) if refused or reply is None else reply.text
        if not refused and reply is not None:
            missing = [p for p in state.parts if not p.answerable]
            for part in missing:  # a two-part question: say which part the plans do not cover
                shown = MARKUP.sub("", part.question).strip(" ，,。")[:PART_ECHO]  # never echo markup back
                if has_words(shown):
                    text += "\n" + phrase(PART_NOT_FOUND, state.script).format(part=shown)
        if not refused:
            cited = {c.chunk.doc_id for c in reply.citations} if reply is not None else set()
            announced = [d for r in state.routed for d in r.route.announce]
            text += quoted_from(_snapshot(state), announced, cited, state.script)
        timings = {k: v for k, v in state.timings.items() if k not in {"read", "route"}}
        return Answer(
            question=state.question,
            text=text,
            refused=refused,
            backend=self.backend,
            citations=citations,
            retrieved=retrieved,
            timings_ms={**timings, "total": timed(state.started)},
            flags=reply.flags if reply is not None else (),
            probability=max((p.probability for p in state.parts), default=None),
            guidance=guidance,
        )


def _snapshot(state: State) -> Corpus:
    assert state.corpus is not None  # taken once in _start, so retrieval and answer agree
    return state.corpus


def interleave(rows: Sequence[Sequence[Hit]]) -> tuple[Hit, ...]:
    """Hits of several parts, best of each first, without repeats (as an answer lists what it retrieved)."""
    out: list[Hit] = []
    seen: set[str] = set()
    for rank in range(max((len(r) for r in rows), default=0)):
        for row in rows:
            if rank < len(row) and row[rank].chunk.id not in seen:
                seen.add(row[rank].chunk.id)
                out.append(row[rank])
    return tuple(out)
