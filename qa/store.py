"""The Chroma collection of chunks: embedded PersistentClient by default, HttpClient for a server."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from qa.types import Chunk

CHROMA_DIRNAME = "chroma"


class StoreError(RuntimeError):
    """The vector store cannot be reached or written; the message says what to do."""


def open_client(index_dir: Path, chroma_url: str | None = None) -> Any:
    """A Chroma client with telemetry off: a server when a URL is given, else embedded under index_dir."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if chroma_url:
            url = urlparse(chroma_url)
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        path = index_dir / CHROMA_DIRNAME
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except PermissionError as exc:
        raise StoreError(f"index directory is not writable: {index_dir} ({exc.strerror})") from exc
    except OSError as exc:
        raise StoreError(f"cannot open the index at {index_dir}: {exc}") from exc
    except Exception as exc:  # chromadb raises plain exceptions for unreachable servers
        where = chroma_url or str(index_dir)
        raise StoreError(f"cannot connect to Chroma at {where}: {exc}") from exc


class ChunkStore:
    """Chunks, their vectors and metadata in one Chroma collection (cosine space)."""

    def __init__(self, client: Any, name: str = "plans", embedding_model: str = "") -> None:
        self.client = client
        self.name = name
        metadata: dict[str, Any] = {"hnsw:space": "cosine"}
        if embedding_model:
            metadata["embedding_model"] = embedding_model
        self.collection = client.get_or_create_collection(
            name=name, metadata=metadata, embedding_function=None
        )
        stored = (self.collection.metadata or {}).get("embedding_model")
        if embedding_model and stored and stored != embedding_model:
            raise StoreError(
                f"index was built with embedding model {stored!r}, not {embedding_model!r}; "
                "use another --index directory or re-ingest into a fresh one"
            )

    def count(self) -> int:
        """How many chunks are stored."""
        return int(self.collection.count())

    def ids(self, doc_id: str | None = None) -> set[str]:
        """Ids of all stored chunks, or of one document's."""
        where = {"doc_id": doc_id} if doc_id else None
        return set(self.collection.get(where=where, include=[])["ids"])

    def doc_ids(self) -> set[str]:
        """The documents that have chunks in the store."""
        metas = self.collection.get(include=["metadatas"])["metadatas"] or []
        return {str(m["doc_id"]) for m in metas}

    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        """Upsert chunks with their vectors (idempotent by id)."""
        if not chunks:
            return
        self.collection.upsert(
            ids=[c.id for c in chunks],
            documents=[c.text for c in chunks],
            metadatas=[c.metadata() for c in chunks],
            embeddings=[list(v) for v in vectors],
        )

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id."""
        if ids:
            self.collection.delete(ids=list(ids))

    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk (the corpus is small enough to hold in memory)."""
        got = self.collection.get(include=["documents", "metadatas"])
        return [
            Chunk.from_metadata(i, d or "", dict(m or {}))
            for i, d, m in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
        ]

    def query(
        self, vector: Sequence[float], k: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity, optionally within some documents."""
        count = self.count()
        if count == 0:
            return []
        where: dict[str, Any] | None = None
        if doc_ids:
            where = {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": list(doc_ids)}}
        got = self.collection.query(
            query_embeddings=[list(vector)], n_results=min(k, count), where=where, include=["distances"]
        )
        ids = got["ids"][0]
        distances = (got["distances"] or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]
