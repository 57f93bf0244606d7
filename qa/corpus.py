"""What retrieval reads: the stored chunks, the keyword index, districts and glossary terms."""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from qa.gazetteer import counties_near, short_names
from qa.keywords import (
    KeywordIndex,
    domain_words,
    fingerprint,
    specificity,
    teach,
    tokenize,
    word_tag,
    words,
)
from qa.places import (
    districts_in,
    is_pinyin_name,
    local_names,
    places,
    romanise,
    short_name,
    spelled,
    spells,
    unit_words,
)
from qa.script import to_simplified
from qa.store import ChunkCollection, ChunkStore, EmptyIndexError, LoadedGeneration, StoreError

_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_QUOTES = re.compile(r"[“”\"'‘’「」『』]")
_ENGLISH_PLACE = re.compile(r"\b([A-Z][a-z]{2,})\s+(?:[Dd]istrict|[Cc]ounty)\b")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]{3,}\b")
_AROUND = 30  # characters either side of a plan's mention of a neighbour read as what it says about it
# glibc's mallopt parameter for the most heaps it keeps (M_ARENA_MAX in malloc.h), and how many we allow.
_M_ARENA_MAX = -8
ARENAS = 2
# Runs of characters a typo may be mended to: names of three or four characters the plans use more than once.
NAME_LENGTHS, NAME_REPEATS = (3, 4), 2


@dataclass(frozen=True, slots=True)
class District:
    """A plan's district and the names a question may use for it."""

    doc_id: str
    name: str  # Simplified, e.g. 某某区
    aliases: tuple[str, ...]  # Simplified or lower-case Latin


def district_of(doc_id: str, district: str) -> District | None:
    """Aliases for a document's district (某某区 → 某某区, 某某, moumou)."""
    name = to_simplified(district.strip())
    if not name:
        return None
    short = short_name(name)
    aliases = {name, short, romanise(short)}
    return District(doc_id, name, tuple(sorted(aliases, key=len, reverse=True)))


def glossary_key(term: str) -> str:
    """How a glossary term is matched: Simplified, no quotes, lower-case."""
    return _QUOTES.sub("", to_simplified(term)).strip().lower()


def _names(text: str) -> list[str]:
    """District and county names in a Simplified text."""
    return local_names(words(text), word_tag)


