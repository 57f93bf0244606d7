"""Place names read by their administrative suffixes (…省, …市, …区, …县), and their romanised forms.

No place is listed here: a name is a place when it ends in a unit of Chinese administration, and its
English form comes from pypinyin. All functions take Simplified text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from functools import lru_cache

# Administrative units, longest first: the level of government a name ending in one stands for, and its
# English word.
UNITS = (
    ("特别行政区", "省", "Special Administrative Region"),
    ("自治区", "省", "Autonomous Region"),
    ("自治州", "市", "Autonomous Prefecture"),
    ("自治县", "区县", "Autonomous County"),
    ("自治旗", "区县", "Autonomous Banner"),
    ("地区", "市", "Prefecture"),
    ("新区", "区县", "New Area"),
    ("街道", "乡镇", "Subdistrict"),
    ("省", "省", "Province"),
    ("市", "市", "City"),
    ("盟", "市", "League"),
    ("区", "区县", "District"),
    ("县", "区县", "County"),
    ("旗", "区县", "Banner"),
    ("镇", "乡镇", "Town"),
    ("乡", "乡镇", "Township"),
)
LEVELS = ("国家", "省", "市", "区县", "乡镇")
NATIONAL = "全国"  # the place of a plan for the whole country
_ONE_CHAR_STEM = frozenset({"县", "旗"})  # 某县 is a county; 全区, 城市, 城镇 are no places
_NAME_MAX = 10  # 黔东南苗族侗族自治州
_HAN = re.compile(r"^[\u3400-\u9fff]+$")
_LOCAL = ("新区", "区", "县")  # the units a question about "a district" names
# jieba's tags for pronouns, numerals, measure words, directions, adverbs, prepositions and the like
_NOT_A_NAME = frozenset({"r", "m", "mq", "q", "f", "d", "p", "c", "u", "uj", "ul", "t", "s", "zg", "y", "e"})


def unit_of(name: str) -> tuple[str, str, str] | None:
    """The administrative unit a name ends in (suffix, level, English word), when the rest is a name."""
    for suffix, level, english in UNITS:
        stem = len(name) - len(suffix)
        if name.endswith(suffix) and (stem >= 2 or (stem == 1 and suffix in _ONE_CHAR_STEM)):
            return suffix, level, english
    return None


def places(name: str) -> list[tuple[str, str]]:
    """The administrative units a name starts with, with their levels (某某省某某市… → 省, 市)."""
    found: list[tuple[str, str]] = []
    at = 0
    while at < len(name) and _HAN.match(name[at]):
        for end in range(at + 2, min(at + _NAME_MAX, len(name)) + 1):
            if not _HAN.match(name[end - 1]):
                return found
            unit = unit_of(name[at:end])
            if unit:
                break
        else:
            return found
        level = unit[1]
        if found and level == "市" and found[-1][1] in {"市", "区县"}:
            level = "区县"  # a city inside a city is county-level (某某市某某市)
        found.append((name[at:end], level))
        at = end
    return found


def short_name(name: str) -> str:
    """A place's name without its unit (某某区 → 某某), as people say it; other names unchanged."""
    unit = unit_of(name)
    return name[: -len(unit[0])] if unit and len(name) - len(unit[0]) >= 2 else name


@lru_cache(maxsize=4096)
def romanise(name: str) -> str:
    """A Han name in toneless pinyin, run together and lower-case (某地 → moudi); other text unchanged."""
    if not _HAN.match(name):
        return name.lower()
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name)).lower()


def english_name(name: str) -> str:
    """A place's English name: its pinyin and its unit (某某区 → Moumou District; 全国 → National)."""
    if name == NATIONAL:
        return "National"
    unit = unit_of(name)
    if unit is None:
        return romanise(name).capitalize()
    return f"{romanise(short_name(name)).capitalize()} {unit[2]}"


def districts_in(text: str, cities: set[str], names: Callable[[str], list[str]]) -> set[str]:
    """The districts and counties a text names right after one of the given cities (某某市某某区 → 某某区).

    `names` finds district names in a snippet (local_names over its words).
    """
    found: set[str] = set()
    for city in cities:
        for at in (m.end() for m in re.finditer(re.escape(city), text)):
            named = names(text[at : at + _NAME_MAX])
            if named and text.startswith(named[0], at):
                found.add(named[0])
    return found


def unit_words(text: str) -> Counter[str]:
    """Every two- or three-character stem with 区/县/新区 after it in a text, counted (few are places)."""
    found: Counter[str] = Counter()
    for suffix in _LOCAL:
        for match in re.finditer(re.escape(suffix), text):
            at = match.start()
            found.update(
                text[at - n : at] + suffix for n in (2, 3) if at >= n and _HAN.match(text[at - n : at])
            )
    return found


def local_names(words: list[str], tag: Callable[[str], str]) -> list[str]:
    """District or county names in a text cut into words: 某某区 as one word, or a name word then 区/县.

    The 区 of 区长 or 区级 starts a word and names nothing; a stem tagged as a pronoun, numeral or other
    function word (哪些区, 两个区) is no name either.
    """
    found: list[str] = []
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        suffix = next((s for s in _LOCAL if word.endswith(s)), "")
        if word in _LOCAL:
            stem, name = before, before + word
        elif len(word) == 2 and suffix == "区" and len(before) == 1 and tag(before + word[0]):
            stem, name = before + word[0], before + word  # 某城区 cut as 某 + 城区, 某城 being a word
        else:
            stem, name = word[: -len(suffix)] if suffix else "", word
        if 2 <= len(stem) <= 3 and _HAN.match(stem) and tag(stem) not in _NOT_A_NAME:
            found.append(name)
    return list(dict.fromkeys(found))


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (pypinyin's readings with the tone marks removed)."""
    from pypinyin.pinyin_dict import pinyin_dict

    marked = unicodedata.normalize("NFD", ",".join(pinyin_dict.values()))
    readings = "".join(c for c in marked if not unicodedata.combining(c)).lower().split(",")  # lǘ → lu
    return frozenset(r for r in readings if any(v in r for v in "aeiou"))  # not the 嗯 of n, ng, m


def syllable_splits(word: str, limit: int = 8) -> list[tuple[str, ...]]:
    """The ways a Latin word splits into toneless pinyin syllables (xian: xian or xi-an), at most `limit`."""
    word = word.lower()
    syllables = _syllables()
    splits: list[list[tuple[str, ...]]] = [[] for _ in range(len(word) + 1)]
    splits[0].append(())
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            if splits[start] and word[start:end] in syllables:
                splits[end].extend((*s, word[start:end]) for s in splits[start][:limit])
    return splits[-1][:limit]


def is_pinyin_name(word: str) -> bool:
    """Whether a Latin word reads as a name of two or more pinyin syllables (tianhe: yes; business: no)."""
    return any(len(split) >= 2 for split in syllable_splits(word))


def spelled(text: str) -> str:
    """A text's Han characters in pinyin, one syllable between bars ("|mou|mou|#|…"); a run ends in #.

    Each character gets its usual reading, read once per distinct character: fast on a large corpus.
    """
    chars = {c for c in text if _HAN.match(c)}
    from pypinyin import lazy_pinyin

    reading = dict(zip(sorted(chars), lazy_pinyin(sorted(chars)), strict=True))
    runs = re.findall(r"[\u3400-\u9fff]+", text)
    return "|" + "".join("".join(reading[c] + "|" for c in run) + "#|" for run in runs)


def spells(word: str, reading: str) -> bool:
    """Whether a pinyin word spells consecutive characters of a text read by spelled()."""
    return any("|" + "|".join(split) + "|" in reading for split in syllable_splits(word))
