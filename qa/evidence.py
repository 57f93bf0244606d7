"""The evidence a question is answered from: the candidate sentences of its passages, described, scored
and picked (shared by every answer backend and the briefing; the question's own words are qa.terms)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import pairwise

from qa.ask import Evidence, gives_figure, parse_ask, retrospective
from qa.corpus import Corpus
from qa.keywords import word_tag, words
from qa.ranker import Ranker, relative, shipped
from qa.script import to_simplified
from qa.sentences import sentence_spans
from qa.terms import asked_kind, asked_words, focus_terms, frames, question_terms, weigh
from qa.types import Chunk, Hit, Script

Similarity = Callable[[Sequence[str]], list[float]]  # Simplified sentences → cosine to the question

_ASKS_NUMBER = re.compile(
    r"多少|几|比例|比重|占比|率|数量|规模|金额|达到|目标|how many|how much|percent|rate|number|target", re.I
)
_DIGIT = re.compile(r"\d")
MAX_QUOTES = 2
MAX_CHARS = 220
# “如意平安骑队”“家在岭南”“昌华前哨”: things a plan lists as quoted names, one after another (a quote
# standing alone, like “第一场硬仗”, is a phrase, not an item of a list)
_QUOTED_NAME = re.compile(r"“[^“”，,。；;：:]{2,12}”")
_QUOTED_LIST = re.compile(r"(?:“[^“”，,。；;：:]{2,12}”[、和及与]?){2,}")
# Words before a kind's word that name no particular one (城镇, 各镇, 全区, 该校, 等中学)
_NOT_A_NAME = "城乡各全本该每个和及等与或、，,"
_ACTION_TAGS = frozenset("v vd ad d".split())  # a verb or adverb before a kind's word names none of it


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
    features: tuple[float, ...] = ()  # what the ranker scored it from (qa.ranker.FEATURES)


@dataclass(frozen=True, slots=True)
class Query:
    """A question as the extractive reader sees it: standard text, synonyms, sentence similarity."""

    text: str  # Simplified, colloquial words standardised (what matching reads)
    script: Script  # the asker's script (what the answer is written in)
    alternatives: Mapping[str, set[str]] = field(default_factory=dict)  # question word → synonyms in plans
    similarity: Similarity | None = None
    asked: str | None = None  # a follow-up as typed, when `text` carries the turn before's topic


def named(text: str, kind: str) -> tuple[int, int]:
    """How many things a sentence names of the kind asked (莲麻小镇 for 小镇: a name before the kind's word),
    and how many it lists (items between 、, or names in quotes)."""
    of_kind = _of_kind(text, kind) if kind else 0
    listed = text.count("、") + 1 if "、" in text else 0
    quoted = max((len(_QUOTED_NAME.findall(m.group())) for m in _QUOTED_LIST.finditer(text)), default=0)
    return of_kind, max(listed - 1, quoted)


@lru_cache(maxsize=4096)
def _of_kind(text: str, kind: str) -> int:
    """How many things of a kind a text names: the kind's word, or a word ending in it, after a name
    (莲麻小镇, 温泉湿地公园, 氢能源); not after a verb, adverb or framing word (确保能源, 和乡镇)."""
    return sum(
        1
        for before, word in pairwise(words(text))
        if word.endswith(kind)
        and re.fullmatch(r"\w+", before)
        and not frames(before)
        and word_tag(before) not in _ACTION_TAGS
        and not set(before) & set(_NOT_A_NAME)
    )


def score_sentences(
    corpus: Corpus,
    question: str,
    hits: list[Hit],
    per_doc: int = 5,
    script: Script = "zh-Hans",
    *,
    alternatives: Mapping[str, set[str]] | None = None,
    similarity: Similarity | None = None,
    asked: str | None = None,
    ranker: Ranker | None = None,
) -> list[Sentence]:
    """Every sentence of the top hits, best first, scored by the fitted ranker (qa.ranker) from what
    `features` says of it: weighted question-term overlap (a synonym counts for its word; see `weigh`),
    closeness in meaning (when sentence vectors are at hand), the kind of answer asked and the hit's rank."""
    ranker = ranker or shipped()
    rows = features(
        corpus, question, hits, per_doc, script, alternatives=alternatives, similarity=similarity, asked=asked
    )
    out = [replace(s, score=ranker.score(s.features)) for s in rows]
    out.sort(key=lambda s: -s.score)
    return out


def features(
    corpus: Corpus,
    question: str,
    hits: list[Hit],
    per_doc: int = 5,
    script: Script = "zh-Hans",
    *,
    alternatives: Mapping[str, set[str]] | None = None,
    similarity: Similarity | None = None,
    asked: str | None = None,
) -> list[Sentence]:
    """Every sentence of the top hits (at most `per_doc` hits of one plan) with its features (qa.ranker
    .FEATURES, in passage order, score 0)."""
    terms = question_terms(corpus, question, script)
    weights = weigh(corpus, question, script, asked)
    alternatives = alternatives or {}
    total = sum(terms.values()) or 1.0
    weight_total = sum(weights.values()) or 1.0
    wants_number = bool(_ASKS_NUMBER.search(to_simplified(question)))
    ask = parse_ask(question)
    kind = asked_kind(question) if ask.listing or ask.whether else ""
    future = ask.target and not ask.achieved
    named_head = asked_words(to_simplified(asked) if asked else question)
    head = {t: w for t, w in weights.items() if t in named_head}
    focus = focus_terms(corpus, question, script)
    pairs = _bigrams(weights)
    taken: dict[str, int] = {}
    spans: list[tuple[int, Hit, int, int, str, int]] = []
    for rank, hit in enumerate(hits):
        doc = hit.chunk.doc_id
        if taken.get(doc, 0) >= per_doc:
            continue
        taken[doc] = taken.get(doc, 0) + 1
        for i, (start, end) in enumerate(sentence_spans(hit.chunk.text)):
            spans.append((rank, hit, start, end, to_simplified(hit.chunk.text[start:end]), i))
    cosines = similarity([s[4] for s in spans]) if similarity and spans else [0.0] * len(spans)
    out: list[Sentence] = []
    for (rank, hit, start, end, simplified, i), cosine, scaled in zip(
        spans, cosines, relative(cosines), strict=True
    ):
        norm = simplified.lower()
        path = hit.chunk.norm_path.lower()
        inside, heading = _matched(norm, path, weights, alternatives)
        of_kind, listed = named(norm, kind) if ask.listing or ask.whether else (0, 0)
        retro = retrospective(Evidence(norm, path, 0.0))
        row = (
            inside / weight_total,
            heading / weight_total,
            covered(norm, path, terms, alternatives, total),
            cosine,
            scaled,
            1 / (rank + 1),
            0.0 if hit.dense_rank is None else 1 / (hit.dense_rank + 1),
            0.0 if hit.keyword_rank is None else 1 / (hit.keyword_rank + 1),
            hit.dense_score,
            float(wants_number and _DIGIT.search(norm) is not None),
            min(listed, 3) / 3 if ask.listing else 0.0,
            min(listed, 3) / 3 if ask.whether and not ask.listing else 0.0,
            min(of_kind, 3) / 3 if ask.listing or ask.whether else 0.0,
            float(bool(ask.unit) and not ask.guessed and gives_figure(ask, Evidence(norm, "", 1.0))),
            float(end - start < 12 or "\n" in simplified.strip()),
            min(end - start, 300) / 100,
            float(i == 0),
            float(future and retro),
            float(ask.definition and hit.chunk.kind == "glossary"),
            _matched(norm, "", head, alternatives)[0] / (sum(head.values()) or 1.0),
            sum(t in norm or t in path for t in focus) / (len(focus) or 1),
            sum(w for b, w in pairs.items() if b in norm) / (sum(pairs.values()) or 1.0),
            float(any(y in norm for y in ask.years)),
            float(retro and not ask.achieved),
        )
        out.append(Sentence(rank, hit.chunk, start, end, 0.0, row[2], cosine, row))
    return out


def _bigrams(weights: Mapping[str, float]) -> dict[str, float]:
    """The two-character pieces of the question's words, each weighing as its word: a sentence writing
    孵化基地 for 孵化场地, or 公厕 for 公共厕所, still shares some of them."""
    out: dict[str, float] = {}
    for t, w in weights.items():
        for piece in (t[i : i + 2] for i in range(max(len(t) - 1, 1))):
            out[piece] = max(out.get(piece, 0.0), w)
    return out


def covered(
    norm: str,
    path: str,
    terms: Mapping[str, float],
    alternatives: Mapping[str, set[str]],
    total: float | None = None,
) -> float:
    """Share of the question's word weight a sentence holds (a word only in its section heading: half)."""
    found = in_path = 0.0
    for t, w in terms.items():
        if t in norm or any(a in norm for a in alternatives.get(t, ())):
            found += w
        elif t in path:
            in_path += w
    return (found + 0.5 * in_path) / (total or sum(terms.values()) or 1.0)


def _matched(
    norm: str, path: str, weights: Mapping[str, float], alternatives: Mapping[str, set[str]]
) -> tuple[float, float]:
    """Weight of the question words a sentence holds, and of those only its section heading holds."""
    found = in_path = 0.0
    for t, w in weights.items():
        if t in norm or any(a in norm for a in alternatives.get(t, ())):
            found += w
        elif t in path:
            in_path += w
    return found, in_path


def pick(
    sentences: list[Sentence],
    max_quotes: int = MAX_QUOTES,
    max_chars: int = MAX_CHARS,
    close: float | None = None,
    runner_chars: int | None = None,
) -> list[Sentence]:
    """The best sentence and the runners-up scoring at least `close` times its score (by default the share
    chosen with the fitted ranker), within `max_chars`; a runner-up counts as `runner_chars` at most when it
    will be quoted trimmed to that (a long close runner-up is not left out for words that are not shown)."""
    if not sentences:
        return []
    close = shipped().close if close is None else close
    best = sentences[0].score
    chosen: list[Sentence] = []
    used = 0
    for s in sentences:
        if len(chosen) >= max_quotes or s.score < close * best:
            break
        length = s.end - s.start
        if chosen and runner_chars is not None:
            length = min(length, runner_chars)
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