class Corpus:
    """One immutable snapshot of the index: a generation's chunks and vectors, and its keyword index.

    A question is answered from one snapshot from start to end, so it never mixes two generations.
    """

    def __init__(self, store: LoadedGeneration, keyword: KeywordIndex, where: str = "") -> None:
        self.store = store  # dense search over the generation's vectors, in memory
        self.version = store.version
        self.where = where
        chunks = store.chunks
        self.chunks = {c.id: c for c in chunks}
        self.keyword = keyword
        self.districts: list[District] = []
        seen: set[str] = set()
        for chunk in chunks:
            if chunk.doc_id not in seen:
                seen.add(chunk.doc_id)
                district = district_of(chunk.doc_id, chunk.district)
                if district:
                    self.districts.append(district)
        self.glossary = {glossary_key(c.term): c.id for c in chunks if c.kind == "glossary" and c.term}
        self.doc_titles = {c.doc_id: c.title for c in chunks}
        teach(domain_words(chunks))  # before any question is cut into words: as the index was built

    @classmethod
    def open(cls, store: ChunkStore | ChunkCollection, index_dir: Path) -> Corpus:
        """Load a generation (the published one of a store), with its keyword index from index_dir.

        A keyword index missing locally (a new replica, a read-only copy) is built from the chunks and
        saved when the directory allows it.
        """
        generation = store.load() if isinstance(store, ChunkStore) else LoadedGeneration.read(store)
        chunks = generation.chunks
        ids = generation.ids
        digest = fingerprint(ids)
        if generation.fingerprint and generation.fingerprint != digest:
            raise StoreError(
                f"索引不完整 the published collection {generation.name} does not hold the chunks it was "
                "published with; run `planqa ingest` again"
            )
        keyword = KeywordIndex.load(index_dir, digest)
        if keyword is None:
            keyword = KeywordIndex.from_chunks(chunks)
            if ids:
                with contextlib.suppress(OSError):  # a read-only replica still answers
                    keyword.save(index_dir)
        return cls(generation, keyword, store.where)

    def current(self) -> Corpus:
        """A fixed snapshot is its own current one (LiveCorpus follows new publications).

        An empty one raises EmptyIndexError: questions get "run planqa ingest", not "the plans do not say".
        """
        if not self.chunks:
            raise EmptyIndexError(self.where)
        return self

    def __len__(self) -> int:
        return len(self.chunks)

    @cached_property
    def idf(self) -> dict[str, float]:
        """Inverse document frequency of each search token over the chunks (unseen tokens: the maximum)."""
        counts: Counter[str] = Counter(self.keyword.document_frequencies())
        if not counts:  # no saved matrix to read: count the tokens ourselves
            for chunk in self.chunks.values():
                counts.update(set(tokenize(chunk.embed_text)))
        n = max(len(self.chunks), 1)
        return {token: math.log(1 + n / df) for token, df in counts.items() if df > 0}

    @cached_property
    def pairs(self) -> frozenset[str]:
        """Every pair of adjacent Han characters in the plans' Simplified text and headings."""
        found: set[str] = set()
        for chunk in self.chunks.values():
            for run in _HAN_RUN.findall(chunk.embed_text):
                found.update(run[i : i + 2] for i in range(len(run) - 1))
        return frozenset(found)

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Names a mistyped question word may be meant as: districts, defined terms, long plan words."""
        districts = [a for d in self.districts for a in d.aliases]
        long_words = [t for t in self.idf if len(t) >= 3]
        # Place and project names jieba cuts apart (白鹅 + 潭) are runs of characters the plans repeat.
        runs = Counter(
            run[i : i + n]
            for chunk in self.chunks.values()
            for run in _HAN_RUN.findall(chunk.norm)
            for n in NAME_LENGTHS
            for i in range(len(run) - n + 1)
        )
        repeated = [r for r, count in runs.items() if count >= NAME_REPEATS]
        return tuple(dict.fromkeys([*districts, *self.glossary, *long_words, *repeated]))

    @cached_property
    def _place_words(self) -> tuple[frozenset[str], frozenset[str]]:
        """Districts the plans name under their own cities but hold no plan for; every 某某区/县 they say."""
        ours = {d.name for d in self.districts}
        cities = {name for title in self.doc_titles.values() for name, level in places(to_simplified(title))}
        text = "\n".join(c.norm for c in self.chunks.values())
        others = districts_in(text, cities - ours, _names) - ours
        return frozenset(others), frozenset(unit_words(text))

    @cached_property
    def _neighbours(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Short names of the districts and counties in the plans' provinces (cpca's division list) that no
        plan covers and that are no everyday word (和平, 清新, 新兴 are): full name and what the plans say
        around each mention (a plan may name a neighbour in passing: 黄埔—某某产业共建合作区)."""
        ours = {a for d in self.districts for a in d.aliases}
        cities = {name for title in self.doc_titles.values() for name, _ in places(to_simplified(title))}
        text = "\n".join(c.norm for c in self.chunks.values())
        found: dict[str, tuple[str, tuple[str, ...]]] = {}
        for short, name in short_names(counties_near(cities)).items():
            if short in ours or name in ours or specificity(short) < 1.0:
                continue
            around = tuple(
                text[max(0, m.start() - _AROUND) : m.end() + _AROUND] for m in re.finditer(short, text)
            )
            found[short] = (name, around)
        return found

    def _elsewhere_named(self, text: str) -> list[str]:
        """Neighbours a question names that it asks about on their own: never written in the plans, or
        written only around other things than those the question names (番禺…新学校, not 黄埔…合作区)."""
        named: list[str] = []
        for short, (name, around) in self._neighbours.items():
            if short not in text:
                continue
            things = [
                w for w in words(text) if len(w) >= 2 and short not in w and word_tag(w).startswith("n")
            ]
            if not any(w in passage for passage in around for w in things):
                named.append(name)
        return named

    def unknown_districts(self, question: str) -> list[str]:
        """Districts or counties a question names that no indexed plan covers.

        Named are: a district the plans mention under their own city (by its name, short name or pinyin),
        a 某某区/某某县 the plans never mention, and a pinyin name before "District" or "County".
        """
        text = to_simplified(question).lower()
        ours = {a for d in self.districts for a in d.aliases}
        others, mentioned = self._place_words
        named = [
            name
            for name in sorted(others)
            if short_name(name) in text or re.search(rf"\b{romanise(short_name(name))}\b", text)
        ]
        named += [name for name in _names(text) if name not in mentioned]
        named += self._elsewhere_named(text)
        english = _ENGLISH_PLACE.finditer(question)
        named += [
            m.group(0) for m in english if m.group(1).lower() not in ours and is_pinyin_name(m.group(1))
        ]
        rest = _ENGLISH_PLACE.sub(" ", question)  # a name before "District" is counted once, above
        named += [w for w in _CAPITALISED.findall(rest) if self._elsewhere(w.lower())]
        if not named and not any(re.search(rf"\b{re.escape(a)}\b", text) for a in ours if a.isascii()):
            # An English question naming a neighbour by its pinyin (Moumou's plans) and none of our districts
            # asks about that neighbour: its words are English (no plan words to compare around it).
            named += [
                name
                for short, (name, _) in self._neighbours.items()
                if re.search(rf"\b{romanise(short)}\b", rest.lower())
            ]
        # 某话区 typed for 某化区 sounds the same: a slip of the input method, not another district
        return [n for n in dict.fromkeys(named) if not {n, short_name(n), romanise(short_name(n))} & ours]

    @cached_property
    def _reading(self) -> tuple[str, frozenset[str]]:
        """The plans in pinyin: each character's usual reading, and each word's reading in context (番禺)."""
        words = frozenset(romanise(t) for t in self.idf if 2 <= len(t) <= 4 and _HAN_RUN.fullmatch(t))
        return spelled("\n".join(c.embed_text for c in self.chunks.values())), words

    def _elsewhere(self, word: str) -> bool:
        """Whether a capitalised word is the pinyin of a name the plans never write (as Moumou for 某某)."""
        from qa.translate import chinese_words  # CC-CEDICT: an English word is no place name

        if not is_pinyin_name(word) or chinese_words(word):
            return False
        reading, words = self._reading
        return word not in words and not spells(word, reading)

    def district_names(self) -> dict[str, str]:
        """Each document's district name in Simplified (某某區 → 某某区)."""
        return {d.doc_id: d.name for d in self.districts}


