"""The offline answer backend: quote the retrieved sentences that answer the question, each cited."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from qa.answerability import Signals
from qa.ask import Ask, Evidence, answered, parse_ask, retrospective
from qa.corpus import Corpus
from qa.keywords import tokenize
from qa.lead import MAX_LIST_QUOTE, MAX_QUOTE, answering_clause, lead_sentence, quote_window
from qa.prompts import INSTRUCTION, NOT_MENTIONED, PLAN_SAYS, SECTION_IS, phrase
from qa.retrieve import Route
from qa.script import to_script, to_simplified
from qa.sentences import sentence_spans
from qa.types import Chunk, Citation, Hit, Script
from qa.verify import MARKER

Similarity = Callable[[Sequence[str]], list[float]]  # Simplified sentences → cosine to the question

_ASKS_NUMBER = re.compile(
    r"多少|几|比例|比重|占比|率|数量|规模|金额|达到|目标|how many|how much|percent|rate|number|target", re.I
)
_ASKS_WHERE = re.compile(
    r"哪一章|哪章|哪一节|哪节|哪个章节|哪一部分|哪部分|which chapter|which section|where in", re.I
)
_DIGIT = re.compile(r"\d")
_GENERIC = frozenset(
    "规划 计划 区 从化 荔湾 从化区 荔湾区 湾区 十四五 提出 提到 主要 内容 方面 要求 "
    "what plan district".split()
)
MAX_QUOTES = 2
MAX_CHARS = 220
CLOSE = 0.75  # a runner-up is quoted too only when it scores this close to the best sentence
QUOTE_SLACK = 12  # a quote this little longer than the lead that holds it adds nothing worth repeating
RUNNERS_UP = 8  # how far down the scored sentences to look for one that gives the figure asked
# How much a sentence's closeness in meaning (min-max scaled over the candidates) counts beside its word
# overlap. Chosen on the tuning sets (eval/qa.jsonl, eval/resident.jsonl).
SEMANTIC_WEIGHT = 0.3


@dataclass(frozen=True, slots=True)
class Sentence:
    """A candidate sentence of a retrieved chunk and how well it answers."""

    hit_rank: int
    chunk: Chunk
    start: int
    end: int
    score: float
    coverage: float  # share of the question's content weight found in the sentence or its section
    semantic: float = 0.0  # cosine of the question and the sentence (0 when no sentence vectors)


@dataclass(frozen=True, slots=True)
class Draft:
    """An extractive answer before formatting checks: text with [n] markers and its citations."""

    text: str
    citations: tuple[Citation, ...]
    coverage: float  # best sentence coverage: how much of the question the evidence speaks to
    signals: Signals | None = None  # what the answerability model reads (None: nothing to quote)


@dataclass(frozen=True, slots=True)
class Query:
    """A question as the extractive reader sees it: standard text, synonyms, sentence similarity."""

    text: str  # Simplified, colloquial words standardised (what matching reads)
    script: Script  # the asker's script (what the answer is written in)
    alternatives: Mapping[str, set[str]] = field(default_factory=dict)  # question word → synonyms in plans
    similarity: Similarity | None = None


def question_terms(corpus: Corpus, question: str, script: Script = "zh-Hans") -> dict[str, float]:
    """Content tokens of a question with IDF weights (district names and filler dropped).

    For English questions only words found in the plans count: the rest is the English wording itself.
    """
    aliases = {a for d in corpus.districts for a in d.aliases}
    top = max(corpus.idf.values(), default=1.0)
    terms = {}
    for token in tokenize(question):
        if token in _GENERIC or token in aliases or (script == "en" and token not in corpus.idf):
            continue
        terms[token] = corpus.idf.get(token, top)
    return terms


_QUESTION_WORD = re.compile(r"几|多少|哪|什么|怎|\d")


def focus_terms(corpus: Corpus, question: str, script: Script, n: int = 2) -> tuple[str, ...]:
    """The question's most specific words found in the plans (highest IDF; question words and numbers out)."""
    if script == "en":
        return ()  # dictionary terms of an English question are too loose to insist on
    terms = question_terms(corpus, question, script)
    known = [t for t in terms if t in corpus.idf and len(t) >= 2 and not _QUESTION_WORD.search(t)]
    return tuple(sorted(known, key=lambda t: -terms[t])[:n])


