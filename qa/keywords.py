"""Keyword search: jieba tokens of Simplified-normalised text, ranked with bm25s, persisted beside Chroma."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.collection import DocumentRows, best_rows
from qa.places import short_name, unit_words
from qa.script import to_simplified
from qa.types import Chunk, generation_of, period_of_generation, plan_number

_TOKEN = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
_STOPWORD_LIST = (
    "的 了 和 与 及 等 在 是 为 对 以 将 把 被 并 或 其 之 于 中 上 下 个 有 也 都 而 从 到 由 向 "
    "什么 哪些 哪个 如何 怎么 怎样 多少 吗 呢 啊 吧 请问 请 关于 有关 方面 哪里 是否 "
    "the a an of to in on for and or is are what which how does do did with by at"
)
_STOPWORDS = frozenset(_STOPWORD_LIST.split())
_QUOTED = re.compile(r"[“\"「『]([\u4e00-\u9fff]{2,8})[”\"」』]")
_TERM = re.compile(r"[\u4e00-\u9fff]{2,8}")
_DICT_LINE = re.compile(r"^(\S{2,3}) \d+ (\w+)$", re.M)  # "word frequency tag" in jieba's dict.txt
_AREA_REPEATS = 3  # an area name the plans use once (提高城区 read as 高城区) may be a chance reading
_jieba_lock = threading.Lock()
_taught: set[str] = set()


@lru_cache(maxsize=1)
def _jieba() -> object:
    with _jieba_lock:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        return jieba


# Dictionary ranks read as "an everyday word" (会, 新, 以后 sit near it) and "a specific word" (看病, 火星).
EVERYDAY_RANK, SPECIFIC_RANK = 100, 10_000


@lru_cache(maxsize=1)
def _frequency_scale() -> tuple[float, float, float]:
    """log(total) and the log-frequencies at the two anchor ranks of jieba's general dictionary."""
    jieba = _jieba()
    counts = sorted((f for f in jieba.dt.FREQ.values() if f > 0), reverse=True)  # type: ignore[attr-defined]
    total = float(jieba.dt.total)  # type: ignore[attr-defined]
    return math.log(total), math.log(counts[EVERYDAY_RANK] + 1), math.log(counts[SPECIFIC_RANK] + 1)


def specificity(word: str) -> float:
    """How specific a word is in Chinese at large, in [0, 1], from jieba's dictionary frequencies.

    Weighs a question's words the plans never use: an everyday word (会, 以后, 新) says little about what is
    asked, a rare one (火星, 看病) says much: 0 at the everyday anchor rank and above, 1 from the specific
    one.
    """
    jieba = _jieba()
    log_total, everyday, specific = _frequency_scale()
    surprise = log_total - math.log(jieba.dt.FREQ.get(word, 0) + 1)  # type: ignore[attr-defined]
    low, high = log_total - everyday, log_total - specific
    return min(max((surprise - low) / (high - low), 0.0), 1.0)


def domain_words(chunks: Sequence[Chunk]) -> set[str]:
    """Names in indexed chunks that search should keep whole.

    The plans' districts, their plan labels (十三五 before 十四五, 十五五 after), the terms their glossaries
    define, and the areas they name by a place and a unit (某湾区: a stem jieba tags as a place, then 区/县).
    """
    words: set[str] = set()
    for chunk in chunks:
        district = to_simplified(chunk.district)
        words.add(short_name(district))  # 某某; jieba keeps 某某区 as 某某 + 区, as questions are cut
        number = plan_number(chunk.generation)
        words.update(
            generation_of(period_of_generation(n)) for n in (number - 1, number, number + 1) if number
        )
        if chunk.kind == "glossary":
            term = to_simplified(chunk.term)
            words.update(_QUOTED.findall(term))
            words.update(w for w in [term] if _TERM.fullmatch(w))
    areas = unit_words("\n".join(c.norm for c in chunks))
    stem = {a: a[:-2] if a.endswith("新区") else a[:-1] for a in areas}
    words.update(a for a, n in areas.items() if n >= _AREA_REPEATS and word_tag(stem[a]) == "ns")
    return {w for w in words if len(w) >= 2}


