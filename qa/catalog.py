"""The indexed plans as the interface names them: district, English name, period and plan label.

Built from the corpus (what the documents say about themselves), never from a list in code:

    catalog = Catalog.from_corpus(corpus)
    [p.district for p in catalog]            # 某某区, 某某县 …, in index order
    catalog.coverage("zh-Hans")              # 某某区、某某县“十四五”规划
    catalog.coverage("en", "or")             # the Moumou District or Mouxian County 14th Five-Year Plan
    catalog.find("moumou")                   # the plan a selector value or alias names, or None
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from qa.corpus import Corpus, district_of
from qa.errors import EmptyIndexError, StoreError
from qa.places import english_name, short_name
from qa.prompts import EMPTY, phrase
from qa.script import detect_script, to_script, to_simplified
from qa.types import Chunk, Script, generation_of, plan_number

_NAMES_SHOWN = 4  # more districts than this are counted, not listed
_CONJUNCTIONS = {"、": ("、", " and "), "或": ("或", " or "), "和": ("和", " and ")}
_ORDINAL = {1: "st", 2: "nd", 3: "rd"}


@dataclass(frozen=True, slots=True)
class CatalogPlan:
    """One indexed plan: who issued it, for which years, and the names a reader or question uses."""

    doc_id: str
    title: str  # in the document's script
    district: str  # as the document writes it, e.g. 某某區 in a Traditional plan
    short: str  # Simplified, without its unit: 某某
    english: str  # "Moumou District"
    period: str  # "2021—2025", or ""
    generation: str  # 十四五, or "" when the period is no five-year plan
    level: str  # 国家 / 省 / 市 / 区县 / 乡镇, or ""
    script: Script
    aliases: tuple[str, ...] = ()  # what a question may call the district (Simplified, pinyin)

    def name(self, script: Script) -> str:
        """The district's name for a reader of this script (English name for English, else Simplified)."""
        if script == "en":
            return self.english or self.district
        return to_script(self.district, "zh-Hant" if script == "zh-Hant" else "zh-Hans")

    def label(self, script: Script) -> str:
        """The plan's generation as a reader says it: “十四五” or "14th Five-Year Plan" ("" when none)."""
        number = plan_number(self.generation)
        if not number:
            return ""
        if script == "en":
            suffix = "th" if 10 <= number % 100 <= 20 else _ORDINAL.get(number % 10, "th")
            return f"{number}{suffix} Five-Year Plan"
        return f"“{self.generation}”"


class Catalog:
    """The indexed plans, one entry per document, in index order."""

    def __init__(self, plans: Iterable[CatalogPlan]) -> None:
        self.plans = tuple(plans)

    @classmethod
    def from_chunks(cls, chunks: Iterable[Chunk]) -> Catalog:
        """One entry per document, described by its first chunk."""
        first: dict[str, Chunk] = {}
        for chunk in chunks:
            first.setdefault(chunk.doc_id, chunk)
        return cls(_entry(chunk) for chunk in first.values())

    @classmethod
    def from_corpus(cls, corpus: Corpus) -> Catalog:
        """The plans of an index snapshot (read once per snapshot)."""
        known = _BUILT.get(corpus)
        if known is None:
            known = _BUILT[corpus] = cls.from_chunks(corpus.chunks.values())
        return known

    def __iter__(self) -> Iterator[CatalogPlan]:
        return iter(self.plans)

    def __len__(self) -> int:
        return len(self.plans)

    def find(self, value: str) -> CatalogPlan | None:
        """The plan a selector value, district name, short name or pinyin names (any script, any case)."""
        key = to_simplified(value.strip()).lower()
        return next((p for p in self.plans if key and key in {p.doc_id.lower(), *p.aliases}), None)

    def coverage(self, script: Script, conjunction: str = "、") -> str:
        """What the index covers in one phrase: 某某区、某某县“十四五”规划 (joined by 、, 或 or 和)."""
        chinese, english = _CONJUNCTIONS.get(conjunction, (conjunction, f" {conjunction} "))
        groups: dict[str, list[CatalogPlan]] = {}
        for plan in self.plans:
            groups.setdefault(plan.label(script) or plan.period, []).append(plan)
        if script == "en":
            parts = [
                f"the {_names(ps, 'en', english)} {_english_kind(label)}" for label, ps in groups.items()
            ]
            return english.join(parts) or "the indexed plans"
        parts = [f"{_names(ps, script, chinese)}{_chinese_kind(label)}" for label, ps in groups.items()]
        return to_script(chinese.join(parts) or "规划文件", "zh-Hant" if script == "zh-Hant" else "zh-Hans")


class _HasCorpus(Protocol):
    @property
    def corpus(self) -> Corpus: ...


def ask_about(source: _HasCorpus, script: Script) -> str:
    """The reply to an empty question: ask about the plans we hold, named from the index."""
    try:
        catalog = Catalog.from_corpus(source.corpus)
    except (EmptyIndexError, StoreError):
        catalog = Catalog(())
    return phrase(EMPTY, script).format(plans=catalog.coverage(script, "或"))


_BUILT: weakref.WeakKeyDictionary[Corpus, Catalog] = weakref.WeakKeyDictionary()


def _entry(chunk: Chunk) -> CatalogPlan:
    district = chunk.district.strip()
    found = district_of(chunk.doc_id, district)
    simplified = to_simplified(district)
    return CatalogPlan(
        doc_id=chunk.doc_id,
        title=chunk.title,
        district=district,
        short=short_name(simplified),
        english=english_name(simplified) if simplified else "",
        period=chunk.period,
        generation=generation_of(chunk.period),
        level=chunk.level,
        script=detect_script(chunk.title or chunk.text[:200]),
        aliases=found.aliases if found else (),
    )


def _names(plans: list[CatalogPlan], script: Script, conjunction: str) -> str:
    names = list(dict.fromkeys(p.name(script) for p in plans if p.district))
    if len(names) > _NAMES_SHOWN:
        shown = "、".join(names[:2]) if script != "en" else ", ".join(names[:2])
        return f"{shown} and {len(names) - 2} more" if script == "en" else f"{shown}等{len(names)}地"
    return conjunction.join(names)


def _chinese_kind(label: str) -> str:
    return f"{label}规划" if label.startswith("“") or not label else f"{label}年规划"


def _english_kind(label: str) -> str:
    return label if label.endswith("Plan") else f"{label} plan".strip()
