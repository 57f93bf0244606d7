"""Wire the real components from settings; everything else takes them ready-made."""

from __future__ import annotations

from pathlib import Path

from langchain_core.embeddings import Embeddings

from qa.embeddings import build_embeddings, cache_namespace, cached
from qa.settings import BUNDLED_PLANS, Settings
from qa.store import ChunkStore, open_client

EMBED_CACHE_DIRNAME = "embedding-cache"


def bundled_vectors(model: str) -> Path:
    """Where the vectors of the bundled plans for one embedding model are shipped."""
    return BUNDLED_PLANS / f"vectors-{cache_namespace(model)}.npz"


def passage_embeddings(settings: Settings, index_dir: Path) -> Embeddings:
    """The configured embedder behind a content-hash cache kept in the index directory."""
    return cached(build_embeddings(settings.embedding_model), index_dir / EMBED_CACHE_DIRNAME,
                  namespace=settings.embedding_model, bundled=bundled_vectors(settings.embedding_model))


def open_store(settings: Settings, index_dir: Path) -> ChunkStore:
    """The Chroma collection for this index (embedded, or on the configured server)."""
    client = open_client(index_dir, settings.chroma_url)
    return ChunkStore(client, settings.collection, embedding_model=settings.embedding_model)
