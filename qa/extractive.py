"""The offline answer: the clause that answers first, then the evidence trimmed around it, each cited."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from qa.ask import Ask, answered, parse_ask
from qa.compare import compare
from qa.compare import comparison_topic as comparison_topic  # imported from here by tests
from qa.corpus import Corpus
from qa.evidence import Query, Sentence, about, as_evidence, named, pick, score_sentences
from qa.lead import MAX_QUOTE, answering_clause, lead_sentence
from qa.places import english_name
from qa.prompts import INSTRUCTION, PLAN_SAYS, SECTION_IS, phrase
from qa.quote import RUNNER_QUOTE, Draft, ahead, compose, on_topic, quote_budget, unsure
from qa.quote import restates as restates  # imported from here by qa.join
from qa.ranker import shipped
from qa.retrieve import Route
from qa.script import to_script, to_simplified
from qa.signals import signals
from qa.terms import asked_kind, focus_terms, frames, question_terms, weigh
from qa.types import Chunk, Hit, Script

# "Where in the plan" asks for a section; "where in <district>", "anywhere in its towns" ask for a place.
_ASKS_WHERE = re.compile(
    r"哪一章|哪章|哪一节|哪节|哪个章节|哪一部分|哪部分|which chapter|which section"
    r"|\bwhere in (?:the |this |its )?(?:\w+(?:'s)? )?(?:plan|document|outline|text)\b",
    re.I,
)
# "Where in <district>", "anywhere in its towns": a place, which a plan's headings often name (片区, 组团).
_ASKS_PLACE = re.compile(r"\b(?:any)?where in\b", re.I)
# A runner-up listing this many more things of the kind asked than the best sentence leads instead.
LISTS_MORE = 3
RUNNERS_UP = 8  # how far down the scored sentences to look for one that gives the figure asked
SIGNAL_HITS = 5  # the passages whose sentences the answerability signals read


def lead(query: Query, best: Sentence, n: int, terms: Mapping[str, float], ask: Ask, corpus: Corpus) -> str:
    """The answer first: the clause of the best sentence that says what was asked, in the asker's script."""
    clause = answering_clause(best.chunk.text, best.start, best.end, terms, query.alternatives, ask)
    sentence = best.chunk.text[best.start : clause.start]
    stated = re.findall(r"(?:19|20)\d{2}(?=年)", sentence)  # "到2025年,…,figure": the year the figure is for
    # A year the question names is said only when the passage states it: an answer's numbers must be
    # found in its sources, or the lead is dropped.
    asked = [y for y in ask.years if y in best.chunk.text]
    year = next(iter(asked), None) or (stated[-1] if stated else None)
    if INSTRUCTION.search(to_simplified(best.chunk.text[best.start : best.end])):
        return ""  # words addressed to a model are shown only inside a quote, never as our own
    return lead_sentence(best.chunk.text[clause.start : clause.end], n, query.script, ask, year)


