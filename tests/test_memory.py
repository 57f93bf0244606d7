"""A chat following publication after publication keeps a flat memory footprint."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from ingest.index import Indexer
from ingest.load import read_manifest
from qa.chain import QAChain
from qa.corpus import LiveCorpus, limit_heap_arenas
from qa.retrieve import HybridRetriever
from qa.settings import BUNDLED_PLANS
from qa.store import ChunkStore, open_client
from qa.types import DocumentInfo
from tests.fakes import BigramEmbeddings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

PUBLISHES = 50
# Measured over these 50: reading through one long-lived Chroma client, +144 MB (~2.7 MB a generation);
# through a client of its own but with glibc's default heaps, +40 MB; as `planqa chat` now runs, +11–15 MB.
MAX_GROWTH_MB = 25
QUESTIONS = [
    "荔湾区的发展基础有哪些？",
    "从化区2020年的地区生产总值是多少？",
    "两区在生态环境保护方面各有什么举措？",
]
SPAWN = multiprocessing.get_context("spawn")  # fresh processes: nothing of this one's heap comes along
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
        pointer = indexer.store.pointer()
        orders.send(f"{pointer.collection}:{pointer.fingerprint}" if pointer else "")


def chat(index: Path, orders: Connection) -> None:
    """The chat's side, started as `planqa chat` starts: answer on worker threads, report version and RSS."""
    limit_heap_arenas()
    chain = QAChain(
        HybridRetriever(
            source=LiveCorpus(ChunkStore(open_client(index), "plans"), index), embeddings=BigramEmbeddings()
        )
    )
    workers = ThreadPoolExecutor(8)  # a question runs on whichever worker thread is free, as in the server
    while orders.recv() is not None:
        answers = list(workers.map(chain.ask, QUESTIONS * 2))
        assert all(a.retrieved for a in answers)
        orders.send((chain.corpus.version, rss_mb()))


def rss_mb() -> float:
    """This process's resident memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[tuple[Connection, Connection]]:
    """Pipes to an ingest process and, once something is published, a chat process over the same index."""
    index = tmp_path / "index"
    started: list[tuple[Connection, multiprocessing.process.BaseProcess]] = []
    for target, args in ((publisher, (index, tmp_path / "plans")), (chat, (index,))):
        ours, theirs = SPAWN.Pipe()
        process: multiprocessing.process.BaseProcess = SPAWN.Process(
            target=target, args=(*args, theirs), daemon=True
        )
        if target is chat:
            started[0][0].send(0)  # the chat starts on an index that has been published once
            started[0][0].recv()
        process.start()
        started.append((ours, process))
    try:
        yield started[0][0], started[1][0]
    finally:
        for pipe, process in started:
            pipe.send(None)
            process.join(60)


def test_fifty_publications_under_questions_leave_the_chat_process_flat(
    processes: tuple[Connection, Connection],
) -> None:
    ingest, chat = processes
    seen: list[str] = []
    sizes: list[float] = []
    for n in range(1, PUBLISHES + 6):  # the first five settle caches and the allocator
        ingest.send(n)
        published = ingest.recv()
        chat.send(n)
        version, size = chat.recv()
        assert version == published  # the chat answered from what was just published
        seen.append(version)
        sizes.append(size)
    grown = sizes[-1] - sizes[4]
    assert len(set(seen)) == len(seen)  # every publication was a new generation the chat moved to
    assert grown <= MAX_GROWTH_MB, f"the chat process grew {grown:.1f} MB over {PUBLISHES} publications"
