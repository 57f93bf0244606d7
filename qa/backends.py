"""Answer backends: one small protocol, an extractive answerer and a chat-model answerer behind it.

The chain finds and weighs the evidence for each part of a question and decides whether it answers; a
backend only turns answerable evidence into cited text. So the chain never branches on a backend's name,
and streaming and non-streaming answers run the same steps.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from qa.extractive import Draft
from qa.join import join_drafts
from qa.prompts import (
    CANNOT_ANSWER_PHRASE,
    PROMPT_WORDING,
    REFUSAL,
    REWRITE_PROMPT,
    SCRIPT_NAMES,
    SYSTEM_PROMPT,
    USER_PROMPT,
    as_data,
    phrase,
)
from qa.script import to_simplified
from qa.types import Citation, Hit, Script
from qa.verify import MARKER, echoes, printable, verify

GENERATIVE_SOURCES = 5


@dataclass(frozen=True, slots=True)
class Part:
    """One question of a message, with its evidence and the decision whether it can be answered."""

    question: str  # as asked (one part of the message)
    query: str  # standalone and standardised: what was searched
    hits: tuple[Hit, ...]
    draft: Draft  # the extractive reading of the evidence (quotes, signals)
    probability: float  # P(answerable) from the answerability model
    answerable: bool


@dataclass(frozen=True, slots=True)
class Request:
    """What a backend answers: the message, the asker's script and its answerable parts."""

    question: str
    script: Script
    parts: tuple[Part, ...]  # only the parts the evidence answers


@dataclass(frozen=True, slots=True)
class Reply:
    """A backend's cited text, verified against its sources."""

    text: str
    citations: tuple[Citation, ...]
    refused: bool = False
    flags: tuple[str, ...] = ()


class Answerer(Protocol):
    """Turns answerable evidence into cited text."""

    name: str

    def answer(self, request: Request) -> Reply:
        """The whole reply at once."""
        ...

    def stream(self, request: Request) -> Iterator[str | Reply]:
        """Text as it is produced (when the backend produces it piecewise), then the verified Reply."""
        ...

    def rewrite(self, question: str, history: Sequence[tuple[str, str]]) -> str | None:
        """A follow-up made standalone by the backend's own model (None: the chain's rules do it)."""
        ...


class ExtractiveAnswerer:
    """Quotes the evidence: each part's lead clause and trimmed supporting sentences (no model)."""

    name = "extractive"

    def answer(self, request: Request) -> Reply:
        """Join the parts' extractive drafts, numbering citations across parts, then verify them."""
        text, citations = join_drafts([part.draft for part in request.parts])
        checked = verify(text, [c.chunk for c in citations])
        quotes = {c.n: c.quote for c in citations}
        kept = tuple(Citation(c.n, c.chunk, quotes.get(c.n, c.quote)) for c in checked.citations)
        return Reply(checked.text, kept, refused=not kept, flags=checked.flags)

    def stream(self, request: Request) -> Iterator[str | Reply]:
        """An extractive answer is ready at once."""
        yield self.answer(request)

    def rewrite(self, question: str, history: Sequence[tuple[str, str]]) -> str | None:
        """No model to ask: the chain's follow-up rules apply."""
        return None


class ChatModelAnswerer:
    """Asks a chat model (OpenAI-compatible, llama.cpp) to answer from numbered sources, then verifies."""

    name: str

    def __init__(self, llm: BaseChatModel, name: str = "openai") -> None:
        self.llm = llm
        self.name = name

    def sources(self, request: Request) -> list[Hit]:
        """The passages the model sees: the best of each answerable part, interleaved."""
        seen: list[Hit] = []
        rows = [p.hits for p in request.parts]
        for rank in range(GENERATIVE_SOURCES):
            for hits in rows:
                if rank < len(hits) and hits[rank].chunk.id not in {h.chunk.id for h in seen}:
                    seen.append(hits[rank])
        return seen[:GENERATIVE_SOURCES]

    def messages(self, request: Request, sources: Sequence[Hit]) -> list[BaseMessage]:
        """The system rules and the user turn with the sources as data."""
        block = "\n\n".join(
            as_data(f"[{i + 1}] {h.chunk.title} | {h.chunk.section}\n{h.chunk.text}")
            for i, h in enumerate(sources)
        )
        system = SYSTEM_PROMPT.format(
            refusal=phrase(REFUSAL, request.script),
            script_name=SCRIPT_NAMES.get(request.script, "简体中文"),
        )
        return [
            SystemMessage(system),
            HumanMessage(USER_PROMPT.format(sources=block, question=as_data(request.question))),
        ]

    def rewrite(self, question: str, history: Sequence[tuple[str, str]]) -> str | None:
        """Ask the model to make a follow-up standalone (None when it gives nothing usable)."""
        if not history:
            return None
        turns = "\n".join(f"用户：{q}\n助手：{a[:200]}" for q, a in history[-3:])
        reply = self.llm.invoke([HumanMessage(REWRITE_PROMPT.format(history=turns, question=question))])
        text = " ".join(printable(reply.content if isinstance(reply.content, str) else "").split())
        return text or None

    def answer(self, request: Request) -> Reply:
        """One model call, verified."""
        sources = self.sources(request)
        reply = self.llm.invoke(self.messages(request, sources))
        return self.check(reply.content if isinstance(reply.content, str) else "", sources)

    def stream(self, request: Request) -> Iterator[str | Reply]:
        """Stream the model's text (cut off once it recites its prompt), then the verified Reply."""
        sources = self.sources(request)
        pieces: list[str] = []
        for chunk in self.llm.stream(self.messages(request, sources)):
            text = chunk.content if isinstance(chunk.content, str) else ""
            if text:
                pieces.append(text)
                if not echoes("".join(pieces), PROMPT_WORDING):
                    yield printable(text)
        yield self.check("".join(pieces), sources)

    def check(self, text: str, sources: Sequence[Hit]) -> Reply:
        """Keep only verified claims; a refusal or nothing verifiable is a refusal."""
        text = printable(text)  # no terminal escapes, bidi overrides or hidden tags reach the user
        says_none = CANNOT_ANSWER_PHRASE in to_simplified(text) or "plans do not say" in text.lower()
        checked = verify(text, [h.chunk for h in sources], prompt=PROMPT_WORDING)
        # "关于公园，规划文件中没有找到…" beside a verified answer to the other part is not a refusal.
        refused = not checked.citations or (says_none and not MARKER.search(checked.text))
        return Reply(checked.text, checked.citations, refused, checked.flags)


def timed(started: float) -> float:
    """Milliseconds since a perf_counter reading."""
    return round((time.perf_counter() - started) * 1000, 2)
