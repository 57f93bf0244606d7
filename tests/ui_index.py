"""One real index over the bundled plans, embedded with the bigram fake, built once per test session."""

from __future__ import annotations

from pathlib import Path

from ingest.index import Indexer
from ingest.load import read_manifest
from qa.chain import QAChain
from qa.corpus import Corpus
from qa.retrieve import HybridRetriever
from qa.semantic import SentenceMatcher
from qa.settings import BUNDLED_PLANS
from qa.store import ChunkStore, open_client
from tests.fakes import BigramEmbeddings

_CHAINS: dict[str, QAChain] = {}


def plans_chain(root: Path) -> QAChain:
    """The extractive chain over both bundled plans (the same one for every caller in a session)."""
    if "chain" not in _CHAINS:
        root.mkdir(parents=True, exist_ok=True)
        store = ChunkStore(open_client(root), "plans", embedding_model="bigram")
        if store.count() == 0:
            Indexer(store, BigramEmbeddings(), root).ingest(read_manifest(BUNDLED_PLANS), progress=False)
        retriever = HybridRetriever(source=Corpus.open(store, root), embeddings=BigramEmbeddings())
        sentences = SentenceMatcher(BigramEmbeddings())
        _CHAINS["chain"] = QAChain(retriever, max_question_chars=200, sentences=sentences)
    return _CHAINS["chain"]
