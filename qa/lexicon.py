"""The colloquial lexicon: how residents say it, how a plan says it (`qa/data/colloquial.tsv`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from qa.keywords import cut, is_word, tokenize, words

LEXICON_FILE = Path(__file__).with_name("data") / "colloquial.tsv"


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Rewrites (colloquial → standard), Cantonese rewrites and their markers, and expansions."""

    replace: tuple[tuple[str, str], ...]  # in any question
    expand: tuple[tuple[str, tuple[str, ...]], ...]
    cantonese: tuple[tuple[str, str], ...] = ()  # only in a question written in Cantonese
    markers: tuple[str, ...] = ()  # what marks a question as written Cantonese
    framing: frozenset[str] = frozenset()  # words that frame a question, not its topic (有没有, 这个, 地方)

    @classmethod
    def load(cls, path: Path = LEXICON_FILE) -> Lexicon:
        """Read the tab-separated lexicon (KIND, FROM, TO; '#' starts a comment); a bad line is named."""
        rules: dict[str, list[tuple[str, str]]] = {
            "replace": [],
            "cantonese": [],
            "marker": [],
            "expand": [],
            "frame": [],
        }
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            kind, _, rest = line.partition("\t")
            source, _, target = rest.partition("\t")
            if kind not in rules:
                raise ValueError(f"{path.name} line {number}: unknown kind {kind!r} (KIND, FROM, TO by tabs)")
            if not source.strip():
                raise ValueError(f"{path.name} line {number}: empty FROM")
            rules[kind].append((source.lower(), target))
        return cls(
            replace=_longest_first(rules["replace"]),
            expand=tuple((s, tuple(t.split())) for s, t in rules["expand"]),
            cantonese=_longest_first(rules["cantonese"]),
            markers=tuple(s for s, _ in rules["marker"]),
            framing=frozenset(s for s, _ in rules["frame"]),
        )

    def is_cantonese(self, text: str) -> bool:
        """Whether a (Simplified) text is written Cantonese: it holds a word standard Chinese does not use."""
        return any(m in text for m in self.markers)

    def standardise(self, text: str) -> str:
        """Rewrite colloquial (and, in Cantonese text, Cantonese) words, longest first, in one pass."""
        rules = self.replace + (self.cantonese if self.is_cantonese(text) else ())
        if not rules:
            return text
        table = dict(rules)
        pattern = _alternation(tuple(sorted(table, key=len, reverse=True)))
        return pattern.sub(lambda m: table[m.group(0).lower()], text)

    def expansions(self, text: str) -> list[str]:
        """Plan words for the everyday words in a text.

        A one-character word counts only where it stands alone as jieba cuts the text (电 is not in 电梯,
        水 not in 水平); a longer one also inside a word (收入 in 居民收入, 地铁 in 地铁站).
        """
        lowered = text.lower()
        edges = self._edges(lowered) if any(len(s) == 1 for s, _ in self.expand) else set()
        return [
            word
            for source, words in self.expand
            if (source in lowered if len(source) > 1 else _whole(lowered, source, edges))
            for word in words
        ]

    def _edges(self, text: str) -> set[int]:
        """The offsets where the words of a text begin or end, as keyword search cuts it; a word jieba
        guessed from a framing word and the word asked about (想涨) is cut in two (想, 涨)."""
        edges, at = {0}, 0
        for word in cut(text):
            asked = self.asked_in(word)
            if asked:
                edges.update((at + word.index(asked), at + word.index(asked) + len(asked)))
            at += len(word)
            edges.add(at)
        return edges

    def asked_in(self, word: str) -> str:
        """The word asked about inside one jieba guessed from it and framing words (想涨 → 涨), or ""."""
        if len(word) < 2 or is_word(word):
            return ""
        parts = words(word)
        rest = [p for p in parts if p.lower() not in self.framing]
        return rest[0] if len(parts) > 1 and len(rest) == 1 else ""

    def words_for(self, word: str) -> tuple[str, ...]:
        """Plan words that stand in for one everyday word: its own entries, not those of a part of it
        (体育场 stands in for 球场, not for 高尔夫球场)."""
        lowered = word.lower()
        return tuple(w for source, words in self.expand if source == lowered for w in words)

    def topic(self, text: str) -> str:
        """A text's words without those that only frame a question, space-separated for keyword search.

        The plans seldom use 没有, 这个 or 地方 (地方党委: local), so BM25 weighs them above the topic.
        """
        if not self.framing:
            return text
        # Cut as keyword search cuts (jieba with its new-word guessing: 医美, 众创), a framing word
        # becoming a space, so the words around it are cut alike again.
        return "".join(" " if w.lower() in self.framing else w for w in cut(text))


def _whole(text: str, word: str, edges: set[int]) -> bool:
    """Whether a word occurs in a text starting and ending on word edges."""
    start = text.find(word)
    while start >= 0:
        if start in edges and start + len(word) in edges:
            return True
        start = text.find(word, start + 1)
    return False


def _longest_first(pairs: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(pairs, key=lambda r: -len(r[0])))


@cache
def _alternation(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words), re.I)


def in_plans(word: str, vocabulary: Mapping[str, float]) -> bool:
    """Whether the plans use a word: as one search token, or a phrase (地区生产总值) as all of its tokens."""
    if word in vocabulary:
        return True
    tokens = tokenize(word)
    return bool(tokens) and all(t in vocabulary for t in tokens)
