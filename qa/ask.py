"""What a question asks for (a figure, a year, a person; a target or a result) and if evidence gives it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.script import to_simplified

_UNITS = (
    "平方公里|平方米|亿元|万元|万人|人次|公里|千米|元|亿|万|张|所|家|个|人|岁|米|吨|"
    "台|条|座|项|%|天|小时|分钟|点|钱"
)
_ASKED_UNIT = re.compile(rf"(?:多少|(?<!哪)几)({_UNITS})")
_ASKS_FIGURE = re.compile(
    r"多少|(?<!哪)几[个张所家条座项台种点天年万千百十]|比例|比重|占比|百分之|多长|多大|多高|多远"
    r"|how many|how much|what percentage|what share|what proportion|what rate|what figure",
    re.I,
)
_ASKS_WHEN = re.compile(r"哪一年|哪年|什么时候|何时|几月|几号|what year|\bwhen\b", re.I)
_ASKS_LIST = re.compile(
    r"哪些|哪几|有什么|有啥|包括|包含|分别|什么样|哪.{0,4}(?:项目|措施|地方|设施)"
    r"|\bwhich\b|what are|what kinds?|\blist\b|\bname\b",
    re.I,
)
_ASKS_DEFINITION = re.compile(
    r"是什么|什么是|是指|指什么|指的是|什么意思|意思|含义|定义|解释|\bwhat (?:is|are|does)\b|\bmean|\bdefin",
    re.I,
)
_ASKS_WHO = re.compile(r"是谁|谁是|叫什么名字的人|\bwho\b", re.I)
_ASKS_TARGET = re.compile(
    r"到20\d\d|20(?:25|35)年|十四五|要|将|计划|目标|预计|打算|希望|力争|以后|今后|将来|未来|会不会|准备"
    r"|\bwill\b|\bby 20\d\d|target|aim|plan to",
    re.I,
)
_ASKS_ACHIEVED = re.compile(
    r"十三五|已经|已|实现了|完成了|达到了|过去|截至|\bdid\b|\bwas\b|\bwere\b|so far|achieved", re.I
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# A figure is a number that is not a year, a year range or a list ordinal like 1. / (3); or a Chinese
# numeral before a measure word (七种能力, 两家医院, 三个示范区).
_FIGURE = re.compile(r"(?<![\d.])\d[\d,]*(?:\.\d+)?(?!\d)(?!\s*(?:年|—|-|–|\.\s|、))")
_CHINESE_FIGURE = re.compile(
    r"(?<![第一二两三四五六七八九十百千万])[一二两三四五六七八九十百千万]+[种个项家所条座张类大批支只名位台处片]"
)
# The unit a question names and the ways the plans write it (几点 → 22时).
_UNIT_SPELLINGS = {"钱": "元|万元|亿元", "点": "点|时", "%": "%|％", "公里": "公里|千米", "个": "个|家|所"}
_RETROSPECTIVE = ("十三五", "成就")  # a section path holding both looks back on 2016–2020


@dataclass(frozen=True, slots=True)
class Ask:
    """What kind of answer a question wants."""

    figure: bool  # a number: how many, how much, what share
    unit: str | None  # the unit a Chinese figure question names (亿元, 张, 吨, %)
    years: tuple[str, ...]  # years the question names
    when: bool  # a date or year
    who: bool  # a person
    target: bool  # a plan target (到2025年, 要, 计划)
    achieved: bool  # a past result (十三五, 已经)
    listing: bool = False  # several named items (哪些, 有什么, which)
    definition: bool = False  # what a term means (是什么, 是指, what is)


def parse_ask(question: str) -> Ask:
    """Read what a question asks for from its wording (in either script or English)."""
    q = to_simplified(question)
    unit = _ASKED_UNIT.search(q)
    return Ask(
        figure=bool(_ASKS_FIGURE.search(q)),
        unit=unit.group(1) if unit else None,
        years=tuple(_YEAR.findall(q)),
        when=bool(_ASKS_WHEN.search(q)),
        who=bool(_ASKS_WHO.search(q)),
        target=bool(_ASKS_TARGET.search(q)),
        achieved=bool(_ASKS_ACHIEVED.search(q)),
        listing=bool(_ASKS_LIST.search(q)),
        definition=bool(_ASKS_DEFINITION.search(q)),
    )


@dataclass(frozen=True, slots=True)
class Evidence:
    """One quoted sentence (Simplified), its section path and how much of the question it speaks to."""

    text: str
    path: str
    coverage: float


def figures(text: str) -> list[str]:
    """Numbers in a text that are not years (2025年, 2021—2025) or list ordinals."""
    digits = [m.group() for m in _FIGURE.finditer(text) if not _YEAR.fullmatch(m.group())]
    return digits + _CHINESE_FIGURE.findall(text)


def gives_figure(ask: Ask, sentence: Evidence) -> bool:
    """Whether a sentence states a figure of the kind asked (with the unit asked, when one is named)."""
    if not figures(sentence.text):
        return False
    if ask.unit is None:
        return True
    if ask.unit == "%":
        return "%" in sentence.text or "百分" in sentence.text
    unit = _UNIT_SPELLINGS.get(ask.unit, re.escape(ask.unit))
    number = r"(?:\d[\d.,]*\s*(?:多|余)?[十百千万亿]*|[一二两三四五六七八九十百千万]+)"
    return re.search(rf"{number}(?:{unit})", sentence.text) is not None


def retrospective(sentence: Evidence) -> bool:
    """A sentence reporting results of the last plan period rather than setting targets."""
    return all(word in sentence.path for word in _RETROSPECTIVE) or (
        "十三五" in sentence.text and "十四五" not in sentence.text and "2025" not in sentence.text
    )


def answered(ask: Ask, evidence: list[Evidence], min_coverage: float, focus: tuple[str, ...] = ()) -> bool:
    """Whether the quoted evidence gives what the question asks for, about what it asks.

    A figure question needs a sentence that states a figure (with the unit asked) and itself speaks to the
    question (coverage ≥ min_coverage) — not a figure about something else next to the topic. The figure
    must be for the time asked: a target question is not answered by a 十三五 result, nor a 2035 question by
    a 2025 figure. A 'when' question needs a year, a 'who' question the person's title in the evidence.
    """
    if not evidence:
        return False
    pool = evidence
    if ask.figure:
        pool = [s for s in pool if gives_figure(ask, s) and s.coverage >= min_coverage]
        if focus:  # the figure is about one of the question's most specific terms, not a neighbour's
            pool = [s for s in pool if any(t in s.text.lower() or t in s.path.lower() for t in focus)]
        if ask.target and not ask.achieved:
            pool = [s for s in pool if not retrospective(s)]
    if ask.when:
        pool = [s for s in pool if _YEAR.search(s.text)]
    if ask.who:
        pool = [s for s in pool if s.coverage >= 0.99]
    # The plans were written in 2021–2022: figures for 2021–2024 or after 2035 must be stated for that year.
    unplanned = [y for y in ask.years if "2021" <= y <= "2024" or y > "2035"]
    pool = [s for s in pool if all(y in s.text + s.path for y in unplanned)]
    planned = [y for y in ask.years if y in ("2025", "2035")]
    if planned and (ask.figure or ask.when):
        # A figure for another year does not answer; a sentence naming no year may (targets are implied).
        pool = [s for s in pool if all(y in s.text for y in planned) or not _YEAR.search(s.text)]
    return bool(pool)
