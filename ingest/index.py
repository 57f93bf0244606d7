"""Bring the index in line with a set of documents: idempotent, incremental and safe to kill.

A run that changes anything writes a whole new generation in Chroma (unchanged chunks copied with their
vectors, only new ones embedded) and its keyword index, then publishes it in one step; a killed run
leaves the published index as it was, and the next run deletes what it left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings
from tqdm import tqdm

from ingest.formats import DEFAULT_LIMITS, ReadLimits
from ingest.load import LoadError, infer_info
from ingest.reading import ChildReader, Isolation, ReadFile, chunker
from ingest.reading import chunk_file as chunk_file  # where callers have always found it
from qa.keywords import KeywordIndex, fingerprint
from qa.semantic import chunk_sentences
from qa.store import ChunkCollection, ChunkStore, StoreError, store_error
from qa.types import Chunk, DocumentInfo

BATCH = 16  # chunks embedded together; each batch's vectors are cached, so a kill loses at most one batch
WRITE_BATCH = 256  # chunks written to Chroma together: each write costs ~0.35 s whatever its size
LOCK_NAME = ".ingest.lock"


@dataclass(frozen=True, slots=True)
class Failure:
    """A file that was not ingested, and why."""

    path: str
    error: str


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What an ingest run did."""

    documents: int
    chunks: int
    added: int
    removed: int
    unchanged: int
    failed: tuple[Failure, ...] = ()
    seconds: float = 0.0
    doc_ids: tuple[str, ...] = field(default=(), compare=False)

    def to_json(self) -> dict[str, object]:
        """The `planqa ingest --json` object."""
        data = asdict(self)
        data.pop("doc_ids")
        data["failed"] = [asdict(f) for f in self.failed]
        data["seconds"] = round(self.seconds, 3)
        return data


