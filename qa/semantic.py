"""Sentence-level meaning: how close each candidate sentence is to the question (e5 vectors).

Sentence vectors are embedded at ingest through the same content-hash cache as chunk vectors (and shipped
for the bundled plans), so at question time they are looked up, not computed; a sentence missing from the
cache (a replica without the ingest's cache) is embedded once and kept in memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from qa.script import to_simplified
from qa.sentences import sentence_spans
from qa.types import Chunk


def chunk_sentences(chunk: Chunk) -> list[str]:
    """The Simplified text of each sentence of a chunk: what sentence vectors are embedded from."""
    return [to_simplified(chunk.text[start:end]) for start, end in sentence_spans(chunk.text)]


class SentenceMatcher:
    """Cosine similarity of a question vector to sentences, with sentence vectors from a cached embedder."""

    def __init__(self, embeddings: Embeddings, memory: int = 50_000) -> None:
        self.embeddings = embeddings
        self.memory = memory
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def vectors(self, sentences: Sequence[str]) -> np.ndarray:
        """Unit vectors of the sentences (rows in order)."""
        with self._lock:
            known = {s: self._vectors[s] for s in dict.fromkeys(sentences) if s in self._vectors}
        missing = [s for s in dict.fromkeys(sentences) if s not in known]
        if missing:
            known.update(self._keep(missing, self.embeddings.embed_documents(missing)))
        rows = [known[s] for s in sentences]
        return np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32)

    def preload(self, sentences: Sequence[str]) -> int:
        """Keep in memory now the vectors the embedder's cache holds for these sentences; embed none.

        Looked up one question at a time (a hash and a file read per sentence) they cost ~9 ms a question.
        """
        store = getattr(self.embeddings, "document_embedding_store", None)  # a CacheBackedEmbeddings
        if store is None:
            return 0
        wanted = list(dict.fromkeys(sentences))
        found = [(s, v) for s, v in zip(wanted, store.mget(wanted), strict=True) if v is not None]
        if found:
            self._keep([s for s, _ in found], [v for _, v in found])
        return len(found)

    def _keep(self, sentences: Sequence[str], vectors: Sequence[Sequence[float]]) -> dict[str, np.ndarray]:
        """Normalise and remember vectors, the oldest making way; returns them by sentence."""
        found = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(found, axis=1, keepdims=True)
        found = (found / np.where(norms == 0, 1.0, norms)).astype(np.float32)
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
