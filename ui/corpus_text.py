"""The page's words from what is indexed: scope choices, example questions, welcome, header, footer, title.

Nothing here names a district or a plan: each text is built from the plans of the snapshot the page is made
from (their titles, districts, periods and section headings), so a new plan changes the page, not the code.
"""

from __future__ import annotations

import html
import json
import re
import weakref
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import jieba

from qa.corpus import Corpus
from qa.periods import Plan, in_force, plans
from qa.script import detect_script, to_script, to_simplified
from qa.types import generation_of

ALL = "all"
ALL_LABEL = "全部"
EXAMPLES_PER_PLAN = 3
MAX_NAMED = 3  # plans named one by one in the header, footer and welcome; beyond that, a count
_NUMBERING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇\d]+[章节節篇部分]|[一二三四五六七八九十]+[、.]|（[一二三四五六七八九十]+）|\d+[.、])\s*"
)
_TOPIC = re.compile(
    r"[\u4e00-\u9fff]{4,14}"
)  # a heading worth asking about: Han only, neither a word nor a clause
_NOUN_HEADING = 5  # headings this short are names of things (主要目标), longer ones say what is to be done


@dataclass(frozen=True, slots=True)
class PlanText:
    """One plan as the page names it."""

    doc_id: str
    title: str
    district: str  # XX区; the title when the plan names no district
    short: str  # XX, the name without 区/县/市
    generation: str  # 十四五; "" when the period is not a five-year plan
    period: str  # 2021—2025
    choice: str  # the selector's label: the short name, with the period when the district has several plans


@dataclass(frozen=True)
class PageText:
    """Every text of the page that depends on the indexed plans."""

    title: str
    header: str
    footer: str
    welcome: str
    choices: list[tuple[str, str]]  # (label, value) for the scope selector, 全部 first
    examples: dict[str, list[str]] = field(default_factory=dict)  # by choice value
    warm_up: str = ""

    def examples_for(self, choice: str | None) -> list[str]:
        """The example questions for a selector value (全部 when it has none of its own)."""
        return self.examples.get(choice or ALL) or self.examples.get(ALL, [])


def plan_texts(corpus: Corpus) -> list[PlanText]:
    """The indexed plans, named for the page: districts in index order, each district's plans by period."""
    periods: dict[str, set[str]] = {}
    for plan in plans(corpus):
        periods.setdefault(plan.district, set()).add(plan.period)
    order = list(periods)
    known = sorted(plans(corpus), key=lambda p: (order.index(p.district), p.period))
    shorts = {
        d.doc_id: min((a for a in d.aliases if not a.isascii()), key=len, default=d.name)
        for d in corpus.districts
    }
    out = []
    for plan in known:
        district = plan.district or plan.title
        short = shorts.get(plan.doc_id) or district
        generation = generation_of(plan.period)
        several = plan.district and len(periods.get(plan.district, ())) > 1
        choice = f"{short} · {generation or plan.period}" if several and plan.period else short
        out.append(PlanText(plan.doc_id, plan.title, district, short, generation, plan.period, choice))
    return out


def page_text(
    corpus: Corpus | None, given: Mapping[str, Sequence[str]] | None = None, today: date | None = None
) -> PageText:
    """The page's texts for a snapshot (None: nothing indexed yet); `given` holds a manifest's examples.

    Built once per snapshot and kept with it, so a page built after an ingest shows the new plans.
    """
    fixed = corpus is not None and given is None and today is None  # the usual call
    cached = _PAGES.get(corpus) if fixed and corpus is not None else None
    if cached is not None:
        return cached
    texts = plan_texts(corpus) if corpus is not None else []
    examples: dict[str, list[str]] = {}
    if corpus is not None:
        examples = {t.doc_id: list((given or {}).get(t.doc_id) or _examples(corpus, t)) for t in texts}
        examples[ALL] = _overview(corpus, texts, examples, today or date.today())
    page = PageText(
        title=f"规划问答 · {_scope(texts, ' ')}" if texts else "规划问答",
        header=_header(texts),
        footer=_footer(texts),
        welcome=_welcome(texts),
        choices=[(ALL_LABEL, ALL), *((t.choice, t.doc_id) for t in texts)],
        examples=examples,
        warm_up=next(iter(examples.get(ALL, [])), ""),
    )
    if fixed and corpus is not None:
        _PAGES[corpus] = page
    return page


_PAGES: weakref.WeakKeyDictionary[Corpus, PageText] = weakref.WeakKeyDictionary()


