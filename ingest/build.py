"""Wire the real Indexer from settings: the one place an ingest's parts are chosen (qa.build does answers)."""

from __future__ import annotations

from pathlib import Path

from ingest.formats import MIB, ReadLimits
from ingest.index import Indexer
from ingest.reading import Isolation
from qa.build import open_store, passage_embeddings
from qa.settings import Settings
from qa.store import ChunkStore


def read_limits(settings: Settings) -> ReadLimits:
    """How large a file, its unpacked contents and a PDF may be."""
    return ReadLimits(
        file_bytes=settings.max_file_mb * MIB,
        unpacked_bytes=settings.max_unpacked_mb * MIB,
        pdf_pages=settings.max_pdf_pages,
    )


def build_indexer(
    settings: Settings,
    index_dir: Path,
    store: ChunkStore | None = None,
    *,
    isolated: bool = True,
    shipped_vectors: bool = True,
) -> Indexer:
    """The indexer `planqa ingest`, the chat's first start and the corpus page use.

    Isolated, each file is read in a child process within its time and memory (files from outside);
    without, here (the bundled plans, where starting a reader process would only slow the first start).
    Without shipped vectors, every chunk is embedded: a cold start on plans nobody shipped vectors for.
    """
    store = store or open_store(settings, index_dir)
    embeddings = passage_embeddings(settings, index_dir, shipped=shipped_vectors)
    isolation = Isolation(settings.max_seconds_per_file, settings.max_reader_memory_mb * MIB)
    return Indexer(
        store,
        embeddings,
        index_dir,
        sentence_embeddings=embeddings,  # the same cache: answering looks sentence vectors up there
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        limits=read_limits(settings),
        isolation=isolation if isolated else None,
    )
