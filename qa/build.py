"""Wire the real components from settings; everything else takes them ready-made."""

from __future__ import annotations

from pathlib import Path

from langchain_core.embeddings import Embeddings

from qa.answerability import MODEL_FILE, Answerability
from qa.backends import Answerer, ChatModelAnswerer, ExtractiveAnswerer
from qa.chain import QAChain
from qa.corpus import LiveCorpus
from qa.embeddings import build_embeddings, cache_namespace, cached
from qa.retrieve import HybridRetriever
from qa.semantic import SentenceMatcher
from qa.settings import BUNDLED_PLANS, Settings
from qa.store import ChunkStore, open_client

EMBED_CACHE_DIRNAME = "embedding-cache"


def bundled_vectors(model: str) -> Path:
    """Where the vectors of the bundled plans for one embedding model are shipped."""
    return BUNDLED_PLANS / f"vectors-{cache_namespace(model)}.npz"


def passage_embeddings(settings: Settings, index_dir: Path, *, shipped: bool = True) -> Embeddings:
    """The configured embedder behind a content-hash cache kept in the index directory.

    The cache falls back on the vectors shipped for the bundled plans unless `shipped` is False.
    """
    return cached(
        build_embeddings(settings.embedding_model),
        index_dir / EMBED_CACHE_DIRNAME,
        namespace=settings.embedding_model,
        bundled=bundled_vectors(settings.embedding_model) if shipped else None,
    )


def open_store(settings: Settings, index_dir: Path) -> ChunkStore:
    """The Chroma collection for this index (embedded, or on the configured server)."""
    client = open_client(index_dir, settings.chroma_url, settings.chroma_timeout_s)
    where = settings.chroma_url or str(index_dir)
    return ChunkStore(client, settings.collection, embedding_model=settings.embedding_model, where=where)


def open_retriever(
    settings: Settings,
    index_dir: Path,
    store: ChunkStore | None = None,
    sentences: SentenceMatcher | None = None,
) -> HybridRetriever:
    """The hybrid retriever over an existing index; it follows what later ingests publish.

    It ranks chunks by their closest sentence too, from the index's cached sentence vectors (`sentences`,
    to share them with the chain's sentence matching).
    """
    store = store or open_store(settings, index_dir)
    reranker = None
    if settings.reranker_model:
        from sentence_transformers import CrossEncoder

        reranker = CrossEncoder(settings.reranker_model, device="cpu")
    return HybridRetriever(
        source=LiveCorpus(store, index_dir),
        embeddings=build_embeddings(settings.embedding_model, settings.fast_query_encoder),
        k=settings.top_k,
        sentences=sentences or SentenceMatcher(passage_embeddings(settings, index_dir)),
        reranker=reranker,
    )


def build_answerer(settings: Settings) -> Answerer:
    """The configured answer backend: extractive quotes, or a chat model behind the same protocol."""
    if settings.backend == "extractive":
        return ExtractiveAnswerer()
    from qa.llm import build_chat_model

    llm = build_chat_model(
        settings.backend,
        base_url=settings.openai_base_url,
        model=settings.openai_model,
        api_key=settings.openai_api_key,
        model_path=settings.llamacpp_model_path,
        max_tokens=settings.max_new_tokens,
        temperature=settings.temperature,
    )
    return ChatModelAnswerer(llm, name=settings.backend)


def build_chain(
    settings: Settings,
    index_dir: Path,
    store: ChunkStore | None = None,
    answerability: Answerability | None = None,
) -> QAChain:
    """The answering chain with the configured backend over an existing index (and the shipped
    answerability model unless another is given: calibration reads signals before any model exists)."""
    sentences = SentenceMatcher(passage_embeddings(settings, index_dir))  # one copy of the vectors
    return QAChain(
        open_retriever(settings, index_dir, store, sentences),
        build_answerer(settings),
        max_question_chars=settings.max_question_chars,
        answerability=answerability
        or Answerability.load(
            settings.answerability_model or MODEL_FILE, embedding_model=settings.embedding_model
        ),
        sentences=sentences,
    )
