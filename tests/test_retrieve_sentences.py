"""Chunks ranked by their closest sentence: the sentence index, its upkeep, and the third fused list."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from qa.collection import LoadedGeneration
from qa.corpus import Corpus
from qa.embeddings import cached
from qa.fusion import FUSION_FILE, Fusion, rrf
from qa.keywords import KeywordIndex
from qa.retrieve import HybridRetriever
from qa.semantic import SentenceIndex, SentenceMatcher, chunk_sentences
from qa.types import Chunk
from tests.fakes import BigramEmbeddings

QUESTION = "全民健身中心新增体育场地面积多少？"
ANSWER = "建成全民健身中心，新增体育场地面积5万平方米。"
# The answer among four other topics: the chunk's vector is a blur of five sentences.
LONG = (
    "推进产业园区提质增效，培育先进制造业集群。完善城乡交通路网体系，打通断头路。"
    f"加快发展数字经济，建设智慧城市。{ANSWER}深化行政审批制度改革，优化营商环境。"
)
# Shares the question's words in one short sentence that does not answer it.
SHORT = "全民健身中心体育场地免费开放。"
OTHER_DOC = "建成全民健身中心，新增体育场地面积3万平方米。"


def chunk(chunk_id: str, doc_id: str, text: str, start: int = 0) -> Chunk:
    return Chunk(
        chunk_id, doc_id, f"{doc_id}规划", doc_id, (), 1, 1, start, start + len(text), text, text, ""
    )


CHUNKS = [chunk("a-long", "a", LONG), chunk("a-short", "a", SHORT, 500), chunk("b-answer", "b", OTHER_DOC)]


def corpus_of(chunks: list[Chunk], embedder: BigramEmbeddings, version: str = "v1") -> Corpus:
    vectors = np.asarray([embedder.vector(c.embed_text) for c in chunks], dtype=np.float32)
    return Corpus(LoadedGeneration("g", version, "", chunks, vectors), KeywordIndex.from_chunks(chunks))


def cached_matcher(tmp_path: Path, chunks: list[Chunk]) -> tuple[SentenceMatcher, BigramEmbeddings]:
    """A matcher over a content-hash cache that holds every sentence of the chunks, as after an ingest."""
    embedder = BigramEmbeddings()
    cache = cached(embedder, tmp_path / "cache", namespace="bigram")
    cache.embed_documents([s for c in chunks for s in chunk_sentences(c)])
    embedder.embedded.clear()
    return SentenceMatcher(cache), embedder


def test_the_chunk_whose_one_sentence_answers_outranks_one_that_only_shares_words(tmp_path: Path) -> None:
    matcher, embedder = cached_matcher(tmp_path, CHUNKS)
    corpus = corpus_of(CHUNKS, embedder)
    vector = embedder.embed_query(QUESTION)
    # the whole-chunk vectors put the short look-alike first ...
    assert [c for c, _ in corpus.store.query(vector, 2, ("a",))] == ["a-short", "a-long"]
    # ... the closest sentence puts the answer first, scored by that sentence's own cosine
    index = SentenceIndex("v1", CHUNKS, matcher.stored)
    found = index.search(vector, 2, ("a",))
    assert [c for c, _ in found] == ["a-long", "a-short"]
    assert found[0][1] == pytest.approx(float(np.dot(vector, embedder.vector(ANSWER))), abs=1e-5)
    assert embedder.embedded == []  # built from the cache, nothing embedded
    assert [c for c, _ in index.search(vector, 5, ("b",))] == ["b-answer"]
    assert [c for c, _ in index.search(vector, 5)][2:] == ["a-short"]  # all plans: both answers first


def test_past_the_row_bound_only_the_candidates_are_ranked(tmp_path: Path) -> None:
    matcher, embedder = cached_matcher(tmp_path, CHUNKS)
    vector = embedder.embed_query(QUESTION)
    index = SentenceIndex("v1", CHUNKS, matcher.stored, full_search_rows=3)
    assert [c for c, _ in index.search(vector, 5, candidates=["a-short", "a-long"])] == ["a-long", "a-short"]
    assert index.search(vector, 5) == []  # no candidates: nothing scored
    assert len(index.search(vector, 5, ("b",))) == 1  # one plan's rows are within the bound


def test_sentences_without_a_cached_vector_are_left_out_not_embedded(tmp_path: Path) -> None:
    matcher, embedder = cached_matcher(tmp_path, CHUNKS[:1])
    index = SentenceIndex("v1", CHUNKS, matcher.stored)
    assert len(index) == len(chunk_sentences(CHUNKS[0]))
    assert [c for c, _ in index.search(embedder.embed_query(SHORT), 5)] == ["a-long"]
    assert embedder.embedded == []


def test_the_matcher_reads_corpus_sentences_from_the_index(tmp_path: Path) -> None:
    matcher, embedder = cached_matcher(tmp_path, CHUNKS)
    index = matcher.index("v1", lambda: CHUNKS)
    assert index is not None and matcher.index("v1", lambda: []) is index  # built once per version
    np.testing.assert_allclose(matcher.vectors([ANSWER])[0], embedder.vector(ANSWER), atol=1e-6)
    assert matcher.preload([ANSWER, SHORT]) == 0  # already held by the index
    assert embedder.embedded == []


def test_a_later_version_is_built_in_the_background_while_questions_go_on(tmp_path: Path) -> None:
    matcher, _ = cached_matcher(tmp_path, CHUNKS)
    first = matcher.index("v1", lambda: CHUNKS)
    assert first is not None  # the first build is part of start-up
    assert matcher.index("v2", lambda: CHUNKS[:1]) is None  # meanwhile: no sentence list
    deadline = time.monotonic() + 10
    while (later := matcher.index("v2", lambda: CHUNKS[:1])) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert later is not None and later.version == "v2" and later.ids == ["a-long"]


def test_the_sentence_list_is_fused_as_weighted(tmp_path: Path) -> None:
    matcher, embedder = cached_matcher(tmp_path, CHUNKS)
    corpus = corpus_of(CHUNKS, embedder)
    plain = HybridRetriever(source=corpus, embeddings=embedder, fusion=Fusion(keyword=0.0))
    with_sentences = HybridRetriever(
        source=corpus, embeddings=embedder, sentences=matcher, fusion=Fusion(keyword=0.0, sentence=2.0)
    )
    ignored = HybridRetriever(
        source=corpus, embeddings=embedder, sentences=matcher, fusion=Fusion(keyword=0.0)
    )
    assert [h.chunk.id for h in plain.search(QUESTION, district="a")] == ["a-short", "a-long"]
    assert [h.chunk.id for h in with_sentences.search(QUESTION, district="a")] == ["a-long", "a-short"]
    assert [h.chunk.id for h in ignored.search(QUESTION, district="a")] == ["a-short", "a-long"]


def test_rrf_weights_each_list_and_skips_a_list_weighted_zero() -> None:
    fused = rrf([["x", "y"], ["y"], ["z"]], k=1, weights=(1.0, 2.0, 0.0))
    assert fused == {"x": pytest.approx(1 / 2), "y": pytest.approx(1 / 3 + 2 / 2)}


def test_the_shipped_fusion_was_fitted_on_tuning_sets_only(tmp_path: Path) -> None:
    saved = json.loads(FUSION_FILE.read_text(encoding="utf-8"))
    assert set(saved["sets"]) <= {"qa.jsonl", "resident.jsonl"}
    assert Fusion.load() == Fusion(**saved["fusion"])
    assert Fusion.load(tmp_path / "missing.json") == Fusion()  # the hand-set constants it replaced
    Fusion(rrf_k=3.0, sentence=1.5).save(tmp_path / "f.json", {"sets": ["qa.jsonl"]})
    assert Fusion.load(tmp_path / "f.json") == Fusion(rrf_k=3.0, sentence=1.5)
