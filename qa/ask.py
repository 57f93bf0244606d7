"""What a question asks for (a figure, a year, a person; a target or a result) and if evidence gives it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from qa.script import to_simplified

# Units and measure words a figure question names after 多少 / 几 (the counted thing's own measure word:
# 栋 of towers, 间 of schools, 辆 of buses, 套 of flats, 户 of households, 亩 of land).
_UNITS = (
    "平方公里|平方米|公顷|亿元|万元|万人|人次|公里|千米|元|亿|万|张|所|家|个|人|岁|米|吨|"
    "台|条|座|项|%|天|小时|分钟|点|钱|间|栋|幢|套|辆|户|亩|棵|株"
)
_ASKED_UNIT = re.compile(rf"(?:多少|几多|(?<![哪几])几)({_UNITS})")
_ASKS_FIGURE = re.compile(
    r"多少|(?<!哪)几[个张所家条座项台种点天年万千百十]|比例|比重|占比|百分之|多长|多大|多高|多远"
    r"|how many|how much|what percentage|what share|what proportion|what rate|what figure",
    re.I,
)
_ASKS_WHEN = re.compile(r"哪一年|哪年|什么时候|何时|几月|几号|what year|\bwhen\b", re.I)
# A day or month asked for (几月几号, 哪天, on what date): the plans set years and periods, so only a clause
# naming a month or a day gives it.
_ASKS_DATE = re.compile(
    r"几月|几号|几日|哪天|哪一天|哪日|哪一日|哪个月|哪一个月|具体日期|什么日子"
    r"|\b(?:what|which|exact|opening|start) (?:date|day|month)\b|\bon what day\b",
    re.I,
)
_DATE = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:份|底|初|中旬|下旬|上旬)?|\d{1,2}[日号]")
# 几 that says "a few", not "how many": a demonstrative's (这几年, 那几个, 的几个片区是哪些) or "a few more"
# (多几家, 多整几个, 再建几个): the question asks which or whether, not a count.
_A_FEW = re.compile(r"(?:[这那的]|(?:多|再)[\u4e00-\u9fff]?)几(?=[个张所家条座项台种点天年万千百十间])")
_ASKS_LIST = re.compile(
    r"哪些|哪几|有什么|有啥|包括|包含|分别|什么样|哪.{0,4}(?:项目|措施|地方|设施)"
    r"|哪[两三四五六七八九十]+[个项类种条家所座大批间]"
    r"|\bwhich\b|what are|what kinds?|\blist\b|\bname\b",
    re.I,
)
# Whether something is there or will be (有没有地铁, 会有新医院吗, 看病方便吗): named things answer best.
_ASKS_WHETHER = re.compile(
    r"有没有|会不会|是不是|是否|能否|能不能|可不可以|吗[？?。！!]*$|\b(?:is|are|will|does|do|can) there\b",
    re.I,
)
_ASKS_DEFINITION = re.compile(
    r"是什么|什么是|是指|指什么|指的是|什么意思|意思|含义|定义|解释|\bwhat (?:is|are|does)\b|\bmean|\bdefin",
    re.I,
)
# Which is best, or worth buying or visiting (最值得买, 哪间最好, which is the best): a plan sets targets and
# lists projects; it ranks or recommends nothing, so no clause of it gives such an answer.
_ASKS_OPINION = re.compile(
    r"最值得|值得买|值得去|值不值得|哪.{0,4}(?:最好|比较好|更好)|最好的是|推荐一下|求推荐|有什么推荐|"
    r"\b(?:the best|worth (?:buying|visiting|it)|recommend\w*|cheapest)\b",
    re.I,
)
_ASKS_WHO = re.compile(r"是谁|谁是|叫什么名字的人|\bwho\b", re.I)
_ASKS_TARGET = re.compile(
    r"到20\d\d|20(?:25|35)年|十四五|要|将|计划|目标|预计|打算|希望|力争|以后|今后|将来|未来|会不会|准备|谋划"
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
_UNIT_SPELLINGS = {
    "钱": "元|万元|亿元",
    "点": "点|时",
    "%": "%|％",
    "公里": "公里|千米",
    "个": "个|家|所",
    "家": "家|个",  # 多少家医疗机构 → 医疗机构达230个
    "间": "间|所|家|个",  # 几多间学校 → 学校12所
    "栋": "栋|幢|座",
    "幢": "幢|栋|座",
    "棵": "棵|株",
    "株": "株|棵",
    "亩": "亩|公顷",
}
# A 'where' question naming the kind of place (哪个镇, 哪条街, 哪个站): the answer names such a place.
_ASKS_PLACE = re.compile(
    r"(?:哪个|哪一个|哪座|哪条|哪一条|哪间|哪家|什么)(镇|街道|街|村|站|路|公园|园区|片区)"
)
UNITS_FILE = Path(__file__).with_name("data") / "units.tsv"
_ASKS_AMOUNT = re.compile(
    r"\bhow (?:many|much)\b|\bwhat (?:percentage|share|proportion|rate|ratio)\b|\bper ?cent", re.I
)
_ASKS_WHAT = re.compile(r"\bwhat\b(?:'s\b)?", re.I)
_BEING = re.compile(r"\s*(?:will|is|are|was|were|would|should|could|can)\b")
_NOUN_PHRASE_END = re.compile(
    r"\b(?:be|in|for|of|at|on|to|with|by|from|per|across|among|between|over|under)\b"
)
_DENOMINATOR = re.compile(r"\bper\b|\bfor (?:every|each)\b|\beach\b|\bevery\b")
_AUXILIARY = re.compile(r"\b(?:did|do|does|will|would|is|are|was|were|has|have|had|can|could|should)\b")
PLAN_START = "2021"  # the plans were written for 2021 on: a year before is asked about as a result
_RETROSPECTIVE = ("十三五", "成就")  # a section path holding both looks back on 2016–2020


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit between English and the plans: the English words asking for it, the plans' spellings."""

    english: tuple[str, ...]  # lower-case words and phrases of an English question
    chinese: str  # the plans' spellings after a figure, as a regex alternation (元, 家|个|所)
    shown: str  # written after a figure in an English answer ("" for the number alone)
    measure: bool  # the unit alone says what a figure is (km, tonnes); else a measure word (张, 个)


