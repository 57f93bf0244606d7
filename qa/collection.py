"""One generation of the index: a Chroma collection of chunks (every call's failure made a StoreError), and
the same generation read whole into memory for answering questions."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any, TypeVar

import numpy as np

from qa.errors import StoreError, store_error
from qa.types import Chunk

_T = TypeVar("_T")
# Rows per Chroma read. chromadb reads a page back with one SQL statement holding a variable per row, and
# SQLite allows 32,766: reading a whole collection past that failed ("too many SQL variables"), so an
# index of more than ~165 plans the size of the bundled ones could be written but never read again.
PAGE = 5000


def call(where: str, action: str, fn: Callable[[], _T]) -> _T:
    """Run one Chroma call; any failure (server gone, disk full, read-only) becomes a StoreError."""
    try:
        return fn()
    except StoreError:
        raise
    except Exception as exc:
        raise store_error(exc, where, action) from exc


class ChunkCollection:
    """One generation: chunks, their vectors and metadata in one Chroma collection (cosine space).

    `version` names what a reader holds (collection and id fingerprint); an empty index has neither.
    """

    def __init__(
        self, collection: Any, where: str, version: str = "", fingerprint: str = "", page: int = PAGE
    ) -> None:
        self.collection: Any = collection  # None for an empty index
        self.where = where
        self.version = version
        self.fingerprint = fingerprint
        self.page = page  # rows per read: never the whole collection in one call

    @property
    def name(self) -> str:
        """The Chroma collection's name ('' for an empty index)."""
        return str(self.collection.name) if self.collection is not None else ""

    def _do(self, action: str, fn: Callable[[], _T], empty: _T) -> _T:
        return empty if self.collection is None else call(self.where, action, fn)

    def count(self) -> int:
        """How many chunks are stored."""
        return self._do("counting chunks", lambda: int(self.collection.count()), 0)

    def _pages(
        self, action: str, include: list[str], ids: Sequence[str] | None = None, where: Any = None
    ) -> Iterator[dict[str, Any]]:
        """Read rows page by page: these ids `page` at a time, else the whole collection by offset.

        Offsets are stable because a generation is never written once it is being read.
        """
        if self.collection is None:
            return
        if ids is not None:
            for start in range(0, len(ids), self.page):
                part = list(ids[start : start + self.page])
                yield call(self.where, action, partial(self.collection.get, ids=part, include=include))
            return
        offset = 0
        while True:
            read = partial(self.collection.get, where=where, include=include, limit=self.page, offset=offset)
            got: dict[str, Any] = call(self.where, action, read)
            yield got
            if len(got["ids"]) < self.page:
                return
            offset += len(got["ids"])

    def ids(self, doc_id: str | None = None) -> set[str]:
        """Ids of all stored chunks, or of one document's."""
        where = {"doc_id": doc_id} if doc_id else None
        return {i for got in self._pages("reading ids", [], where=where) for i in got["ids"]}

    def doc_ids(self) -> set[str]:
        """The documents that have chunks in the store."""
        return {doc for doc, _ in self.id_docs()}

    def id_docs(self) -> list[tuple[str, str]]:
        """(document id, chunk id) of every stored chunk."""
        return [
            (str(m["doc_id"]), i)
            for got in self._pages("reading ids", ["metadatas"])
            for i, m in zip(got["ids"], got["metadatas"] or [], strict=True)
        ]

    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk (the corpus is small enough to hold in memory)."""
        return self._read(None, vectors=False)[0]

    def records(self, ids: Sequence[str] | None, *, vectors: bool = True) -> list[tuple[Chunk, np.ndarray]]:
        """Chunks (all, or these ids) with their stored vectors as float32 rows (empty when not asked for)."""
        chunks, rows = self._read(ids, vectors)
        empty = np.zeros(0, np.float32)
        return [(chunk, rows[n] if vectors and len(rows) else empty) for n, chunk in enumerate(chunks)]

    def matrix(self) -> tuple[list[Chunk], np.ndarray]:
        """Every chunk and its vector as one float32 row, in the same order (no Python float per value)."""
        chunks, rows = self._read(None, vectors=True)
        return (chunks, rows) if chunks else ([], np.zeros((0, 0), np.float32))

    def _read(self, ids: Sequence[str] | None, vectors: bool) -> tuple[list[Chunk], np.ndarray]:
        """Chunks and (when asked for) their vectors, one float32 row each, read a page at a time."""
        chunks: list[Chunk] = []
        rows: list[np.ndarray] = []
        include = ["documents", "metadatas", *(["embeddings"] if vectors else [])]
        for got in self._pages("reading chunks", include, ids):
            chunks += [
                Chunk.from_metadata(i, d or "", dict(m or {}))
                for i, d, m in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
            ]
            found = got.get("embeddings")
            if vectors and found is not None and len(found):
                rows.append(np.asarray(found, dtype=np.float32))
        return chunks, np.concatenate(rows) if rows else np.zeros((0, 0), np.float32)

    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]] | Sequence[np.ndarray]) -> None:
        """Upsert chunks with their vectors (idempotent by id)."""
        if not chunks:
            return
        self._do(
            "writing chunks",
            lambda: self.collection.upsert(
                ids=[c.id for c in chunks],
                documents=[c.text for c in chunks],
                metadatas=[c.metadata() for c in chunks],
                embeddings=np.asarray(vectors, dtype=np.float32),
            ),
            None,
        )

    def query(
        self, vector: Sequence[float], k: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity, optionally within some documents."""
        where: dict[str, Any] | None = None
        if doc_ids:
            where = {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": list(doc_ids)}}
        got: dict[str, Any] = self._do(
            "searching",
            lambda: self.collection.query(
                # Chroma 1.x returns what there is when k exceeds it, so no count() round trip first
                query_embeddings=[list(vector)],
                n_results=k,
                where=where,
                include=["distances"],
            ),
            {"ids": [[]], "distances": [[]]},
        )
        ids = got["ids"][0]
        distances = (got["distances"] or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]


def best_rows(scores: np.ndarray, k: int, rows: np.ndarray | None = None) -> np.ndarray:
    """The k best-scoring rows (of `rows`, else of all), best first and ties in row order.

    The same as a stable argsort of the negated scores cut to k, without sorting them all: at 40,000 chunks
    the whole sort was most of a search's time.
    """
    candidates = np.arange(len(scores)) if rows is None else rows
    if 0 < k < len(candidates):
        kth = np.partition(scores[candidates], len(candidates) - k)[len(candidates) - k]  # k-th largest
        candidates = candidates[scores[candidates] >= kth]  # every tie with it too, still in row order
    return candidates[np.argsort(-scores[candidates], kind="stable")[:k]]


class DocumentRows:
    """Which document each row belongs to, as small integers, so that rows are picked by document with an
    integer comparison: comparing 40,000 document-id strings took ~10 ms a search."""

    def __init__(self, doc_ids: Sequence[str]) -> None:
        code: dict[str, int] = {}
        codes = np.array([code.setdefault(d, len(code)) for d in doc_ids], dtype=np.int32)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(code) + 1))
        # each document's rows, ascending: a search within one plan of 200 picks them without a scan
        self._of = {d: order[bounds[c] : bounds[c + 1]] for d, c in code.items()}

    def rows(self, doc_ids: Sequence[str]) -> np.ndarray:
        """The rows of these documents, in order (unknown ids have none)."""
        found = [self._of[d] for d in dict.fromkeys(doc_ids) if d in self._of]
        if len(found) == 1:
            return found[0]
        return np.sort(np.concatenate(found)) if found else np.zeros(0, np.int64)


