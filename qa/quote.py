"""Choose the sentences an answer may quote and quote them, trimmed around the clause that answers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from qa.answerability import Signals
from qa.ask import Ask, parse_ask, retrospective
from qa.evidence import MAX_CHARS, MAX_QUOTES, Query, Sentence, as_evidence
from qa.lead import MAX_LIST_QUOTE, MAX_QUOTE, answering_clause, quote_window
from qa.ranker import shipped
from qa.script import to_simplified
from qa.terms import frames
from qa.types import Chunk, Citation, Script
from qa.verify import MARKER

QUOTE_SLACK = 12  # a quote this little longer than the lead that holds it adds nothing worth repeating
# A runner-up quote supports the best one: its answering clause with little around it.
RUNNER_QUOTE = 40
# Below this probability that the best-scored sentence is the answer (qa.ranker certainty), the runner-up
# is quoted as fully as the best. Read off the tuning sets (eval/fit_ranker.py prints the table): below 0.6
# the best held the gold in 28-60% of items and the runner-up in 14-31%; from 0.6 up, 75-96% and 0-9%.
# On their eval 0.6 and 0.7 both gained 2 resident_val items and 0.5 none; 0.6 quotes less.
UNSURE = 0.6


@dataclass(frozen=True, slots=True)
class Draft:
    """An extractive answer before formatting checks: text with [n] markers and its citations."""

    text: str
    citations: tuple[Citation, ...]
    coverage: float  # best sentence coverage: how much of the question the evidence speaks to
    signals: Signals | None = None  # what the answerability model reads (None: nothing to quote)
    query: Query | None = None  # what was read (eval/fit_ranker.py scores its candidates again)


def compose(
    question: str,
    script: Script,
    chosen: list[Sentence],
    *,
    first_n: int = 1,
    terms: Mapping[str, float] | None = None,
    alternatives: Mapping[str, set[str]] | None = None,
    ask: Ask | None = None,
    said: str = "",
    runner: int = RUNNER_QUOTE,
) -> tuple[str, list[Citation]]:
    """Quote each chosen sentence, trimmed around the clause that answers, one [n] per cited chunk.

    A quote the answer's lead (`said`) already states whole is left out of the text (its citation stays).
    """
    ask = ask or parse_ask(question)
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    by_chunk: dict[str, list[Sentence]] = {}
    for s in chosen:
        by_chunk.setdefault(s.chunk.id, []).append(s)
    for s in chosen:
        if s.chunk.id in numbers:
            continue
        group = sorted(by_chunk[s.chunk.id], key=lambda x: x.start)
        n = first_n + len(numbers)
        numbers[s.chunk.id] = n
        quotes = []
        for x in group:
            if x.chunk.kind == "glossary":
                quotes.append(x.chunk.text[x.start : x.end])  # a definition is quoted whole
                continue
            clause = answering_clause(x.chunk.text, x.start, x.end, terms or {}, alternatives or {}, ask)
            limit = MAX_LIST_QUOTE if ask.listing else MAX_QUOTE if x is chosen[0] else runner
            window = quote_window(x.chunk.text, x.start, x.end, clause, limit)
            quotes.append(x.chunk.text[window.start : window.end])
        citations.append(Citation(n=n, chunk=s.chunk, quote=quotes[0]))
        shown = [q for q in quotes if not restates(said, q)]
        if shown:
            parts.append("".join(f"「{q}」" for q in shown) + f"[{n}]")
    return "".join(parts), citations


def quote_budget(ask: Ask) -> tuple[int, int, float]:
    """How many quotes and characters an answer may use, and how close a runner-up must score: a list
    question needs room for its items, a definition may be a runner-up to the sentence using the term."""
    ranker = shipped()  # its scores' scale is the one the shares were chosen for
    if ask.listing:
        return MAX_QUOTES + 1, MAX_CHARS + 140, ranker.close_many
    return MAX_QUOTES, MAX_CHARS, ranker.close_many if ask.definition else ranker.close


def unsure(pool: list[Sentence], ask: Ask) -> bool:
    """Whether the ranker is unsure of its best sentence (a near tie, or nothing clearly best): then a
    runner-up may well be the answer and is quoted as fully as the best (a list's runners-up always are)."""
    return not ask.listing and shipped().certainty([s.score for s in pool]) < UNSURE


def on_topic(
    sentences: list[Sentence], terms: Mapping[str, float], alternatives: Mapping[str, set[str]], ask: Ask
) -> list[Sentence]:
    """The sentences without the glossary entries defining a term the question does not name: an entry is
    about its term (“3+6”集团化办学), not the schools it happens to list (unless nothing else is left)."""
    if ask.definition:
        return sentences
    words = [t for t in terms if not frames(t)]
    kept = [s for s in sentences if s.chunk.kind != "glossary" or _names_term(s.chunk, words, alternatives)]
    return kept or sentences


def _names_term(chunk: Chunk, words: list[str], alternatives: Mapping[str, set[str]]) -> bool:
    term = to_simplified(chunk.term or chunk.norm_path.rsplit(">", 1)[-1]).lower()
    return any(w in term or any(a in term for a in alternatives.get(w, ())) for w in words)


def ahead(sentences: list[Sentence], ask: Ask) -> list[Sentence]:
    """For a question about the plan's targets, the sentences that are not the last period's results."""
    if not ask.target or ask.achieved:
        return sentences
    return [s for s in sentences if not retrospective(as_evidence(s))]


def restates(opening: str, quote: str, slack: int = QUOTE_SLACK) -> bool:
    """Whether a lead sentence holds nearly all of a quote (so quoting it again would only repeat it)."""
    said, quoted = _letters(MARKER.sub("", opening)), _letters(quote)
    return bool(said) and len(quoted) - len(said) <= slack and said in quoted


def _letters(text: str) -> str:
    return re.sub(r"[^\w%]", "", to_simplified(text))
