"""An empty or missing index says "run planqa ingest" (chat, API, CLI) instead of "the plans do not say"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from bench.serve import free_port
from ingest.index import Indexer
from ingest.load import read_manifest
from qa.chain import QAChain
from qa.corpus import Corpus, LiveCorpus
from qa.errors import EMPTY_INDEX
from qa.retrieve import HybridRetriever
from qa.settings import BUNDLED_PLANS, Settings
from qa.store import ChunkStore, EmptyIndexError, open_client
from qa.types import DocumentInfo
from tests.commands import planqa
from tests.fakes import BigramEmbeddings
from tests.test_chroma_server import ChromaServer
from ui.app import brief_service, create, launch
from ui.chat import ChatService
from ui.feedback import FeedbackStore
from ui.limits import RateLimiter

GDP = "从化区2020年的地区生产总值是多少？"


def small_plans(folder: Path) -> list[tuple[Path, DocumentInfo]]:
    """The first 70 lines of each bundled plan (GDP of 2020 included): enough to answer, quick to index."""
    folder.mkdir(parents=True, exist_ok=True)
    plans = []
    for path, info in read_manifest(BUNDLED_PLANS):
        copy = folder / path.name
        copy.write_text("\n".join(path.read_text(encoding="utf-8").split("\n")[:70]), encoding="utf-8")
        plans.append((copy, info))
    return plans


def live_chain(store: ChunkStore, index: Path) -> QAChain:
    return QAChain(HybridRetriever(source=LiveCorpus(store, index), embeddings=BigramEmbeddings()))


def service_over(chain: QAChain, folder: Path) -> ChatService:
    return ChatService(chain, FeedbackStore(folder / "feedback.sqlite3"), RateLimiter(1000))


def answered_from_the_plans(reply: dict[str, Any]) -> bool:
    """An /ask object answered from an index holding the 2020 GDP sentence (whatever the answer path says)."""
    return reply["answer"] != EMPTY_INDEX and any("386.31亿元" in hit["text"] for hit in reply["retrieved"])


def assert_says_empty(service: ChatService) -> None:
    """The API, the chat turn and the briefing all say the index is empty, as a notice, not a refusal."""
    reply = service.ask(GDP)
    assert reply["answer"] == EMPTY_INDEX and reply["refused"] is True and not reply["citations"]
    *_, (messages, turns, _) = service.respond(GDP, None, [])
    assert turns[-1].notice and turns[-1].answer.text == EMPTY_INDEX
    assert "planqa ingest" in messages[-1]["content"]
    assert brief_service(service).brief("生态环境保护", ["liwan"]) == (None, EMPTY_INDEX)


def test_an_embedded_index_never_published_says_run_ingest_until_one_is(tmp_path: Path) -> None:
    index = tmp_path / "index"
    store = ChunkStore(open_client(index), "plans")
    chain = live_chain(store, index)
    with pytest.raises(EmptyIndexError, match="planqa ingest"):
        chain.ask(GDP)
    with pytest.raises(EmptyIndexError):
        Corpus.open(store, index).current()  # a fixed snapshot of nothing says the same
    service = service_over(chain, tmp_path)
    assert_says_empty(service)

    Indexer(ChunkStore(open_client(index), "plans"), BigramEmbeddings(), index).ingest(
        small_plans(tmp_path / "plans"), progress=False
    )
    assert answered_from_the_plans(service.ask(GDP))  # the same running chain picks the publication up


def test_planqa_ask_on_an_index_with_nothing_to_ingest_says_run_ingest(tmp_path: Path) -> None:
    nothing = tmp_path / "plans"
    nothing.mkdir()
    (nothing / "manifest.json").write_text("[]", encoding="utf-8")
    env = {"PLANQA_INDEX_DIR": str(tmp_path / "index"), "PLANQA_PLANS_DIR": str(nothing)}
    result = planqa("ask", GDP, "--json", env=env)
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"错误 error: {EMPTY_INDEX}"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    running = ChromaServer(tmp_path / "data", free_port(range(18200, 18250)), tmp_path / "chroma.log")
    running.start()
    yield running
    running.stop()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_chroma_server_restarted_on_an_empty_path_says_run_ingest(
    server: ChromaServer, tmp_path: Path
) -> None:
    store = ChunkStore(open_client(tmp_path / "app", server.url), "plans")
    indexer = Indexer(store, BigramEmbeddings(), tmp_path / "ingest")
    indexer.ingest(small_plans(tmp_path / "plans"), progress=False)
    chain = live_chain(store, tmp_path / "app")
    service = service_over(chain, tmp_path)
    settings = Settings(chroma_url=server.url, feedback_db=tmp_path / "f.sqlite3", rate_limit_per_minute=1000)
    demo = create(chain, settings, warm_up=False)
    url = launch(demo, settings, port=free_port(range(18250, 18300)), prevent_thread_lock=True, quiet=True)
    try:
        client = Client(url, verbose=False)
        assert answered_from_the_plans(client.predict(question=GDP, api_name="/ask"))

        server.stop()
        server.path = tmp_path / "empty"  # same port, a data path with nothing in it
        server.start()
        reply = client.predict(question=GDP, api_name="/ask")
        assert reply["answer"] == EMPTY_INDEX and reply["refused"] is True, json.dumps(
            reply, ensure_ascii=False
        )
        assert_says_empty(service)

        indexer.ingest(small_plans(tmp_path / "plans"), progress=False)  # the operator does what it says
        assert answered_from_the_plans(client.predict(question=GDP, api_name="/ask"))
    finally:
        demo.close()