def score_sentences(
    corpus: Corpus,
    question: str,
    hits: list[Hit],
    per_doc: int = 5,
    script: Script = "zh-Hans",
    *,
    alternatives: Mapping[str, set[str]] | None = None,
    similarity: Similarity | None = None,
) -> list[Sentence]:
    """Every sentence of the top hits, scored by weighted question-term overlap (a synonym counts for its
    word), closeness in meaning to the question (when sentence vectors are at hand) and the hit's rank."""
    terms = question_terms(corpus, question, script)
    alternatives = alternatives or {}
    total = sum(terms.values()) or 1.0
    wants_number = bool(_ASKS_NUMBER.search(to_simplified(question)))
    taken: dict[str, int] = {}
    spans: list[tuple[int, Hit, int, int, str]] = []
    for rank, hit in enumerate(hits):
        doc = hit.chunk.doc_id
        if taken.get(doc, 0) >= per_doc:
            continue
        taken[doc] = taken.get(doc, 0) + 1
        for start, end in sentence_spans(hit.chunk.text):
            spans.append((rank, hit, start, end, to_simplified(hit.chunk.text[start:end])))
    cosines = similarity([s[4] for s in spans]) if similarity and spans else [0.0] * len(spans)
    low, high = min(cosines, default=0.0), max(cosines, default=0.0)
    spread = (high - low) or 1.0
    out: list[Sentence] = []
    for (rank, hit, start, end, simplified), cosine in zip(spans, cosines, strict=True):
        norm = simplified.lower()
        path = hit.chunk.norm_path.lower()
        found = in_path = 0.0
        for t, w in terms.items():
            if t in norm or any(a in norm for a in alternatives.get(t, ())):
                found += w
            elif t in path:
                in_path += w
        coverage = (found + 0.5 * in_path) / total
        score = coverage + 0.15 / (rank + 1)
        if similarity is not None:  # closeness relative to the other candidates: no embedder's scale assumed
            score += SEMANTIC_WEIGHT * (cosine - low) / spread
        if wants_number and _DIGIT.search(norm):
            score += 0.1
        if end - start < 12:
            score -= 0.1  # a lead phrase alone says little
        out.append(Sentence(rank, hit.chunk, start, end, score, coverage, cosine))
    out.sort(key=lambda s: -s.score)
    return out


def pick(
    sentences: list[Sentence], max_quotes: int = MAX_QUOTES, max_chars: int = MAX_CHARS
) -> list[Sentence]:
    """The best sentence and the close runners-up, in document order within each chunk."""
    if not sentences:
        return []
    best = sentences[0].score
    chosen: list[Sentence] = []
    used = 0
    for s in sentences:
        if len(chosen) >= max_quotes or s.score < CLOSE * best:
            break
        length = s.end - s.start
        if chosen and used + length > max_chars:
            continue
        if any(c.chunk.doc_id == s.chunk.doc_id and _overlaps(c, s) for c in chosen):
            continue  # the same sentence again through an overlapping chunk
        chosen.append(s)
        used += length
    return chosen


def _overlaps(a: Sentence, b: Sentence) -> bool:
    a0, a1 = a.chunk.char_start + a.start, a.chunk.char_start + a.end
    b0, b1 = b.chunk.char_start + b.start, b.chunk.char_start + b.end
    return a0 < b1 and b0 < a1


def compose(
    question: str,
    script: Script,
    chosen: list[Sentence],
    *,
    first_n: int = 1,
    terms: Mapping[str, float] | None = None,
    alternatives: Mapping[str, set[str]] | None = None,
    ask: Ask | None = None,
) -> tuple[str, list[Citation]]:
    """Quote each chosen sentence, trimmed around the clause that answers, one [n] per cited chunk."""
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
            limit = MAX_LIST_QUOTE if ask.listing else MAX_QUOTE
            window = quote_window(x.chunk.text, x.start, x.end, clause, limit)
            quotes.append(x.chunk.text[window.start : window.end])
        citations.append(Citation(n=n, chunk=s.chunk, quote=quotes[0]))
        parts.append("".join(f"「{q}」" for q in quotes) + f"[{n}]")
    return "".join(parts), citations


