"""The things an English question names, each with every Chinese word CC-CEDICT glosses it by.

An English word names a thing when most of the dictionary's words for it are nouns (ticket: 票, 门票, 入场券;
not build: 建, 建造, 盖). Absence judges such a word by all of its translations, not only the ones the plans
use (those are what search was given), so a plan that never mentions a casino in any wording lacks it, and a
gloss the dictionary words differently from the plan (brand: 厂牌, 牌子; the plan's 品牌 is glossed "brand
name") is still found through the short glosses the word appears in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from qa.dictionary import definitions
from qa.keywords import specificity, word_tag
from qa.places import is_pinyin_name
from qa.translate import numbered, spelled_out

_WORD = re.compile(r"[a-z][a-z\-]+(?='s\b)|[a-z][a-z\-]+")  # Liwan's: Liwan
_HAN = re.compile(r"[\u3400-\u9fff]")
# Words that frame an English question rather than name what it asks about.
_FRAME = frozenset(
    "a an the of to in on for and or is are was were be been being what what's which who whom whose how "
    "does do did with by at as from that this these those it its their there will would should can could "
    "may might plan plans planned planning district five-year year years period target targets want wants "
    "aim aims about according say says said much many main key any some each every other more most new "
    "both either neither "
    "get got going exact exactly specific specifically kind kinds type sort like ones one really also "
    "just still yet ever where when why whether if than then into onto over under up down out per "
    # the plan's own parts and wording, asked about by name (which chapter covers…, what is the idea of…)
    "chapter chapters section sections part parts idea ideas concept term terms content".split()
)
_IRREGULAR = {"women": "woman", "men": "man", "children": "child", "people": "person", "kids": "kid"}


@dataclass(frozen=True, slots=True)
class Concept:
    """An English word naming a thing, how specific it is, and its Chinese spellings."""

    word: str
    weight: float  # how specific its Chinese words are in Chinese at large (0 everyday … 1 rare)
    spellings: frozenset[str]


@lru_cache(maxsize=512)
def english_concepts(question: str) -> tuple[Concept, ...]:
    """The English words of a question that name things, with every CC-CEDICT word for them (and for the
    word pairs they are in: theme park → 主题公园)."""
    head = _HAN.split(question, maxsplit=1)[0].lower()  # Chinese search terms appended after it are not asked
    # A numbered shorthand search found ('one belt, two zones': 一带两区) is one thing, not belts and zones.
    shorthand = numbered(head, question[len(head) :].split())
    tokens = [
        part
        for w in _WORD.findall(head.replace("’", "'"))
        for part in ([w] if "-" not in w or _strict(w) else w.split("-"))  # Disney-style: Disney, style
    ]
    tokens = [w for w in tokens if w not in _FRAME and len(w) >= 3]
    if shorthand:
        tokens = [w for w in tokens if w not in spelled_out(head)]
    found: list[Concept] = []
    for i, word in enumerate(tokens):
        own = _strict(word)
        if not own and is_pinyin_name(word):
            continue  # a place's romanised name: routing judges places
        if not _names_a_thing(own or _broad().get(_singular(word), ())):
            continue
        pairs = {
            h for j in (i - 1, i) if 0 <= j < len(tokens) - 1 for h in _strict(" ".join(tokens[j : j + 2]))
        }
        spellings = frozenset(own) | frozenset(_broad().get(_singular(word), ())) | pairs
        if any(len(h) >= 2 for h in spellings):  # 票 alone is in every plan (投票, 股票)
            spellings = frozenset(h for h in spellings if len(h) >= 2)
        if not spellings:
            continue
        rated = [specificity(h) for h in (own or spellings) if len(h) >= 2]
        weight = sum(rated) / len(rated) if rated else 0.5
        found.append(Concept(word, weight, spellings))
    return tuple(found)


def _strict(word: str) -> tuple[str, ...]:
    """The headwords whose gloss is this word or its dictionary form (women: woman, relocated: relocate)."""
    index = definitions()
    return tuple(dict.fromkeys(h for f in _forms(word) for h in index.get(f, [])))


def _forms(word: str) -> list[str]:
    """A word and the dictionary forms it may come from (guessed by ending: wrong guesses find nothing)."""
    # A pair is glossed in the plural more often than not (fixed assets: 固定资产), asked of in the singular
    # (fixed-asset investment); a single word's plural would make nouns of adjectives (goods of good).
    forms = [word, _singular(word), *([word + "s"] if " " in word and not word.endswith("s") else [])]
    for ending, root in (("ied", "y"), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            forms.append(word[: -len(ending)] + root)
    return list(dict.fromkeys(forms))


def _singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=1)
def _broad() -> dict[str, tuple[str, ...]]:
    """English word → headwords with a short gloss holding it (brand → 品牌 by "brand name")."""
    index: dict[str, dict[str, None]] = {}
    for gloss, heads in definitions().items():
        for word in gloss.split():
            index.setdefault(word, {}).update(dict.fromkeys(heads))
    return {w: tuple(h) for w, h in index.items()}


def _names_a_thing(translations: tuple[str, ...] | frozenset[str]) -> bool:
    """Whether most of the dictionary's (tagged) words for an English word are nouns."""
    tags = [word_tag(h) for h in translations if len(h) >= 2]
    tags = [t for t in tags if t]
    nouns = sum(1 for t in tags if (t.startswith("n") and t != "ns") or t == "vn")
    return bool(tags) and nouns * 2 > len(tags)
