"""A staff briefing on a topic, chosen the way the chat answers: per plan, passages retrieved for the topic
and its parts, kept when the chat's answerability model would answer the topic from them; their sentences
sorted into the plan's targets, its measures and an earlier period's results, their figures listed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from qa.chain import QAChain
from qa.corpus import Corpus
from qa.evidence import Query, Sentence, score_sentences
from qa.extractive import extract
from qa.keywords import tokenize
from qa.retrieve import Route
from qa.script import detect_script, to_script, to_simplified
from qa.sentences import sentence_spans
from qa.statements import Cues, Figure, Kind, classify, clause_around, figures
from qa.terms import question_terms
from qa.types import Chunk, Hit, Script

HITS_PER_QUERY = 8  # passages looked at per query and plan: the topic's and each of its parts'
RANKED = 40  # how far down the topic's own ranking a passage keeps its ranks (the agree signal)
MAX_ITEMS: dict[Kind, int] = {"target": 5, "measure": 8, "result": 4}
MAX_QUOTES = 2
POINT_CHARS = 160
QUOTE_CHARS = 240
# A word found in most passages (建设, 发展: IDF below 1) cannot find a topic's passages on its own.
COMMON_IDF = 1.0
MIN_SENTENCE = 12  # shorter spans are headings or lead phrases, not statements
_SEPARATORS = re.compile(r"[、，,；;/\s]+|(?<=..)[和与及](?=..)")
_CLAUSE = re.compile(r"[^，,；;：:]+[，,；;：:]?")
_PUNCTUATED = re.compile(r"[。；;！？!?，,、：:]")


@dataclass(frozen=True, slots=True)
class Point:
    """A verbatim span of a plan, exactly where it is, and what kind of statement it is."""

    text: str
    chunk: Chunk
    line: int
    kind: Kind = "measure"
    period: str = ""  # the plan period it speaks of: 十四五 for a target, 十三五 for a past result
    at: int = 0  # offset in the document: points are listed in the plan's order


@dataclass(frozen=True, slots=True)
class FigurePoint:
    """A clause stating figures, each with unit and year, and whether they are targets or results."""

    text: str
    chunk: Chunk
    line: int
    figures: tuple[Figure, ...]
    target: bool
    period: str


@dataclass(frozen=True, slots=True)
class DistrictBrief:
    """What one plan says about the topic."""

    doc_id: str
    district: str  # in the topic's script
    title: str
    targets: tuple[Point, ...]
    measures: tuple[Point, ...]
    results: tuple[Point, ...]
    figures: tuple[FigurePoint, ...]
    quotes: tuple[Point, ...]
    nearest: tuple[str, ...] = ()  # sections to look at when nothing relevant was found
    period: str = ""  # the plan's own period (十四五)

    @property
    def points(self) -> tuple[Point, ...]:
        """Every statement of the briefing, targets, measures and results."""
        return (*self.targets, *self.measures, *self.results)


@dataclass(frozen=True, slots=True)
class Selection:
    """One plan's passages for a topic: judged by the answerability model, and those under them."""

    judged: list[Hit]
    inherited: list[Hit]
    ranking: list[Hit]  # the topic's own ranking (for the nearest sections when nothing is kept)
    query: Query


@dataclass(frozen=True, slots=True)
class Brief:
    """A briefing draft over one or more districts."""

    topic: str
    script: Script
    created: date
    districts: tuple[DistrictBrief, ...]


def line_of(chunk: Chunk, offset: int) -> int:
    """The document line number of a character offset inside a chunk."""
    return chunk.line_start + chunk.text.count("\n", 0, max(offset, 0))