class Indexer:
    """Writes generations of chunks into Chroma, each with its keyword index, and publishes them."""

    def __init__(
        self,
        store: ChunkStore,
        embeddings: Embeddings,
        index_dir: Path,
        *,
        chunk_size: int = 400,
        chunk_overlap: int = 1,
        limits: ReadLimits = DEFAULT_LIMITS,
        isolation: Isolation | None = None,
        sentence_embeddings: Embeddings | None = None,
    ) -> None:
        """With isolation, files are read in a child process within its time; else here, untimed.

        With sentence embeddings (a cached embedder), each new chunk's sentences are embedded too, so the
        answerer finds their vectors in the cache instead of embedding them while a resident waits.
        """
        self.store = store
        self.embeddings = embeddings
        self.sentence_embeddings = sentence_embeddings
        self.index_dir = index_dir
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.limits = limits
        self.isolation = isolation

    def ingest(
        self,
        sources: Sequence[tuple[Path, DocumentInfo | None]],
        *,
        prune: bool = False,
        progress: bool = True,
        on_loaded: Callable[[Path, int], None] | None = None,
        refused: Sequence[tuple[Path, str]] = (),
    ) -> IngestReport:
        """Make the index hold exactly the chunks of these documents (and, with prune, nothing else).

        Each file that cannot be read, and each one `refused` beforehand, is a failure in the report; a
        document that was indexed before is kept while its file fails, even with prune.
        """
        started = time.perf_counter()
        failed = [Failure(str(path), reason) for path, reason in refused]
        wanted: dict[str, list[Chunk]] = {}
        seen_ids = {infer_info(path, "").id for path, _ in refused}
        with contextlib.ExitStack() as stack:
            read: ReadFile = chunker(self.chunk_size, self.chunk_overlap, self.limits)
            if self.isolation is not None:
                read = stack.enter_context(ChildReader(read, self.isolation))
            for path, info in tqdm(sources, desc="读取文档", unit="doc", disable=not progress, leave=False):
                try:
                    chunks = read(path, info)  # whatever fails in a file is its LoadError: see chunk_file
                except LoadError as exc:
                    failed.append(Failure(str(path), str(exc)))
                    seen_ids.add(info.id if info else infer_info(path, "").id)
                    continue
                if not chunks:
                    failed.append(
                        Failure(str(path), "no text to index (only headings or a table of contents)")
                    )
                    continue
                doc_id = chunks[0].doc_id
                if doc_id in wanted:
                    failed.append(
                        Failure(str(path), f"document id {doc_id!r} is already used by another file")
                    )
                    continue
                wanted[doc_id] = chunks
                seen_ids.add(doc_id)
                if on_loaded:
                    on_loaded(path, len(chunks))

        with self._lock():
            return self._write(wanted, seen_ids, failed, prune=prune, progress=progress, started=started)

    def remove(self, doc_ids: Sequence[str], *, progress: bool = False) -> IngestReport:
        """Take these documents' chunks out of the index in one new generation; every other one stays."""
        started = time.perf_counter()
        with self._lock():
            keep = self.store.doc_ids() - set(doc_ids)
            return self._write({}, keep, [], prune=True, progress=progress, started=started)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """One ingest at a time per index directory (a second one waits; a killed one releases it)."""
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            handle = (self.index_dir / LOCK_NAME).open("a")
        except OSError as exc:
            raise store_error(exc, str(self.index_dir), "locking the index") from exc
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def _write(
        self,
        wanted: dict[str, list[Chunk]],
        seen_ids: set[str],
        failed: list[Failure],
        *,
        prune: bool,
        progress: bool,
        started: float,
    ) -> IngestReport:
        self.store.collect_garbage()  # generations a killed run began and never published
        current = self.store.current()
        existing: dict[str, set[str]] = {}
        for doc_id, chunk_id in current.id_docs():
            existing.setdefault(doc_id, set()).add(chunk_id)
        to_add: list[Chunk] = []
        to_remove: list[str] = []
        unchanged = 0
        for doc_id, chunks in wanted.items():
            old = existing.get(doc_id, set())
            desired = {c.id for c in chunks}
            to_add.extend(c for c in chunks if c.id not in old)
            to_remove.extend(sorted(old - desired))
            unchanged += len(old & desired)
        if prune:
            for doc_id in sorted(set(existing) - seen_ids):
                to_remove.extend(sorted(existing[doc_id]))

        vectors = self._embed(to_add, progress)
        legacy = current.collection is not None and not current.fingerprint  # moves to a generation once
        if to_add or to_remove or legacy:
            dropped = set(to_remove)
            kept = sorted(i for ids in existing.values() for i in ids if i not in dropped)
            self._publish(current, kept, to_add, vectors)
        self.sync_keywords()
        return IngestReport(
            documents=len(wanted),
            chunks=sum(len(c) for c in wanted.values()),
            added=len(to_add),
            removed=len(to_remove),
            unchanged=unchanged,
            failed=tuple(failed),
            seconds=time.perf_counter() - started,
            doc_ids=tuple(wanted),
        )

    def _embed(self, chunks: list[Chunk], progress: bool) -> list[np.ndarray]:
        """One float32 row per chunk: 40,000 vectors as lists of Python floats would take ~0.5 GB."""
        vectors: list[np.ndarray] = []
        with tqdm(total=len(chunks), desc="向量化", unit="块", disable=not progress or not chunks) as bar:
            for i in range(0, len(chunks), BATCH):
                batch = chunks[i : i + BATCH]
                found = self.embeddings.embed_documents([c.embed_text for c in batch])
                vectors.extend(np.asarray(found, dtype=np.float32))
                bar.update(len(batch))
        self._embed_sentences(chunks, progress)
        return vectors

    def _embed_sentences(self, chunks: list[Chunk], progress: bool) -> None:
        """Put the new chunks' sentence vectors in the embedding cache, where answering looks them up."""
        if self.sentence_embeddings is None:
            return
        sentences = list(dict.fromkeys(s for c in chunks for s in chunk_sentences(c)))
        with tqdm(
            total=len(sentences), desc="句子向量", unit="句", disable=not progress or not sentences
        ) as bar:
            for i in range(0, len(sentences), BATCH):
                batch = sentences[i : i + BATCH]
                self.sentence_embeddings.embed_documents(batch)  # the cache keeps them by content hash
                bar.update(len(batch))

    def _publish(
        self, current: ChunkCollection, kept: list[str], added: list[Chunk], vectors: list[np.ndarray]
    ) -> None:
        """Write a whole new generation (kept chunks copied with their vectors), then point readers at it."""
        records = [*zip(added, vectors, strict=True), *current.records(kept)]  # read a page at a time
        records.sort(key=lambda r: (r[0].doc_id, r[0].char_start, r[0].id))
        chunks = [chunk for chunk, _ in records]
        if not chunks and current.collection is None:
            return  # nothing indexed and nothing to index: no generation
        generation = self.store.begin()
        for i in range(0, len(records), WRITE_BATCH):
            batch = records[i : i + WRITE_BATCH]
            generation.add([c for c, _ in batch], [v for _, v in batch])
        ids = [c.id for c in chunks]
        if generation.ids() != set(ids):
            raise StoreError(f"索引写入不完整 the new collection {generation.name} is incomplete; run again")
        keywords = KeywordIndex.from_chunks(chunks)
        self._save(keywords)  # before publishing: readers find it as soon as the pointer moves
        self.store.publish(generation, keywords.fingerprint, len(ids))
        self.store.collect_garbage()  # the generation before the previous one

    def _save(self, keywords: KeywordIndex) -> None:
        try:
            keywords.save(self.index_dir)
        except OSError as exc:
            raise store_error(exc, str(self.index_dir), "saving the keyword index") from exc

    def sync_keywords(self) -> KeywordIndex:
        """Make sure the published generation's keyword index is saved here; drop ones no longer needed.

        A replica sharing a Chroma server, or a run killed after publishing, gets it built from Chroma.
        """
        pointer = self.store.pointer()
        index = KeywordIndex.load(self.index_dir, pointer.fingerprint) if pointer else None
        if index is None:
            chunks = sorted(self.store.all_chunks(), key=lambda c: (c.doc_id, c.char_start, c.id))
            index = KeywordIndex.load(self.index_dir, fingerprint(c.id for c in chunks))
            index = index or KeywordIndex.from_chunks(chunks)
            self._save(index)
        KeywordIndex.prune(
            self.index_dir, {index.fingerprint, pointer.previous_fingerprint if pointer else ""}
        )
        return index
