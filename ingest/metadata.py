"""Read what a plan says about itself: its title, the place and level that issued it, its period, its script.

Matching runs on a Simplified copy of the document's first lines, with the spaces a PDF puts between Han
characters removed; what is shown (title, place) is cut from the document's own text, in its own script.
No place is listed here: places are read from the administrative suffixes of the names (…省, …市, …区).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.script import detect_script, to_script, to_simplified
from qa.types import PERIOD_SEP, Script, period_of_generation

HEAD_LINES = 40  # a title, its notice and its document number sit in the first lines
_WIDE = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_GAP = re.compile(rf"(?<=[{_WIDE}])\s+|\s+(?=[{_WIDE}])")
_PLAN_WORD = r"(?:规划|纲要|计划)"
_TITLE = re.compile(
    rf"(?:[(（][^()（）]{{1,12}}[)）])?(?P<main>[^，,。；;：:()（）]{{4,80}}?{_PLAN_WORD})"
    r"(?P<note>[(（][^()（）]{1,24}[)）])?"
)
_NOTICE = re.compile(rf"《(?P<main>[^《》]{{4,80}}{_PLAN_WORD}(?:[(（][^()（）]{{1,24}}[)）])?)》")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[［(（]\d{4}[〕\]］)）]\d{1,5}号")
_SENTENCE = re.compile(r"[，,。；;：:]")
_DATE = re.compile(r"(?:19|20)\d{2}年(?:\d{1,2}月(?:\d{1,2}日)?)?")
_STOP = re.compile(r"^(?:目录|第[一二三四五六七八九十百零〇\d]+[章节篇部分]|[一二三四五六七八九十]+、)")
_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})年?[—–\-－~～至到]((?:19|20)\d{2})年?(?!\d)")
# 第十四个五年 / “十四五” / 十五五规划; the lookahead keeps 第十五章 from reading as a plan
_GENERATION = re.compile(
    r"第([一二三四五六七八九十]{1,3})个五年|([一二三四五六七八九十]{1,3})五(?=”|规划|时期|期间)"
)
_ISSUER = re.compile(r"^(?P<place>.{0,20}?(?:人民政府|国务院)(?:办公室|办公厅)?)$")
_NOTICE_FROM = re.compile(r"^(?P<place>.{2,30}?)关于印发")
_NATIONAL = re.compile(r"^(?:中华人民共和国|全国|国家)|国务院|中共中央")
# Administrative units, longest first, with the level of government a name ending in them stands for.
_UNITS = (
    ("特别行政区", "省"),
    ("自治区", "省"),
    ("自治州", "市"),
    ("自治县", "区县"),
    ("自治旗", "区县"),
    ("地区", "市"),
    ("新区", "区县"),
    ("街道", "乡镇"),
    ("省", "省"),
    ("市", "市"),
    ("盟", "市"),
    ("区", "区县"),
    ("县", "区县"),
    ("旗", "区县"),
    ("镇", "乡镇"),
    ("乡", "乡镇"),
)
_ONE_CHAR_STEM = frozenset({"县", "旗"})  # 沛县 is a county; 全区, 城市, 城镇 are not places
_NAME_MAX = 10  # 黔东南苗族侗族自治州
NATIONAL = "全国"
LEVELS = ("国家", "省", "市", "区县", "乡镇")


@dataclass(frozen=True, slots=True)
class PlanMetadata:
    """What a plan's text says about itself ("" where it says nothing)."""

    title: str
    district: str  # the issuing place, e.g. 某某区, 某某省 or 全国
    level: str  # one of LEVELS
    period: str  # "2021—2025"
    script: Script


@dataclass(frozen=True, slots=True)
class _Line:
    shown: str  # the line in the document's script, PDF gaps removed
    plain: str  # its Simplified form, for matching

    def cut(self, start: int, end: int, script: Script) -> str:
        """The shown text of a span matched in the Simplified form."""
        if len(self.shown) == len(self.plain):  # OpenCC converted character for character
            return self.shown[start:end]
        return to_script(self.plain[start:end], script)


def _lines(text: str) -> list[_Line]:
    found: list[_Line] = []
    for raw in text.splitlines():
        shown = _GAP.sub("", raw.strip())
        if shown:
            found.append(_Line(shown, to_simplified(shown)))
        if len(found) >= HEAD_LINES:
            break
    return found


def _numeral(text: str) -> int:
    """Read 1–99 written in Chinese numerals (十四 → 14); 0 when it is not one."""
    digits = "一二三四五六七八九"
    if not text or any(c not in digits + "十" for c in text) or text.count("十") > 1:
        return 0
    if "十" not in text:
        return digits.index(text) + 1 if len(text) == 1 else 0
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return 0
    return (digits.index(tens) + 1 if tens else 1) * 10 + (digits.index(units) + 1 if units else 0)