def manifest_examples(plans_dir: Path | None) -> dict[str, list[str]]:
    """Example questions a plans folder's manifest.json gives for its plans ("examples": [...]), by doc id."""
    if plans_dir is None:
        return {}
    try:
        entries = json.loads((plans_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found: dict[str, list[str]] = {}
    for entry in entries if isinstance(entries, list) else []:
        asked = entry.get("examples") if isinstance(entry, dict) else None
        if isinstance(asked, list) and "id" in entry:
            found[str(entry["id"])] = [str(q) for q in asked if str(q).strip()]
    return found


def _scope(texts: Sequence[PlanText], sep: str) -> str:
    """What the plans cover, in a few words: "甲区 乙区“十四五”规划", or "12 份规划"."""
    districts = list(dict.fromkeys(t.district for t in texts))
    generations = list(dict.fromkeys(t.generation for t in texts))
    if not texts:
        return "规划文件"
    if len(districts) > MAX_NAMED:
        return f"{len(texts)} 份规划"
    when = "".join(f"“{g}”" for g in generations) if all(generations) else ""
    return f"{sep.join(districts)}{when}规划"


def _header(texts: Sequence[PlanText]) -> str:
    return (
        '\n<div class="brand"><div class="logo">规</div><div>\n<h1>规划问答</h1>\n'
        f"<p>{html.escape(_scope(texts, ' · '))}纲要智能问答</p></div></div>\n"
        '<div class="badges"><span>答案摘自规划原文</span><span>每句标注出处</span>'
        "<span>简繁体均可提问</span></div>\n"
    )


def _footer(texts: Sequence[PlanText]) -> str:
    titles = [f"《{to_simplified(t.title)}》" for t in texts[:MAX_NAMED]]
    named = (
        "与".join(titles) if len(texts) <= MAX_NAMED else "、".join(titles) + f"等 {len(texts)} 份规划文件"
    )
    return (
        f'\n<div id="site-footer">回答内容逐字摘录自{html.escape(named or "已索引的规划文件")}，'
        "仅供参考，以正式发布文件为准。</div>\n"
    )


def _welcome(texts: Sequence[PlanText]) -> str:
    scope = html.escape(_scope(texts, "、"))
    return (
        "<div style='text-align:center;padding:12px'>"
        f"<strong>您好！我可以回答关于{scope}的问题。</strong>"
        "<br><span style='opacity:.75;font-size:.9em'>"
        "可以试试下面的问题，或在下方输入框直接提问。</span></div>"
    )


def _headings(corpus: Corpus, doc_id: str) -> Counter[str]:
    """A plan's section headings worth asking about, with how many passages each holds."""
    return _all_headings(corpus).get(doc_id, Counter())


def _all_headings(corpus: Corpus) -> dict[str, Counter[str]]:
    """Every plan's headings worth asking about, read in one pass over the chunks (once per snapshot)."""
    found = _HEADINGS.get(corpus)
    if found is None:
        found = {}
        for chunk in corpus.chunks.values():
            if chunk.kind == "body" and len(chunk.section_path) >= 2:
                heading = _NUMBERING.sub("", chunk.section_path[1]).strip()
                if _TOPIC.fullmatch(heading):
                    found.setdefault(chunk.doc_id, Counter())[heading] += 1
        _HEADINGS[corpus] = found
    return found


_HEADINGS: weakref.WeakKeyDictionary[Corpus, dict[str, Counter[str]]] = weakref.WeakKeyDictionary()


def _examples(corpus: Corpus, text: PlanText) -> list[str]:
    """Questions about a plan's biggest sections, in the plan's own script."""
    script = detect_script(text.title)
    asked = []
    for heading, _ in _headings(corpus, text.doc_id).most_common(EXAMPLES_PER_PLAN):
        if len(heading) <= _NOUN_HEADING:
            asked.append(f"{text.district}的{heading}是什么？")
        else:
            asked.append(f"{text.district}如何{heading}？")
    return [to_script(q, script) if script in {"zh-Hans", "zh-Hant"} else q for q in asked]


def _overview(
    corpus: Corpus, texts: Sequence[PlanText], examples: Mapping[str, list[str]], today: date
) -> list[str]:
    """Examples for the whole corpus: one per district (its plan in force), then a comparison."""
    series: dict[str, list[Plan]] = {}
    for plan in plans(corpus):
        series.setdefault(plan.district or plan.doc_id, []).append(plan)
    current = [in_force(s, today) or s[0] for s in series.values()]
    # the i-th district's i-th example, so that the overview does not ask the same of every district
    firsts = [examples.get(p.doc_id, []) for p in current[: EXAMPLES_PER_PLAN - 1]]
    asked = [own[i % len(own)] for i, own in enumerate(firsts) if own]
    by_id = {t.doc_id: t for t in texts}
    several = next((s for s in series.values() if len({p.period for p in s if p.period}) > 1), None)
    if several is not None:  # one district's periods side by side
        a, b = sorted(several, key=lambda p: p.period)[-2:]
        topic = _shared_topic(corpus, a.doc_id, b.doc_id)
        if topic:
            t_a, t_b = by_id[a.doc_id], by_id[b.doc_id]
            periods = f"“{t_a.generation or t_a.period}”和“{t_b.generation or t_b.period}”"
            asked.append(f"{t_a.district}{periods}规划在{topic}方面有什么变化？")
    elif len(current) > 1:
        topic = _shared_topic(corpus, current[0].doc_id, current[1].doc_id)
        if topic:
            asked.append(
                f"{by_id[current[0].doc_id].district}和{by_id[current[1].doc_id].district}在{topic}方面各有什么举措？"
            )
    return asked or [q for qs in examples.values() for q in qs][:EXAMPLES_PER_PLAN]


def _shared_topic(corpus: Corpus, first: str, second: str) -> str:
    """A four-character word both plans' section headings use most (社会保障, 基础设施), else a heading both
    have (主要目标), else ""."""
    counts = [_heading_words(corpus, doc_id) for doc_id in (first, second)]
    shared = set(counts[0]) & set(counts[1])
    if not shared:
        headings = [{to_simplified(h) for h in _headings(corpus, doc_id)} for doc_id in (first, second)]
        return min(headings[0] & headings[1], key=len, default="")
    return max(sorted(shared), key=lambda w: min(counts[0][w], counts[1][w]))


def _heading_words(corpus: Corpus, doc_id: str) -> Counter[str]:
    words: Counter[str] = Counter()
    for heading in _headings(corpus, doc_id):
        words.update(w for w in set(jieba.lcut(to_simplified(heading))) if len(w) == 4)
    return words