@cache
def units(path: Path = UNITS_FILE) -> tuple[Unit, ...]:
    """The unit table (ENGLISH, CHINESE, SHOWN, KIND by tabs; '#' comments); a bad line is named."""
    table: list[Unit] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4 or fields[3] not in ("measure", "count") or not fields[1]:
            raise ValueError(f"{path.name} line {number}: want ENGLISH, CHINESE, SHOWN, measure|count")
        english, chinese, shown, kind = fields
        forms = tuple(w.strip().lower() for w in english.split("|") if w.strip())
        table.append(Unit(forms, chinese, shown, kind == "measure"))
    return tuple(table)


def english_unit(question: str) -> Unit | None:
    """The unit an English figure question asks for: the first unit word after "how many / how much", or
    the last of several in a row (hospital beds: beds, the noun the others describe)."""
    asked = _ASKS_AMOUNT.search(question)
    if asked is None:
        return None
    tail = _DENOMINATOR.split(question[asked.start() :].lower())[0]  # per thousand people: not counted
    if asked.group().lower() == "how many":
        tail = _AUXILIARY.split(tail)[0]  # what is counted comes before its verb (…beds will there be)
    return _unit_in(tail)


def english_measure(question: str) -> Unit | None:
    """The measure a "what" question asks for by naming it as its subject (what enrolment rate does…,
    what exact income will…, what's the ticket price, what will the minimum wage be): a figure in that
    unit, not a list or a description (what schools: a count word, not a measure)."""
    asked = _ASKS_WHAT.search(question)
    if asked is None:
        return None
    rest = question[asked.end() :].lower().replace("per-", "")  # per-capita income is income
    verb = _BEING.match(rest)  # what will the minimum wage be: the subject comes after the verb
    phrase = _AUXILIARY.split(rest[verb.end() :] if verb else rest)[0]
    phrase = _NOUN_PHRASE_END.split(phrase)[0].strip(" ?,.")
    # The measure is the phrase's last word, the noun the others describe (not income support).
    return next(
        (
            u
            for u in units()
            if u.measure and any(re.search(rf"\b{re.escape(f)}$", phrase) for f in u.english)
        ),
        None,
    )