def period_in(text: str) -> str:
    """The period a Simplified text names: a year range (2021-2025年) or a plan (第十四个五年, 十五五)."""
    for years in _RANGE.finditer(text):
        start, end = int(years.group(1)), int(years.group(2))
        if 0 < end - start <= 30:
            return f"{start}{PERIOD_SEP}{end}"
    for plan in _GENERATION.finditer(text):
        period = period_of_generation(_numeral(plan.group(1) or plan.group(2)))
        if period:
            return period
    return ""


def places(name: str) -> list[tuple[str, str]]:
    """The administrative units a Simplified name starts with, with their levels (某某省某某市… → 省, 市)."""
    found: list[tuple[str, str]] = []
    at = 0
    while at < len(name):
        for end in range(at + 2, min(at + _NAME_MAX, len(name)) + 1):
            piece = name[at:end]
            unit = next(((u, level) for u, level in _UNITS if piece.endswith(u)), None)
            if unit and (len(piece) - len(unit[0]) >= 2 or unit[0] in _ONE_CHAR_STEM):
                break
        else:
            return found
        level = unit[1]
        if found and level == "市" and found[-1][1] in {"市", "区县"}:
            level = "区县"  # a city inside a city is county-level (某某市某某市)
        found.append((piece, level))
        at = end
    return found


def _title_piece(line: _Line) -> bool:
    """Whether a line can be part of a title broken over lines: not a sentence, a date or an issuer."""
    plain = line.plain
    return not (_SENTENCE.search(plain) or _DATE.fullmatch(plain) or _ISSUER.match(plain))


def _title(lines: list[_Line], script: Script) -> tuple[str, str]:
    """The plan's fullest title, in its own script and Simplified, with its edition and document number."""
    best: tuple[int, str, str] = (0, "", "")
    notes: list[str] = []
    for i, line in enumerate(lines):
        if _STOP.match(line.plain):
            break
        for notice in _NOTICE.finditer(line.plain) if "印发" in line.plain else ():
            main = notice.group("main")
            if len(main) > best[0]:
                best = (len(main), line.cut(*notice.span("main"), script), main)
        if _SENTENCE.search(line.plain):
            continue
        for extra in range(3):  # a PDF may break a title over two or three lines
            group = lines[i : i + extra + 1]
            plain = "".join(x.plain for x in group)
            whole = _TITLE.fullmatch(plain)
            if whole is None or (extra and not all(map(_title_piece, group))):
                continue
            joined = _Line("".join(x.shown for x in group), plain)
            main = whole.group("main")
            if len(main) > best[0]:
                best = (len(main), joined.cut(*whole.span("main"), script), main)
            if whole.group("note"):
                notes.append(joined.cut(whole.start("note") + 1, whole.end("note") - 1, script))
            break
        number = _DOC_NUMBER.fullmatch(line.plain)
        if number and i < 10:
            notes.append(line.shown)
    _, shown, plain = best
    extras = "".join(f"（{n}）" for n in dict.fromkeys(notes) if to_simplified(n) not in plain)
    return shown + extras, plain


def _issuer(lines: list[_Line], title: str) -> tuple[str, str]:
    """The issuing place (Simplified) and its level: from the title's place names, else the issuer line."""
    if _NATIONAL.search(title):
        return NATIONAL, "国家"
    found = (pattern.match(x.plain) for x in lines for pattern in (_ISSUER, _NOTICE_FROM))
    issuers = [m.group("place") for m in found if m]
    for units in map(places, [title, *issuers]):
        if units:
            return units[-1]
    if any(_NATIONAL.search(issuer) for issuer in issuers):
        return NATIONAL, "国家"
    return "", ""


def read_metadata(text: str) -> PlanMetadata:
    """Read a plan's title, issuing place and level, period and script from its opening lines."""
    script = detect_script(text[:4000])
    lines = _lines(text)
    shown, plain = _title(lines, script)
    place, level = _issuer(lines, plain)
    at = plain.find(place) if place else -1
    if at >= 0 and len(shown) >= len(plain) and to_simplified(shown[: len(plain)]) == plain:
        place = shown[at : at + len(place)]  # the place as the title writes it, in the document's script
    else:
        place = to_script(place, script)
    period = period_in(plain) or next((p for p in map(period_in, (x.plain for x in lines)) if p), "")
    return PlanMetadata(title=shown, district=place, level=level, period=period, script=script)