def teach(words: Iterable[str]) -> None:
    """Add words to the tokenizer's dictionary (once each); index and questions must be cut alike."""
    jieba = _jieba()
    with _jieba_lock:
        for word in sorted(set(words) - _taught):
            jieba.add_word(word)  # type: ignore[attr-defined]
            _taught.add(word)


def words(text: str) -> list[str]:
    """A text cut into dictionary words (jieba, precise mode, no guessed words) over its Simplified form."""
    return list(_jieba().lcut(to_simplified(text), HMM=False))  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def _tags() -> dict[str, str]:
    """Part-of-speech tags of jieba's two- and three-character words, read from its dictionary file.

    Read directly: jieba.posseg would load the whole dictionary a second time (~3x slower).
    """
    import jieba

    with jieba.get_dict_file() as handle:
        text = handle.read().decode("utf-8")
    return dict(_DICT_LINE.findall(text))


def is_word(word: str) -> bool:
    """Whether jieba's dictionary (with the words taught it) holds a word, not just guesses it (想涨)."""
    return _jieba().dt.FREQ.get(word, 0) > 0  # type: ignore[attr-defined]


def word_tag(word: str) -> str:
    """jieba's part-of-speech tag for a two- or three-character word (ns: place, r: pronoun…), or ""."""
    return _tags().get(word, "")


def cut(text: str) -> list[str]:
    """A text cut as search cuts it before adding sub-words: Simplified, lower-cased, new words guessed."""
    return list(_jieba().lcut(to_simplified(text).lower()))  # type: ignore[attr-defined]


def tokenize(text: str) -> list[str]:
    """Search tokens of a text in either script: jieba's search mode over the Simplified form, lower-cased."""
    jieba = _jieba()
    words = jieba.lcut_for_search(to_simplified(text).lower())  # type: ignore[attr-defined]
    return [w for w in words if _TOKEN.search(w) and w not in _STOPWORDS]