def _unit_in(tail: str) -> Unit | None:
    found: dict[int, tuple[int, Unit]] = {}  # start → (end, unit), the longest form at each start
    for unit in units():
        for form in unit.english:
            for m in re.finditer(rf"\b{re.escape(form)}\b", tail):
                if m.start() not in found or m.end() > found[m.start()][0]:
                    found[m.start()] = (m.end(), unit)
    if not found:
        return None
    end, unit = found[min(found)]
    while end + 1 in found:  # the next word is a unit word too
        end, unit = found[end + 1]
    return unit


@dataclass(frozen=True, slots=True)
class Ask:
    """What kind of answer a question wants."""

    figure: bool  # a number: how many, how much, what share
    unit: str | None  # the unit a figure question names (亿元, 张, 吨, %; 家|个|所 from "how many firms")
    years: tuple[str, ...]  # years the question names
    when: bool  # a date or year
    who: bool  # a person
    target: bool  # a plan target (到2025年, 要, 计划)
    achieved: bool  # a past result (十三五, 已经)
    listing: bool = False  # several named items (哪些, 有什么, which)
    guessed: bool = False  # the unit is the unit table's reading of an English word
    whether: bool = False  # whether something is (or will be) there: a yes-or-no question
    definition: bool = False  # what a term means (是什么, 是指, what is)
    place: str | None = None  # the kind of place a 'where' question names (镇 of 哪个镇), if any
    date: bool = False  # a month or day (几月几号, what date): no year alone gives it
    opinion: bool = False  # which is best or worth buying: what no plan says


