"""Read what a plan says about itself: its title, the place and level that issued it, its period, its script.

Matching runs on a Simplified copy of the document's first lines, with the spaces a PDF puts between Han
characters removed; what is shown (title, place) is cut from the document's own text, in its own script.
No place is listed here: places are read from the administrative suffixes of the names (…省, …市, …区).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.places import NATIONAL, places
from qa.script import detect_script, to_script, to_simplified
from qa.types import PERIOD_SEP, Script, period_of_generation, plan_number

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


@dataclass(frozen=True, slots=True)
class PlanMetadata:
    """What a plan's text says about itself ("" where it says nothing)."""

    title: str
    district: str  # the issuing place, e.g. 某某区, 某某省 or 全国
    level: str  # one of qa.places.LEVELS
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


def period_in(text: str) -> str:
    """The period a Simplified text names: a year range (2021-2025年) or a plan (第十四个五年, 十五五)."""
    for years in _RANGE.finditer(text):
        start, end = int(years.group(1)), int(years.group(2))
        if 0 < end - start <= 30:
            return f"{start}{PERIOD_SEP}{end}"
    for plan in _GENERATION.finditer(text):
        period = period_of_generation(plan_number((plan.group(1) or plan.group(2)) + "五"))
        if period:
            return period
    return ""


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
