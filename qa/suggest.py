"""Where to go next: follow-up questions under an answer, and a refusal that leads somewhere.

Everything here is read from the indexed plans (their sections, titles and text), never written in code:
follow-ups are the cited sections' neighbours phrased as questions, a refusal names the plans covered and
its nearest sections, a question naming what only another district's plan holds is offered that plan,
and a broad question (交通、教育、医疗都有什么规划) is offered its parts.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import jieba

from qa.corpus import Corpus, District
from qa.periods import plans
from qa.prompts import NEAREST, REFUSAL, phrase
from qa.question import parts
from qa.script import to_script, to_simplified
from qa.types import Chunk, Citation, Hit, Script

NEAREST_SECTIONS = 3
FOLLOW_UPS = 3
MIN_HEADING = 4  # characters of a heading (numbering stripped) worth asking about
MAX_LISTED_PLANS = 4  # beyond this many plans the refusal names the first ones and the count

PLANS_COVERED = {
    "zh-Hans": "可查询的规划：{plans}。",
    "zh-Hant": "可查詢的規劃：{plans}。",
    "en": "Plans covered: {plans}.",
}
MORE_PLANS = {"zh-Hans": "等{n}份规划", "zh-Hant": "等{n}份規劃", "en": " and {n} more"}
ELSEWHERE = {
    "zh-Hans": "“{names}”见于{district}的规划，当前查询范围不含该区，可切换到{district}再问。",
    "zh-Hant": "“{names}”見於{district}的規劃，當前查詢範圍不含該區，可切換到{district}再問。",
    "en": "“{names}” is in the plan of {district}, which the chosen scope leaves out; ask again there.",
}
SWITCH = {"zh-Hans": "切换到{district}再问", "zh-Hant": "切換到{district}再問", "en": "Ask in {district}"}
SPLIT = {
    "zh-Hans": "这个问题涉及几个方面，可以分开问：",
    "zh-Hant": "這個問題涉及幾個方面，可以分開問：",
    "en": "This asks about several things; ask them one at a time:",
}
NEXT = {"zh-Hans": "接着问：", "zh-Hant": "接著問：", "en": "You could also ask:"}
# Questions made from a heading: measures under a heading, the meaning of a defined term.
MEASURES = "{district}在{heading}方面有哪些举措？"
MEANING = "“{term}”是什么意思？"

_HAN_ONLY = re.compile(r"[\u3400-\u9fff]+")
MIN_OWNED = 3  # times a word occurs in another plan before it is taken as that plan's
# Numbering before a heading's words: 第三章, 第一节, 一、, （二）, 3., 附件2
_NUMBERING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇\d]+[章节篇部分条]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]"
    r"|\d+\s*[.、．]|附件\s*\d*)\s*"
)
_CLAUSE = re.compile(r"[,，;；]")
# A broad question: a list of topics, then 都/分别 and what is asked of each (有什么规划, 有哪些举措 …).
_ASKED_OF_EACH = re.compile(
    r"(?:等?方面)?(?:都|分别|各自|各)?(?:有什么|有哪些|有啥|有何|是什么|是怎样|怎么样|如何|怎样|哪些)"
)
_ALL_OF_THEM = re.compile(r"^(?:等?方面)?都")
_LEAD_IN = re.compile(r"^(?:等?方面)?(?:都|分别|各自|各)")
_JOINER = re.compile(r"以及|、|和|与|及|跟|，|,")
MAX_TOPIC = 12  # characters of one listed topic


@dataclass(frozen=True, slots=True)
class Switch:
    """Another district whose plan alone holds words of the question: ask again with it chosen."""

    doc_id: str
    district: str  # Simplified name, as the plan gives it
    names: tuple[str, ...]  # the question's words found only in that plan (Simplified)


@dataclass(frozen=True, slots=True)
class Guidance:
    """What an answer or a refusal offers next; every question in it is ready to ask as it is."""

    nearest: tuple[Chunk, ...] = ()  # a refusal's nearest sections, best first
    plans: tuple[str, ...] = ()  # titles of the plans covered, in the asker's script (refusals)
    switch: tuple[Switch, ...] = ()
    parts: tuple[str, ...] = ()  # a broad question's parts
    follow_ups: tuple[str, ...] = ()  # neighbours of the cited sections, as questions


@dataclass(frozen=True, slots=True)
class _Outline:
    """What suggestions read from one snapshot: each plan's text and its sections in order."""

    texts: dict[str, str]  # doc_id → Simplified text and headings
    sections: dict[str, tuple[tuple[str, ...], ...]]  # doc_id → section paths, in document order
    first: dict[tuple[str, tuple[str, ...]], Chunk]  # (doc_id, path) → the section's first chunk


