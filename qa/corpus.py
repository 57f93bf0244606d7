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

from qa.keywords import KeywordIndex, fingerprint, tokenize
from qa.script import to_simplified
from qa.store import ChunkCollection, ChunkStore, EmptyIndexError, LoadedGeneration, StoreError

# Romanised names users type for the districts we know; Chinese names come from the documents.
_PINYIN = {"从化": ("conghua", "chung wa"), "荔湾": ("liwan", "lai wan", "lei wan")}
# Guangzhou's districts: a question about one we hold no plan for is refused rather than answered from ours.
GUANGZHOU_DISTRICTS = {
    "越秀": "yuexiu",
    "海珠": "haizhu",
    "荔湾": "liwan",
    "天河": "tianhe",
    "白云": "baiyun",
    "黄埔": "huangpu",
    "番禺": "panyu",
    "花都": "huadu",
    "南沙": "nansha",
    "从化": "conghua",
    "增城": "zengcheng",
}
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_QUOTES = re.compile(r"[“”\"'‘’「」『』]")
# glibc's mallopt parameter for the most heaps it keeps (M_ARENA_MAX in malloc.h), and how many we allow.
_M_ARENA_MAX = -8
ARENAS = 2


@dataclass(frozen=True, slots=True)
class District:
    """A plan's district and the names a question may use for it."""

    doc_id: str
    name: str  # Simplified, e.g. 从化区
    aliases: tuple[str, ...]  # Simplified or lower-case Latin


def district_of(doc_id: str, district: str) -> District | None:
    """Aliases for a document's district (从化区 → 从化区, 从化, conghua)."""
    name = to_simplified(district.strip())
    if not name:
        return None
    short = name[:-1] if len(name) > 2 and name[-1] in "区县市" else name
    aliases = {name, short, *_PINYIN.get(short, ())}
    return District(doc_id, name, tuple(sorted(aliases, key=len, reverse=True)))


def glossary_key(term: str) -> str:
    """How a glossary term is matched: Simplified, no quotes, lower-case."""
    return _QUOTES.sub("", to_simplified(term)).strip().lower()


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
        return tuple(dict.fromkeys([*districts, *self.glossary, *long_words]))

    def unknown_districts(self, question: str) -> list[str]:
        """Guangzhou districts a question names (as XX区 or in pinyin) that no indexed plan covers."""
        text = to_simplified(question).lower()
        ours = {a for d in self.districts for a in d.aliases}
        named = [
            name
            for name, pinyin in GUANGZHOU_DISTRICTS.items()
            if (f"{name}区" in text or re.search(rf"\b{pinyin}\b", text)) and name not in ours
        ]
        return named

    def district_names(self) -> dict[str, str]:
        """Each document's district name in Simplified (from 化区 → 从化区)."""
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
