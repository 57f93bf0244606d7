"""Run systems over a QA set: our answering chain, and retrieval-only baselines with a trivial answer."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tqdm import tqdm

from eval.dataset import Item
from eval.metrics import Cited, Outcome, answer_correct, evidence_ranks, script_matches
from qa.sentences import sentence_spans
from qa.serialize import answer_json
from qa.types import Answer, Chunk

Turn = tuple[str, str]  # (question, answer) of an earlier exchange in the same chat
LEAD_CHARS = 360  # the trivial answer's budget: the extractive backend quotes at most this much
WARM_UP = "从化区“十四五”时期的主要目标是什么？"


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved passage: its verbatim text and what evidence matching reads."""

    text: str
    match: str  # Simplified section path + "\n" + Simplified text (just the text when there is no path)


def chunk_passage(chunk: Chunk) -> Passage:
    """One of our chunks as a passage; its section path counts as part of it."""
    return Passage(chunk.text, f"{chunk.norm_path}\n{chunk.norm}")


Search = Callable[[str, int], list[Passage]]


class Asker(Protocol):
    """What the evaluator needs of the answering chain (qa.chain.QAChain is one)."""

    def ask(self, question: str, history: Sequence[Turn] = (), district: str | None = None) -> Answer:
        """Answer one question after the earlier turns of its chat."""
        ...


@dataclass(frozen=True, slots=True)
class Baseline:
    """A retrieval-only system: a name, what it is, and its top-k search."""

    name: str
    description: str
    search: Search
    universe: tuple[str, ...] = ()  # every passage it can return, as matching reads them


def outcome_of(item: Item, answer: Answer) -> Outcome:
    """What the chain did with an item, as the metrics read it."""
    return Outcome(
        item_id=item.id,
        answer=answer.text,
        refused=answer.refused,
        retrieved=tuple(chunk_passage(h.chunk).match for h in answer.retrieved),
        citations=tuple(Cited(chunk_passage(c.chunk).match, c.chunk.text, c.quote) for c in answer.citations),
        timings_ms=dict(answer.timings_ms),
    )


def judged(item: Item, outcome: Outcome) -> dict[str, Any]:
    """The per-item verdicts written beside each record, to make a report readable item by item."""
    verdict: dict[str, Any] = {"script_match": script_matches(item.lang, outcome.answer)}
    if item.answerable:
        ranks = [r for r in evidence_ranks(item, outcome.retrieved) if r is not None]
        verdict["answer_correct"] = answer_correct(item, outcome.answer)
        verdict["first_evidence_rank"] = min(ranks) if ranks else None
    else:
        verdict["refusal_correct"] = outcome.refused
    return verdict


def record_of(item: Item, answer: Answer, outcome: Outcome, history: Sequence[Turn] = ()) -> dict[str, Any]:
    """One report record: the `ask --json` shapes plus the item's labels, earlier turns and verdicts."""
    shown = answer_json(answer)
    return {
        "id": item.id,
        "question": item.question,
        "type": item.type,
        "lang": item.lang,
        "style": item.style,
        "history": [{"question": q, "answer": a} for q, a in history],
        "answer": shown["answer"],
        "refused": shown["refused"],
        "citations": shown["citations"],
        "retrieved": shown["retrieved"],
        "latency_ms": shown["timings_ms"],
        "judged": judged(item, outcome),
    }


def replay(chain: Asker, questions: Sequence[str]) -> tuple[Turn, ...]:
    """Ask a chat's earlier questions in order, each after the turns before it; return the turns."""
    turns: list[Turn] = []
    for question in questions:
        turns.append((question, chain.ask(question, history=tuple(turns)).text))
    return tuple(turns)


def run_chain(
    chain: Asker, items: Sequence[Item], *, progress: bool = True
) -> tuple[list[Outcome], list[dict[str, Any]]]:
    """Ask the chain every question (after one untimed warm-up) and keep outcomes and report records.

    An item with a history is asked as the last turn of its chat: its earlier questions go through the
    chain first, and only the last answer is scored (its timings are that answer's own).
    """
    chain.ask(WARM_UP)  # loads the embedding model and tokenizer, which no user waits for twice
    outcomes: list[Outcome] = []
    records: list[dict[str, Any]] = []
    for item in tqdm(items, desc="ours", unit="q", disable=not progress):
        turns = replay(chain, item.history)
        answer = chain.ask(item.question, history=turns)
        outcome = outcome_of(item, answer)
        outcomes.append(outcome)
        records.append(record_of(item, answer, outcome, turns))
    return outcomes, records


def lead_sentences(text: str, max_chars: int = LEAD_CHARS) -> str:
    """The trivial answer: a passage's first sentences, verbatim, up to max_chars (at least one sentence)."""
    spans = sentence_spans(text)
    if not spans:
        return ""
    end = spans[0][1]
    for _, stop in spans[1:]:
        if stop - spans[0][0] > max_chars:
            break
        end = stop
    return text[spans[0][0] : end]


def run_baseline(
    baseline: Baseline, items: Sequence[Item], k: int, *, progress: bool = True
) -> list[Outcome]:
    """Retrieve top k per question and answer with the top passage's first sentences (never refuses)."""
    baseline.search(WARM_UP, k)
    outcomes: list[Outcome] = []
    for item in tqdm(items, desc=baseline.name, unit="q", disable=not progress):
        begun = time.perf_counter()
        passages = baseline.search(item.question, k)
        retrieved = time.perf_counter()
        answer = lead_sentences(passages[0].text) if passages else ""
        done = time.perf_counter()
        citations = (Cited(passages[0].match, passages[0].text, answer),) if answer else ()
        outcomes.append(
            Outcome(
                item_id=item.id,
                answer=answer,
                refused=False,
                retrieved=tuple(p.match for p in passages),
                citations=citations,
                timings_ms={
                    "retrieve": (retrieved - begun) * 1000,
                    "answer": (done - retrieved) * 1000,
                    "total": (done - begun) * 1000,
                },
            )
        )
    return outcomes