_OUTLINES: weakref.WeakKeyDictionary[Corpus, _Outline] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _outline(corpus: Corpus) -> _Outline:
    """A snapshot's outline, read once (a snapshot never changes; a new one gets its own)."""
    with _LOCK:
        known = _OUTLINES.get(corpus)
        if known is not None:
            return known
        texts: dict[str, list[str]] = {}
        first: dict[tuple[str, tuple[str, ...]], Chunk] = {}
        for chunk in sorted(corpus.chunks.values(), key=lambda c: (c.doc_id, c.line_start)):
            texts.setdefault(chunk.doc_id, []).append(f"{chunk.norm_path}\n{chunk.norm}")
            first.setdefault((chunk.doc_id, chunk.section_path), chunk)
        sections: dict[str, list[tuple[str, ...]]] = {}
        for doc_id, path in first:
            sections.setdefault(doc_id, []).append(path)
        made = _Outline(
            {d: "\n".join(t) for d, t in texts.items()}, {d: tuple(p) for d, p in sections.items()}, first
        )
        _OUTLINES[corpus] = made
        return made


def guide(
    corpus: Corpus,
    question: str,
    district: str | None,
    script: Script,
    retrieved: Sequence[Hit] = (),
    citations: Sequence[Citation] = (),
    refused: bool = False,
) -> Guidance:
    """What to offer after this answer (or refusal) to this question, asked within `district` (None: all)."""
    outline = _outline(corpus)
    switch = elsewhere(corpus, question, district)
    broad = tuple(to_script(p, script) for p in broad_parts(corpus, question))
    if refused:
        return Guidance(nearest(retrieved), covered(corpus, script), switch, broad)
    return Guidance((), (), switch, broad, follow_ups(corpus, citations, script, question, outline))


def nearest(retrieved: Sequence[Hit], limit: int = NEAREST_SECTIONS) -> tuple[Chunk, ...]:
    """The best retrieved chunk of each of the first few distinct sections."""
    seen: dict[tuple[str, str], Chunk] = {}
    for hit in retrieved:
        seen.setdefault((hit.chunk.doc_id, hit.chunk.section), hit.chunk)
        if len(seen) == limit:
            break
    return tuple(seen.values())


def covered(corpus: Corpus, script: Script) -> tuple[str, ...]:
    """The indexed plans as 《title》 and their period when stated, in the asker's script."""
    prose = _prose(script)
    return tuple(
        f"《{to_script(p.title, prose)}》" + (f"（{p.period}）" if p.period else "")
        for p in plans(corpus)
        if p.title
    )


def _prose(script: Script) -> Script:
    return script if script in {"zh-Hans", "zh-Hant"} else "zh-Hans"


def _district(corpus: Corpus, value: str) -> District | None:
    value = to_simplified(value).lower()
    return next((d for d in corpus.districts if value in {d.doc_id, d.name, *d.aliases}), None)


def elsewhere(corpus: Corpus, question: str, district: str | None) -> tuple[Switch, ...]:
    """Districts left out of the chosen scope whose plan alone holds some of the question's words.

    A question naming the chosen district stays there; one naming another district is offered it. Else a
    word "belongs" to another plan when it occurs there often (a landmark such as 白鹅潭, a project) and
    never in the chosen plan; words are whole jieba words or runs of them, so no chance pair of characters
    across two words moves a question.
    """
    chosen = _district(corpus, district) if district else None
    if chosen is None:
        return ()
    text = to_simplified(question).lower()
    if _names(chosen, text):
        return ()
    texts = _outline(corpus).texts
    mine = [texts.get(d.doc_id, "") for d in corpus.districts if d.name == chosen.name]
    offers: dict[str, Switch] = {}
    for other in corpus.districts:
        if other.name == chosen.name or other.name in offers or other.doc_id not in texts:
            continue
        named = _names(other, text)
        words = named or _owned(text, texts[other.doc_id], mine)
        if words:
            offers[other.name] = Switch(other.doc_id, other.name, words)
    return tuple(offers.values())


def _names(district: District, text: str) -> tuple[str, ...]:
    return tuple(a for a in district.aliases if a in text)[:1]  # aliases run longest first


def _owned(text: str, theirs: str, mine: Sequence[str]) -> tuple[str, ...]:
    """The longest runs of whole words of a question often in `theirs` and never in `mine`."""
    words = [w for w in jieba.lcut(text) if w.strip()]
    found: list[str] = []
    for i in range(len(words)):
        best = ""
        for j in range(i + 1, len(words) + 1):
            run = "".join(words[i:j])
            if not _HAN_ONLY.fullmatch(run) or theirs.count(run) < MIN_OWNED:
                break
            if len(run) >= 2 and not any(run in m for m in mine):
                best = run
        if best:
            found.append(best)
    kept = [w for w in dict.fromkeys(found) if not any(w != o and w in o for o in found)]
    # Rarest in general Chinese first (jieba's dictionary frequency): a name before a common word.
    return tuple(sorted(kept, key=lambda w: (jieba.get_FREQ(w) or 0, -len(w))))