class LoadedGeneration:
    """A generation read whole: its chunks in document order and their unit vectors, searched exactly.

    Questions then search memory, not Chroma: a cosine over a few hundred vectors takes well under a
    millisecond, and the Chroma client that read the generation can be closed (see ChunkStore.load).
    """

    def __init__(
        self, name: str, version: str, fingerprint: str, chunks: Sequence[Chunk], vectors: np.ndarray
    ) -> None:
        self.name = name
        self.version = version
        self.fingerprint = fingerprint
        order = sorted(
            range(len(chunks)), key=lambda i: (chunks[i].doc_id, chunks[i].char_start, chunks[i].id)
        )
        self.chunks = [chunks[i] for i in order]
        self.ids = [chunk.id for chunk in self.chunks]
        self._rows = DocumentRows([chunk.doc_id for chunk in self.chunks])
        rows = np.asarray(vectors, dtype=np.float32)[order] if order else np.zeros((0, 0), np.float32)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        self._vectors = rows / np.where(norms > 0, norms, np.float32(1.0))
        self._last: tuple[bytes, np.ndarray] | None = None

    @classmethod
    def read(cls, collection: ChunkCollection) -> LoadedGeneration:
        """Read every chunk of a collection with its vector."""
        return cls(collection.name, collection.version, collection.fingerprint, *collection.matrix())

    def count(self) -> int:
        """How many chunks the generation holds."""
        return len(self.ids)

    def _scores(self, question: np.ndarray) -> np.ndarray:
        """Cosine of every chunk with the question; the last question's are kept, since a comparison
        searches each of its plans with the same vector (200 plans: 200 products of a 40,000-row matrix)."""
        key = question.tobytes()
        last = self._last  # one read: another thread may replace it meanwhile
        if last is not None and last[0] == key:
            return last[1]
        norm = float(np.linalg.norm(question))
        scores = self._vectors @ (question / norm if norm > 0 else question)
        self._last = (key, scores)
        return scores

    def query(
        self, vector: Sequence[float], k: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity, optionally within some documents (as Chroma's query)."""
        if not self.ids:
            return []
        question = np.asarray(vector, dtype=np.float32)
        if question.shape != self._vectors.shape[1:]:
            raise StoreError(
                f"索引与模型不符 the question's vector has {question.size} dimensions, the index's "
                f"{self._vectors.shape[1]}: was the index built with another embedding model?"
            )
        rows = self._rows.rows(doc_ids) if doc_ids else None
        if rows is not None and len(rows) * 4 < len(self.ids):
            # a few plans of many (a question routed to 2 plans of 200): only their rows are scored
            norm = float(np.linalg.norm(question))
            own = self._vectors[rows] @ (question / norm if norm > 0 else question)
            return [(self.ids[rows[i]], float(own[i])) for i in best_rows(own, k)]
        scores = self._scores(question)
        return [(self.ids[i], float(scores[i])) for i in best_rows(scores, k, rows)]
