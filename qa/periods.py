"""Which plan period a question is about: the periods it names, and the plan in force on a given day."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from qa.corpus import Corpus
from qa.prompts import QUOTED_FROM, phrase
from qa.script import to_script
from qa.types import PERIOD_SEP, Script, generation_of, period_of_generation

_NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}
# 十四五, 十五五 (not the 十五 inside 二十五), 第十五个五年, "15th five-year"
_GENERATION = re.compile(
    r"(?<![一二三四五六七八九十百千万零〇两])十([一二三四五六七八九])五(?![十百千万亿])"
    r"|第十([一二三四五六七八九])个五年"
    r"|\b(\d{1,2})(?:st|nd|rd|th)\s+five[- ]year",
)
_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年?\s*[-—–~～至到]\s*((?:19|20)\d{2})(?!\d)")
# A year, not a figure that happens to have four digits (2030亩, 2025.5).
_YEAR = re.compile(
    r"(?<![\d.])((?:19|20)\d{2})(?![\d.%])(?!\s*(?:亩|元|万|亿|个|人|户|家|平方|公里|吨|米|辆))"
)
_PLAN_WORD = re.compile(r"(?:两|二|前后|新旧)?(?:个|期|轮)?五年规划(?:纲要)?")
_YEAR_WORD = re.compile(r"(?<!\d)(?:19|20)\d{2}年")
# Words that ask how plans of two periods differ; not 气候变化 (a topic), 比较好 (rather good) or 2025年前后.
_ACROSS = re.compile(
    r"比较(?![好多少大小高低快慢远近难易贵便])|对比|异同|区别|相比|(?<!气候)变化|变动|两个五年|两期|两轮"
    r"|(?<!年)前后|新旧|上一期|上期|上一个五年"
    r"|\bcompar|\bchang|\bdiffer",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Plan:
    """One indexed plan as routing sees it: its district and the years it covers."""

    doc_id: str
    district: str  # Simplified, e.g. 某某区; "" when unknown
    period: str  # "2021—2025"; "" when the plan states none
    title: str

    @property
    def years(self) -> tuple[int, int] | None:
        """First and last year of the period (None without one)."""
        bounds = [int(y) for y in self.period.split(PERIOD_SEP) if y.isdigit()]
        return (bounds[0], bounds[-1]) if bounds else None

    def covers(self, year: int) -> bool:
        """Whether the plan's period includes a year."""
        years = self.years
        return years is not None and years[0] <= year <= years[1]


_PLANS: weakref.WeakKeyDictionary[Corpus, tuple[Plan, ...]] = weakref.WeakKeyDictionary()


def plans(corpus: Corpus) -> tuple[Plan, ...]:
    """The snapshot's plans in index order (read once per snapshot)."""
    found = _PLANS.get(corpus)
    if found is None:
        names = corpus.district_names()
        first: dict[str, Plan] = {}
        for chunk in corpus.chunks.values():
            if chunk.doc_id not in first:
                first[chunk.doc_id] = Plan(
                    chunk.doc_id, names.get(chunk.doc_id, ""), chunk.period, chunk.title
                )
        found = _PLANS[corpus] = tuple(first.values())
    return found


def named_periods(text: str, known: Iterable[str]) -> set[str]:
    """The periods among `known` that a Simplified, lower-case question names (十五五, 2026—2030, 2030年)."""
    known = {p for p in known if p}
    asked = stated_periods(text)
    rest = _RANGE.sub(" ", text)
    ranges = [Plan("", "", p, "") for p in known]
    for match in _YEAR.finditer(rest):
        asked.update(p.period for p in ranges if p.covers(int(match.group(1))))
    return asked & known


def stated_periods(text: str) -> set[str]:
    """The periods a question names outright, indexed or not: 十五五 → 2026—2030, 2026—2030年."""
    asked: set[str] = set()
    for match in _GENERATION.finditer(text):
        digit = match.group(1) or match.group(2)
        number = 10 + _NUMERALS[digit] if digit else int(match.group(3))
        asked.add(period_of_generation(number))
    asked.update(f"{m.group(1)}{PERIOD_SEP}{m.group(2)}" for m in _RANGE.finditer(text))
    return asked


def period_words(text: str) -> list[str]:
    """The words that name a period in a question, in order: 十五五, 2026—2030年, 2030年."""
    spans = [m.span() for pattern in (_GENERATION, _RANGE, _YEAR_WORD) for m in pattern.finditer(text)]
    kept = [s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)]
    return [text[a:b] for a, b in sorted(set(kept))]


def topic_of(corpus: Corpus, text: str) -> str:
    """A comparison's question without the words that chose its plans (districts, periods, 五年规划).

    Each side is read for the topic alone: a plan's title line names its district and period, and would
    otherwise pass for an answer.
    """
    words = [a for d in corpus.districts for a in d.aliases if len(a) >= 2]
    words += [m.group(0) for pattern in (_GENERATION, _RANGE, _PLAN_WORD) for m in pattern.finditer(text)]
    for word in sorted(set(words), key=len, reverse=True):
        text = text.replace(word, " ")
    return text


def across_periods(text: str) -> bool:
    """Whether a question asks how plans differ (比较, 变化, 两个五年规划)."""
    return _ACROSS.search(text) is not None


def in_force(series: Iterable[Plan], today: date) -> Plan | None:
    """The plan of a series in force on a day: the one covering it, else the latest begun, else the first."""
    dated = sorted((p for p in series if p.years), key=lambda p: p.years or (0, 0))
    covering = [p for p in dated if p.covers(today.year)]
    begun = [p for p in dated if (p.years or (0, 0))[0] <= today.year]
    chosen = covering or begun or dated[:1]
    return chosen[-1] if chosen else None


def quoted_from(corpus: Corpus, announce: Iterable[str], cited: set[str], script: Script) -> str:
    """A line naming the plans an answer quotes that the question did not choose by period ("" when none)."""
    known = {p.doc_id: p for p in plans(corpus)}
    shown = [known[d] for d in dict.fromkeys(announce) if d in known and (not cited or d in cited)]
    if not shown:
        return ""
    # a title is named, not quoted: in the asker's Chinese script, as written for English
    chinese = script in {"zh-Hans", "zh-Hant"}
    titles = "、".join(
        f"《{to_script(p.title, script) if chinese else p.title}》（{p.period}）" for p in shown
    )
    return "\n" + phrase(QUOTED_FROM, script).format(plans=titles)


def label(corpus: Corpus, doc_id: str) -> str:
    """How an answer names a plan: its district, with the period when the district has several plans."""
    known = plans(corpus)
    plan = next((p for p in known if p.doc_id == doc_id), None)
    if plan is None:
        return doc_id
    name = plan.district or plan.title or doc_id
    siblings = [p for p in known if p.district == plan.district and p.period]
    if len({p.period for p in siblings}) > 1 and plan.period:
        return f"{name}（{generation_of(plan.period) or plan.period}）"
    return name
