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

_CHAINS: dict[str, QAChain | Path] = {}


def plans_chain(root: Path) -> QAChain:
    """The extractive chain over both bundled plans (the same one for every caller in a session).

    Every caller must open it at the same root (basetemp/ui-index): a second root would silently get the
    first one's chain while tests that read the directory itself (the 问题看板) would see an empty index.
    """
    opened = _CHAINS.get("root")
    if opened is not None and opened != root:
        raise ValueError(f"plans_chain is opened at {opened}; open it there, not at {root}")
    _CHAINS["root"] = root
    if "chain" not in _CHAINS:
        root.mkdir(parents=True, exist_ok=True)
        store = ChunkStore(open_client(root), "plans", embedding_model="bigram")
        if store.count() == 0:
            Indexer(store, BigramEmbeddings(), root).ingest(read_manifest(BUNDLED_PLANS), progress=False)
        retriever = HybridRetriever(source=Corpus.open(store, root), embeddings=BigramEmbeddings())
        sentences = SentenceMatcher(BigramEmbeddings())
        _CHAINS["chain"] = QAChain(retriever, max_question_chars=200, sentences=sentences)
    chain = _CHAINS["chain"]
    assert isinstance(chain, QAChain)
    return chain
