"""Answer a comparison of plans: one cited part per plan, or a line saying it does not mention the topic."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

from qa.ask import parse_ask
from qa.corpus import Corpus
from qa.english import names_asked_thing
from qa.evidence import MAX_CHARS, MAX_QUOTES, Query, Sentence, covered, pick, score_sentences
from qa.keywords import cut
from qa.lead import english_label
from qa.periods import label as plan_label
from qa.periods import topic_of
from qa.prompts import NOT_MENTIONED, phrase
from qa.quote import Draft, ahead, compose, on_topic, quote_budget
from qa.retrieve import Route
from qa.script import to_script, to_simplified
from qa.signals import signals
from qa.terms import asking, frames, question_terms
from qa.types import Citation, Hit, Script


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


def compare(corpus: Corpus, query: Query, hits: list[Hit], plan: Route) -> Draft:
    """Compose one cited part per plan compared; a plan not mentioning the topic says so."""
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
    # Each side is answered as a question about it alone would be: a close runner-up is quoted too.
    quotes, _, close = quote_budget(ask)
    budget = (min(quotes, MAX_QUOTES), MAX_CHARS, close)
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
        topical = on_topic(scored, terms, query.alternatives, ask)
        chosen = pick(ahead(topical, ask), *budget) or pick(topical, *budget)
        label = to_script(plan_label(corpus, doc_id), script)  # 某某区, or 某某区（十五五） beside another
        if script == "en":  # an English answer's own words are English: its labels too
            label = english_label(label) + ": "
        else:
            label += "："
        texts = [_read(s) for s in scored[:3]]
        said = [covered(*r, whole, query.alternatives) for r in texts]
        # An English side is judged by the things asked too: its translated terms undercount the plans' words.
        if script == "en" and any(names_asked_thing(query.text, corpus.idf, "".join(r)) for r in texts):
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


def _read(s: Sentence) -> tuple[str, str]:
    """A sentence and its section heading as coverage reads them (Simplified, lower-case)."""
    return to_simplified(s.chunk.text[s.start : s.end]).lower(), s.chunk.norm_path.lower()
