"""The answer first: the clause of the evidence that says what was asked, as one short cited sentence.

An extractive answer cannot paraphrase, but it can lead with the one clause (between commas) of the best
sentence that carries the asked figure or the most of the question's words, put in the asker's script,
then show the supporting sentence trimmed around it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from qa.ask import Ask, Unit, figures, gives_figure, spelled, units
from qa.ask import Evidence as AskEvidence
from qa.keywords import cut, word_tag
from qa.places import english_name
from qa.script import to_script, to_simplified
from qa.types import Script, plan_number

_CLAUSE = re.compile(r"[^，,；;：:]+[，,；;：:]?")
_ANY_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_YEAR_LEAD = re.compile(r"(?:到|至|截至|展望)?(?:19|20)\d{2}年(?:底|末)?")
MAX_QUOTE = 100  # characters of supporting quote around the answering clause
MAX_LIST_QUOTE = 220  # a list question keeps more of its sentence: the items are the answer
LIST_SENTENCE = 120  # a list question's sentence this short is the answer whole: it names the items
MAX_ITEM = 25  # a listed "name" longer than this is a clause, not a name: no list lead
MIN_CLAUSE = 8  # a clause this short is joined with its neighbour (a lead-in like "到2025年,")


@dataclass(frozen=True, slots=True)
class Span:
    """A verbatim span of a chunk's text (offsets into chunk.text)."""

    start: int
    end: int


def clauses(text: str, start: int, end: int) -> list[Span]:
    """The comma-separated clauses of one sentence, as spans of the chunk text."""
    spans: list[Span] = []
    for match in _CLAUSE.finditer(text, start, end):
        a, b = match.start(), match.end()
        while a < b and text[a].isspace():
            a += 1
        if b > a:
            spans.append(Span(a, b))
    return spans or [Span(start, end)]


def clause_score(
    text: str, terms: Mapping[str, float], alternatives: Mapping[str, set[str]], ask: Ask
) -> float:
    """How much of the question a clause speaks to (words or their synonyms) and whether it gives a figure."""
    norm = to_simplified(text).lower()
    found = sum(w for t, w in terms.items() if t in norm or any(a in norm for a in alternatives.get(t, ())))
    total = sum(terms.values()) or 1.0
    score = found / total
    if ask.figure and gives_figure(ask, AskEvidence(norm, "", 1.0)):
        score += 0.5
    elif ask.figure and figures(norm):
        score += 0.1
    if ask.when and re.search(r"(?:19|20)\d{2}", norm):
        score += 0.3
    if ask.listing or ask.whether:  # the items asked for (or the things there will be) are listed with 、
        score += (0.3 if ask.listing else 0.2) * min(norm.count("、"), 3) / 3
    return score


def answering_clause(
    text: str,
    start: int,
    end: int,
    terms: Mapping[str, float],
    alternatives: Mapping[str, set[str]],
    ask: Ask,
) -> Span:
    """The clause (with a too-short lead-in joined) that best answers, within one sentence."""
    parts = clauses(text, start, end)
    best = max(
        range(len(parts)),
        key=lambda i: (clause_score(text[parts[i].start : parts[i].end], terms, alternatives, ask), -i),
    )
    first, last = best, best
    while last + 1 < len(parts) and (
        parts[last].end - parts[last].start < MIN_CLAUSE or text[parts[last].end - 1] in "：:"
    ):
        last += 1  # "“3+X”居家养老模式:" and a too-short clause ("“3”,") lead into what follows
    if ask.listing and end - start <= LIST_SENTENCE:
        return Span(start, end)  # the items asked for: the whole (short) sentence lists them
    if best > 0 and _YEAR_LEAD.fullmatch(text[parts[best - 1].start : parts[best - 1].end].rstrip("，,：: ")):
        first = best - 1  # "到2025年," belongs to the figure that follows it
    return Span(parts[first].start, parts[last].end)


def quote_window(text: str, start: int, end: int, clause: Span, limit: int = MAX_QUOTE) -> Span:
    """The sentence, or the answering clause with as many whole neighbouring clauses as fit the limit."""
    if end - start <= limit:
        return Span(start, end)
    parts = clauses(text, start, end)
    inside = [i for i, p in enumerate(parts) if p.start < clause.end and clause.start < p.end]
    first, last = (inside[0], inside[-1]) if inside else (0, 0)
    while True:
        grown = False
        for i in (last + 1, first - 1):  # what follows first: a plan states the subject, then the detail
            if 0 <= i < len(parts):
                a, b = min(parts[first].start, parts[i].start), max(parts[last].end, parts[i].end)
                if b - a <= limit:
                    first, last = min(first, i), max(last, i)
                    grown = True
                    break
        if not grown:
            return Span(parts[first].start, parts[last].end)


def lead_sentence(clause: str, n: int, script: Script, ask: Ask, year: str | None) -> str:
    """One short sentence in the asker's script that states the answering clause, cited."""
    body = clause.strip().rstrip("，,；;：:。.")
    if script == "en":
        found = english_figures(to_simplified(body), ask)
        when = f"By {year}, the plan" if year and ask.target and ask.figure else "The plan"
        if ask.figure and found:
            return f"{when} gives {', '.join(dict.fromkeys(found))} [{n}]."
        # "What is the forest coverage rate?" asks a figure in words the ask does not read as one: a figure
        # the clause gives with its unit (69.1%, 8 ten-thousand people) is the answer; a bare number is not.
        measured = [f for f in found if not _BARE.fullmatch(f)]
        if measured and not (ask.listing or ask.whether):
            return f"The plan gives {', '.join(dict.fromkeys(measured))} [{n}]."
        items = named_items(body) if ask.listing or ask.whether else []  # verbatim: the plan's own script
        if items:  # the names are the answer: shown verbatim, inside quote marks, in an English sentence
            shown_items = [f"「{i}」" for i in items]
            listed = ", ".join(shown_items[:-1]) + f" and {shown_items[-1]}"
            return f"The plan names {listed} [{n}]."
        return ""  # no English words for it without a translator: the quote that follows is the answer
    shown = to_script(body, script)
    if year and not _ANY_YEAR.search(body) and ask.target and ask.figure:  # no year beside another
        shown = f"到{year}年，{shown}"
    return f"{shown}[{n}]。"


