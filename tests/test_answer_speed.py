"""What keeps a question's reading fast: sentence vectors in memory after warm-up, one pinyin read a run."""

from __future__ import annotations

from langchain_classic.embeddings import CacheBackedEmbeddings
from langchain_core.stores import InMemoryByteStore

from qa.semantic import SentenceMatcher
from qa.understand import NameMender
from tests.fakes import BigramEmbeddings


def test_preload_keeps_the_cached_sentence_vectors_and_embeds_none() -> None:
    fake = BigramEmbeddings()
    cached = CacheBackedEmbeddings.from_bytes_store(
        fake, InMemoryByteStore(), namespace="t", key_encoder="sha256"
    )
    cached.embed_documents(["加快旧村改造。", "建设生态之城。"])  # what ingest leaves in the cache
    matcher = SentenceMatcher(cached)
    assert matcher.preload(["加快旧村改造。", "建设生态之城。", "未曾入库的句子。"]) == 2
    assert fake.calls == 1  # the uncached sentence was not embedded by the preload
    cosines = matcher.similarities(fake.vector("旧村改造"), ["加快旧村改造。", "建设生态之城。"])
    assert fake.calls == 1 and cosines[0] > cosines[1]  # answered from memory, closest first


def test_a_typed_name_is_mended_from_its_runs_syllables() -> None:
    mender = NameMender(["从化", "白鹅潭", "温泉镇"])
    text, mended = mender.mend("从话的白鹅谭有什么规划", {"规划": 1.0})
    assert text == "从化的白鹅潭有什么规划" and mended == [("白鹅谭", "白鹅潭"), ("从话", "从化")]