def broad_parts(corpus: Corpus, question: str) -> tuple[str, ...]:
    """A broad question's topics as one question each (交通、教育、医疗都有什么规划 → 交通有什么规划？…).

    What comes before the first topic (某某区的, 我想知道) goes with every part. A list of districts is
    not broad: the chain answers it per district.
    """
    aliases = {a for d in corpus.districts for a in d.aliases}
    for piece in parts(question):
        text = to_simplified(piece).strip().rstrip("？?。.！!")
        asked = _ASKED_OF_EACH.search(text)
        if asked is None:
            continue
        head, tail = text[: asked.start()], text[asked.start() :]
        topics = [t.strip() for t in _JOINER.split(head)]
        if len(topics) < 2 or not all(1 < len(t) <= MAX_TOPIC for t in topics[1:]) or not topics[0]:
            continue
        if not (len(topics) > 2 or _ALL_OF_THEM.match(tail)):
            continue  # "生态保护和修复有哪些举措" is one topic; a list needs three items or 都
        lead, topics[0] = _lead(topics[0], min(len(t) for t in topics[1:]))
        if not topics[0] or any(t.lower() in aliases for t in topics):
            continue
        ask = _LEAD_IN.sub("", tail)
        return tuple(f"{lead}{t}{ask}？" for t in topics)
    return ()


def _lead(first: str, shortest: int) -> tuple[str, str]:
    """Split the first listed item into what leads up to the list and the topic itself (by jieba words)."""
    words = jieba.lcut(first)
    topic = ""
    while words and len(topic) < shortest:
        topic = words.pop() + topic
    return "".join(words), topic


def heading_question(chunk: Chunk, district: str) -> str:
    """A section's heading as a question a resident might ask next ("" when it says too little)."""
    if chunk.kind == "glossary" and chunk.term:
        return MEANING.format(term=chunk.term)
    if not chunk.section_path:
        return ""
    heading = _NUMBERING.sub("", to_simplified(chunk.section_path[-1])).strip().rstrip("。.：:")
    heading = _CLAUSE.split(heading)[-1].strip()  # "推动融合发展,打造…核心区": what it is done for
    if len(heading) < MIN_HEADING:
        return ""
    return MEASURES.format(district=district, heading=heading)


def follow_ups(
    corpus: Corpus,
    citations: Sequence[Citation],
    script: Script,
    question: str = "",
    outline: _Outline | None = None,
    limit: int = FOLLOW_UPS,
) -> tuple[str, ...]:
    """Sections next to the cited ones (siblings under one heading, then the next ones), as questions."""
    outline = outline or _outline(corpus)
    names = corpus.district_names()
    cited = {(c.chunk.doc_id, c.chunk.section_path) for c in citations}
    rows = [
        _neighbours(outline, doc_id, path)
        for doc_id, path in dict.fromkeys((c.chunk.doc_id, c.chunk.section_path) for c in citations)
    ]
    asked = to_simplified(question)
    out: list[str] = []
    for rank in range(max((len(r) for r in rows), default=0)):
        for row in rows:
            if rank >= len(row) or row[rank] in cited:
                continue
            doc_id, path = row[rank]
            chunk = outline.first[(doc_id, path)]
            made = to_script(heading_question(chunk, names.get(doc_id, "")), _prose(script))
            if made and made not in out and to_simplified(made) != asked:
                out.append(made)
            if len(out) == limit:
                return tuple(out)
    return tuple(out)


def _neighbours(outline: _Outline, doc_id: str, path: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
    """Sections beside one: later siblings, earlier siblings (nearest first), then the next section."""
    paths = outline.sections.get(doc_id, ())
    if path not in paths:
        return []
    siblings = [p for p in paths if len(p) == len(path) and p[:-1] == path[:-1]]
    at = siblings.index(path)
    order = [*siblings[at + 1 :], *reversed(siblings[:at])]
    index = paths.index(path)
    order += [p for p in paths[index + 1 : index + 1 + FOLLOW_UPS] if p not in order]
    return [(doc_id, p) for p in order]


def refusal_text(guidance: Guidance, script: Script) -> str:
    """The refusal as text (the API, the shell): nearest sections, plans covered, where else to ask."""
    lines = [phrase(REFUSAL, script)]
    if guidance.nearest:
        lines.append(phrase(NEAREST, script))
        for chunk in guidance.nearest:
            lines.append(f"· {to_script(chunk.district, script)}：{chunk.section}（第{chunk.line_start}行）")
    if guidance.plans:
        lines.append(plans_line(guidance.plans, script))
    for switch in guidance.switch:
        lines.append(switch_line(switch, script))
    if guidance.parts:
        lines.append(phrase(SPLIT, script) + " ".join(guidance.parts))
    return "\n".join(lines)


def plans_line(titles: Sequence[str], script: Script) -> str:
    """One line naming the plans covered (the first few and how many more)."""
    listed = "、".join(titles[:MAX_LISTED_PLANS])
    if len(titles) > MAX_LISTED_PLANS:
        listed += phrase(MORE_PLANS, script).format(n=len(titles))
    return phrase(PLANS_COVERED, script).format(plans=listed)


def switch_line(switch: Switch, script: Script) -> str:
    """One line saying which district's plan holds the question's words."""
    district = to_script(switch.district, _prose(script))
    names = "、".join(to_script(n, _prose(script)) for n in switch.names[:3])
    return phrase(ELSEWHERE, script).format(names=names, district=district)