def fingerprint(ids: Iterable[str]) -> str:
    """A digest of a set of chunk ids: equal digests mean the same indexed chunks."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class KeywordHit:
    """A chunk id and its BM25 score."""

    chunk_id: str
    score: float


class KeywordIndex:
    """A BM25 index over chunk ids, saved atomically as one directory per set of ids."""

    DIRNAME = "keywords"  # one folder per fingerprint, so a reader finds exactly the index it needs
    LEGACY = ("keyword", ".keyword-old")  # the single folder of earlier versions

    def __init__(self, ids: Sequence[str], doc_ids: Sequence[str], retriever: object | None) -> None:
        self.ids = list(ids)
        self.doc_ids = np.array(doc_ids, dtype=object)
        self._rows = DocumentRows(doc_ids)
        self._last: tuple[str, np.ndarray] | None = None
        self._bm25 = retriever
        self.fingerprint = fingerprint(self.ids)

    @classmethod
    def from_chunks(cls, chunks: Sequence[Chunk]) -> KeywordIndex:
        """Index chunks in the order given, by what the embedder sees: section path plus normalised text."""
        import bm25s

        if not chunks:
            return cls([], [], None)
        teach(domain_words(chunks))
        retriever = bm25s.BM25()
        retriever.index([tokenize(c.embed_text) or ["\u2205"] for c in chunks], show_progress=False)
        return cls([c.id for c in chunks], [c.doc_id for c in chunks], retriever)

    def __len__(self) -> int:
        return len(self.ids)

    def document_frequencies(self) -> dict[str, int]:
        """In how many chunks each indexed token occurs (read off the BM25 matrix, no re-tokenising)."""
        if self._bm25 is None:
            return {}
        indptr = np.asarray(self._bm25.scores["indptr"])  # type: ignore[attr-defined]
        vocab: dict[str, int] = self._bm25.vocab_dict  # type: ignore[attr-defined]
        last = len(indptr) - 1
        return {token: int(indptr[i + 1] - indptr[i]) for token, i in vocab.items() if token and i < last}

    def _scores(self, query: str) -> np.ndarray | None:
        """BM25 of every chunk for a query (None: nothing to search). The last query's are kept: a
        comparison searches each of its plans with the same words (200 plans: 200 passes over 40,000)."""
        last = self._last  # one read: another thread may replace it meanwhile
        if last is not None and last[0] == query:
            return last[1]
        tokens = tokenize(query)
        if self._bm25 is None or not tokens:
            return None
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float64)  # type: ignore[attr-defined]
        self._last = (query, scores)
        return scores

    def search(self, query: str, k: int, doc_ids: Sequence[str] | None = None) -> list[KeywordHit]:
        """Best `k` chunks for a query, optionally only from some documents."""
        scores = self._scores(query)
        if scores is None:
            return []
        order = best_rows(scores, k, None if doc_ids is None else self._rows.rows(doc_ids))
        return [KeywordHit(self.ids[i], float(scores[i])) for i in order if scores[i] > 0]

    def save(self, index_dir: Path) -> Path:
        """Write the index to keywords/<fingerprint>: the folder appears whole or not at all."""
        root = index_dir / self.DIRNAME
        root.mkdir(parents=True, exist_ok=True)
        final = root / self.fingerprint
        if (final / "meta.json").exists():
            return final  # the same ids were saved before (by us, a killed run, or another process)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
        try:
            if self._bm25 is not None:
                self._bm25.save(str(tmp / "bm25"), show_progress=False)  # type: ignore[attr-defined]
            meta = {"ids": self.ids, "doc_ids": list(self.doc_ids), "fingerprint": self.fingerprint}
            (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            for path in tmp.rglob("*"):
                if path.is_file():
                    with path.open("rb") as handle:
                        os.fsync(handle.fileno())
            try:
                tmp.rename(final)
            except OSError:
                if not (final / "meta.json").exists():  # else another writer saved it first: keep theirs
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return final

    @classmethod
    def load(cls, index_dir: Path, fingerprint: str | None = None) -> KeywordIndex | None:
        """The saved index for these ids' fingerprint (None: the newest saved one), or None when absent.

        The single folder of indexes written before generations existed is read too when it matches.
        """
        import bm25s

        root = index_dir / cls.DIRNAME
        if fingerprint is not None:
            folders = [root / fingerprint]
        else:
            saved = [p for p in root.glob("*") if (p / "meta.json").is_file()] if root.is_dir() else []
            folders = sorted(saved, key=lambda p: (p / "meta.json").stat().st_mtime, reverse=True)
        for folder in [*folders, *(index_dir / name for name in cls.LEGACY)]:
            try:
                meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
                if fingerprint is not None and meta["fingerprint"] != fingerprint:
                    continue
                retriever = None
                if meta["ids"]:
                    retriever = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
            except (OSError, ValueError, KeyError):
                continue
            return cls(meta["ids"], meta["doc_ids"], retriever)
        return None

    @classmethod
    def prune(cls, index_dir: Path, keep: Iterable[str]) -> list[Path]:
        """Delete saved indexes not in keep, torn temporaries of killed writers and the old layout."""
        root = index_dir / cls.DIRNAME
        kept = set(keep)
        found = [p for p in root.iterdir() if p.name not in kept] if root.is_dir() else []
        found += [p for p in (index_dir / name for name in cls.LEGACY) if p.exists()]
        found += [p for p in index_dir.glob(".keyword-*") if p not in found]
        for path in found:
            shutil.rmtree(path, ignore_errors=True)
        return found
