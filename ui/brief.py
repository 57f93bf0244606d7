"""A staff briefing on a topic: per district, key points, figures and verbatim quotes, every one cited."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from qa.evidence import Sentence, score_sentences
from qa.retrieve import HybridRetriever
from qa.script import detect_script, to_script
from qa.sentences import sentence_spans
from qa.types import Chunk, Script
from ui.render import line_of

HITS_PER_DISTRICT = 12
MAX_POINTS = 5
MAX_FIGURES = 5
MAX_QUOTES = 2
POINT_CHARS = 90
FIGURE_CHARS = 120
QUOTE_CHARS = 240
# Half the topic's weight in a sentence (or its section path): on topic. Same counts as 0.34 and 0.4 on ten
# sample topics, and a topic the plans lack (火星基地) still finds nothing.
TOPIC_COVERAGE = 0.5
# A number with a unit, a share or a count: what a figure or target looks like (a bare year is not one).
FIGURE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|％|‰|万|亿|千|百|个|家|所|条|宗|项|座|处|户|人|名|元|倍|公里|千米|米|平方|亩|公顷|吨|张|辆|床|套|间|次|小时|分钟|天|年以上)"
)
_CLAUSE = re.compile(r"[^，,；;：:]+[，,；;：:]?")


@dataclass(frozen=True, slots=True)
class Point:
    """A verbatim span of a plan and exactly where it is."""

    text: str
    chunk: Chunk
    line: int


@dataclass(frozen=True, slots=True)
class DistrictBrief:
    """What one plan says about the topic."""

    doc_id: str
    district: str  # in the topic's script
    title: str
    key_points: tuple[Point, ...]
    figures: tuple[Point, ...]
    quotes: tuple[Point, ...]
    nearest: tuple[str, ...] = ()  # sections to look at when nothing relevant was found


@dataclass(frozen=True, slots=True)
class Brief:
    """A briefing draft over one or more districts."""

    topic: str
    script: Script
    created: date
    districts: tuple[DistrictBrief, ...]


def _span(chunk: Chunk, start: int, end: int) -> Point:
    return Point(chunk.text[start:end].strip(), chunk, line_of(chunk, start))


def clip(text: str, limit: int) -> str:
    """Shorten to whole clauses within limit characters (a verbatim prefix, marked with an ellipsis)."""
    if len(text) <= limit:
        return text
    cut = max((m.end() for m in _CLAUSE.finditer(text[:limit]) if m.group()[-1] in "，,；;：:"), default=0)
    return (text[:cut].rstrip("，,；;：: ") if cut >= limit // 3 else text[:limit]) + "……"


def figure_span(s: Sentence) -> tuple[int, int] | None:
    """The clauses of a sentence that hold its figures (with the clause before a short one), or None."""
    text = s.chunk.text[s.start : s.end]
    clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(text) if m.group().strip()]
    marked = [i for i, (a, b) in enumerate(clauses) if FIGURE.search(text[a:b])]
    if not marked:
        return None
    first, last = marked[0], marked[-1]
    if first > 0 and clauses[first][1] - clauses[first][0] < 20:
        first -= 1  # "…收入分别达到45224元和23857元" needs what it measures
    while last > first and clauses[last][1] - clauses[first][0] > FIGURE_CHARS:
        last -= 1
    return s.start + clauses[first][0], s.start + clauses[last][1]


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
    return _span(s.chunk, spans[lo][0], spans[hi][1])


def district_brief(retriever: HybridRetriever, topic: str, doc_id: str, script: Script) -> DistrictBrief:
    """Retrieve within one plan and sort its best sentences into points, figures and quotes."""
    corpus = retriever.corpus
    name = to_script(corpus.district_names().get(doc_id, doc_id), script)
    title = corpus.doc_titles.get(doc_id, doc_id)
    hits = retriever.search(topic, k=HITS_PER_DISTRICT, district=doc_id)
    hits = [h for h in hits if h.chunk.doc_id == doc_id]
    scored = score_sentences(corpus, topic, hits, per_doc=HITS_PER_DISTRICT, script=script)
    seen: set[int] = set()
    relevant: list[Sentence] = []
    for s in scored:
        where = s.chunk.char_start + s.start
        if (
            s.coverage >= TOPIC_COVERAGE
            and where not in seen
            and s.end - s.start >= 12
            and "\n" not in s.chunk.text[s.start : s.end]
        ):  # a run of headings, not a sentence
            seen.add(where)
            relevant.append(s)
    if not relevant:
        nearest: list[str] = []
        for h in hits:
            label = f"{h.chunk.section}（第{h.chunk.line_start}行）"
            if label not in nearest:
                nearest.append(label)
        return DistrictBrief(doc_id, name, title, (), (), (), tuple(nearest[:3]))
    figures: list[Point] = []
    used: set[int] = set()
    for s in relevant:
        span = figure_span(s)
        if span and len(figures) < MAX_FIGURES:
            point = _span(s.chunk, *span)
            text = clip(point.text.replace("\n", " ").rstrip("，,；;：: "), FIGURE_CHARS)
            figures.append(Point(text, point.chunk, point.line))
            used.add(id(s))
    points: list[Point] = []
    sections: set[str] = set()
    rest = [s for s in relevant if id(s) not in used]
    for distinct in (True, False):  # one point per section first, then the best of what is left
        for s in rest:
            if len(points) >= MAX_POINTS or id(s) in used or (distinct and s.chunk.section in sections):
                continue
            used.add(id(s))
            sections.add(s.chunk.section)
            point = _span(s.chunk, s.start, s.end)
            points.append(Point(clip(point.text.replace("\n", " "), POINT_CHARS), point.chunk, point.line))
    quotes: list[Point] = []
    for s in relevant:
        if len(quotes) >= MAX_QUOTES:
            break
        if all(q.chunk.id != s.chunk.id for q in quotes):
            quotes.append(_quote(s))
    return DistrictBrief(doc_id, name, title, tuple(points), tuple(figures), tuple(quotes))


def make_brief(
    retriever: HybridRetriever, topic: str, doc_ids: Sequence[str] | None = None, today: date | None = None
) -> Brief:
    """A briefing on a topic for the chosen plans (all when none are chosen)."""
    topic = " ".join(topic.split())
    script = detect_script(topic)
    script = script if script == "zh-Hant" else "zh-Hans"
    known = [d.doc_id for d in retriever.corpus.districts]
    chosen = [d for d in (doc_ids or known) if d in known] or known
    parts = tuple(district_brief(retriever, topic, doc_id, script) for doc_id in chosen)
    return Brief(topic, script, today or date.today(), parts)


def point_json(point: Point) -> dict[str, Any]:
    """One cited point of a briefing."""
    c = point.chunk
    return {
        "text": point.text,
        "doc_id": c.doc_id,
        "title": c.title,
        "section": c.section,
        "line": point.line,
    }


def brief_json(brief: Brief, markdown: str) -> dict[str, Any]:
    """The /brief API object: the markdown draft and the structured points behind it."""
    return {
        "topic": brief.topic,
        "created": brief.created.isoformat(),
        "markdown": markdown,
        "districts": [
            {
                "doc_id": d.doc_id,
                "district": d.district,
                "title": d.title,
                "key_points": [point_json(p) for p in d.key_points],
                "figures": [point_json(p) for p in d.figures],
                "quotes": [point_json(p) for p in d.quotes],
                "nearest": list(d.nearest),
            }
            for d in brief.districts
        ],
    }


LABELS = {
    "title": "简报",
    "notice": "本简报由“规划问答”从规划原文中逐字摘录生成，每条均注明出处；对外使用前请核对原文。",
    "date": "生成日期",
    "points": "要点",
    "figures": "数据",
    "quotes": "原文",
    "notes": "注释",
    "none": "规划中未找到与该主题直接相关的内容。",
    "nearest": "可参阅最接近的章节：",
    "line": "第{n}行",
}


def label(key: str, script: Script) -> str:
    """A fixed heading or phrase of the briefing in the topic's script."""
    return to_script(LABELS[key], script)