class LiveCorpus:
    """The published index as a series of snapshots: a new one is loaded when an ingest publishes.

    A long-running process answering from one on many threads should call limit_heap_arenas first.
    """

    def __init__(self, store: ChunkStore, index_dir: Path, first: Corpus | None = None) -> None:
        self.store = store
        self.index_dir = index_dir
        self._snapshot = first or Corpus.open(store, index_dir)
        self._loading = threading.Lock()

    def current(self) -> Corpus:
        """The snapshot to answer one question from, after one small read of the pointer.

        When the pointer has moved, the first caller loads the new snapshot while any others keep
        answering from the old one; a store that cannot be reached raises StoreError, an empty or missing
        index EmptyIndexError.
        """
        snapshot = self._snapshot
        if self.store.version() == snapshot.version or not self._loading.acquire(blocking=False):
            return snapshot.current()
        try:
            for attempt in range(2):
                try:
                    self._snapshot = Corpus.open(self.store, self.index_dir)
                    break
                except StoreError:
                    if attempt:  # once more: two quick publications may have deleted what we began to read
                        raise
            return self._snapshot.current()
        finally:
            self._loading.release()


def limit_heap_arenas(arenas: int = ARENAS) -> None:
    """Let glibc keep at most `arenas` heaps for the whole process (unless MALLOC_ARENA_MAX says otherwise).

    Call it before the process starts threads. glibc gives each thread that allocates a heap of its own,
    up to eight per core, and a page there stays taken while any small object on it lives; a chat loads
    snapshots and answers on many worker threads, so each publication left pages pinned in every one of
    them. Measured on `planqa chat` over 24 publications: +137 MiB with glibc's default heaps, +22 MiB
    with two (+7 MiB after the fifth).
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to tell it
        ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, arenas)
