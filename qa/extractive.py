"""The offline answer: the clause that answers first, then the evidence trimmed around it, each cited."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from itertools import pairwise

from qa.answerability import Signals
from qa.ask import Ask, answered, parse_ask, retrospective
from qa.corpus import Corpus
from qa.english import names_asked_thing
from qa.evidence import (
    MAX_CHARS,
    MAX_QUOTES,
    Query,
    Sentence,
    about,
    as_evidence,
    covered,
    named,
    pick,
    score_sentences,
)
from qa.keywords import cut
from qa.lead import (
    MAX_LIST_QUOTE,
    MAX_QUOTE,
    answering_clause,
    english_label,
    lead_sentence,
    quote_window,
)
from qa.periods import label as plan_label
from qa.periods import topic_of
from qa.places import english_name
from qa.prompts import INSTRUCTION, NOT_MENTIONED, PLAN_SAYS, SECTION_IS, phrase
from qa.ranker import shipped
from qa.retrieve import Route
from qa.script import to_script, to_simplified
from qa.signals import signals
from qa.terms import asked_kind, asking, focus_terms, frames, question_terms, weigh
from qa.types import Chunk, Citation, Hit, Script
from qa.verify import MARKER

# "Where in the plan" asks for a section; "where in <district>", "anywhere in its towns" ask for a place.
_ASKS_WHERE = re.compile(
    r"哪一章|哪章|哪一节|哪节|哪个章节|哪一部分|哪部分|which chapter|which section"
    r"|\bwhere in (?:the |this |its )?(?:\w+(?:'s)? )?(?:plan|document|outline|text)\b",
    re.I,
)
# "Where in <district>", "anywhere in its towns": a place, which a plan's headings often name (片区, 组团).
_ASKS_PLACE = re.compile(r"\b(?:any)?where in\b", re.I)
QUOTE_SLACK = 12  # a quote this little longer than the lead that holds it adds nothing worth repeating
# A runner-up quote supports the best one: its answering clause with little around it.
RUNNER_QUOTE = 40
# A runner-up listing this many more things of the kind asked than the best sentence leads instead.
LISTS_MORE = 3
# Below this probability that the best-scored sentence is the answer (qa.ranker certainty), the runner-up
# is quoted as fully as the best. Read off the tuning sets (eval/fit_ranker.py prints the table): below 0.6
# the best held the gold in 28-60% of items and the runner-up in 14-31%; from 0.6 up, 75-96% and 0-9%.
# On their eval 0.6 and 0.7 both gained 2 resident_val items and 0.5 none; 0.6 quotes less.
UNSURE = 0.6
RUNNERS_UP = 8  # how far down the scored sentences to look for one that gives the figure asked
SIGNAL_HITS = 5  # the passages whose sentences the answerability signals read


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


def _budget(ask: Ask) -> tuple[int, int, float]:
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
        return _compare(corpus, query, hits, plan)
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
            chosen = pick(pool, *_budget(ask), runner_chars=runner)
        else:
            chosen = pick(pool, *_budget(ask))
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


def _read(s: Sentence) -> tuple[str, str]:
    """A sentence and its section heading as coverage reads them (Simplified, lower-case)."""
    return to_simplified(s.chunk.text[s.start : s.end]).lower(), s.chunk.norm_path.lower()


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


def comparison_topic(corpus: Corpus, question: str, script: Script) -> str:
    """What a comparison asks about, each side read alone: without the words choosing its plans, nor those
    framing the comparison (有什么不同, 各自, 分别, 同): 不同类型 in one plan answers no 有什么不同."""
    topic = topic_of(corpus, question)
    if script == "en":
        return topic  # English words are not cut: matching reads the Chinese terms added to them
    words = [w for w in cut(topic) if w.strip()] + [""]
    # 有什么 / 是哪些 stay whole: they say a list is asked for
    kept = [w for w, after in pairwise(words) if not frames(w) or asking(w) or asking(after)]
    return "".join(kept) if any(not frames(w) for w in kept) else topic


def _compare(corpus: Corpus, query: Query, hits: list[Hit], plan: Route) -> Draft:
    ask = parse_ask(query.text)  # asked of the whole question: 分别 / 以后 are not in the topic
    # Whether a side mentions the topic at all is judged on the whole topic, framing words too (as the
    # threshold was set): without them a side's 目标 alone covered 低空经济产业规模目标比较.
    whole = question_terms(corpus, topic_of(corpus, query.text), query.script)
    query = replace(query, text=comparison_topic(corpus, query.text, query.script))
    script = query.script
    terms = question_terms(corpus, query.text, script)
    lines: list[str] = []
    citations: list[Citation] = []
    coverage = 0.0
    best: list[Sentence] = []
    for doc_id in plan.doc_ids:
        own = [h for h in hits if h.chunk.doc_id == doc_id][:3]
        scored = score_sentences(
            corpus,
            query.text,
            own,
            script=script,
            alternatives=query.alternatives,
            similarity=query.similarity,
        )
        # Each side is answered as a question about it alone would be: a close runner-up is quoted too.
        quotes, _, close = _budget(ask)
        budget = (min(quotes, MAX_QUOTES), MAX_CHARS, close)
        topical = on_topic(scored, terms, query.alternatives, ask)
        chosen = pick(ahead(topical, ask), *budget) or pick(topical, *budget)
        label = to_script(plan_label(corpus, doc_id), script)  # 某某区, or 某某区（十五五） beside another
        if script == "en":  # an English answer's own words are English: its labels too
            label = english_label(label) + ": "
        else:
            label += "："
        said = [covered(*_read(s), whole, query.alternatives) for s in scored[:3]]
        # An English side is judged by the things asked too: its translated terms undercount the plans' words.
        if script == "en" and any(
            names_asked_thing(query.text, corpus.idf, "".join(_read(s))) for s in scored[:3]
        ):
            said.append(1.0)
        if not chosen or max(said, default=0.0) < 0.2:
            lines.append(f"{label}{phrase(NOT_MENTIONED, script)}{'.' if script == 'en' else '。'}")
            continue
        body, cited = compose(
            query.text,
            script,
            chosen,
            first_n=len(citations) + 1,
            terms=terms,
            alternatives=query.alternatives,
        )
        citations.extend(cited)
        best.extend(chosen)
        coverage = max(coverage, max(s.coverage for s in chosen))
        lines.append(f"{label}{body}")
    read = None
    if best:
        read = signals(corpus, query, terms, hits, best, best, True)
    return Draft("\n".join(lines), tuple(citations), coverage, read, query)