def named_items(text: str) -> list[str]:
    """The names a plan lists with 、 (广州一中、广州四中、真光中学等项目) in the clause part listing them:
    the verb before the first (推进, 谋划推动) and the 等… after the last cut off."""
    segment = max(re.split(r"[，,；;：:]", text), key=lambda part: len(_listed(part)))
    parts = [p.strip() for p in _listed(segment)]
    if len(parts) < 2:
        return []
    first = parts[0]
    words = cut(first)
    for i in range(len(words) - 1, -1, -1):  # through the last verb before its last third: what it acts on
        rest = len("".join(words[i + 1 :]))
        if _acts(words[i]) and rest >= 2 and rest * 3 >= len(first):
            first = first[len(first) - rest :]
            break
    *joined, last = re.split(r"以及", parts[-1])  # "…、B以及C等": C is named too
    items = [first, *parts[1:-1], *joined, last.split("等", 1)[0]]
    return items if all(1 < len(i) <= MAX_ITEM for i in items) else []


_QUOTED = re.compile(r"“[^“”]*”|《[^《》]*》|（[^（）]*）|\([^()]*\)")


def _listed(segment: str) -> list[str]:
    """A clause part split at its 、 outside quotes and brackets (马匹“一次审批、多次往返”检疫模式: one)."""
    hidden = _QUOTED.sub(lambda m: "x" * len(m.group()), segment)  # same length: offsets stay
    cuts = [i for i, c in enumerate(hidden) if c == "、"]
    return [segment[a + 1 : b] for a, b in zip([-1, *cuts], [*cuts, len(segment)], strict=True)]


_LABEL = re.compile(r"(.+?)（(.+)）")


def english_label(label: str) -> str:
    """How an English answer names a plan: 某某区 → Moumou District; 某某区（十五五） → Moumou District (15th
    Five-Year Plan)."""
    found = _LABEL.fullmatch(label)
    name, period = (found.group(1), found.group(2)) if found else (label, "")
    number = plan_number(period)
    if number:
        period = f"{number}th Five-Year Plan"  # 11th to 19th all end in "th"
    return f"{english_name(name)} ({period})" if period else english_name(name)


def _acts(word: str) -> bool:
    """Whether a word is a verb, alone or after an adverb jieba joins it to (不断完善, 积极推进)."""
    if word_tag(word) == "v":
        return True
    return len(word) == 4 and word_tag(word[2:]) == "v" and word_tag(word[:2]) in ("d", "ad", "a")


# The figure is shown as the plan writes it (an answer's numbers must be found in its sources): the
# multiplier in words, not multiplied out (1.88万个: "1.88 ten-thousand places", not 18,800).
_SCALE = {"万": " ten-thousand", "亿": " hundred-million", "": ""}
_BARE = re.compile(r"(?:over |under |about )?[\d.,]+")  # a figure given without its unit
_QUALIFIER = {"以上": "over ", "多": "over ", "余": "over ", "以下": "under ", "左右": "about "}


@cache
def _amount() -> re.Pattern[str]:
    """A figure of the plans with its multiplier, unit and qualifier (1.88万个, 50%以上, 4100吨); not a
    label (图1, 表2, 第3, 附件1)."""
    spellings = sorted({w for u in units() for w in u.chinese.split("|")}, key=len, reverse=True)
    unit = "|".join(re.escape(w) for w in spellings)
    return re.compile(
        rf"(?<![\d.图表第件])(\d[\d,]*(?:\.\d+)?)(?![\d.,])(?!\s*(?:年|—|-|–|\.\s|、))\s*(多|余)?([万亿]?)({unit})?(以上|以下|左右)?"
    )


def english_figures(text: str, ask: Ask) -> list[str]:
    """The figures of a Simplified text in English with their units (18,800 places, over 50%).

    Asked for a unit, only figures in that unit: a figure of another unit does not answer. A unit guessed
    from an English word may be counted with another measure word: such figures are given only when none
    is in the unit guessed.
    """
    asked = next((u for u in units() if ask.unit and ask.unit == u.chinese), None)
    allowed = asked.chinese if asked else spelled(ask.unit) if ask.unit else ""
    out: list[str] = []
    loose: list[str] = []
    for m in _amount().finditer(text):
        digits, more, scale, unit, qualifier = m.groups()
        if re.fullmatch(r"(?:19|20)\d{2}", digits) and not unit:
            continue  # a year
        other = bool(allowed) and (unit is None or re.fullmatch(allowed, unit) is None)
        if other and (not ask.guessed or unit):
            continue  # a figure of another unit (for a guessed one: another unit the table knows)
        shown = _shown(unit, asked)
        said = _QUALIFIER.get(qualifier or more or "", "")
        (loose if other else out).append(
            f"{said}{digits}{_SCALE[scale]}{'' if shown in ('', '%') else ' '}{shown}"
        )
    return out or loose


def _shown(unit: str | None, asked: Unit | None) -> str:
    """A plan's unit in English: the asked thing's name, a unit of measure, or nothing (a bare count)."""
    if unit is None:
        return ""
    if asked is not None and re.fullmatch(asked.chinese, unit):
        return asked.shown
    return next((u.shown for u in units() if u.measure and unit in u.chinese.split("|")), "")