def clip(text: str, limit: int) -> str:
    """Shorten to whole clauses within limit characters (a verbatim prefix, marked with an ellipsis)."""
    if len(text) <= limit:
        return text
    cut = max((m.end() for m in _CLAUSE.finditer(text[:limit]) if m.group()[-1] in "，,；;：:"), default=0)
    return (text[:cut].rstrip("，,；;：: ") if cut >= limit // 3 else text[:limit]) + "……"


def topic_parts(corpus: Corpus, topic: str) -> list[str]:
    """Sub-queries for a topic: its listed parts (交通、教育), then the longest plan words of each part."""
    simplified = to_simplified(topic)
    parts = [p for p in _SEPARATORS.split(simplified) if p]
    out = list(parts) if len(parts) > 1 else []
    for part in parts:
        words = [w for w in tokenize(part) if len(w) >= 2 and corpus.idf.get(w, 0.0) >= COMMON_IDF]
        out += [w for w in words if not any(w != o and w in o for o in words)]
    return [q for q in dict.fromkeys(out) if q != simplified]


class Briefer:
    """Drafts briefings over a chat chain: its retriever, sentence vectors and answerability model."""

    def __init__(self, chain: QAChain, cues: Cues | None = None) -> None:
        self.chain = chain
        self.cues = cues if cues is not None else Cues.load()

    def brief(self, topic: str, doc_ids: Sequence[str] | None = None, today: date | None = None) -> Brief:
        """A briefing on a topic for the chosen plans (all when none are chosen)."""
        topic = " ".join(topic.split())
        script = detect_script(topic)
        script = script if script == "zh-Hant" else "zh-Hans"
        corpus = self.chain.corpus  # one snapshot for the whole briefing
        known = [d.doc_id for d in corpus.districts]
        chosen = [d for d in (doc_ids or known) if d in known] or known
        parts = tuple(self._district(corpus, topic, doc_id, script) for doc_id in chosen)
        return Brief(topic, script, today or date.today(), parts)

    def passages(self, corpus: Corpus, topic: str, doc_id: str) -> Selection:
        """Passages of one plan the chat would answer the topic from (best first), and those under them.

        None when the chat would refuse the topic itself in this plan: a passage alone may look answerable.
        """
        retriever = self.chain.retriever
        query_text = to_simplified(topic)
        vector = retriever.embed(query_text)
        plan = Route((doc_id,), named=True)
        ranking = retriever.search(query_text, k=RANKED, corpus=corpus, vector=vector, plan=plan)
        by_id = {h.chunk.id: h for h in ranking}
        candidates = [h.chunk for h in ranking[:HITS_PER_QUERY]]
        for part in topic_parts(corpus, topic):
            candidates += [
                h.chunk for h in retriever.search(part, k=HITS_PER_QUERY, corpus=corpus, plan=plan)
            ]
        size = sum(1 for c in corpus.chunks.values() if c.doc_id == doc_id)
        cosine = dict(corpus.store.query(vector, size, (doc_id,)))
        matcher = self.chain.sentences
        similarity = (lambda texts: matcher.similarities(vector, texts)) if matcher is not None else None
        terms = question_terms(corpus, query_text)
        alternatives = self.chain.understanding.alternatives(terms, corpus.idf)
        query = Query(query_text, "zh-Hans", alternatives, similarity)
        model = self.chain.answerability
        whole = extract(corpus, query, ranking[:5], plan)  # the chat's own decision on the topic as asked
        if not whole.signals or model.probability(whole.signals) < model.threshold:
            return Selection([], [], ranking, query)
        kept: list[tuple[float, Hit]] = []
        for chunk in dict.fromkeys(candidates):
            # Judged as the chat judges its evidence, one passage at a time, with the passage's true cosine
            # to the topic (a keyword-only hit has none in the fused ranking).
            hit = by_id.get(chunk.id) or Hit(chunk, 0.0)
            hit = replace(hit, dense_score=cosine.get(chunk.id, hit.dense_score))
            draft = extract(corpus, query, [hit], plan)
            probability = model.probability(draft.signals) if draft.signals else 0.0
            if probability >= model.threshold:
                kept.append((probability, hit))
        kept.sort(key=lambda x: -x[0])
        judged = [h for _, h in kept]
        return Selection(judged, _subsections(corpus, judged, by_id, cosine), ranking, query)

    def _district(self, corpus: Corpus, topic: str, doc_id: str, script: Script) -> DistrictBrief:
        name = to_script(corpus.district_names().get(doc_id, doc_id), script)
        title = corpus.doc_titles.get(doc_id, doc_id)
        chosen = self.passages(corpus, topic, doc_id)
        ranking, kept = chosen.ranking, chosen.judged
        sentences = self._sentences(corpus, chosen)
        if not sentences:
            nearest: list[str] = []
            for h in ranking:
                label = f"{h.chunk.section}（第{h.chunk.line_start}行）"
                if label not in nearest:
                    nearest.append(label)
            return DistrictBrief(doc_id, name, title, (), (), (), (), (), tuple(nearest[:3]))
        grouped: dict[Kind, list[Point]] = {"target": [], "measure": [], "result": []}
        numbers: list[FigurePoint] = []
        seen_clauses: set[tuple[int, str]] = set()
        for s in sentences:
            text = s.chunk.text[s.start : s.end]
            reading = classify(text, s.chunk.norm_path, s.chunk.period, self.cues)
            if reading.kind == "challenge":
                continue  # a statement of problems is neither a target, a measure nor a result
            group = grouped[reading.kind]
            if len(group) < MAX_ITEMS[reading.kind]:
                shown = clip(text.replace("\n", " "), POINT_CHARS)
                line = line_of(s.chunk, s.start)
                at = s.chunk.char_start + s.start
                group.append(Point(shown, s.chunk, line, reading.kind, reading.period, at))
            numbers += _figures(s, reading.kind == "result", reading.period, seen_clauses)
        return DistrictBrief(
            doc_id,
            name,
            title,
            _in_order(grouped["target"]),
            _in_order(grouped["measure"]),
            _in_order(grouped["result"]),
            tuple(sorted(numbers, key=lambda f: (f.chunk.char_start, f.line))),
            tuple(_quote(s) for s in _distinct_chunks(sentences)[:MAX_QUOTES]),
            period=kept[0].chunk.generation if kept else "",
        )

    def _sentences(self, corpus: Corpus, chosen: Selection) -> list[Sentence]:
        """The sentences of the chosen passages that speak to the topic, best first, each once."""
        query, kept = chosen.query, chosen.judged + chosen.inherited
        if not kept:
            return []
        scored = score_sentences(
            corpus,
            query.text,
            kept,
            per_doc=len(kept),
            alternatives=query.alternatives,
            similarity=query.similarity,
        )
        rank = {h.chunk.id: i for i, h in enumerate(kept)}
        seen: set[int] = set()
        first: list[Sentence] = []
        rest: list[Sentence] = []
        for s in scored:
            where = s.chunk.char_start + s.start  # overlapping chunks hold the same sentence twice
            text = s.chunk.text[s.start : s.end]
            inherited = rank[s.chunk.id] >= len(chosen.judged)  # the whole passage is under the topic
            if (s.coverage <= 0 and not inherited) or where in seen or not _statement(text):
                continue
            seen.add(where)
            (rest if any(f.chunk.id == s.chunk.id for f in first) else first).append(s)
        # The best sentence of every kept passage first (in the passages' order), so one long passage
        # cannot fill a briefing; then the others by score.
        first.sort(key=lambda s: rank[s.chunk.id])
        return first + rest


def _subsections(
    corpus: Corpus, kept: list[Hit], ranked: dict[str, Hit], cosine: dict[str, float]
) -> list[Hit]:
    """Passages of the sections one level below a kept section's own introduction (not a chapter's).

    The plan's outline already says they belong to it: 巩固绿色生态本底 holds 全面提升城乡绿化覆盖率,
    though that passage never names the topic.
    """
    if not kept:
        return []
    # A chapter spans many topics (第十三章 holds security of every kind); a section below it holds one.
    heads = {h.chunk.section_path for h in kept if len(h.chunk.section_path) >= 2}
    taken = {h.chunk.id for h in kept}
    out: list[Hit] = []
    for chunk in corpus.chunks.values():
        if chunk.id in taken or chunk.doc_id != kept[0].chunk.doc_id or chunk.section_path[:-1] not in heads:
            continue
        hit = ranked.get(chunk.id) or Hit(chunk, 0.0)
        out.append(replace(hit, dense_score=cosine.get(chunk.id, hit.dense_score)))
    return sorted(out, key=lambda h: h.chunk.char_start)


def _figures(s: Sentence, result: bool, period: str, seen: set[tuple[int, str]]) -> list[FigurePoint]:
    """The clauses of a sentence that state figures, each once in the document."""
    text = s.chunk.text[s.start : s.end]
    by_clause: dict[tuple[int, int], list[Figure]] = {}
    for start, _, figure in figures(text):
        by_clause.setdefault(clause_around(text, start), []).append(figure)
    out: list[FigurePoint] = []
    for (lo, hi), found in by_clause.items():
        shown = text[lo:hi].strip().rstrip("，,；;：:。")
        key = (s.chunk.char_start + s.start + lo, shown)
        if key in seen or any(k[1] == shown for k in seen):
            continue
        seen.add(key)
        line = line_of(s.chunk, s.start + lo)
        out.append(FigurePoint(shown, s.chunk, line, tuple(found), not result, period))
    return out


def _statement(text: str) -> bool:
    """A sentence, not a heading or a caption (图4 …交通规划): long enough, on one line, punctuated."""
    return len(text) >= MIN_SENTENCE and "\n" not in text and bool(_PUNCTUATED.search(text))


def _in_order(points: list[Point]) -> tuple[Point, ...]:
    return tuple(sorted(points, key=lambda p: p.at))


def _distinct_chunks(sentences: list[Sentence]) -> list[Sentence]:
    out: list[Sentence] = []
    for s in sentences:
        if all(o.chunk.id != s.chunk.id for o in out):
            out.append(s)
    return out


def _quote(s: Sentence) -> Point:
    """The best sentence with its neighbours in the same chunk, up to QUOTE_CHARS."""
    spans = sentence_spans(s.chunk.text)
    i = next((k for k, (a, _) in enumerate(spans) if a == s.start), 0)
    lo = hi = i
    grown = True
    while grown:
        grown = False
        if hi + 1 < len(spans) and spans[hi + 1][1] - spans[lo][0] <= QUOTE_CHARS:
            hi, grown = hi + 1, True
        if lo > 0 and spans[hi][1] - spans[lo - 1][0] <= QUOTE_CHARS:
            lo, grown = lo - 1, True
    start, end = spans[lo][0], spans[hi][1]
    return Point(s.chunk.text[start:end].strip(), s.chunk, line_of(s.chunk, start))
