"""The index in Chroma: immutable generations of chunks and a pointer record naming the published one.

An ingest that changes anything writes a complete new collection NAME__gN, then publishes it by one
upsert of the pointer record in NAME__current; readers take a generation from the pointer and keep it
for a whole question, so they see the old index or the new one, never a mix. The pointer lives in
Chroma itself, so it works the same embedded and against a server shared by several app replicas.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from qa.collection import PAGE, ChunkCollection, LoadedGeneration, call
from qa.deadline import Deadline, within
from qa.errors import EmptyIndexError, StoreError, detail, not_found, store_error
from qa.types import Chunk

__all__ = [
    "ChunkCollection",
    "ChunkStore",
    "EmptyIndexError",
    "LoadedGeneration",
    "Pointer",
    "StoreError",
    "open_client",
    "store_error",
]

CHROMA_DIRNAME = "chroma"
POINTER_ID = "current"


def open_client(index_dir: Path, chroma_url: str | None = None, timeout_s: float = 30.0) -> Any:
    """A Chroma client with telemetry off: a server when a URL is given, else embedded under index_dir.

    A server's client gives up on any call after `timeout_s` (see qa.deadline).
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    where = chroma_url or str(index_dir)
    try:
        if chroma_url:
            url = urlparse(chroma_url)
            client = within(
                timeout_s,
                lambda: chromadb.HttpClient(
                    host=url.hostname or "127.0.0.1",
                    port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https",
                    settings=chroma_settings,
                ),
            )
            return Deadline(client, timeout_s)
        path = index_dir / CHROMA_DIRNAME
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except TimeoutError as exc:  # an OSError, but the server's, not the index directory's
        raise store_error(exc, where, "connecting") from exc
    except OSError as exc:
        raise StoreError(f"无法打开索引 cannot open the index at {index_dir} ({detail(exc)})") from exc
    except Exception as exc:  # chromadb raises plain exceptions for unreachable servers
        raise store_error(exc, where, "connecting") from exc


@dataclass(frozen=True, slots=True)
class Pointer:
    """The published generation, the one before it (kept for readers still using it), and its ids' digest."""

    collection: str
    previous: str
    fingerprint: str
    count: int
    embedding_model: str = ""
    previous_fingerprint: str = ""


