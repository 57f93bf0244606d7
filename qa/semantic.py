"""Sentence-level meaning: how close each sentence is to the question (e5 vectors), and chunks ranked by it.

Sentence vectors are embedded at ingest through the same content-hash cache as chunk vectors (and shipped
for the bundled plans), so at question time they are looked up, not computed; a sentence missing from the
cache (a replica without the ingest's cache) is embedded once and kept in memory.

A SentenceIndex holds every sentence vector of one corpus version as one matrix, so that retrieval can rank
chunks by their closest sentence: a paraphrase usually matches one sentence sharply, while the vector of a
400-character chunk blurs it among the chunk's other topics. The matcher looks sentences up there first,
so the corpus's sentence vectors are held once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from qa.collection import DocumentRows, best_rows
from qa.script import to_simplified
from qa.sentences import sentence_spans
from qa.types import Chunk

_BATCH = 2_000  # sentences read from the embedder's cache at a time
_BLOCK_VALUES = 1 << 18  # values of one matrix-vector product (1,024 rows of 256 … 682 rows of 384)
# Beyond this many sentences a search scores only the candidate chunks' own (a 384-wide float32 product
# over 20,000 rows is ~3 ms; over 200 plans' 140,000 it would be most of a question's time).
FULL_SEARCH_ROWS = 20_000


def chunk_sentences(chunk: Chunk) -> list[str]:
    """The Simplified text of each sentence of a chunk: what sentence vectors are embedded from."""
    return [to_simplified(chunk.text[start:end]) for start, end in sentence_spans(chunk.text)]


def _unit(rows: np.ndarray) -> np.ndarray:
    """Rows (or one vector) scaled to unit length; a zero row stays zero."""
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return (rows / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def _products(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """matrix @ vector a block of rows at a time: OpenBLAS hands a product of more than ~500,000 values to
    its threads, and on a busy 2-core machine waiting for them took 16 ms where one thread takes 0.05 ms."""
    step = max(1, _BLOCK_VALUES // max(matrix.shape[1], 1))
    if len(matrix) <= step:
        return matrix @ vector
    return np.concatenate([matrix[i : i + step] @ vector for i in range(0, len(matrix), step)])


class SentenceIndex:
    """The sentence vectors of one corpus version: one float32 row per distinct sentence (15.4 MB per
    10,000 sentences of 384 dimensions) and, for each chunk, the rows of its sentences."""

    def __init__(
        self,
        version: str,
        chunks: Sequence[Chunk],
        stored: Callable[[list[str]], list[np.ndarray | None]],
        full_search_rows: int = FULL_SEARCH_ROWS,
    ) -> None:
        self.version = version
        self.full_search_rows = full_search_rows
        ordered = sorted(chunks, key=lambda c: (c.doc_id, c.char_start, c.id))
        said = [chunk_sentences(c) for c in ordered]
        distinct = list(dict.fromkeys(s for sentences in said for s in sentences))
        pairs = [(s, v) for s, v in zip(distinct, stored(distinct), strict=True) if v is not None]
        self.row = {s: i for i, (s, _) in enumerate(pairs)}
        self.matrix = np.vstack([v for _, v in pairs]) if pairs else np.zeros((0, 0), np.float32)
        kept: list[Chunk] = []
        rows: list[int] = []
        starts: list[int] = []
        for chunk, sentences in zip(ordered, said, strict=True):
            mine = [self.row[s] for s in sentences if s in self.row]
            if mine:  # a chunk none of whose sentences has a vector is left to the other rankings
                kept.append(chunk)
                starts.append(len(rows))
                rows.extend(mine)
        self.ids = [c.id for c in kept]
        self._position = {c: i for i, c in enumerate(self.ids)}
        self._chunk_rows = np.asarray(rows, dtype=np.int64)
        self._starts = np.asarray([*starts, len(rows)], dtype=np.int64)
        self._documents = DocumentRows([c.doc_id for c in kept])

    def __len__(self) -> int:
        return len(self.row)

    def search(
        self,
        vector: Sequence[float],
        k: int,
        doc_ids: Sequence[str] | None = None,
        candidates: Sequence[str] = (),
    ) -> list[tuple[str, float]]:
        """Chunks ranked by the cosine of their closest sentence to the question, within some documents.

        Where the documents hold more than `full_search_rows` sentences, only the `candidates` are ranked.
        """
        if not self.ids or self.matrix.shape[1] != len(vector):
            return []
        chunks = self._documents.rows(doc_ids) if doc_ids else np.arange(len(self.ids))
        lengths = self._starts[chunks + 1] - self._starts[chunks]
        if int(lengths.sum()) > self.full_search_rows:
            wanted = {self._position[c] for c in candidates if c in self._position}
            chunks = chunks[np.isin(chunks, np.fromiter(wanted, np.int64, len(wanted)))]
            lengths = self._starts[chunks + 1] - self._starts[chunks]
        if not len(chunks):
            return []
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        # each chunk's rows, one run after another: its start repeated, plus 0, 1, … within the run
        within = np.arange(int(lengths.sum())) - np.repeat(offsets, lengths)
        rows = self._chunk_rows[np.repeat(self._starts[chunks], lengths) + within]
        question = _unit(np.asarray(vector, dtype=np.float32))
        if len(rows) * 2 > len(self.matrix):
            scores = _products(self.matrix, question)[rows]
        else:
            scores = _products(self.matrix[rows], question)
        best = np.maximum.reduceat(scores, offsets)
        return [(self.ids[chunks[i]], float(best[i])) for i in best_rows(best, k)]


class SentenceMatcher:
    """Cosine similarity of a question vector to sentences, with sentence vectors from a cached embedder."""

    def __init__(self, embeddings: Embeddings, memory: int = 50_000) -> None:
        self.embeddings = embeddings
        self.memory = memory
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._index: SentenceIndex | None = None
        self._building: str | None = None  # the version a background build is making
        self._build_lock = threading.Lock()

    def index(self, version: str, chunks: Callable[[], Sequence[Chunk]]) -> SentenceIndex | None:
        """The sentence index of a corpus version: built here on first use, in the background after that.

        The first build is part of start-up (the chain's warm-up asks a question); a later version (an
        ingest published while serving) is built on a thread while questions go on without it (None).
        """
        current = self._index
        if current is not None and current.version == version:
            return current
        if current is None:
            with self._build_lock:
                if self._index is None or self._index.version != version:
                    self._index = SentenceIndex(version, chunks(), self.stored)
                return self._index
        with self._build_lock:
            if self._building == version:
                return None
            self._building = version
        threading.Thread(target=self._build, args=(version, chunks()), daemon=True).start()
        return None

    def _build(self, version: str, chunks: Sequence[Chunk]) -> None:
        built = None
        try:
            built = SentenceIndex(version, chunks, self.stored)
        finally:  # a failed build is tried again by the next question
            with self._build_lock:
                if self._building == version:
                    self._building = None
                    self._index = built or self._index

    def vectors(self, sentences: Sequence[str]) -> np.ndarray:
        """Unit vectors of the sentences (rows in order)."""
        index = self._index
        with self._lock:
            known = {s: self._vectors[s] for s in dict.fromkeys(sentences) if s in self._vectors}
        if index is not None:
            known.update((s, index.matrix[index.row[s]]) for s in sentences if s in index.row)
        missing = [s for s in dict.fromkeys(sentences) if s not in known]
        if missing:
            known.update(self._keep(missing, self.embeddings.embed_documents(missing)))
        rows = [known[s] for s in sentences]
        return np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32)

    def preload(self, sentences: Sequence[str]) -> int:
        """Keep in memory now the vectors the embedder's cache holds for these sentences; embed none.

        Looked up one question at a time (a hash and a file read per sentence) they cost ~9 ms a question.
        Sentences the index holds are already in memory.
        """
        store = getattr(self.embeddings, "document_embedding_store", None)  # a CacheBackedEmbeddings
        if store is None:
            return 0
        index = self._index
        wanted = [s for s in dict.fromkeys(sentences) if index is None or s not in index.row]
        found = [(s, v) for s, v in zip(wanted, store.mget(wanted), strict=True) if v is not None]
        if found:
            self._keep([s for s, _ in found], [v for _, v in found])
        return len(found)

    def stored(self, sentences: Sequence[str]) -> list[np.ndarray | None]:
        """Unit vectors of the sentences held in memory or in the embedder's cache; None for the rest (none
        is embedded, and memory is left as it was: a whole corpus's sentences would push out the recent)."""
        index = self._index
        with self._lock:
            found: list[np.ndarray | None] = [self._vectors.get(s) for s in sentences]
        if index is not None:
            found = [
                index.matrix[index.row[s]] if v is None and s in index.row else v
                for s, v in zip(sentences, found, strict=True)
            ]
        missing = [i for i, v in enumerate(found) if v is None]
        store = getattr(self.embeddings, "document_embedding_store", None)
        if store is None:
            return found
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            for i, vector in zip(batch, store.mget([sentences[i] for i in batch]), strict=True):
                if vector is not None:
                    found[i] = _unit(np.asarray(vector, dtype=np.float32))
        return found

    def _keep(self, sentences: Sequence[str], vectors: Sequence[Sequence[float]]) -> dict[str, np.ndarray]:
        """Normalise and remember vectors, the oldest making way; returns them by sentence."""
        found = _unit(np.asarray(vectors, dtype=np.float32))
        kept = dict(zip(sentences, found, strict=True))
        with self._lock:
            self._vectors.update(kept)
            while len(self._vectors) > self.memory:
                self._vectors.popitem(last=False)
        return kept

    def similarities(self, question_vector: Sequence[float], sentences: Sequence[str]) -> list[float]:
        """Cosine of the question to each sentence."""
        if not sentences:
            return []
        query = np.asarray(question_vector, dtype=np.float32)
        norm = float(np.linalg.norm(query)) or 1.0
        return [float(x) for x in self.vectors(sentences) @ (query / norm)]
