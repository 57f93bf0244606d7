"""What a plan's sentence is: a target of its period, a measure, a result of an earlier period or a problem;
and the figures it states, with unit, year and whether each is a target or a result."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from qa.script import to_simplified
from qa.types import PERIOD_SEP, generation_of

Kind = Literal["target", "measure", "result", "challenge"]
KINDS_FILE = Path(__file__).with_name("data") / "statement_kinds.json"
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?=\s*年)")
_GENERATION = re.compile(r"(?<![一二三四五六七八九十百千万])十[一二三四五六七八九]五")
_UNIT = (
    r"%|％|‰|个百分点|万平方米|平方公里|平方米|万亩|亩|公顷|万千瓦|千瓦|万吨|吨|亿元|万元|元|万人次|人次|万人|"
    r"万户|户|人|名|万辆|辆|公里|千米|米|张|所|家|个|座|条|项|处|宗|套|间|次|倍|岁|小时|分钟|天"
)
_PER = r"日|天|年|小时|人|户|万人|千人|平方公里"  # 4100吨/日, 6公里/平方公里: a rate's second unit
# A number with its unit (a bare year is not a figure); 亿/万 alone are units of money or people too.
FIGURE = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)\s*((?:{_UNIT})(?:/(?:{_PER}))?|亿|万)(?!\d)")
_AT_LEAST = re.compile(r"(?:不低于|不少于|超过|以上|≥|至少)")
_AT_MOST = re.compile(r"(?:不高于|不超过|控制在|以内|以下|≤|低于)")
_CLAUSE = re.compile(r"[^，,；;：:。]+[，,；;：:。]?")


@dataclass(frozen=True, slots=True)
class Cues:
    """Patterns that mark a target or a problem, in a sentence or in its section path."""

    target_text: re.Pattern[str]
    target_path: re.Pattern[str]
    challenge_text: re.Pattern[str]
    challenge_path: re.Pattern[str]

    @classmethod
    def load(cls, path: Path = KINDS_FILE) -> Cues:
        """Read the shipped cue lists."""
        data = json.loads(path.read_text(encoding="utf-8"))

        def joined(kind: str, where: str) -> re.Pattern[str]:
            return re.compile("|".join(data[kind][where]) or r"(?!)")

        return cls(
            joined("target", "text"),
            joined("target", "path"),
            joined("challenge", "text"),
            joined("challenge", "path"),
        )


@dataclass(frozen=True, slots=True)
class Reading:
    """A sentence's kind, and the plan period it speaks of (十四五 for a target, 十三五 for a past result)."""

    kind: Kind
    period: str


def start_year(period: str) -> int | None:
    """The first year of a period "2021—2025"."""
    years = [int(y) for y in period.split(PERIOD_SEP) if y.isdigit()]
    return years[0] if years else None


def previous_generation(period: str) -> str:
    """The plan before this one (2021—2025 → 十三五), or "" when the period is not a five-year plan."""
    first = start_year(period)
    return generation_of(f"{first - 5}{PERIOD_SEP}{first - 1}") if first else ""


def _generation_number(name: str) -> int:
    digits = "一二三四五六七八九"
    return 10 + digits.index(name[1]) + 1 if len(name) == 3 else 0


def classify(sentence: str, path: str, period: str, cues: Cues) -> Reading:
    """Read a sentence of a plan of `period`: an earlier period's result, a problem, a target or a measure.

    Results are told by time, not by wording: the sentence (or its section) names an earlier five-year plan,
    or states only years before the plan's first.
    """
    text, where = to_simplified(sentence), to_simplified(path)
    own = generation_of(period)
    first = start_year(period)
    own_number = _generation_number(own)
    named = [g for g in _GENERATION.findall(text)]
    earlier = [g for g in named if own_number and _generation_number(g) < own_number]
    in_earlier_section = any(_generation_number(g) < own_number for g in _GENERATION.findall(where) if own)
    years = [int(y) for y in _YEAR.findall(text)]
    if cues.challenge_text.search(text) or cues.challenge_path.search(where):
        return Reading("challenge", own)
    if (earlier and own not in named) or in_earlier_section:
        return Reading("result", (earlier or _GENERATION.findall(where))[0])
    if first and years and all(y < first for y in years) and not cues.target_text.search(text):
        return Reading("result", previous_generation(period))
    if cues.target_text.search(text) or cues.target_path.search(where):
        return Reading("target", own)
    return Reading("measure", own)


@dataclass(frozen=True, slots=True)
class Figure:
    """One number of a plan with its unit, the year it is for ("" when unstated) and its bound."""

    value: str
    unit: str
    year: str
    bound: str  # "≥", "≤" or ""

    @property
    def shown(self) -> str:
        """The figure as a briefing lists it: bound, number and unit."""
        return f"{self.bound}{self.value}{self.unit}"


def figures(text: str) -> list[tuple[int, int, Figure]]:
    """The figures of a sentence: (start, end, figure), the year being the last one stated before it."""
    out: list[tuple[int, int, Figure]] = []
    for m in FIGURE.finditer(text):
        if m.group(2) == "年":
            continue
        before = text[: m.start()]
        years = _YEAR.findall(before)
        clause_start = max(before.rfind(c) for c in "，,；;。") + 1
        clause = text[clause_start : m.end() + 4]
        bound = "≥" if _AT_LEAST.search(clause) else "≤" if _AT_MOST.search(clause) else ""
        figure = Figure(m.group(1), m.group(2).replace("％", "%"), years[-1] if years else "", bound)
        out.append((m.start(), m.end(), figure))
    return out


def clause_around(text: str, start: int, limit: int = 80) -> tuple[int, int]:
    """The clause of a sentence holding offset start, with the clause before when it is short."""
    spans = [(m.start(), m.end()) for m in _CLAUSE.finditer(text) if m.group().strip()]
    i = next((k for k, (a, b) in enumerate(spans) if a <= start < b), 0)
    lo, hi = spans[i] if spans else (0, len(text))
    if i > 0 and hi - lo < 20 and hi - spans[i - 1][0] <= limit:
        lo = spans[i - 1][0]  # "…收入分别达到45224元和23857元" needs what it measures
    return lo, hi
