"""The evidence a question is answered from: candidate sentences scored and picked, and the signals the
answerability model reads from them (shared by every answer backend and the briefing)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from qa.ask import Evidence
from qa.corpus import Corpus
from qa.keywords import specificity, tokenize
from qa.script import to_simplified
from qa.sentences import sentence_spans
from qa.types import Chunk, Hit, Script

Similarity = Callable[[Sequence[str]], list[float]]  # Simplified sentences → cosine to the question

_ASKS_NUMBER = re.compile(
    r"多少|几|比例|比重|占比|率|数量|规模|金额|达到|目标|how many|how much|percent|rate|number|target", re.I
)
_DIGIT = re.compile(r"\d")
_GENERIC = frozenset("规划 计划 区 湾区 十四五 提出 提到 主要 内容 方面 要求 what plan district".split())
MAX_QUOTES = 2
MAX_CHARS = 220
CLOSE = 0.75  # a runner-up is quoted too only when it scores this close to the best sentence
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
        # A word the plans never use weighs by how specific it is in Chinese at large: 火星 much, 以后 little.
        weight = corpus.idf[token] if token in corpus.idf else top * specificity(token)
        if weight > 0:
            terms[token] = weight
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


def about(s: Sentence, focus: tuple[str, ...]) -> bool:
    """Whether a sentence (or its section) holds one of the question's most specific words."""
    text = (to_simplified(s.chunk.text[s.start : s.end]) + s.chunk.norm_path).lower()
    return not focus or any(t in text for t in focus)


def as_evidence(s: Sentence) -> Evidence:
    return Evidence(to_simplified(s.chunk.text[s.start : s.end]), s.chunk.norm_path, s.coverage)