def _budget(ask: Ask) -> tuple[int, int]:
    """How many quotes and characters an answer may use: a list question needs room for its items."""
    return (MAX_QUOTES + 1, MAX_CHARS + 140) if ask.listing else (MAX_QUOTES, MAX_CHARS)


def lead(query: Query, best: Sentence, n: int, terms: Mapping[str, float], ask: Ask, corpus: Corpus) -> str:
    """The answer first: the clause of the best sentence that says what was asked, in the asker's script."""
    clause = answering_clause(best.chunk.text, best.start, best.end, terms, query.alternatives, ask)
    sentence = best.chunk.text[best.start : clause.start]
    stated = re.findall(r"(?:19|20)\d{2}(?=年)", sentence)  # "到2025年,…,figure": the year the figure is for
    year = next(iter(ask.years), None) or (stated[-1] if stated else None)
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
    ask = parse_ask(text)
    scored = score_sentences(
        corpus, text, hits[:5], script=script, alternatives=query.alternatives, similarity=query.similarity
    )
    # A term's glossary entry answers what the term means; for any other question about it, it competes.
    definitions = [_whole(h.chunk) for h in hits[:5] if h.chunk.id in plan.glossary_ids and ask.definition]
    if definitions:  # a defined term: its glossary entry is the answer, then the best other sentence
        rest = [s for s in scored if s.chunk.id not in plan.glossary_ids]
        chosen = definitions[:1] + pick(rest, max_quotes=1, max_chars=160)
    else:
        chosen = pick(scored, *_budget(ask))
        if ask.target and not ask.achieved:  # a future plan is not answered by the last period's results
            ahead = [s for s in scored if not retrospective(_evidence(s))]
            chosen = pick(ahead, *_budget(ask)) or chosen
    if not chosen:
        return Draft("", (), 0.0)
    focus = focus_terms(corpus, text, script)
    # Whether the evidence gives the kind of answer asked (a figure with its unit, for the time asked; a
    # year; a title) is one signal for the answerability model; how well it speaks to the question is others.
    gives = answered(ask, [_evidence(s) for s in chosen], 0.0)
    if not gives:
        # The best-scored sentences do not give what is asked: a close runner-up that does is the answer.
        runner_up = next(
            (s for s in scored[:RUNNERS_UP] if answered(ask, [_evidence(s)], 0.0) and _about(s, focus)), None
        )
        if runner_up is not None:
            chosen, gives = [runner_up], True
    body, citations = compose(text, script, chosen, terms=terms, alternatives=query.alternatives, ask=ask)
    if definitions:
        opening, gives = "", True  # the term's own entry in the glossary is the answer
    elif _ASKS_WHERE.search(text):
        found = _best_section(corpus, text, hits[:5], script)
        place, gives = found or chosen[0].chunk, gives or found is not None
        district = to_script(place.district, script)
        opening = f"{phrase(SECTION_IS, script)}{place.section}（{district}）。\n"
    else:
        opening = lead(query, chosen[0], citations[0].n, terms, ask, corpus)
        opening = opening + "\n" if opening else ""
        first = f"「{citations[0].quote}」[{citations[0].n}]"
        if body.startswith(first) and _restates(opening, citations[0].quote):
            body = body[len(first) :]  # the lead already says all the first quote would: no echo
    signals = _signals(corpus, query, terms, hits, scored, chosen, gives, focus)
    coverage = max(s.coverage for s in chosen)
    quoted = phrase(PLAN_SAYS, script) + body if body else ""
    return Draft((opening + quoted).strip(), tuple(citations), coverage, signals)


