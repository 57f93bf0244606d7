"""Bring the index in line with a set of documents: idempotent, incremental and safe to kill."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from langchain_core.embeddings import Embeddings
from tqdm import tqdm

from ingest.load import LoadError, infer_info, load_document
from ingest.outline import parse_outline
from ingest.split import split_document
from qa.keywords import KeywordIndex, fingerprint
from qa.store import ChunkStore
from qa.types import Chunk, DocumentInfo

BATCH = 16  # chunks embedded together; each batch's vectors are cached, so a kill loses at most one batch
WRITE_BATCH = 256  # chunks written to Chroma together: each write costs ~0.35 s whatever its size


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


def chunk_file(path: Path, info: DocumentInfo | None, size: int, overlap: int) -> list[Chunk]:
    """Load, outline and split one file."""
    doc = load_document(path, info)
    return split_document(doc, parse_outline(doc), size=size, overlap=overlap)


class Indexer:
    """Writes chunks into Chroma and keeps the keyword index in step with it."""

    def __init__(
        self,
        store: ChunkStore,
        embeddings: Embeddings,
        index_dir: Path,
        *,
        chunk_size: int = 400,
        chunk_overlap: int = 1,
    ) -> None:
        self.store = store
        self.embeddings = embeddings
        self.index_dir = index_dir
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap

    def ingest(
        self,
        sources: Sequence[tuple[Path, DocumentInfo | None]],
        *,
        prune: bool = False,
        progress: bool = True,
        on_loaded: Callable[[Path, int], None] | None = None,
    ) -> IngestReport:
        """Make the index hold exactly the chunks of these documents (and, with prune, nothing else)."""
        started = time.perf_counter()
        failed: list[Failure] = []
        wanted: dict[str, list[Chunk]] = {}
        seen_ids: set[str] = set()
        for path, info in tqdm(sources, desc="读取文档", unit="doc", disable=not progress, leave=False):
            try:
                chunks = chunk_file(path, info, self.chunk_size, self.chunk_overlap)
            except LoadError as exc:
                failed.append(Failure(str(path), str(exc)))
                seen_ids.add(info.id if info else infer_info(path, "").id)
                continue
            if not chunks:
                failed.append(Failure(str(path), "no text to index (only headings or a table of contents)"))
                continue
            doc_id = chunks[0].doc_id
            if doc_id in wanted:
                failed.append(Failure(str(path), f"document id {doc_id!r} is already used by another file"))
                continue
            wanted[doc_id] = chunks
            seen_ids.add(doc_id)
            if on_loaded:
                on_loaded(path, len(chunks))

        to_add: list[Chunk] = []
        to_remove: list[str] = []
        unchanged = 0
        for doc_id, chunks in wanted.items():
            existing = self.store.ids(doc_id)
            desired = {c.id for c in chunks}
            to_add.extend(c for c in chunks if c.id not in existing)
            to_remove.extend(sorted(existing - desired))
            unchanged += len(existing & desired)
        if prune:
            for doc_id in sorted(self.store.doc_ids() - seen_ids):
                to_remove.extend(sorted(self.store.ids(doc_id)))

        with tqdm(total=len(to_add), desc="向量化", unit="块", disable=not progress or not to_add) as bar:
            pending: list[Chunk] = []
            vectors: list[list[float]] = []
            for i in range(0, len(to_add), BATCH):
                batch = to_add[i : i + BATCH]
                vectors.extend(self.embeddings.embed_documents([c.embed_text for c in batch]))
                pending.extend(batch)
                if len(pending) >= WRITE_BATCH or i + BATCH >= len(to_add):
                    self.store.add(pending, vectors)
                    pending, vectors = [], []
                bar.update(len(batch))
        for i in range(0, len(to_remove), 256):
            self.store.delete(to_remove[i : i + 256])
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

    def sync_keywords(self) -> KeywordIndex:
        """Rebuild the keyword index from Chroma when the two disagree (also repairs a killed run)."""
        chunks = self.store.all_chunks()
        current = KeywordIndex.load(self.index_dir)
        ids = [c.id for c in chunks]
        if current is not None and current.fingerprint == fingerprint(ids):
            return current
        index = KeywordIndex.build(ids, [c.doc_id for c in chunks], [c.embed_text for c in chunks])
        index.save(self.index_dir)
        return index