def brief_markdown(brief: Brief) -> str:
    """The briefing as Markdown: one part per district; citations as footnotes collected at the end."""
    s = brief.script
    notes: list[str] = []

    def cite(point: Point) -> str:
        c = point.chunk
        where = label("line", s).format(n=point.line)
        section = (c.section or c.title).rstrip("。.；;，, ")
        notes.append(f"《{c.title}》，{section}，{where}。")
        return f"[^{len(notes)}]"

    out = [
        f"# {label('title', s)}：{brief.topic}",
        "",
        f"> {label('notice', s)}{label('date', s)}：{brief.created.isoformat()}。",
        "",
    ]
    for d in brief.districts:
        out += [f"## {d.district}", ""]
        if not (d.key_points or d.figures or d.quotes):
            out += [label("none", s), ""]
            if d.nearest:
                out += [label("nearest", s), "", *(f"- {n}" for n in d.nearest), ""]
            continue
        for key, points in (("points", d.key_points), ("figures", d.figures)):
            if points:
                out += [f"### {label(key, s)}", "", *(f"- {p.text}{cite(p)}" for p in points), ""]
        if d.quotes:
            out += [f"### {label('quotes', s)}", ""]
            for q in d.quotes:
                lines = q.text.split("\n")
                lines[-1] += cite(q)
                out += [*(f"> {line}" for line in lines), ""]
    if notes:
        out += [f"## {label('notes', s)}", "", *(f"[^{i}]: {n}" for i, n in enumerate(notes, 1)), ""]
    return "\n".join(out)