def _restates(opening: str, quote: str, slack: int = QUOTE_SLACK) -> bool:
    """Whether a lead sentence holds nearly all of a quote (so quoting it again would only repeat it)."""
    said, quoted = _letters(MARKER.sub("", opening)), _letters(quote)
    return bool(said) and len(quoted) - len(said) <= slack and said in quoted


def _letters(text: str) -> str:
    return re.sub(r"[^\w%]", "", to_simplified(text))


def _signals(
    corpus: Corpus,
    query: Query,
    terms: Mapping[str, float],
    hits: list[Hit],
    scored: list[Sentence],
    chosen: list[Sentence],
    gives: bool,
    focus: tuple[str, ...],
) -> Signals:
    """What the answerability model reads about this evidence."""
    top = hits[0] if hits else None
    seen = "\n".join(h.chunk.norm_path + h.chunk.norm for h in hits[:5]).lower()
    known = {t: w for t, w in terms.items() if t in corpus.idf}  # words the plans use somewhere
    quoted = "\n".join(
        to_simplified(s.chunk.text[s.start : s.end]) + s.chunk.norm_path for s in chosen
    ).lower()
    unseen = [w for t, w in known.items() if t not in seen]
    return Signals(
        coverage=min(max(s.coverage for s in chosen), 1.0),
        semantic=max((s.semantic for s in scored), default=0.0),
        dense=max((h.dense_score for h in hits[:5]), default=0.0),
        gives=1.0 if gives else 0.0,
        agree=1.0
        if top and top.dense_rank is not None and top.dense_rank < 3 and (top.keyword_rank or 99) < 3
        else 0.0,
        focus=sum(1 for t in focus if t in quoted) / len(focus) if focus else 1.0,
        missing=sum(unseen) / (sum(known.values()) or 1.0),
        novel=_novel(corpus, query.text),
        english=1.0 if query.script == "en" else 0.0,
    )


_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")


def _novel(corpus: Corpus, question: str) -> float:
    """Share of a question's Han character pairs found in no plan: names and details the plans lack."""
    pairs = {run[i : i + 2] for run in _HAN_RUN.findall(question) for i in range(len(run) - 1)}
    if not pairs:
        return 0.0
    known = corpus.pairs
    return sum(1 for p in pairs if p not in known) / len(pairs)


def _about(s: Sentence, focus: tuple[str, ...]) -> bool:
    """Whether a sentence (or its section) holds one of the question's most specific words."""
    text = (to_simplified(s.chunk.text[s.start : s.end]) + s.chunk.norm_path).lower()
    return not focus or any(t in text for t in focus)


def _evidence(s: Sentence) -> Evidence:
    return Evidence(to_simplified(s.chunk.text[s.start : s.end]), s.chunk.norm_path, s.coverage)


def _whole(chunk: Chunk) -> Sentence:
    """A glossary entry quoted whole."""
    return Sentence(0, chunk, 0, len(chunk.text), 1.0, 1.0)


def _best_section(corpus: Corpus, question: str, hits: list[Hit], script: Script) -> Chunk | None:
    """For 'which chapter/section' questions: the hit whose heading path says most of the question."""
    terms = question_terms(corpus, question, script)
    if not terms or not hits:
        return None
    scored = [
        (sum(w for t, w in terms.items() if t in h.chunk.norm_path.lower()), -i, h.chunk)
        for i, h in enumerate(hits)
    ]
    best = max(scored, key=lambda x: (x[0], x[1]))
    return best[2] if best[0] > 0 else None


def _compare(corpus: Corpus, query: Query, hits: list[Hit], plan: Route) -> Draft:
    names = corpus.district_names()
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
        chosen = pick(scored, max_quotes=1, max_chars=160)
        label = to_script(names.get(doc_id, doc_id), script)
        if not chosen or max(s.coverage for s in scored[:3]) < 0.2:
            lines.append(f"{label}：{phrase(NOT_MENTIONED, script)}。")
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
        lines.append(f"{label}：{body}")
    signals = None
    if best:
        focus = focus_terms(corpus, query.text, script)
        signals = _signals(corpus, query, terms, hits, best, best, True, focus)
    return Draft("\n".join(lines), tuple(citations), coverage, signals)