def parse_ask(question: str) -> Ask:
    """Read what a question asks for from its wording (in either script or English)."""
    q = to_simplified(question)
    found = _ASKED_UNIT.search(q)
    unit = found.group(1) if found else None
    guessed = False
    measure = english_measure(q)
    if unit is None and (english := english_unit(q)) is not None:
        unit, guessed = "%" if english.chinese.startswith("%") else english.chinese, True
    elif unit is None and measure is not None:  # the measure itself is named (what rate): taken strictly
        unit = "%" if measure.chinese.startswith("%") else measure.chinese
    years = tuple(_YEAR.findall(q))
    place = _ASKS_PLACE.search(q)
    past = bool(years) and all(y < PLAN_START for y in years)  # 到2020年底: a result, not a target
    return Ask(
        figure=bool(_ASKS_FIGURE.search(_A_FEW.sub("", q))) or measure is not None,
        unit=unit,
        years=years,
        when=bool(_ASKS_WHEN.search(q)),
        date=bool(_ASKS_DATE.search(q)),
        opinion=bool(_ASKS_OPINION.search(q)),
        who=bool(_ASKS_WHO.search(q)),
        target=bool(_ASKS_TARGET.search(q)) and not past,
        achieved=bool(_ASKS_ACHIEVED.search(q)) or past,
        listing=bool(_ASKS_LIST.search(q)),
        definition=bool(_ASKS_DEFINITION.search(q)),
        guessed=guessed,
        whether=bool(_ASKS_WHETHER.search(q.strip())),
        place=place.group(1) if place else None,
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


def spelled(unit: str) -> str:
    """The ways the plans write a unit a question names, as a regex alternation (公里 → 公里|千米)."""
    return _UNIT_SPELLINGS.get(unit, unit)


def gives_figure(ask: Ask, sentence: Evidence) -> bool:
    """Whether a sentence states a figure of the kind asked (with the unit asked, when one is named)."""
    if not figures(sentence.text):
        return False
    if ask.unit is None:
        return True
    if ask.unit == "%":
        return "%" in sentence.text or "百分" in sentence.text
    unit = spelled(ask.unit)  # a unit read from English is already an alternation
    number = r"(?:\d[\d.,]*\s*(?:多|余)?[十百千万亿]*|[一二两三四五六七八九十百千万]+)"
    if re.search(rf"{number}(?:{unit})", sentence.text):
        return True
    # A unit guessed from an English word may not be the measure word the plan counts that thing with
    # (公园12处 for "parks"; 个 counts nearly anything), or the plan writes none (常住人口72.82万): only a
    # figure in another unit of measure (吨 or 公里 for "beds") is surely not one of what was asked.
    return ask.guessed and any(
        m.group(2) is None or not _measure().fullmatch(m.group(2)) for m in _counted().finditer(sentence.text)
    )


@cache
def _measure() -> re.Pattern[str]:
    """The plans' spellings of the units of measure in the unit table (公里, 吨, 元, %)."""
    spellings = {w for u in units() if u.measure for w in u.chinese.split("|")}
    return re.compile("|".join(re.escape(w) for w in sorted(spellings, key=len, reverse=True)))


@cache
def _counted() -> re.Pattern[str]:
    """A figure (not a year or range) and the unit or measure word written after it, if any."""
    return re.compile(
        r"(?<![\d.])(\d[\d,]*(?:\.\d+)?)(?![\d.,])(?!\s*(?:年|—|-|–|\.\s|、))\s*(?:多|余)?[万亿]?"
        rf"({_measure().pattern}|[\u4e00-\u9fff])?"
    )


def is_unit(word: str) -> bool:
    """Whether a question word is only a unit (亿元, 公里): it says what kind of figure, not of what."""
    return _UNIT_WORD.fullmatch(word) is not None


_UNIT_WORD = re.compile(rf"(?:[万亿千百十]*(?:{_UNITS}))+")


def names_place(kind: str, text: str) -> bool:
    """Whether a text names a place of the kind asked: two characters of a name before it (太平镇), not a
    generic word (城镇, 乡镇, 各镇, 全镇 name no town)."""
    return re.search(rf"[\u4e00-\u9fff][^\W\d城乡村小各全本该每个和及等、]{kind}", text) is not None


def gives_date(text: str) -> bool:
    """Whether a text names a month or a day (7月1日, 6月底), not only a year."""
    return _DATE.search(text) is not None


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
    a 2025 figure. A 'when' question needs a year, a date question a month or day, a 'who' question the
    person's title in the evidence; a question asking which is best is answered by no plan sentence.
    """
    if not evidence or ask.opinion:
        return False
    pool = evidence
    if ask.figure:
        pool = [s for s in pool if gives_figure(ask, s) and s.coverage >= min_coverage]
        if focus:  # the figure is about one of the question's most specific terms, not a neighbour's
            pool = [s for s in pool if any(t in s.text.lower() or t in s.path.lower() for t in focus)]
        if ask.target and not ask.achieved:
            pool = [s for s in pool if not retrospective(s)]
    if ask.when and not ask.date:  # a day asked is given by 6月18日 without its year
        pool = [s for s in pool if _YEAR.search(s.text)]
    if ask.date:
        pool = [s for s in pool if gives_date(s.text)]
    if ask.who:
        pool = [s for s in pool if s.coverage >= 0.99]
    if ask.place:
        pool = [s for s in pool if names_place(ask.place, s.text)]
    # The plans were written in 2021–2022: figures for 2021–2024 or after 2035 must be stated for that year.
    unplanned = [y for y in ask.years if "2021" <= y <= "2024" or y > "2035"]
    pool = [s for s in pool if all(y in s.text + s.path for y in unplanned)]
    planned = [y for y in ask.years if y in ("2025", "2035")]
    if planned and (ask.figure or ask.when):
        # A figure for another year does not answer; a sentence naming no year may (targets are implied).
        pool = [s for s in pool if all(y in s.text for y in planned) or not _YEAR.search(s.text)]
    return bool(pool)
