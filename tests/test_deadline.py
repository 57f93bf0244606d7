"""Every call to a Chroma server is bounded: a hung one times out, a quick one is untouched (real Chroma)."""

from __future__ import annotations

import threading
import time
from typing import Any

import chromadb
import pytest

from qa.deadline import Deadline, within
from qa.errors import store_error


class HungServerClient:
    """Answers `heartbeat` at once and never answers `get_collection` (until released)."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def heartbeat(self) -> int:
        return 1

    def get_collection(self, name: str) -> Any:
        self.release.wait(30)
        return name


def test_within_returns_the_value_or_the_callers_own_error() -> None:
    assert within(5, lambda: 42) == 42
    empty: dict[str, int] = {}
    with pytest.raises(KeyError, match="missing"):
        within(5, lambda: empty["missing"])


def test_a_hung_call_times_out_and_reads_as_unreachable() -> None:
    hung = HungServerClient()
    client = Deadline(hung, 0.3)
    assert client.heartbeat() == 1
    begun = time.monotonic()
    with pytest.raises(TimeoutError) as caught:
        client.get_collection("plans__current")
    assert time.monotonic() - begun < 5
    message = str(store_error(caught.value, "http://127.0.0.1:8000", "reading the index pointer"))
    assert message.startswith("无法连接知识库 cannot reach Chroma at http://127.0.0.1:8000")
    hung.release.set()


def test_collections_from_a_bounded_client_are_bounded_and_work() -> None:
    client = Deadline(chromadb.EphemeralClient(), 10)
    collection = client.get_or_create_collection("deadline-test", metadata={"hnsw:space": "cosine"})
    assert isinstance(collection, Deadline) and collection.name == "deadline-test"
    collection.upsert(ids=["a", "b"], embeddings=[[1.0, 0.0], [0.0, 1.0]])
    got = collection.query(query_embeddings=[[0.9, 0.1]], n_results=5, include=["distances"])
    assert got["ids"] == [["a", "b"]] and collection.count() == 2
    assert "deadline-test" in [c.name for c in client.list_collections()]
