"""A later part of a two-part message is searched on its own and together with the first part's subject."""

from __future__ import annotations

import numpy as np

from qa.collection import LoadedGeneration
from qa.corpus import Corpus
from qa.fusion import Fusion
from qa.keywords import KeywordIndex
from qa.retrieve import HybridRetriever
from qa.types import Chunk
from tests.fakes import BigramEmbeddings

# Three kinds of 示范区; the message's first part asked about tourism.
TEXTS = {
    "carbon": "建设低碳城市示范区。",
    "farm": "建设现代农业示范区。",
    "water": "建设节水型社会示范区。",
    "tour": "建设全域旅游示范区。",
    "hotel": "旅游酒店设施不断完善。",
}
FIRST = "旅游在全省排第几"
LATER = "以后还想争取什么示范区？"


def chunk(chunk_id: str, text: str, start: int) -> Chunk:
    return Chunk(chunk_id, "a", "a规划", "a", (), 1, 1, start, start + len(text), text, text, "")


def retriever() -> tuple[HybridRetriever, BigramEmbeddings]:
    embedder = BigramEmbeddings()
    chunks = [chunk(c, t, 100 * i) for i, (c, t) in enumerate(TEXTS.items())]
    vectors = np.asarray([embedder.vector(c.embed_text) for c in chunks], dtype=np.float32)
    corpus = Corpus(LoadedGeneration("g", "v1", "", chunks, vectors), KeywordIndex.from_chunks(chunks))
    return HybridRetriever(source=corpus, embeddings=embedder, fusion=Fusion()), embedder


def test_a_later_part_read_with_the_first_parts_subject_finds_that_subjects_passage_first() -> None:
    search, _ = retriever()
    alone = [h.chunk.id for h in search.search(LATER)]
    together = [h.chunk.id for h in search.search(LATER, context=FIRST)]
    # its own words fit every 示范区 alike, and another comes first; read with the subject, tourism's does
    assert alone[0] != "tour" and together[0] == "tour"
    # the subject alone does not take over: every 示范区 passage still outranks tourism's hotels
    assert together[-1] == "hotel"


def test_a_part_already_holding_its_context_is_searched_once() -> None:
    search, embedder = retriever()
    joined = f"{FIRST} {LATER}"
    plain = [h.chunk.id for h in search.search(joined)]
    before = len(embedder.questions)
    assert [h.chunk.id for h in search.search(joined, context=FIRST)] == plain
    assert len(embedder.questions) == before + 1  # no second vector for the same text
