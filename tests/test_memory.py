"""A chat following publication after publication keeps a flat memory footprint."""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from ingest.index import Indexer
from ingest.load import read_manifest
from qa.chain import QAChain
from qa.corpus import LiveCorpus
from qa.retrieve import HybridRetriever
from qa.settings import BUNDLED_PLANS
from qa.store import ChunkStore, open_client
from qa.types import DocumentInfo
from tests.fakes import BigramEmbeddings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

PUBLISHES = 50
MAX_GROWTH_MB = 50  # before ChunkStore.load read each generation through its own client: ~2.7 MB a publish
QUESTIONS = [
    "荔湾区的发展基础有哪些？",
    "从化区2020年的地区生产总值是多少？",
    "两区在生态环境保护方面各有什么举措？",
]
Sources = list[tuple[Path, DocumentInfo]]


def two_versions(folder: Path) -> tuple[Sources, Sources]:
    """The first 70 lines of each plan, and the same with one more line: every publish changes a chunk."""
    folder.mkdir(parents=True, exist_ok=True)
    versions: tuple[Sources, Sources] = ([], [])
    for path, info in read_manifest(BUNDLED_PLANS):
        lines = path.read_text(encoding="utf-8").split("\n")
        for n, version in enumerate(versions):
            copy = folder / f"v{n}-{path.name}"
            copy.write_text("\n".join(lines[: 70 + n]), encoding="utf-8")
            version.append((copy, info))
    return versions


def publisher(index: Path, folder: Path, orders: Connection) -> None:
    """`planqa ingest` as another process would run it: publish version n % 2 for each n received."""
    versions = two_versions(folder)
    indexer = Indexer(ChunkStore(open_client(index), "plans"), BigramEmbeddings(), index)
    while (n := orders.recv()) is not None:
        indexer.ingest(versions[n % 2], prune=True, progress=False)
        orders.send(indexer.store.pointer())


@pytest.fixture
def publish(tmp_path: Path) -> Iterator[tuple[Path, Connection]]:
    index = tmp_path / "index"
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=publisher, args=(index, tmp_path / "plans", theirs), daemon=True
    )
    process.start()
    try:
        yield index, ours
    finally:
        ours.send(None)
        process.join(60)


def rss_mb() -> float:
    """This process's resident memory."""
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_fifty_publications_under_questions_leave_the_chat_process_flat(
    publish: tuple[Path, Connection],
) -> None:
    index, orders = publish
    orders.send(0)
    orders.recv()
    chain = QAChain(
        HybridRetriever(
            source=LiveCorpus(ChunkStore(open_client(index), "plans"), index), embeddings=BigramEmbeddings()
        )
    )
    seen: set[str] = set()

    def publish_and_ask(n: int) -> None:
        orders.send(n)
        pointer = orders.recv()
        for question in QUESTIONS:
            answer = chain.ask(question)
            assert answer.retrieved, question
        assert chain.corpus.version == f"{pointer.collection}:{pointer.fingerprint}"  # it followed
        seen.add(pointer.collection)

    for n in range(1, 6):  # settle: caches, the keyword tokenizer, the allocator's arenas
        publish_and_ask(n)
    before = rss_mb()
    for n in range(6, 6 + PUBLISHES):
        publish_and_ask(n)
    grown = rss_mb() - before
    assert len(seen) == PUBLISHES + 5  # each publish was a new generation the chat moved to
    assert grown <= MAX_GROWTH_MB, f"the chat process grew {grown:.1f} MB over {PUBLISHES} publications"
