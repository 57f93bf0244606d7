"""Questions asked while a re-ingest changes the index get answers from the old or the new one: no mix."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from ingest.index import Indexer, chunk_file
from ingest.load import read_manifest
from qa.chain import QAChain
from qa.corpus import LiveCorpus
from qa.retrieve import HybridRetriever
from qa.settings import BUNDLED_PLANS, Settings
from qa.store import ChunkStore, open_client
from qa.types import DocumentInfo
from tests.commands import planqa
from tests.fakes import BigramEmbeddings
from ui.cli import open_chain

QUESTIONS = [
    "荔湾区的发展基础有哪些？",
    "从化区2020年的地区生产总值是多少？",
    "荔灣區城市道路網密度要達到多少？",
    "两区在生态环境保护方面各有什么举措？",
]
Sources = list[tuple[Path, DocumentInfo | None]]


@dataclass
class Reader:
    """Asks questions in a loop on a thread and keeps what each answer was built from."""

    ask: Callable[[str], tuple[set[str], set[str]]]  # question → (retrieved ids, cited ids)
    seen: list[set[str]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            try:
                retrieved, cited = self.ask(QUESTIONS[n % len(QUESTIONS)])
                assert retrieved and cited <= retrieved
                self.seen.append(retrieved)
                time.sleep(0.002)  # leave the writer some turns at the GIL
            except BaseException as exc:  # every kind counts, so none may pass unseen
                self.errors.append(exc)
            n += 1

    def during(self, work: Callable[[], object]) -> None:
        """Run work while the reader asks; then let it ask a little more."""
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            work()
            asked = len(self.seen) + len(self.errors)
            while len(self.seen) + len(self.errors) < asked + len(QUESTIONS) and thread.is_alive():
                time.sleep(0.01)
        finally:
            self.stop.set()
            thread.join(timeout=120)


def whole(seen: list[set[str]], *versions: set[str]) -> list[int]:
    """How many answers came entirely from each version; fail on any answer that mixes them."""
    mixed = [ids for ids in seen if not any(ids <= v for v in versions)]
    assert not mixed, f"{len(mixed)} answers mixed two indexes, e.g. {sorted(mixed[0])[:6]}"
    return [
        sum(1 for ids in seen if ids <= v and not any(ids <= w for w in versions if w is not v))
        for v in versions
    ]


def two_versions(folder: Path, lines: int | None = None) -> tuple[Sources, Sources]:
    """The bundled plans (A) and the same with liwan under another id (B): both add and remove chunks."""
    folder.mkdir(parents=True, exist_ok=True)
    a: Sources = []
    b: Sources = []
    for path, info in read_manifest(BUNDLED_PLANS):
        copy = folder / path.name
        text = path.read_text(encoding="utf-8")
        copy.write_text("\n".join(text.split("\n")[:lines]) if lines else text, encoding="utf-8")
        a.append((copy, info))
        b.append((copy, info if info.id != "liwan" else replace(info, id="liwan-b")))
    return a, b


def answer_ids(chain: QAChain) -> Callable[[str], tuple[set[str], set[str]]]:
    def ask(question: str) -> tuple[set[str], set[str]]:
        answer = chain.ask(question)
        return {h.chunk.id for h in answer.retrieved}, {c.chunk.id for c in answer.citations}

    return ask


def test_questions_during_reingests_come_whole_from_one_index(tmp_path: Path) -> None:
    a, b = two_versions(tmp_path / "plans", lines=70)
    index = tmp_path / "index"
    embedder = BigramEmbeddings()
    indexer = Indexer(ChunkStore(open_client(index), "plans", embedding_model="bigram"), embedder, index)
    indexer.ingest(a, progress=False)
    ids_a = indexer.store.ids()
    store = ChunkStore(open_client(index), "plans")  # the reader's own, as in another process
    chain = QAChain(HybridRetriever(source=LiveCorpus(store, index), embeddings=BigramEmbeddings()))
    ids_b = {c.id for path, info in b for c in chunk_file(path, info, 400, 1)}

    reader = Reader(answer_ids(chain))

    def reingests() -> None:
        for sources in (b, a):
            time.sleep(0.2)  # some answers from each version
            indexer.ingest(sources, prune=True, progress=False)

    reader.during(reingests)
    assert not reader.errors, reader.errors[:3]
    from_a, from_b = whole(reader.seen, ids_a, ids_b)
    assert from_a and from_b  # the reader saw both, so the switch happened under it
    assert indexer.store.ids() == ids_a and reader.seen[-1] <= ids_a  # and it follows to the last one


def test_a_snapshot_taken_before_a_publication_searches_exactly_as_before(tmp_path: Path) -> None:
    a, b = two_versions(tmp_path / "plans", lines=70)
    index = tmp_path / "index"
    indexer = Indexer(ChunkStore(open_client(index), "plans"), BigramEmbeddings(), index)
    indexer.ingest(a, progress=False)
    retriever = HybridRetriever(
        source=LiveCorpus(ChunkStore(open_client(index), "plans"), index), embeddings=BigramEmbeddings()
    )
    old = retriever.corpus
    before = [retriever.search(q, corpus=old) for q in QUESTIONS]
    assert all(any(h.dense_rank is not None for h in hits) for hits in before)

    indexer.ingest(b, prune=True, progress=False)
    assert [retriever.search(q, corpus=old) for q in QUESTIONS] == before  # dense results too
    new = retriever.corpus
    assert new is not old and new.chunks.keys() == indexer.store.ids()
    assert {h.chunk.id for q in QUESTIONS for h in retriever.search(q, corpus=new)} <= new.chunks.keys()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_cli_reingesting_beside_a_running_chain(tmp_path: Path) -> None:
    """`planqa ingest` in another process, the chat's chain (real embedder) asking all the while."""
    index = tmp_path / "index"
    settings = Settings(index_dir=index)
    chain = open_chain(settings, index)  # ingests the bundled plans (A)
    ids_a = chain.corpus.chunks.keys()
    folder = tmp_path / "plans-b"
    folder.mkdir()
    manifest = json.loads((BUNDLED_PLANS / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest:
        (folder / entry["file"]).write_bytes((BUNDLED_PLANS / entry["file"]).read_bytes())
        entry["id"] = "liwan-b" if entry["id"] == "liwan" else entry["id"]
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")

    reader = Reader(answer_ids(chain))

    def reingest() -> None:
        done = planqa("ingest", "--json", "--quiet", "--prune", "--index", str(index), str(folder))
        assert done.returncode == 0, done.stderr

    reader.during(reingest)
    assert not reader.errors, reader.errors[:3]
    ids_b = ChunkStore(open_client(index), "plans").ids()
    assert ids_b != set(ids_a)
    from_a, from_b = whole(reader.seen, set(ids_a), ids_b)
    assert from_a and from_b
