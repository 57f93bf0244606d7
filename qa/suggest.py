"""Where to go next: follow-up questions under an answer, and a refusal that leads somewhere.

Everything here is read from the indexed plans (their sections, titles and text), never written in code:
follow-ups are the cited sections' neighbours phrased as questions, a refusal names the plans covered and
its nearest sections, and both offer the other places to ask that qa/redirect.py finds (another
district's plan, a broad question's parts).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from qa.corpus import Corpus
from qa.periods import plans
from qa.prompts import NEAREST, REFUSAL, phrase
from qa.redirect import Switch, broad_parts, elsewhere
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

# Numbering before a heading's words: 第三章, 第一节, 一、, （二）, 3., 附件2
_NUMBERING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇\d]+[章节篇部分条]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]"
    r"|\d+\s*[.、．]|附件\s*\d*)\s*"
)
_CLAUSE = re.compile(r"[,，;；]")


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
    """What follow-ups read from one snapshot: each plan's sections in order."""

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
        first: dict[tuple[str, tuple[str, ...]], Chunk] = {}
        for chunk in sorted(corpus.chunks.values(), key=lambda c: (c.doc_id, c.line_start)):
            first.setdefault((chunk.doc_id, chunk.section_path), chunk)
        sections: dict[str, list[tuple[str, ...]]] = {}
        for doc_id, path in first:
            sections.setdefault(doc_id, []).append(path)
        made = _Outline({d: tuple(p) for d, p in sections.items()}, first)
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