class ChunkStore:
    """A named index in Chroma: generations NAME__gN and the pointer record in NAME__current.

    An index written before generations existed (one collection NAME) is read as it is, and replaced by
    a generation on the next ingest. count/ids/doc_ids/all_chunks/query read the published generation.
    """

    def __init__(
        self, client: Any, name: str = "plans", embedding_model: str = "", where: str = "", page: int = PAGE
    ) -> None:
        self.client = client
        self.name = name
        self.embedding_model = embedding_model
        self.where = where or "Chroma"
        self.page = page  # rows per Chroma read (see qa.collection.PAGE)
        self._pointer_handle: Any = None
        self._generation = re.compile(rf"^{re.escape(name)}__g(\d+)$")
        current = self.current()
        stored = self.stored_model(current)
        if embedding_model and stored and stored != embedding_model:
            raise StoreError(
                f"index was built with embedding model {stored!r}, not {embedding_model!r}; "
                "use another --index directory or re-ingest into a fresh one"
            )

    @property
    def pointer_name(self) -> str:
        """The collection holding the pointer record."""
        return f"{self.name}__current"

    def _get(self, name: str) -> Any | None:
        try:
            return self.client.get_collection(name=name, embedding_function=None)
        except Exception as exc:
            if not_found(exc):
                return None
            raise store_error(exc, self.where, f"opening collection {name}") from exc

    def pointer(self) -> Pointer | None:
        """The published generation, or None before the first generational ingest (one cheap read)."""
        for attempt in range(2):
            if self._pointer_handle is None:
                self._pointer_handle = self._get(self.pointer_name)
                if self._pointer_handle is None:
                    return None
            try:
                got = self._pointer_handle.get(ids=[POINTER_ID], include=["metadatas"])
            except Exception as exc:
                self._pointer_handle = None  # recreated elsewhere, e.g. a server started on a fresh path
                if not_found(exc) and attempt == 0:
                    continue
                raise store_error(exc, self.where, "reading the index pointer") from exc
            if not got["ids"]:
                return None
            meta = dict((got["metadatas"] or [{}])[0] or {})
            return Pointer(
                collection=str(meta["collection"]),
                previous=str(meta.get("previous", "")),
                fingerprint=str(meta["fingerprint"]),
                count=int(meta.get("count", 0)),
                embedding_model=str(meta.get("embedding_model", "")),
                previous_fingerprint=str(meta.get("previous_fingerprint", "")),
            )
        return None

    def version(self) -> str:
        """What `current()` would return, named cheaply: one read of the pointer record."""
        pointer = self.pointer()
        if pointer is not None:
            return f"{pointer.collection}:{pointer.fingerprint}"
        return self.current().version

    def current(self) -> ChunkCollection:
        """The published generation (a legacy single collection, or an empty index, when none is)."""
        pointer = self.pointer()
        if pointer is not None:
            found = self._get(pointer.collection)
            if found is None:
                raise StoreError(f"索引已被替换 the published collection {pointer.collection} is gone; retry")
            version = f"{pointer.collection}:{pointer.fingerprint}"
            return ChunkCollection(found, self.where, version, pointer.fingerprint, self.page)
        legacy = self._get(self.name)
        if legacy is not None and call(self.where, "counting chunks", legacy.count) > 0:
            return ChunkCollection(legacy, self.where, f"{self.name}:legacy", page=self.page)
        return ChunkCollection(None, self.where, page=self.page)

    def load(self) -> LoadedGeneration:
        """The published generation read whole (chunks and vectors), for questions to search in memory.

        An embedded index is read through a Chroma client of its own, closed right after: chromadb keeps
        what it loaded of every collection a client has read until that client closes (about 2.6 MB a
        generation, measured with chromadb 1.5), so a chat following publication after publication through
        one long-lived client grew by that much each time, without end.
        """
        own = self._own_client()
        if own is None:
            return LoadedGeneration.read(self.current())
        try:
            return LoadedGeneration.read(
                ChunkStore(own, self.name, where=self.where, page=self.page).current()
            )
        finally:
            own.close()

    def _own_client(self) -> Any | None:
        """A new embedded client on this store's directory that shares nothing with ours (None: a server)."""
        get_settings = getattr(self.client, "get_settings", None)
        chroma_settings = get_settings() if callable(get_settings) else None
        if chroma_settings is None or not getattr(chroma_settings, "is_persistent", False):
            return None
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        # chromadb shares one client state per path string: "<dir>/." names the same files, not the same state
        path = f"{chroma_settings.persist_directory}/."
        return call(
            self.where,
            "opening the index",
            lambda: chromadb.PersistentClient(path=path, settings=ChromaSettings(anonymized_telemetry=False)),
        )

    def stored_model(self, current: ChunkCollection | None = None) -> str:
        """The embedding model the published index was built with ('' when unknown or empty)."""
        current = current or self.current()
        if current.collection is None:
            return ""
        return str((current.collection.metadata or {}).get("embedding_model", ""))

    def generations(self) -> list[str]:
        """Names of every collection of this index: generations, and a legacy collection."""
        found = call(self.where, "listing collections", self.client.list_collections)
        names = [str(getattr(c, "name", c)) for c in found]
        return [n for n in names if n == self.name or self._generation.match(n)]

    def begin(self) -> ChunkCollection:
        """A new, empty, unpublished generation numbered after every existing one."""
        pointer = self.pointer()
        numbers = [int(m.group(1)) for n in self.generations() if (m := self._generation.match(n))]
        if pointer is not None and (m := self._generation.match(pointer.collection)):
            numbers.append(int(m.group(1)))
        name = f"{self.name}__g{max(numbers, default=0) + 1}"
        metadata: dict[str, Any] = {"hnsw:space": "cosine", "created": time.time()}
        if self.embedding_model:
            metadata["embedding_model"] = self.embedding_model
        made = call(
            self.where,
            f"creating collection {name}",
            lambda: self.client.create_collection(name=name, metadata=metadata, embedding_function=None),
        )
        return ChunkCollection(made, self.where, f"{name}:unpublished", page=self.page)

    def publish(self, generation: ChunkCollection, fingerprint: str, count: int) -> Pointer:
        """Point readers at a complete generation (one atomic upsert); the old one becomes `previous`."""
        old = self.current()
        pointer = Pointer(
            generation.name, old.name, fingerprint, count, self.embedding_model, old.fingerprint
        )
        handle = call(
            self.where,
            "creating the index pointer",
            lambda: self.client.get_or_create_collection(name=self.pointer_name, embedding_function=None),
        )
        meta = {
            "collection": pointer.collection,
            "previous": pointer.previous,
            "fingerprint": fingerprint,
            "count": count,
            "embedding_model": self.embedding_model,
            "previous_fingerprint": old.fingerprint,
            "published": time.time(),
        }
        call(
            self.where,
            "publishing the new index",
            lambda: handle.upsert(ids=[POINTER_ID], embeddings=[[1.0]], metadatas=[meta]),
        )
        self._pointer_handle = handle
        return pointer

    def collect_garbage(self) -> list[str]:
        """Delete generations that are neither published nor the previous one (e.g. left by a killed run)."""
        pointer = self.pointer()
        keep = {pointer.collection, pointer.previous} if pointer else {self.name}
        dropped = [n for n in self.generations() if n not in keep]
        for name in dropped:
            try:
                self.client.delete_collection(name=name)
            except Exception as exc:
                if not not_found(exc):
                    raise store_error(exc, self.where, f"deleting collection {name}") from exc
        return dropped

    # The published generation, read afresh on every call (tools and tests; readers take a snapshot).
    def count(self) -> int:
        """How many chunks the published index holds."""
        return self.current().count()

    def ids(self, doc_id: str | None = None) -> set[str]:
        """Ids of the published chunks, or of one document's."""
        return self.current().ids(doc_id)

    def doc_ids(self) -> set[str]:
        """The documents in the published index."""
        return self.current().doc_ids()

    def all_chunks(self) -> list[Chunk]:
        """Every published chunk."""
        return self.current().all_chunks()

    def query(
        self, vector: Sequence[float], k: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest published chunk ids with cosine similarity."""
        return self.current().query(vector, k, doc_ids)

    @property
    def collection(self) -> Any:
        """The published generation's Chroma collection (None for an empty index)."""
        return self.current().collection