def extract(
    corpus: Corpus, question: str | Query, hits: list[Hit], plan: Route, script: Script | None = None
) -> Draft:
    """Compose a cited extractive answer (one part per district for comparisons), with its signals."""
    query = question if isinstance(question, Query) else Query(question, script or "zh-Hans")
    if plan.compare and len(plan.doc_ids) > 1:
        return compare(corpus, query, hits, plan)
    text, script = query.text, query.script
    terms = question_terms(corpus, text, script)
    weights = weigh(corpus, text, script, query.asked)  # what the answering clause is chosen by
    ask = parse_ask(text)
    window = shipped().window  # the passage's rank is one of the ranker's features
    scored = score_sentences(
        corpus,
        text,
        hits[:window],
        window,
        script=script,
        alternatives=query.alternatives,
        similarity=query.similarity,
        asked=query.asked,
    )
    # A term's glossary entry answers what the term means; for any other question about it, it competes.
    runner = RUNNER_QUOTE  # how much of a runner-up is quoted
    definitions = [_whole(h.chunk) for h in hits[:5] if h.chunk.id in plan.glossary_ids and ask.definition]
    if definitions:  # a defined term: its glossary entry is the answer, then the best other sentence
        rest = [s for s in scored if s.chunk.id not in plan.glossary_ids]
        chosen = definitions[:1] + pick(rest, max_quotes=1, max_chars=160)
    else:
        candidates = on_topic(scored, terms, query.alternatives, ask)
        pool = ahead(candidates, ask) or candidates
        if unsure(pool, ask):  # the runner-up is quoted at MAX_QUOTE: that is what it costs
            runner = MAX_QUOTE
            chosen = pick(pool, *quote_budget(ask), runner_chars=runner)
        else:
            chosen = pick(pool, *quote_budget(ask))
        if chosen and chosen[0].chunk.kind == "glossary":
            # A glossary entry found by its words (not routed as a defined term; on topic, so it names the
            # question's term): its parts after ； define it too ("3", then "X"), so it is quoted whole.
            chosen = [_whole(chosen[0].chunk)] + [s for s in chosen[1:] if s.chunk.id != chosen[0].chunk.id]
    if not chosen:
        return Draft("", (), 0.0, None, query)
    focus = focus_terms(corpus, text, script)
    # Whether the evidence gives the kind of answer asked (a figure with its unit, for the time asked; a
    # year; a title) is one signal for the answerability model; how well it speaks to the question is others.
    gives = answered(ask, [as_evidence(s) for s in chosen], 0.0)
    if not gives:
        # The best-scored sentences do not give what is asked: a close runner-up that does is the answer.
        runner_up = next(
            (
                s
                for s in ahead(scored[:RUNNERS_UP], ask)
                if answered(ask, [as_evidence(s)], 0.0) and about(s, focus)
            ),
            None,
        )
        if runner_up is not None:
            chosen, gives = [runner_up], True
    if definitions:
        opening, gives = "", True  # the term's own entry in the glossary is the answer
    elif _ASKS_WHERE.search(text):
        found = _best_section(corpus, text, hits[:5], script)
        inside = [s for s in scored if found is not None and s.chunk.id == found.id]
        if inside and all(s.chunk.id != inside[0].chunk.id for s in chosen):
            chosen = inside[:1] + chosen[:1]  # the section named is quoted: its heading is cited by it
        place, gives = found or chosen[0].chunk, gives or found is not None
        district = (
            english_name(to_simplified(place.district))
            if script == "en"
            else to_script(place.district, script)
        )
        ids = list(dict.fromkeys(s.chunk.id for s in chosen))
        # The heading is cited by its own passage: verification finds its numbers (1.整合…) there.
        cite = f" [{ids.index(place.id) + 1}]" if place.id in ids else ""
        if script == "en":  # English words around the plan's own heading: spaced, English stops
            opening = f"{phrase(SECTION_IS, script)} {place.section} ({district}){cite}.\n"
        else:
            opening = f"{phrase(SECTION_IS, script)}{place.section}（{district}）{cite.strip()}。\n"
    else:
        if _ASKS_PLACE.search(text):  # the passage whose heading says most of the question is quoted too
            found = _best_section(corpus, text, hits[:5], script)
            inside = [s for s in scored if found is not None and s.chunk.id == found.id]
            if inside and all(s.chunk.id != inside[0].chunk.id for s in chosen):
                chosen = chosen[:1] + inside[:1]
        # A figure question naming its unit leads with the first quoted sentence giving a figure in
        # that very unit (a guessed one taken strictly), if any does.
        strict = replace(ask, guessed=False)
        giving = [x for x in chosen if ask.figure and ask.unit and answered(strict, [as_evidence(x)], 0.0)]
        leader = (giving or naming(chosen, text, ask) or chosen)[0]
        n = 1 + list(dict.fromkeys(s.chunk.id for s in chosen)).index(leader.chunk.id)  # compose's [n]
        opening = lead(query, leader, n, weights, ask, corpus)
        opening = opening + "\n" if opening else ""
    # A quote the lead already says whole is not repeated (its citation stays for the lead's [n]).
    said = opening if not definitions and not _ASKS_WHERE.search(text) else ""
    body, citations = compose(
        text,
        script,
        chosen,
        terms=weights,
        alternatives=query.alternatives,
        ask=ask,
        said=said,
        runner=runner,
    )
    # The answerability model was fitted on the sentences of the top 5 passages: its signals read those.
    read = signals(corpus, query, terms, hits, [s for s in scored if s.hit_rank < SIGNAL_HITS], chosen, gives)
    coverage = max(s.coverage for s in chosen)
    quoted = phrase(PLAN_SAYS, script) + body if body else ""
    return Draft((opening + quoted).strip(), tuple(citations), coverage, read, query)


def naming(chosen: list[Sentence], question: str, ask: Ask) -> list[Sentence]:
    """For a list or whether question, the quoted passage of the plan listing clearly more things of the
    kind asked than the best sentence: 莲麻小镇、西和万花风情小镇、西塘童话小镇 lead before 促进特色小镇联动.
    """
    kind = asked_kind(question) if ask.listing or ask.whether else ""
    if not kind or not chosen:
        return []
    counts = [
        named(to_simplified(s.chunk.text[s.start : s.end]), kind)[0] if s.chunk.kind != "glossary" else 0
        for s in chosen
    ]  # a glossary entry defines a term: it is not what the plan lists
    most = max(counts)
    if most < counts[0] + LISTS_MORE:
        return []  # the best sentence names about as many: it leads
    return [s for s, n in zip(chosen, counts, strict=True) if n == most]


def _whole(chunk: Chunk) -> Sentence:
    """A glossary entry quoted whole."""
    return Sentence(0, chunk, 0, len(chunk.text), 1.0, 1.0)


def _best_section(corpus: Corpus, question: str, hits: list[Hit], script: Script) -> Chunk | None:
    """For 'which chapter/section' questions: the hit whose heading path says most of the question."""
    terms = {t: w for t, w in question_terms(corpus, question, script).items() if not frames(t)}
    if not terms or not hits:
        return None  # 哪一节 names no section: 第一节 holds 一节
    scored = [
        (sum(w for t, w in terms.items() if t in h.chunk.norm_path.lower()), -i, h.chunk)
        for i, h in enumerate(hits)
    ]
    best = max(scored, key=lambda x: (x[0], x[1]))
    return best[2] if best[0] > 0 else None
