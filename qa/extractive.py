"""The offline answer backend: quote the retrieved sentences that answer the question, each cited."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.ask import Evidence, answered, parse_ask
from qa.corpus import Corpus
from qa.keywords import tokenize
from qa.prompts import NOT_MENTIONED, PLAN_SAYS, SECTION_IS, phrase
from qa.retrieve import Route
from qa.script import to_script, to_simplified
from qa.sentences import sentence_spans
from qa.types import Chunk, Citation, Hit, Script

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
MAX_QUOTES = 3
MAX_CHARS = 360
# A figure question's figure must sit in a sentence speaking to this share of the question. Calibrated on
# eval/qa.jsonl: 0.3 → 21/28 unanswerable refused, 0.4 → 22/28 (no answerable item lost either way).
FIGURE_COVERAGE = 0.4
FIGURE_COVERAGE_EN = 0.15
RUNNERS_UP = 8  # how far down the scored sentences to look for one that gives the figure asked


@dataclass(frozen=True, slots=True)
class Sentence:
    """A candidate sentence of a retrieved chunk and how well it answers."""

    hit_rank: int
    chunk: Chunk
    start: int
    end: int
    score: float
    coverage: float  # share of the question's content weight found in the sentence or its section


@dataclass(frozen=True, slots=True)
class Draft:
    """An extractive answer before formatting checks: text with [n] markers and its citations."""

    text: str
    citations: tuple[Citation, ...]
    coverage: float  # best sentence coverage: how much of the question the evidence speaks to


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
    corpus: Corpus, question: str, hits: list[Hit], per_doc: int = 5, script: Script = "zh-Hans"
) -> list[Sentence]:
    """Every sentence of the top hits, scored by weighted question-term overlap and the hit's rank."""
    terms = question_terms(corpus, question, script)
    total = sum(terms.values()) or 1.0
    wants_number = bool(_ASKS_NUMBER.search(to_simplified(question)))
    taken: dict[str, int] = {}
    out: list[Sentence] = []
    for rank, hit in enumerate(hits):
        doc = hit.chunk.doc_id
        if taken.get(doc, 0) >= per_doc:
            continue
        taken[doc] = taken.get(doc, 0) + 1
        path = hit.chunk.norm_path.lower()
        for start, end in sentence_spans(hit.chunk.text):
            norm = to_simplified(hit.chunk.text[start:end]).lower()
            found = sum(w for t, w in terms.items() if t in norm)
            in_path = sum(w for t, w in terms.items() if t not in norm and t in path)
            coverage = (found + 0.5 * in_path) / total
            score = coverage + 0.15 / (rank + 1)
            if wants_number and _DIGIT.search(norm):
                score += 0.1
            if end - start < 12:
                score -= 0.1  # a lead phrase alone says little
            out.append(Sentence(rank, hit.chunk, start, end, score, coverage))
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
        if len(chosen) >= max_quotes or s.score < 0.75 * best:
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
    question: str, script: Script, chosen: list[Sentence], *, first_n: int = 1
) -> tuple[str, list[Citation]]:
    """Quote the chosen sentences verbatim, one [n] per cited chunk."""
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
        quotes = [s.chunk.text[x.start : x.end] for x in group]
        citations.append(
            Citation(
                n=n,
                chunk=s.chunk,
                quote=quotes[0] if len(quotes) == 1 else s.chunk.text[group[0].start : group[-1].end],
            )
        )
        parts.append("".join(f"「{q}」" for q in quotes) + f"[{n}]")
    return "".join(parts), citations


def extract(corpus: Corpus, question: str, hits: list[Hit], plan: Route, script: Script) -> Draft:
    """Compose a cited extractive answer (one part per district for comparisons)."""
    if plan.compare and len(plan.doc_ids) > 1:
        return _compare(corpus, question, hits, plan, script)
    scored = score_sentences(corpus, question, hits[:5], script=script)
    definitions = [_whole(h.chunk) for h in hits[:5] if h.chunk.id in plan.glossary_ids]
    if definitions:  # a defined term: its glossary entry is the answer, then the best other sentence
        rest = [s for s in scored if s.chunk.id not in plan.glossary_ids]
        chosen = definitions[:2] + pick(rest, max_quotes=1, max_chars=200)
    else:
        chosen = pick(scored)
    if not chosen:
        return Draft("", (), 0.0)
    ask = parse_ask(question)
    # English questions reach the Chinese text through dictionary terms, so their coverage runs lower.
    needed = FIGURE_COVERAGE if script != "en" else FIGURE_COVERAGE_EN
    focus = focus_terms(corpus, question, script)
    if not answered(ask, [_evidence(s) for s in chosen], needed, focus):
        # The best-scored sentences do not give what is asked: a close runner-up that does is the answer.
        runner_up = next(
            (s for s in scored[:RUNNERS_UP] if answered(ask, [_evidence(s)], needed, focus)), None
        )
        if runner_up is None:
            return Draft("", (), 0.0)
        chosen = [runner_up]
    body, citations = compose(question, script, chosen)
    lead = phrase(PLAN_SAYS, script)
    if _ASKS_WHERE.search(to_simplified(question)):
        place = _best_section(corpus, question, hits[:5], script) or chosen[0].chunk
        lead = f"{phrase(SECTION_IS, script)}《{_short_title(place, script)}》{place.section}。" + lead
    return Draft(lead + body, tuple(citations), max(s.coverage for s in chosen))


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


def _compare(corpus: Corpus, question: str, hits: list[Hit], plan: Route, script: Script) -> Draft:
    names = corpus.district_names()
    lines: list[str] = []
    citations: list[Citation] = []
    coverage = 0.0
    for doc_id in plan.doc_ids:
        own = [h for h in hits if h.chunk.doc_id == doc_id][:3]
        chosen = pick(score_sentences(corpus, question, own, script=script), max_quotes=2, max_chars=240)
        label = to_script(names.get(doc_id, doc_id), script)
        if not chosen or chosen[0].coverage < 0.2:
            lines.append(f"{label}：{phrase(NOT_MENTIONED, script)}。")
            continue
        body, cited = compose(question, script, chosen, first_n=len(citations) + 1)
        citations.extend(cited)
        coverage = max(coverage, max(s.coverage for s in chosen))
        lines.append(f"{label}：{body}")
    return Draft("\n".join(lines), tuple(citations), coverage)


def _short_title(chunk: Chunk, script: Script) -> str:
    name = to_script(chunk.district, script) if chunk.district else ""
    return f"{name}“十四五”规划纲要" if script != "zh-Hant" else f"{name}“十四五”規劃綱要"
