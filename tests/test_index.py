"""Ingesting into a real Chroma in a temp dir, with the fake embedder: counts, idempotence, updates."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from ingest.index import Indexer, IngestReport, chunk_file
from qa.embeddings import BundledVectors, cached, export_vectors
from qa.keywords import KeywordIndex
from qa.store import ChunkStore, StoreError, open_client
from qa.types import DocumentInfo
from tests.fakes import BigramEmbeddings

Sources = list[tuple[Path, DocumentInfo | None]]


def open_indexer(index_dir: Path, embeddings: Embeddings, **kwargs: int) -> Indexer:
    """An indexer over a real Chroma in index_dir."""
    store = ChunkStore(open_client(index_dir), "plans", embedding_model="bigram")
    return Indexer(store, embeddings, index_dir, **kwargs)


def assert_in_step(indexer: Indexer) -> set[str]:
    """Chroma and the saved keyword index hold exactly the same chunk ids; return them."""
    chroma = indexer.store.ids()
    keywords = KeywordIndex.load(indexer.index_dir)
    assert keywords is not None
    assert set(keywords.ids) == chroma and len(keywords.ids) == len(chroma)
    return chroma


def run(
    indexer: Indexer, sources: Sequence[tuple[Path, DocumentInfo | None]], *, prune: bool = False
) -> IngestReport:
    """Ingest quietly, then check that Chroma and the keyword index agree."""
    report = indexer.ingest(sources, prune=prune, progress=False)
    assert_in_step(indexer)
    return report


def expected_ids(sources: Sequence[tuple[Path, DocumentInfo | None]], size: int = 400) -> set[str]:
    return {c.id for path, info in sources for c in chunk_file(path, info, size, 1)}


@pytest.fixture
def small_plans(tmp_path: Path, plans: list[tuple[Path, DocumentInfo]]) -> Sources:
    """The first 80 lines of each bundled plan, as files of their own (quick to index)."""
    folder = tmp_path / "plans"
    folder.mkdir()
    sources: Sources = []
    for path, info in plans:
        copy = folder / path.name
        copy.write_text("\n".join(path.read_text(encoding="utf-8").split("\n")[:80]), encoding="utf-8")
        sources.append((copy, info))
    return sources


def test_both_plans_ingest_once_and_reingest_as_a_no_op(
    index_dir: Path, plans: list[tuple[Path, DocumentInfo]], embedder: BigramEmbeddings
) -> None:
    indexer = open_indexer(index_dir, embedder)
    first = run(indexer, plans)
    want = expected_ids(plans)
    assert (first.documents, first.chunks, first.added) == (2, len(want), len(want))
    assert (first.removed, first.unchanged) == (0, 0)
    assert first.failed == ()
    assert indexer.store.count() == len(want)
    assert indexer.store.doc_ids() == {"conghua", "liwan"}
    assert len(indexer.store.ids("liwan")) == sum(1 for c in chunk_file(*plans[1], 400, 1))
    assert assert_in_step(indexer) == want
    assert len(embedder.embedded) == len(want)

    again = run(open_indexer(index_dir, embedder), plans)
    assert (again.added, again.removed, again.unchanged, again.chunks) == (0, 0, len(want), len(want))
    assert assert_in_step(indexer) == want
    assert len(embedder.embedded) == len(want)  # nothing new to embed

    query = embedder.embed_query("荔灣區白鵝潭商務區的戰略定位")  # the right document comes first
    top = indexer.store.query(query, 3)
    best = indexer.store.collection.get(ids=[top[0][0]])["metadatas"]
    assert best and best[0]["doc_id"] == "liwan"


def test_report_json_has_the_documented_keys(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    report = run(open_indexer(index_dir, embedder), small_plans)
    data = report.to_json()
    assert set(data) == {"documents", "chunks", "added", "removed", "unchanged", "failed", "seconds"}
    assert json.loads(json.dumps(data)) == data


def test_changed_document_replaces_only_its_stale_chunks(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    indexer = open_indexer(index_dir, embedder)
    run(indexer, small_plans)
    conghua_before = indexer.store.ids("conghua")
    liwan_before = indexer.store.ids("liwan")

    liwan_path, liwan_info = small_plans[1]
    text = liwan_path.read_text(encoding="utf-8")
    old, new = "經濟發展提質增效。", "經濟發展提質增效，動能轉換加快。"
    assert text.count(old) == 1
    liwan_path.write_text(text.replace(old, new), encoding="utf-8")
    embedder.embedded.clear()

    report = run(indexer, small_plans)
    liwan_after = indexer.store.ids("liwan")
    assert indexer.store.ids("conghua") == conghua_before
    assert liwan_after == expected_ids([(liwan_path, liwan_info)])
    stale, fresh = liwan_before - liwan_after, liwan_after - liwan_before
    assert stale and fresh
    assert (report.removed, report.added) == (len(stale), len(fresh))
    assert report.unchanged == len(conghua_before) + len(liwan_before & liwan_after)
    assert any("动能转换加快" in t for t in embedder.embedded)  # embedded in its Simplified form
    assert len(embedder.embedded) == len(fresh)
    assert assert_in_step(indexer) == conghua_before | liwan_after


def test_prune_removes_documents_no_longer_given(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    indexer = open_indexer(index_dir, embedder)
    run(indexer, small_plans)
    conghua = indexer.store.ids("conghua")

    kept = run(indexer, small_plans[:1])
    assert kept.removed == 0 and indexer.store.doc_ids() == {"conghua", "liwan"}

    pruned = run(indexer, small_plans[:1], prune=True)
    assert pruned.removed == len(expected_ids(small_plans[1:]))
    assert indexer.store.doc_ids() == {"conghua"}
    assert assert_in_step(indexer) == conghua


def test_bad_file_is_reported_and_the_rest_ingested(
    index_dir: Path, tmp_path: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"garbage")
    indexer = open_indexer(index_dir, embedder)
    sources = [small_plans[0], (empty, None), (broken, None), small_plans[1]]
    report: IngestReport = run(indexer, sources)
    assert [(Path(f.path).name, f.error) for f in report.failed] == [
        ("empty.txt", "empty file"),
        ("broken.pdf", report.failed[1].error),
    ]
    assert "PDF" in report.failed[1].error
    assert report.documents == 2
    assert assert_in_step(indexer) == expected_ids(small_plans)


def test_a_file_that_fails_later_is_not_pruned(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    indexer = open_indexer(index_dir, embedder)
    run(indexer, small_plans)
    liwan = indexer.store.ids("liwan")
    small_plans[1][0].write_bytes(b"")
    report = run(indexer, small_plans, prune=True)
    assert len(report.failed) == 1 and report.removed == 0
    assert indexer.store.ids("liwan") == liwan


def test_duplicate_document_id_is_refused(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    report = run(open_indexer(index_dir, embedder), [small_plans[0], small_plans[0]])
    assert report.documents == 1
    assert [f.error for f in report.failed] == ["document id 'conghua' is already used by another file"]


def test_another_embedding_model_is_refused(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    run(open_indexer(index_dir, embedder), small_plans[:1])
    with pytest.raises(StoreError, match="embedding model 'bigram'"):
        ChunkStore(open_client(index_dir), "plans", embedding_model="other")


def test_chunk_size_changes_the_chunks(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    indexer = open_indexer(index_dir, embedder, chunk_size=150)
    report = run(indexer, small_plans)
    assert assert_in_step(indexer) == expected_ids(small_plans, size=150)
    assert report.chunks > len(expected_ids(small_plans))


def test_embedding_cache_skips_texts_embedded_before(
    tmp_path: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    cache = tmp_path / "cache"
    first = open_indexer(tmp_path / "one", cached(embedder, cache, "bigram"))
    n = run(first, small_plans).added
    assert len(embedder.embedded) == n

    second = open_indexer(tmp_path / "two", cached(embedder, cache, "bigram"))
    assert run(second, small_plans).added == n  # a fresh index, every text in the cache
    assert len(embedder.embedded) == n
    assert assert_in_step(second) == assert_in_step(first)

    torn = next(p for p in cache.iterdir() if not p.name.startswith("."))
    torn.write_bytes(b"[0.1, 0.2")  # as a writer killed mid-file would leave it
    third = open_indexer(tmp_path / "three", cached(embedder, cache, "bigram"))
    assert run(third, small_plans).added == n
    assert len(embedder.embedded) == n + 1  # only the torn entry is embedded again
    assert json.loads(torn.read_bytes())


def test_bundled_vectors_stand_in_for_the_cache(
    tmp_path: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    cache = tmp_path / "cache"
    first = open_indexer(tmp_path / "one", cached(embedder, cache, "bigram"))
    n = run(first, small_plans).added
    shipped = tmp_path / "vectors-bigram.npz"
    assert export_vectors(cache, "bigram", shipped) == n
    with np.load(shipped) as data:
        assert data["vectors"].shape == (n, embedder.dim)
    assert len(list(BundledVectors(shipped).yield_keys())) == n

    shutil.rmtree(cache)
    embedder.embedded.clear()
    served = cached(embedder, tmp_path / "fresh-cache", "bigram", bundled=shipped)
    indexer = open_indexer(tmp_path / "two", served)
    assert run(indexer, small_plans).added == n
    assert embedder.embedded == []
    got = indexer.store.collection.get(include=["embeddings"])
    expected = embedder.embed_documents([c.embed_text for c in indexer.store.all_chunks()[:1]])[0]
    assert np.allclose(got["embeddings"][0], expected, atol=1e-6)
