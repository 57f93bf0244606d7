"""Sentence-level closeness: sentences of a chunk, and cached sentence vectors from the bigram embedder."""

from __future__ import annotations

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from qa.semantic import SentenceMatcher, chunk_sentences
from qa.types import Chunk
from tests.fakes import BigramEmbeddings

BEDS = "每千名老人拥有养老床位40张。"
METRO = "地铁14号线二期建成通车。"
PARK = "白鹅潭商务区建成高质量发展新引擎。"


def test_chunk_sentences_are_simplified_and_in_order() -> None:
    text = "到2025年，每千名老人擁有養老床位40張。\n社區養老服務設施覆蓋率達到100%！地鐵通車"
    chunk = Chunk("c", "liwan", "荔湾区规划", "荔湾区", ("第五章",), 1, 2, 0, len(text), text, text, "")
    assert chunk_sentences(chunk) == [
        "到2025年，每千名老人拥有养老床位40张。",
        "社区养老服务设施覆盖率达到100%！",
        "地铁通车",
    ]


def test_the_sentence_sharing_the_questions_wording_is_closest() -> None:
    embedder = BigramEmbeddings()
    matcher = SentenceMatcher(embedder)
    scores = matcher.similarities(embedder.embed_query("养老床位有多少张？"), [METRO, BEDS, PARK])
    assert len(scores) == 3 and max(scores) == scores[1]
    assert all(-1.0 <= s <= 1.0 + 1e-6 for s in scores)


def test_similarity_is_a_cosine_whatever_the_vector_lengths() -> None:
    embedder = BigramEmbeddings()
    matcher = SentenceMatcher(embedder)
    query = np.asarray(embedder.embed_query(BEDS)) * 7.5
    assert matcher.similarities(list(query), [BEDS]) == [pytest.approx(1.0)]
    assert matcher.similarities([0.0] * embedder.dim, [BEDS]) == [0.0]  # a zero question vector, no NaN
    assert matcher.similarities(list(query), []) == []


class Unnormalised(BigramEmbeddings):
    """Bigram vectors scaled by text length, as a model that does not normalise its output would give."""

    def vector(self, text: str) -> list[float]:
        return [x * (1 + len(text)) for x in super().vector(text)]


def test_sentence_vectors_are_normalised_whatever_the_embedder_gives() -> None:
    embedder = Unnormalised()
    matcher = SentenceMatcher(embedder)
    np.testing.assert_allclose(np.linalg.norm(matcher.vectors([BEDS, PARK]), axis=1), 1.0, rtol=1e-5)
    assert matcher.similarities(embedder.embed_query(BEDS), [BEDS]) == [pytest.approx(1.0)]


class Zero(Embeddings):
    """Embeds everything as the zero vector (a degenerate embedder must not give NaN)."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[0.0, 0.0] for _ in texts]

    def embed_query(self, text: str) -> list[float]:
        return [0.0, 0.0]


def test_zero_sentence_vectors_give_zero_similarity() -> None:
    assert SentenceMatcher(Zero()).similarities([1.0, 0.0], [BEDS, METRO]) == [0.0, 0.0]


def test_sentence_vectors_are_embedded_once_and_kept() -> None:
    embedder = BigramEmbeddings()
    matcher = SentenceMatcher(embedder)
    first = matcher.vectors([BEDS, METRO, BEDS])
    assert first.shape == (3, embedder.dim)
    assert embedder.embedded == [BEDS, METRO]  # the repeat is embedded once
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-5)
    again = matcher.vectors([METRO, PARK])
    assert embedder.embedded == [BEDS, METRO, PARK] and embedder.calls == 2
    np.testing.assert_array_equal(again[0], first[1])


def test_memory_keeps_the_most_recent_sentences() -> None:
    embedder = BigramEmbeddings()
    matcher = SentenceMatcher(embedder, memory=2)
    matcher.vectors([BEDS])
    matcher.vectors([METRO])
    matcher.vectors([PARK])  # BEDS falls out
    matcher.vectors([METRO, PARK])
    assert embedder.embedded == [BEDS, METRO, PARK]
    matcher.vectors([BEDS])
    assert embedder.embedded == [BEDS, METRO, PARK, BEDS]
