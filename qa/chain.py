"""One LCEL chain: follow-up rewrite → retrieve → answer → verify → format."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable, RunnableLambda

from qa.corpus import Corpus
from qa.extractive import extract
from qa.prompts import (
    CANNOT_ANSWER_PHRASE,
    EMPTY,
    NEAREST,
    PROMPT_WORDING,
    REFUSAL,
    REWRITE_PROMPT,
    SCRIPT_NAMES,
    SYSTEM_PROMPT,
    TOO_LONG,
    USER_PROMPT,
    as_data,
    phrase,
)
from qa.question import Turn, carry_context, clean_question, has_words
from qa.retrieve import HybridRetriever, Route, expand_query, route
from qa.script import detect_script, to_script, to_simplified
from qa.types import Answer, Citation, Hit, Script
from qa.verify import echoes, printable, verify

# Calibrated on eval/qa.jsonl: at 0.25, 5.8% of answerable and 39% of unanswerable questions are refused;
# 0.34 refuses 54% of unanswerable ones but also 12.6% of answerable ones.
MIN_COVERAGE = 0.25
# English questions reach the Chinese text through dictionary terms, so their coverage runs lower: on
# eval/qa.jsonl no unanswerable English question scores in 0.1–0.25, while 7 answerable ones do.
MIN_COVERAGE_EN = 0.1
GENERATIVE_SOURCES = 5


@dataclass(frozen=True, slots=True)
class State:
    """What flows through the chain."""

    question: str
    history: tuple[Turn, ...] = ()
    district: str | None = None
    script: Script = "zh-Hans"
    search_query: str = ""
    route: Route | None = None
    hits: tuple[Hit, ...] = ()
    draft: str = ""
    citations: tuple[Citation, ...] = ()
    coverage: float = 0.0
    refused: bool = False
    flags: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    started: float = 0.0
    corpus: Corpus | None = None  # the index snapshot the whole question is answered from


class QAChain:
    """Answers questions over the plans with citations, by an extractive or a generative backend."""

    def __init__(
        self,
        retriever: HybridRetriever,
        llm: BaseChatModel | None = None,
        *,
        backend: str = "extractive",
        max_question_chars: int = 500,
        min_coverage: float = MIN_COVERAGE,
    ) -> None:
        self.retriever = retriever
        self.llm = llm
        self.backend = backend if llm is not None else "extractive"
        self.max_question_chars = max_question_chars
        self.min_coverage = min_coverage
        self.chain: Runnable[State, Answer] = (
            RunnableLambda(self._rewrite, name="rewrite")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._answer, name="answer")
            | RunnableLambda(self._verify, name="verify")
            | RunnableLambda(self._format, name="format")
        )

    @property
    def corpus(self) -> Corpus:
        """The index snapshot a question asked now is answered from (it follows new ingests)."""
        return self.retriever.corpus

    def _snapshot(self, state: State) -> Corpus:
        assert state.corpus is not None  # taken once in _start, so retrieval and answer agree
        return state.corpus

    def ask(self, question: str, history: Sequence[Turn] = (), district: str | None = None) -> Answer:
        """Answer one question (after earlier turns, optionally within one district)."""
        state = self._start(question, history, district)
        if isinstance(state, Answer):
            return state
        return self.chain.invoke(state)

    def warm_up(self, question: str) -> Answer:
        """Load every lazy part with one question, and the English term dictionary (~2 s) besides."""
        answer = self.ask(question)
        expand_query(self.corpus, "warm up the dictionary for English questions")
        return answer

    def stream(
        self, question: str, history: Sequence[Turn] = (), district: str | None = None
    ) -> Iterator[str | Answer]:
        """Yield answer text as it is generated, then the verified Answer with citations."""
        state = self._start(question, history, district)
        if isinstance(state, Answer):
            yield state
            return
        state = self._retrieve(self._rewrite(state))
        if self.llm is None or state.refused:
            yield self._format(self._verify(self._answer(state)))
            return
        begun = time.perf_counter()
        pieces: list[str] = []
        for chunk in self.llm.stream(self._messages(state)):
            text = chunk.content if isinstance(chunk.content, str) else ""
            if text:
                pieces.append(text)
                if not echoes("".join(pieces), PROMPT_WORDING):  # a model reciting its prompt is cut off
                    yield printable(text)
        state = self._generated(state, "".join(pieces), begun)
        yield self._format(self._verify(state))

    def _start(self, question: str, history: Sequence[Turn], district: str | None) -> State | Answer:
        started = time.perf_counter()
        cleaned = clean_question(question)
        shown = cleaned[: self.max_question_chars]  # never echo an over-long question back in full
        script = detect_script(shown)
        if len(cleaned) > self.max_question_chars:
            message = phrase(TOO_LONG, script).format(limit=self.max_question_chars)
            return Answer(question=shown + "…", text=message, refused=True, backend=self.backend)
        if not has_words(cleaned):
            return Answer(question=cleaned, text=phrase(EMPTY, script), refused=True, backend=self.backend)
        return State(
            question=cleaned,
            history=tuple(history),
            district=district,
            script=script,
            started=started,
            corpus=self.retriever.corpus,
        )

    def _rewrite(self, state: State) -> State:
        query = carry_context(self._snapshot(state), state.question, state.history)
        if self.llm is not None and state.history:
            history = "\n".join(f"用户：{q}\n助手：{a[:200]}" for q, a in state.history[-3:])
            prompt = REWRITE_PROMPT.format(history=history, question=state.question)
            reply = self.llm.invoke([HumanMessage(prompt)])
            rewritten = clean_question(reply.content if isinstance(reply.content, str) else "")
            if 0 < len(rewritten) <= self.max_question_chars:
                query = rewritten
        return replace(state, search_query=expand_query(self._snapshot(state), query))

    def _retrieve(self, state: State) -> State:
        begun = time.perf_counter()
        corpus = self._snapshot(state)
        plan = route(corpus, state.search_query, state.district)
        hits = self.retriever.search(state.search_query, district=state.district, corpus=corpus)
        return replace(state, route=plan, hits=tuple(hits), timings={**state.timings, "retrieve": _ms(begun)})

    def _answer(self, state: State) -> State:
        begun = time.perf_counter()
        assert state.route is not None
        corpus = self._snapshot(state)
        draft = extract(corpus, state.search_query, list(state.hits), state.route, state.script)
        elsewhere = corpus.unknown_districts(state.question) and not (state.route and state.route.doc_ids)
        needed = self.min_coverage if state.script != "en" else min(self.min_coverage, MIN_COVERAGE_EN)
        weak = bool(elsewhere) or not draft.citations or draft.coverage < needed
        if weak:
            return replace(
                state, refused=True, coverage=draft.coverage, timings={**state.timings, "answer": _ms(begun)}
            )
        if self.llm is None:
            return replace(
                state,
                draft=draft.text,
                citations=draft.citations,
                coverage=draft.coverage,
                timings={**state.timings, "answer": _ms(begun)},
            )
        reply = self.llm.invoke(self._messages(state))
        text = reply.content if isinstance(reply.content, str) else ""
        return self._generated(replace(state, coverage=draft.coverage), text, begun)

    def _messages(self, state: State) -> list[BaseMessage]:
        sources = "\n\n".join(
            as_data(f"[{i + 1}] {h.chunk.title} | {h.chunk.section}\n{h.chunk.text}")
            for i, h in enumerate(state.hits[:GENERATIVE_SOURCES])
        )
        system = SYSTEM_PROMPT.format(
            refusal=phrase(REFUSAL, state.script), script_name=SCRIPT_NAMES.get(state.script, "简体中文")
        )
        return [
            SystemMessage(system),
            HumanMessage(USER_PROMPT.format(sources=sources, question=as_data(state.question))),
        ]

    def _generated(self, state: State, text: str, begun: float) -> State:
        text = printable(text)  # no terminal escapes, bidi overrides or hidden tags reach the user
        refused = CANNOT_ANSWER_PHRASE in to_simplified(text) or "plans do not say" in text.lower()
        sources = [h.chunk for h in state.hits[:GENERATIVE_SOURCES]]
        checked = verify(text, sources, prompt=PROMPT_WORDING)
        refused = refused or not checked.citations
        return replace(
            state,
            draft=checked.text,
            citations=checked.citations,
            refused=refused,
            flags=checked.flags,
            timings={**state.timings, "answer": _ms(begun)},
        )

    def _verify(self, state: State) -> State:
        if state.refused or self.llm is not None:
            return state  # generated answers were verified as they were parsed
        checked = verify(state.draft, [c.chunk for c in state.citations])
        return replace(
            state,
            draft=checked.text,
            citations=checked.citations,
            flags=state.flags + checked.flags,
            refused=not checked.citations,
        )

    def _format(self, state: State) -> Answer:
        text = state.draft
        if state.refused:
            text = self._refusal(state)
        return Answer(
            question=state.question,
            text=text,
            refused=state.refused,
            backend=self.backend,
            citations=() if state.refused else state.citations,
            retrieved=state.hits,
            timings_ms={**state.timings, "total": _ms(state.started)},
            flags=state.flags,
        )

    def _refusal(self, state: State) -> str:
        lines = [phrase(REFUSAL, state.script), phrase(NEAREST, state.script)]
        seen: list[str] = []
        for hit in state.hits:
            key = f"{hit.chunk.doc_id}|{hit.chunk.section}"
            if key in seen:
                continue
            seen.append(key)
            district = to_script(hit.chunk.district, state.script)
            lines.append(f"· {district}：{hit.chunk.section}（第{hit.chunk.line_start}行）")
            if len(seen) == 3:
                break
        return "\n".join(lines)


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
