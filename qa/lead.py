"""The answer first: the clause of the evidence that says what was asked, as one short cited sentence.

An extractive answer cannot paraphrase, but it can lead with the one clause (between commas) of the best
sentence that carries the asked figure or the most of the question's words, put in the asker's script,
then show the supporting sentence trimmed around it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from qa.ask import Ask, figures, gives_figure
from qa.ask import Evidence as AskEvidence
from qa.script import to_script, to_simplified
from qa.types import Script

_CLAUSE = re.compile(r"[^，,；;：:]+[，,；;：:]?")
_YEAR_LEAD = re.compile(r"(?:到|至|截至|展望)?(?:19|20)\d{2}年(?:底|末)?")
MAX_QUOTE = 120  # characters of supporting quote around the answering clause
MAX_LIST_QUOTE = 220  # a list question keeps more of its sentence: the items are the answer
MIN_CLAUSE = 8  # a clause this short is joined with its neighbour (a lead-in like "到2025年,")


@dataclass(frozen=True, slots=True)
class Span:
    """A verbatim span of a chunk's text (offsets into chunk.text)."""

    start: int
    end: int


def clauses(text: str, start: int, end: int) -> list[Span]:
    """The comma-separated clauses of one sentence, as spans of the chunk text."""
    spans: list[Span] = []
    for match in _CLAUSE.finditer(text, start, end):
        a, b = match.start(), match.end()
        while a < b and text[a].isspace():
            a += 1
        if b > a:
            spans.append(Span(a, b))
    return spans or [Span(start, end)]


def clause_score(
    text: str, terms: Mapping[str, float], alternatives: Mapping[str, set[str]], ask: Ask
) -> float:
    """How much of the question a clause speaks to (words or their synonyms) and whether it gives a figure."""
    norm = to_simplified(text).lower()
    found = sum(w for t, w in terms.items() if t in norm or any(a in norm for a in alternatives.get(t, ())))
    total = sum(terms.values()) or 1.0
    score = found / total
    if ask.figure and gives_figure(ask, AskEvidence(norm, "", 1.0)):
        score += 0.5
    elif ask.figure and figures(norm):
        score += 0.1
    if ask.when and re.search(r"(?:19|20)\d{2}", norm):
        score += 0.3
    if ask.listing:
        score += 0.3 * min(norm.count("、"), 3) / 3  # the items asked for are listed with 、
    return score


def answering_clause(
    text: str,
    start: int,
    end: int,
    terms: Mapping[str, float],
    alternatives: Mapping[str, set[str]],
    ask: Ask,
) -> Span:
    """The clause (with a too-short lead-in joined) that best answers, within one sentence."""
    parts = clauses(text, start, end)
    best = max(
        range(len(parts)),
        key=lambda i: (clause_score(text[parts[i].start : parts[i].end], terms, alternatives, ask), -i),
    )
    first, last = best, best
    while last + 1 < len(parts) and (
        parts[last].end - parts[last].start < MIN_CLAUSE or text[parts[last].end - 1] in "：:"
    ):
        last += 1  # "“3+X”居家养老模式:" and a too-short clause ("“3”,") lead into what follows
    if ask.listing and end - start <= MAX_QUOTE:
        return Span(start, end)  # the items asked for: the whole (short) sentence lists them
    if best > 0 and _YEAR_LEAD.fullmatch(text[parts[best - 1].start : parts[best - 1].end].rstrip("，,：: ")):
        first = best - 1  # "到2025年," belongs to the figure that follows it
    return Span(parts[first].start, parts[last].end)


def quote_window(text: str, start: int, end: int, clause: Span, limit: int = MAX_QUOTE) -> Span:
    """The sentence, or the answering clause with as many whole neighbouring clauses as fit the limit."""
    if end - start <= limit:
        return Span(start, end)
    parts = clauses(text, start, end)
    inside = [i for i, p in enumerate(parts) if p.start < clause.end and clause.start < p.end]
    first, last = (inside[0], inside[-1]) if inside else (0, 0)
    while True:
        grown = False
        for i in (last + 1, first - 1):  # what follows first: a plan states the subject, then the detail
            if 0 <= i < len(parts):
                a, b = min(parts[first].start, parts[i].start), max(parts[last].end, parts[i].end)
                if b - a <= limit:
                    first, last = min(first, i), max(last, i)
                    grown = True
                    break
        if not grown:
            return Span(parts[first].start, parts[last].end)


def lead_sentence(clause: str, n: int, script: Script, ask: Ask, year: str | None) -> str:
    """One short sentence in the asker's script that states the answering clause, cited."""
    body = clause.strip().rstrip("，,；;：:。.")
    if script == "en":
        found = [f for f in figures(to_simplified(body)) if any(c.isdigit() for c in f)]
        when = f"By {year}, the plan" if year and ask.target and ask.figure else "The plan"
        if ask.figure and found:
            return f"{when} gives {', '.join(dict.fromkeys(found))} [{n}]."
        return ""  # no English words for it without a translator: the quote that follows is the answer
    shown = to_script(body, script)
    if year and year not in body and ask.target and ask.figure:
        shown = f"到{year}年，{shown}"
    return f"{shown}[{n}]。"
